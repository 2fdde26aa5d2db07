"""What a catalogue listing is asked and what it answers: the filters of /products and the API
(read from the query string by parse_filters) and the Listing both back ends return, so pages
and the API do not care whether SQL (storefront.catalog.listing) or the search index
(storefront.search.index) answered. storefront.catalog.services.list_products chooses.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import ceil

from flask_babel import gettext as _

from storefront.catalog.models import CERTIFIED_MIN_STARS, MAX_PRICE, PRODUCT_GROUPS, Area, Product
from storefront.extensions import db
from storefront.form_fields import typed_amount
from storefront.query_args import page_number, parse_int

MAX_QUERY_LENGTH = 200
SORTS = ("relevance", "price_asc", "price_desc", "stars", "newest")


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    stars: tuple[int, ...] = ()
    group: str | None = None
    area: Area | None = None
    min_price: int | None = None
    max_price: int | None = None
    sort: str = "relevance"
    page: int = 1
    # Staff also see registered products that are not (or no longer) certified.
    include_uncertified: bool = False

    def without(self, facet: str) -> ProductFilters:
        return replace(self, **{facet: () if facet == "stars" else None})

    def query_args(self, **overrides) -> dict:
        """The URL arguments that reproduce these filters, for links and pagination."""
        args = {
            "q": self.q or None,
            "stars": list(self.stars) or None,
            "group": self.group,
            "area": self.area.code if self.area else None,
            "min_price": self.min_price,
            "max_price": self.max_price,
            "sort": self.sort if self.sort != "relevance" else None,
            "page": self.page if self.page > 1 else None,
            "all": 1 if self.include_uncertified else None,
        }
        args.update(overrides)
        return {key: value for key, value in args.items() if value not in (None, "", [])}


@dataclass
class FacetValue:
    key: str
    label: str
    count: int
    selected: bool


@dataclass
class Listing:
    products: list[Product]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    highlights: dict[int, str] = field(default_factory=dict)
    typo_fallback: bool = False

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def parse_filters(args, *, staff: bool = False) -> tuple[ProductFilters, list[str]]:
    """Read filters from request arguments; a bad value is dropped with a notice, never a 500."""
    notices: list[str] = []
    q = " ".join((args.get("q") or "").split())
    if len(q) > MAX_QUERY_LENGTH:
        q = q[:MAX_QUERY_LENGTH]
        notices.append(_("Your search was shortened to %(n)d characters.", n=MAX_QUERY_LENGTH))

    stars: list[int] = []
    for raw in args.getlist("stars"):
        value = parse_int(raw)
        if value is not None and CERTIFIED_MIN_STARS <= value <= 5 or (
            staff and value is not None and 1 <= value <= 5
        ):
            stars.append(value)
        else:
            notices.append(_("Ignored the star filter %(value)s: OCOP stars are 3, 4 or 5.", value=raw[:20]))

    group = args.get("group") or None
    if group is not None and group not in PRODUCT_GROUPS:
        notices.append(_("Ignored an unknown product group."))
        group = None

    area = None
    if area_code := args.get("area"):
        area = db.session.scalar(db.select(Area).where(Area.code == area_code[:20]))
        if area is None or area.level == "commune":
            notices.append(_("Ignored an unknown area."))
            area = None

    prices = {}
    for name, label in (("min_price", _("minimum price")), ("max_price", _("maximum price"))):
        raw = args.get(name) or ""
        # Typed as the shop writes prices: "150.000", "150,000" and "150 000" are 150000.
        value = typed_amount(raw[:40])
        if isinstance(value, str) or (value is not None and not 0 <= value <= MAX_PRICE):
            notices.append(_("Ignored the %(label)s: enter a whole number of đồng.", label=label))
            value = None
        prices[name] = value

    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        sort = "relevance"
    page = page_number(args)

    filters = ProductFilters(
        q=q,
        stars=tuple(sorted(set(stars))),
        group=group,
        area=area,
        sort=sort,
        page=min(page, 10_000),
        include_uncertified=staff and args.get("all") == "1",
        **prices,
    )
    return filters, notices

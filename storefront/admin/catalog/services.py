"""The back office's lists of producers, products and evaluations: searched with or without
diacritics, filtered, paginated, at a cost that follows the page, not the catalogue.

Text is matched in SQL against folded copies (a product's slug, a producer's name_folded: no
tone marks, đ→d) with LIKE. A page is one query for its rows (plus one per relation shown),
and its count stops at COUNT_CAP: past that the list says "more than 10,000" and asks for a
narrower search, and no page lies deeper than the cap (no OFFSET walking the whole table).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from math import ceil

from sqlalchemy import Select, func, literal_column, or_, select, union
from sqlalchemy.orm import aliased, selectinload

from storefront.catalog.areas import find_area
from storefront.catalog.models import (
    COUNCIL_LEVELS,
    PRODUCER_KINDS,
    PRODUCT_GROUPS,
    Area,
    Evaluation,
    Producer,
    Product,
    slugify,
)
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.query_args import MAX_QUERY, choice, number, query_text

PER_PAGE = 50
COUNT_CAP = 10_000


@dataclass
class BoundedPage:
    items: list
    page: int
    per_page: int
    total: int  # at most COUNT_CAP
    capped: bool  # more rows match than COUNT_CAP

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def bounded_page(statement: Select, *, page: int | None, per_page: int | None = None) -> BoundedPage:
    """One page of the statement's rows, and their number counted up to COUNT_CAP."""
    per_page = per_page or PER_PAGE
    page = max(page or 1, 1)
    first_page = None
    if page == 1:
        # A first page that is not full is the whole list: no count needed. Text searches end
        # here mostly, and for them counting would be a second scan of the folded column.
        first_page = list(db.session.scalars(statement.limit(per_page)))
        if len(first_page) < per_page:
            return BoundedPage(first_page, 1, per_page, len(first_page), False)
    first_rows = statement.with_only_columns(literal_column("1"), maintain_column_froms=True)
    counted = db.session.scalar(
        select(func.count()).select_from(first_rows.order_by(None).limit(COUNT_CAP + 1).subquery())
    )
    total = min(counted, COUNT_CAP)
    page = min(page, max(1, ceil(total / per_page)))
    items = first_page if page == 1 and first_page is not None else list(
        db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page))
    )
    return BoundedPage(items, page, per_page, total, counted > COUNT_CAP)


def area_ids_within(area: Area) -> Select:
    """The ids of the area and every area below it (a province: its districts and communes)."""
    child, grandchild = aliased(Area), aliased(Area)
    return union(
        select(Area.id).where(Area.id == area.id),
        select(child.id).where(child.parent_id == area.id),
        select(grandchild.id).join(child, grandchild.parent_id == child.id).where(child.parent_id == area.id),
    )


def folded_match(folded_column, capital_columns, q: str):
    """Matches typed text, with or without diacritics, against a folded column, or in capitals
    against columns stored in capitals (codes and numbers; see catalog.services). Neither needs
    lower() or ILIKE on every row, which cost PostgreSQL three times the scan itself."""
    matches = [column.contains(q.upper(), autoescape=True) for column in capital_columns]
    if folded := slugify(q):
        matches.append(folded_column.contains(folded, autoescape=True))
    return or_(*matches)


# --- Producers ----------------------------------------------------------------------------------


STATUSES = ("active", "inactive")


@dataclass(frozen=True)
class ProducerFilters:
    q: str = ""
    kind: str | None = None
    area: Area | None = None
    status: str | None = None
    page: int = 1

    @classmethod
    def parse(cls, args) -> ProducerFilters:
        return cls(q=query_text(args), kind=choice(args, "kind", PRODUCER_KINDS),
                   area=find_area(args.get("area")), status=choice(args, "status", STATUSES),
                   page=number(args, "page", 1, COUNT_CAP) or 1)

    def query_args(self, **overrides) -> dict:
        args = {"q": self.q, "kind": self.kind, "area": self.area.code if self.area else None,
                "status": self.status} | overrides
        return {key: value for key, value in args.items() if value}


def producers_page(filters: ProducerFilters) -> tuple[BoundedPage, dict[int, int]]:
    """A page of producers A–Z, and how many products each has."""
    statement = select(Producer).order_by(Producer.name_folded, Producer.id).options(
        selectinload(Producer.area).selectinload(Area.parent).selectinload(Area.parent)
    )
    if filters.q:
        statement = statement.where(folded_match(Producer.name_folded, [Producer.registration_no], filters.q))
    if filters.kind:
        statement = statement.where(Producer.kind == filters.kind)
    if filters.area is not None:
        statement = statement.where(Producer.area_id.in_(area_ids_within(filters.area)))
    if filters.status:
        statement = statement.where(Producer.active.is_(filters.status == "active"))
    page = bounded_page(statement, page=filters.page)
    return page, product_counts([producer.id for producer in page.items])


def product_counts(producer_ids: list[int]) -> dict[int, int]:
    if not producer_ids:
        return {}
    return dict(db.session.execute(
        select(Product.producer_id, func.count(Product.id))
        .where(Product.producer_id.in_(producer_ids))
        .group_by(Product.producer_id)
    ).all())


def producer_lookup(q: str, *, limit: int = 20) -> list[Producer]:
    """Active producers matching typed text, for the product form's producer field."""
    q = " ".join(q.split())[:MAX_QUERY]
    if not q:
        return []
    return list(db.session.scalars(
        select(Producer)
        .where(Producer.active.is_(True), folded_match(Producer.name_folded, [Producer.registration_no], q))
        .order_by(Producer.name_folded, Producer.id)
        .limit(limit)
    ))


# --- Products -----------------------------------------------------------------------------------


CERTIFICATION_STATES = ("certified", "expired", "never")


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    group: str | None = None
    stars: int | None = None
    area: Area | None = None
    status: str | None = None
    certification: str | None = None
    page: int = 1

    @classmethod
    def parse(cls, args) -> ProductFilters:
        area = find_area(args.get("area"))
        return cls(q=query_text(args), group=choice(args, "group", PRODUCT_GROUPS),
                   stars=number(args, "stars", 1, 5),
                   area=area if area is not None and area.level != "commune" else None,
                   status=choice(args, "status", STATUSES),
                   certification=choice(args, "certification", CERTIFICATION_STATES),
                   page=number(args, "page", 1, COUNT_CAP) or 1)

    def query_args(self, **overrides) -> dict:
        args = {"q": self.q, "group": self.group, "stars": self.stars,
                "area": self.area.code if self.area else None, "status": self.status,
                "certification": self.certification} | overrides
        return {key: value for key, value in args.items() if value}


def products_page(filters: ProductFilters) -> BoundedPage:
    """A page of products, newest first, filtered on the columns the product copies (stars,
    certificate end, province, district), so no join stands behind the filters."""
    today = vietnam_today()
    statement = select(Product).order_by(Product.id.desc()).options(
        selectinload(Product.producer), selectinload(Product.photos), selectinload(Product.certification),
    )
    if filters.q:
        statement = statement.where(folded_match(Product.slug, [Product.code], filters.q))
    if filters.group:
        statement = statement.where(Product.group == filters.group)
    if filters.stars:
        statement = statement.where(Product.certified_stars == filters.stars)
    if filters.area is not None:
        column = Product.province_id if filters.area.level == "province" else Product.district_id
        statement = statement.where(column == filters.area.id)
    if filters.status:
        statement = statement.where(Product.active.is_(filters.status == "active"))
    if filters.certification == "certified":
        statement = statement.where(Product.certificate_running)
    elif filters.certification == "expired":
        statement = statement.where(Product.certified_until <= today)
    elif filters.certification == "never":
        statement = statement.where(Product.certified_until.is_(None))
    return bounded_page(statement, page=filters.page)


# --- Evaluations --------------------------------------------------------------------------------


EVALUATION_STATES = ("valid", "expired", "revoked", "below")


@dataclass(frozen=True)
class EvaluationFilters:
    q: str = ""
    stars: int | None = None
    council_level: str | None = None
    state: str | None = None
    year: int | None = None
    page: int = 1

    @classmethod
    def parse(cls, args) -> EvaluationFilters:
        return cls(q=query_text(args), stars=number(args, "stars", 1, 5),
                   council_level=choice(args, "council_level", COUNCIL_LEVELS),
                   state=choice(args, "state", EVALUATION_STATES),
                   year=number(args, "year", 2000, vietnam_today().year),
                   page=number(args, "page", 1, COUNT_CAP) or 1)

    def query_args(self, **overrides) -> dict:
        args = {"q": self.q, "stars": self.stars, "council_level": self.council_level,
                "state": self.state, "year": self.year} | overrides
        return {key: value for key, value in args.items() if value}


def evaluations_page(filters: EvaluationFilters) -> BoundedPage:
    """Councils' results, latest issued first (the ix_evaluation_issued index's order)."""
    today = vietnam_today()
    statement = (
        select(Evaluation)
        .order_by(Evaluation.issued_on.desc(), Evaluation.id.desc())
        .options(selectinload(Evaluation.product))
    )
    if filters.q:
        products = select(Product.id).where(folded_match(Product.slug, [Product.code], filters.q))
        number = filters.q.upper()
        statement = statement.where(or_(
            Evaluation.product_id.in_(products),
            Evaluation.certificate_no.contains(number, autoescape=True),
            Evaluation.decision_no.contains(number, autoescape=True),
        ))
    if filters.stars:
        statement = statement.where(Evaluation.stars == filters.stars)
    if filters.council_level:
        statement = statement.where(Evaluation.council_level == filters.council_level)
    certified = Evaluation.certified
    if filters.state == "valid":
        statement = statement.where(Evaluation.is_valid(today))
    elif filters.state == "expired":
        statement = statement.where(certified, Evaluation.revoked_at.is_(None), Evaluation.expires_on <= today)
    elif filters.state == "revoked":
        statement = statement.where(Evaluation.revoked_at.is_not(None))
    elif filters.state == "below":
        statement = statement.where(~certified)
    if filters.year:
        statement = statement.where(Evaluation.issued_on >= date(filters.year, 1, 1),
                                    Evaluation.issued_on < date(filters.year + 1, 1, 1))
    return bounded_page(statement, page=filters.page)

"""The SQL listing of the catalogue: without a text query, SQL finds, sorts and counts here
(with one, the search index does: storefront.search.index.search_products). Both take the
filters and return the Listing of storefront.catalog.filters.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, tuple_
from sqlalchemy.sql import operators

from storefront.catalog.filters import FacetValue, Listing, ProductFilters
from storefront.catalog.labels import group_label
from storefront.catalog.models import PRODUCT_GROUPS, Area, Product
from storefront.catalog.versions import cached_per_version
from storefront.extensions import db


def visibility_conditions(filters: ProductFilters) -> list:
    """Shoppers see public products (Product.is_public); staff may ask for all."""
    if filters.include_uncertified:
        return []
    return [Product.is_public]


def filter_conditions(filters: ProductFilters) -> list:
    conditions = visibility_conditions(filters)
    if filters.stars:
        conditions.append(Product.certified_stars.in_(filters.stars))
    if filters.group:
        conditions.append(Product.group == filters.group)
    if filters.area is not None:
        column = Product.province_id if filters.area.level == "province" else Product.district_id
        conditions.append(column == filters.area.id)
    return conditions + price_conditions(filters)


def price_conditions(filters: ProductFilters) -> list:
    conditions = []
    if filters.min_price is not None:
        conditions.append(Product.price >= filters.min_price)
    if filters.max_price is not None:
        conditions.append(Product.price <= filters.max_price)
    return conditions


# Each order runs one way and ends with the id, so a page can start after a bookmark: the row
# value of the last product before it.
ORDERINGS = {
    "relevance": (Product.certified_stars.desc(), Product.created_at.desc(), Product.id.desc()),
    "stars": (Product.certified_stars.desc(), Product.created_at.desc(), Product.id.desc()),
    "price_asc": (Product.price.asc(), Product.id.asc()),
    "price_desc": (Product.price.desc(), Product.id.desc()),
    "newest": (Product.created_at.desc(), Product.id.desc()),
}


def sql_listing(filters: ProductFilters, per_page: int) -> Listing:
    """The page by one indexed query; the total and the facet counts kept per version."""
    products = sql_page(filters, per_page)
    total, facets = sql_facets(filters)
    return Listing(
        products=products, total=total, page=filters.page, per_page=per_page, facets=facets
    )


def sql_page(filters: ProductFilters, per_page: int) -> list[Product]:
    return load_products_in_order(db.session.scalars(page_of_ids(filters, per_page)).all())


# A deep page starts from the nearest bookmark before it, the sort key of every BOOKMARK_ROWS-th
# product (found once per catalogue version, as the counts are), so its OFFSET steps over fewer
# than BOOKMARK_ROWS index entries however deep it is: page 2,000 of 100,000 products stepped
# over 48,000 (10-18 ms).
BOOKMARK_ROWS = 600


def page_of_ids(filters: ProductFilters, per_page: int):
    """The ids on the page, in order, read from an index in that order alone (see Product's
    indexes)."""
    order, conditions = ORDERINGS[filters.sort], filter_conditions(filters)
    skip = (filters.page - 1) * per_page
    # Staff's listing of every product may hold ones without stars, which a row value skips.
    if skip >= BOOKMARK_ROWS and not filters.include_uncertified:
        bookmarks = bookmarks_per_version(filters)
        passed = min(skip // BOOKMARK_ROWS, len(bookmarks))
        if passed:
            conditions.append(after(order, bookmarks[passed - 1]))
            skip -= passed * BOOKMARK_ROWS
    return db.select(Product.id).where(*conditions).order_by(*order).limit(per_page).offset(skip)


def after(order: tuple, bookmark: tuple):
    """The products that come after the bookmark in this order."""
    key = tuple_(*(term.element for term in order))
    return key < bookmark if order[0].modifier is operators.desc_op else key > bookmark


def bookmarks_per_version(filters: ProductFilters) -> list[tuple]:
    return cached_per_version(f"bookmarks:{filters.sort}:{filters_key(filters)}", lambda: find_bookmarks(filters))


def find_bookmarks(filters: ProductFilters) -> list[tuple]:
    """The sort key of the BOOKMARK_ROWS-th product, the 2 × BOOKMARK_ROWS-th, and so on."""
    order = ORDERINGS[filters.sort]
    columns = [term.element for term in order]
    numbered = (
        db.select(*columns, func.row_number().over(order_by=order).label("position"))
        .where(*filter_conditions(filters))
        .subquery()
    )
    rows = db.session.execute(
        db.select(*(numbered.c[column.key] for column in columns))
        .where(numbered.c.position % BOOKMARK_ROWS == 0)
        .order_by(numbered.c.position)
    )
    return [tuple(row) for row in rows]


def area_facet_scope(filters: ProductFilters) -> tuple[object, ProductFilters]:
    """Provinces until one is chosen, then the districts of that province."""
    area = filters.area
    if area is None:
        return Product.province_id, filters
    if area.level == "province":
        return Product.district_id, filters
    return Product.district_id, replace(filters, area=area.parent)


@dataclass(frozen=True)
class Combination:
    """How many visible products share one (stars, group, province, district)."""

    stars: int | None
    group: str
    province_id: int
    district_id: int | None
    count: int

    def matches(self, filters: ProductFilters, *, ignore: str = "") -> bool:
        if ignore != "stars" and filters.stars and self.stars not in filters.stars:
            return False
        if ignore != "group" and filters.group and self.group != filters.group:
            return False
        area = filters.area
        if ignore != "area" and area is not None:
            place = self.province_id if area.level == "province" else self.district_id
            if place != area.id:
                return False
        return True


def count_combinations(filters: ProductFilters) -> list[Combination]:
    """Counts per (stars, group, place) under the filters that no facet can widen.

    A few hundred rows at most, whatever the catalogue's size; the facets are summed from
    them in Python, so one scan serves the total and all three facets.
    """
    conditions = visibility_conditions(filters) + price_conditions(filters)
    if filters.area is not None:  # every count stays within the chosen province
        province = filters.area if filters.area.level == "province" else filters.area.parent
        conditions.append(Product.province_id == province.id)
    columns = (Product.certified_stars, Product.group, Product.province_id, Product.district_id)
    rows = db.session.execute(
        db.select(*columns, func.count(Product.id)).where(*conditions).group_by(*columns)
    )
    return [Combination(*row) for row in rows]


def tally(combinations: list[Combination], key) -> dict:
    counts: dict = {}
    for combination in combinations:
        value = key(combination)
        if value is not None:
            counts[value] = counts.get(value, 0) + combination.count
    return counts


def sql_facets(filters: ProductFilters) -> tuple[int, dict[str, list[FacetValue]]]:
    """The total and each facet's counts, each facet ignoring its own selection."""
    total, stars, groups, areas = counts_per_version(filters)
    return total, build_facets(filters, stars=stars, groups=groups, areas=areas)


def counts_per_version(filters: ProductFilters) -> tuple[int, dict, dict, dict]:
    """The counts scan the visible catalogue, so they are kept per catalogue version and day:
    a listing then costs what its page costs, whatever the catalogue's size."""
    return cached_per_version(f"facets:{filters_key(filters)}", lambda: count_facets(filters))


def filters_key(filters: ProductFilters) -> str:
    """The filters that choose a listing's products (not its page or order), for a cache key."""
    return ":".join(str(part) for part in (
        filters.stars, filters.group, filters.area.id if filters.area else None,
        filters.min_price, filters.max_price, filters.include_uncertified))


def count_facets(filters: ProductFilters) -> tuple[int, dict, dict, dict]:
    combinations = count_combinations(filters)
    area_column, area_filters = area_facet_scope(filters)
    area_key = "province_id" if area_column is Product.province_id else "district_id"
    return (
        sum(c.count for c in combinations if c.matches(filters)),
        tally([c for c in combinations if c.matches(filters, ignore="stars")], lambda c: c.stars),
        tally([c for c in combinations if c.matches(filters, ignore="group")], lambda c: c.group),
        tally([c for c in combinations if c.matches(area_filters, ignore="area")],
              lambda c: getattr(c, area_key)),
    )


def count_by_group() -> dict[str, int]:
    return counts_per_version(ProductFilters())[2]


def build_facets(
    filters: ProductFilters, *, stars: dict, groups: dict, areas: dict[int, int]
) -> dict[str, list[FacetValue]]:
    area_names = {}
    if areas:
        rows = db.session.execute(db.select(Area.id, Area.code, Area.name).where(Area.id.in_(areas)))
        area_names = {row.id: (row.code, row.name) for row in rows}
    selected_area = filters.area.code if filters.area else None
    return {
        "stars": [
            FacetValue(str(s), "★" * s, stars[s], s in filters.stars)
            for s in sorted(stars, reverse=True)
        ],
        "group": [
            FacetValue(g, group_label(g), groups[g], g == filters.group)
            for g in PRODUCT_GROUPS
            if g in groups
        ],
        "area": sorted(
            (
                FacetValue(code, name, areas[area_id], code == selected_area)
                for area_id, (code, name) in area_names.items()
            ),
            key=lambda value: (-value.count, value.label),
        ),
    }


def load_products_in_order(products_or_ids: list) -> list[Product]:
    """Load a page of products, in the given order. Their cards are rendered from the cache
    (storefront.catalog.cards), which loads the relations of the cards it has to render."""
    ids = [p if isinstance(p, int) else p.id for p in products_or_ids]
    if not ids:
        return []
    rows = db.session.scalars(db.select(Product).where(Product.id.in_(ids))).all()
    by_id = {product.id: product for product in rows}
    return [by_id[i] for i in ids if i in by_id]

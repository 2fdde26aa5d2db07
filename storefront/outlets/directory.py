"""Reading the sales-point network: outlets by place, what one outlet stocks, where a product is.

Only active outlets are public, and only products a visitor may see (see
`Product.is_public`) with stock available (StockLevel.available > 0).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import groupby
from math import ceil, cos, radians

from sqlalchemy import bindparam, case, func
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from storefront.catalog.models import Area, Evaluation, Product
from storefront.extensions import db
from storefront.outlets.models import Outlet, StockLevel
from storefront.query_args import MAX_PAGE


def with_places(statement, loader=selectinload):
    """Load each outlet's area up to its province (at most three levels), so
    `outlet.district` and `outlet.province` never query row by row: by default in a query per
    level, with `loader=joinedload` in the statement itself (one round trip; not for a
    statement that groups its rows)."""
    return statement.options(loader(Outlet.area).options(loader(Area.parent).options(loader(Area.parent))))


def province_of(outlet: Outlet) -> Area:
    return outlet.area.lineage()[0]


@cache
def outlet_places():
    """Subquery (outlet_id, district_id, province_id), worked out in SQL from the area tree.

    An outlet sits in a commune, a district or directly in a province; a commune's parent is
    a district, or the province itself where the province has no district level. Built once
    per process: making its three aliases anew cost a product page ~10 ms.
    """
    own, parent, grandparent = aliased(Area), aliased(Area), aliased(Area)
    return (
        db.select(
            Outlet.id.label("outlet_id"),
            case(
                (own.level == "district", own.id),
                (parent.level == "district", parent.id),
            ).label("district_id"),
            case(
                (own.level == "province", own.id),
                (parent.level == "province", parent.id),
                else_=grandparent.id,
            ).label("province_id"),
        )
        .join(own, Outlet.area_id == own.id)
        .outerjoin(parent, own.parent_id == parent.id)
        .outerjoin(grandparent, parent.parent_id == grandparent.id)
        .subquery("outlet_place")
    )


# --- The network -------------------------------------------------------------------------


@dataclass
class DistrictOutlets:
    district: Area | None  # None: outlets placed at province level
    outlets: list[Outlet]


@dataclass
class ProvinceOutlets:
    province: Area
    districts: list[DistrictOutlets]


def active_outlets() -> list[Outlet]:
    return list(
        db.session.scalars(
            with_places(db.select(Outlet).where(Outlet.active.is_(True)).order_by(Outlet.code))
        )
    )


def network_by_district() -> list[ProvinceOutlets]:
    """Active outlets grouped province > district, in the official order of area codes;
    within a district, provincial centres first, then by name."""
    kind_order = {"provincial_centre": 0, "district_point": 1, "partner_shop": 2}

    def place_key(outlet: Outlet) -> tuple:
        district = outlet.district
        return (province_of(outlet).code, district.code if district else "")

    outlets = sorted(
        active_outlets(),
        key=lambda o: (*place_key(o), kind_order.get(o.kind, 9), o.name, o.code),
    )
    network: list[ProvinceOutlets] = []
    for _place, in_district in groupby(outlets, key=place_key):
        in_district = list(in_district)
        province = province_of(in_district[0])
        if not network or network[-1].province.id != province.id:
            network.append(ProvinceOutlets(province=province, districts=[]))
        network[-1].districts.append(DistrictOutlets(in_district[0].district, in_district))
    return network


def find_active_outlet(code: str) -> Outlet | None:
    return db.session.scalar(
        with_places(db.select(Outlet).where(Outlet.code == code[:20], Outlet.active.is_(True)))
    )


# --- One outlet's stock ------------------------------------------------------------------


@dataclass
class StockedProduct:
    product: Product
    available: int


@dataclass
class OutletStock:
    items: list[StockedProduct]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def outlet_stock(outlet: Outlet, *, page: int = 1, per_page: int = 24) -> OutletStock:
    """Publicly visible products with stock available at `outlet`, best rated first."""
    page = min(max(page, 1), MAX_PAGE)
    conditions = [
        StockLevel.outlet_id == outlet.id,
        StockLevel.available > 0,
        Product.is_public,
    ]

    def in_stock(statement):
        return (
            statement.select_from(StockLevel)
            .join(Product, Product.id == StockLevel.product_id)
            .join(Evaluation, Product.certification_id == Evaluation.id)
            .where(*conditions)
        )

    total = db.session.scalar(in_stock(db.select(func.count(StockLevel.id))))
    rows = db.session.execute(
        in_stock(db.select(Product, StockLevel.available))
        .options(contains_eager(Product.certification), selectinload(Product.photos))
        .order_by(Evaluation.stars.desc(), Product.name_vi, Product.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return OutletStock(
        items=[StockedProduct(product, available) for product, available in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


# --- Where a product is available ---------------------------------------------------------

SAME_DISTRICT, SAME_PROVINCE, ELSEWHERE = 0, 1, 2


@dataclass
class Availability:
    outlet: Outlet
    available: int
    nearness: int  # SAME_DISTRICT, SAME_PROVINCE or ELSEWHERE, relative to the product's origin


def product_availability(product: Product) -> list[Availability]:
    """Active outlets with the product available, nearest first.

    The visitor's own district is unknown, so "near" means near the product's origin: outlets
    in its district, then in its province, then the rest; within each, most available first.
    """
    rows = db.session.execute(
        availability_near_origin(with_district=product.district_id is not None),
        {"product_id": product.id, "district_id": product.district_id, "province_id": product.province_id},
    ).all()
    return [Availability(outlet, available, near) for outlet, available, near in rows]


@cache
def availability_near_origin(*, with_district: bool):
    """product_availability's statement, built once per process and reused: every product page
    runs it, and building it (and its cache key) anew cost more than running it. The outlets'
    places come in the same round trip."""
    places = outlet_places()
    nearer = []
    if with_district:  # `== None` would match outlets without a district
        nearer.append((places.c.district_id == bindparam("district_id"), SAME_DISTRICT))
    nearer.append((places.c.province_id == bindparam("province_id"), SAME_PROVINCE))
    nearness = case(*nearer, else_=ELSEWHERE)
    return with_places(
        db.select(Outlet, StockLevel.available, nearness)
        .join(StockLevel, StockLevel.outlet_id == Outlet.id)
        .join(places, places.c.outlet_id == Outlet.id)
        .where(*available_at_active_outlets())
        .order_by(nearness, StockLevel.available.desc(), Outlet.name, Outlet.code),
        loader=joinedload,
    )


def available_at_active_outlets() -> tuple:
    return StockLevel.product_id == bindparam("product_id"), Outlet.active.is_(True), StockLevel.available > 0


@cache
def available_by_outlet():
    """product_availability's outlets and quantities alone, by outlet: a stored product page
    reads them on each answer to tell whether its stock changed, a cheaper statement to plan
    than the one naming and placing the outlets."""
    return (
        db.select(StockLevel.outlet_id, StockLevel.available)
        .join(Outlet, Outlet.id == StockLevel.outlet_id)
        .where(*available_at_active_outlets())
        .order_by(StockLevel.outlet_id)
    )


# --- Nearest to a visitor -----------------------------------------------------------------

KM_PER_DEGREE = 6371.0088 * 3.141592653589793 / 180  # along a meridian, on the mean Earth radius


@dataclass
class NearbyOutlet:
    outlet: Outlet
    km: float | None  # None: the outlet has no coordinates yet


def outlets_by_distance(latitude: float, longitude: float) -> list[NearbyOutlet]:
    """Active outlets nearest first, the distance worked out in SQL (SQLite and PostgreSQL
    alike) by the equirectangular approximation: within Vietnam's few hundred kilometres it is
    within a fraction of a percent of the great-circle distance. Longitude degrees shrink by the
    cosine of the latitude, taken at the visitor's, so the SQL needs only arithmetic and sqrt.
    Outlets without coordinates come last."""
    east_west = (Outlet.longitude - longitude) * cos(radians(latitude))
    north_south = Outlet.latitude - latitude
    km = (func.sqrt(east_west * east_west + north_south * north_south) * KM_PER_DEGREE).label("km")
    rows = db.session.execute(
        with_places(
            db.select(Outlet, km)
            .where(Outlet.active.is_(True))
            .order_by(case((Outlet.latitude.is_(None) | Outlet.longitude.is_(None), 1), else_=0), km, Outlet.code)
        )
    ).all()
    return [NearbyOutlet(outlet, distance) for outlet, distance in rows]

"""District coverage of the sales-point network, for programme staff: which districts have an
OCOP sales point, aggregated in SQL."""
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import func
from sqlalchemy.orm import aliased

from storefront.catalog.areas import todays_provinces
from storefront.catalog.models import Area
from storefront.extensions import db
from storefront.outlets.directory import outlet_places
from storefront.outlets.models import Outlet


@dataclass
class DistrictCoverage:
    code: str
    name: str
    outlets: int

    @property
    def covered(self) -> bool:
        return self.outlets > 0


@dataclass
class ProvinceCoverage:
    name: str
    districts: list[DistrictCoverage]

    @property
    def covered(self) -> int:
        return sum(1 for district in self.districts if district.covered)


def sales_point_coverage(*, todays_areas: bool = False) -> list[ProvinceCoverage]:
    """Every district of every province that has districts, with its active sales points
    (any kind, in the district or its communes), uncovered districts first in each province.
    By the areas of their time each province on its own; by today's (`todays_areas`), a
    merged province's districts under the province that took it over."""
    places = outlet_places()
    per_district = (
        db.select(places.c.district_id, func.count(Outlet.id).label("outlets"))
        .join(Outlet, Outlet.id == places.c.outlet_id)
        .where(Outlet.active.is_(True), places.c.district_id.is_not(None))
        .group_by(places.c.district_id)
        .subquery()
    )
    district, province = aliased(Area), aliased(Area)
    outlets = func.coalesce(per_district.c.outlets, 0)
    rows = db.session.execute(
        db.select(
            province.id.label("province_id"),
            province.code.label("province_code"),
            province.name.label("province"),
            district.code,
            district.name,
            outlets.label("outlets"),
        )
        .select_from(district)
        .join(province, district.parent_id == province.id)
        .outerjoin(per_district, per_district.c.district_id == district.id)
        .where(district.level == "district")
        .order_by(province.code, province.id, outlets > 0, district.code)
    ).all()
    today = todays_provinces() if todays_areas else None

    def province_of(row) -> tuple[str, int, str]:
        """The row's province: its own, or by today's areas the one that has it today."""
        if today is None:
            return row.province_code, row.province_id, row.province
        area = today[row.province_id]
        return area.code, area.id, area.name

    if today is not None:
        rows = sorted(rows, key=lambda row: (*province_of(row)[:2], row.outlets > 0, row.code))
    return [
        ProvinceCoverage(
            name=province_name,
            districts=[DistrictCoverage(row.code, row.name, row.outlets) for row in in_province],
        )
        for (_code, _province_id, province_name), in_province in groupby(rows, key=province_of)
    ]

"""Areas as they are today. Since July 2025 many provinces merged (Area.replaced_by, from a
day); figures may count by the units of their time or by today's, where a merged province's
products, producers and districts count under the province that took it over."""
from __future__ import annotations

from sqlalchemy import select

from storefront.catalog.models import Area
from storefront.extensions import db


def todays_provinces() -> dict[int, Area]:
    """Each province's id → the province that has it today (itself when never replaced), in one query."""
    provinces = {area.id: area for area in db.session.scalars(select(Area).where(Area.level == "province"))}

    def today(area: Area) -> Area:
        seen = set()
        while area.replaced_by_id in provinces and area.id not in seen:
            seen.add(area.id)
            area = provinces[area.replaced_by_id]
        return area

    return {area_id: today(area) for area_id, area in provinces.items()}


def merged_with(province: Area) -> tuple[int, ...]:
    """The provinces counted as `province` by today's units: the one that has it today and
    every province merged into that one."""
    today = todays_provinces()
    successor = today[province.id]
    return tuple(sorted(area_id for area_id, area in today.items() if area.id == successor.id))

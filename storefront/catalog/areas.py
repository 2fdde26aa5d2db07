"""Areas as they are today. Since July 2025 many provinces merged (Area.replaced_by, from a
day); figures may count by the units of their time or by today's, where a merged province's
products, producers and districts count under the province that took it over."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from storefront.audit.services import record_change, snapshot
from storefront.catalog.models import Area
from storefront.extensions import db
from storefront.transactions import transaction

REPLACEMENT = ("replaced_by_id", "replaced_from")


class AreaError(ValueError):
    """A replacement that breaks a rule; the message says which."""


def find_area(code: str | None) -> Area | None:
    """The area of an official code (as typed or sent by a form), else None."""
    return db.session.scalar(select(Area).where(Area.code == code[:20])) if code else None


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


def replace_area(*, area: Area, successor: Area, replaced_from: date) -> None:
    """Mark `area` as taken over by `successor` (of its level) from a day. Its history stays:
    plans of its time still count by it; figures by today's areas count it as the successor."""
    if successor.level != area.level:
        raise AreaError(f"{area.name} is a {area.level}: its successor must be one too, not a {successor.level}.")
    chain, seen = successor, set()
    while chain is not None and chain.id not in seen:
        if chain.id == area.id:
            raise AreaError(f"{successor.name} is {area.name} or was taken over by it: that would be a loop.")
        seen.add(chain.id)
        chain = chain.replaced_by
    with transaction():
        before = snapshot(area, REPLACEMENT)
        area.replaced_by, area.replaced_from = successor, replaced_from
        db.session.flush()
        record_change(actor=None, record=area, action="update", before=before, after=snapshot(area, REPLACEMENT))

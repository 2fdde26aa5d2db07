"""Programme staff run the sales-point network: open an outlet, change its details, close it
(and reopen it). Each is one transaction with its audit entry. Who runs an outlet is in
storefront.outlets.services (assign_manager), beside the stock it concerns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date

from flask_babel import lazy_gettext as _l, lazy_ngettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from storefront.accounts.models import User
from storefront.audit.services import record_change, snapshot
from storefront.catalog.models import Area
from storefront.clock import utcnow, vietnam_today
from storefront.extensions import db
from storefront.orders.services import open_orders_at
from storefront.outlets.directory import outlet_places, with_places
from storefront.outlets.models import OUTLET_KINDS, Outlet, OutletEarlierOpening, StockLevel
from storefront.outlets.services import OutletError
from storefront.search.analysis import folded
from storefront.transactions import transaction

OUTLETS_PER_PAGE = 50
CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,19}")  # in URLs and on receipts: QN-TT, QN-514
PLACE_LEVELS = ("district", "commune")
FIRST_OPENING = date(2018, 1, 1)  # OCOP sales points began with the programme
LATITUDE, LONGITUDE = (-90.0, 90.0), (-180.0, 180.0)


@dataclass(frozen=True)
class OutletDetails:
    """What staff set on an outlet besides its code."""

    name: str
    kind: str
    area: Area
    address: str
    latitude: float | None = None
    longitude: float | None = None
    phone: str = ""
    opening_hours: str = ""
    directions: str = ""
    pickup_enabled: bool = True
    opened_on: date | None = None  # the day it opened (the plans count it from then); None: today, when opening
    bank_bin: str = ""  # its own account for VietQR transfers; empty: the operator's
    bank_account_number: str = ""
    bank_account_name: str = ""


AUDITED = ("code", "name", "kind", "area_id", "address", "latitude", "longitude", "phone",
           "opening_hours", "directions", "pickup_enabled", "opened_on", "active", "closed_reason",
           "bank_bin", "bank_account_number", "bank_account_name")


# --- Rules shared with the form ---------------------------------------------------------------


def code_problem(code: str) -> str | None:
    if not CODE.fullmatch(code):
        return str(_l("A code has 2–20 capital letters, digits or dashes, such as QN-514."))
    if db.session.scalar(select(Outlet.id).where(Outlet.code == code)) is not None:
        return str(_l("Another outlet has the code %(code)s.", code=code))
    return None


def coordinates_problem(latitude: float | None, longitude: float | None) -> str | None:
    if (latitude is None) != (longitude is None):
        return str(_l("Give both latitude and longitude, or neither."))
    if latitude is not None and not LATITUDE[0] <= latitude <= LATITUDE[1]:
        return str(_l("A latitude is between -90 and 90."))
    if longitude is not None and not LONGITUDE[0] <= longitude <= LONGITUDE[1]:
        return str(_l("A longitude is between -180 and 180."))
    return None


def place_problem(area: Area) -> str | None:
    if area.level not in PLACE_LEVELS:
        return str(_l("Choose the district or commune the outlet is in."))
    return None


def opening_problem(opened_on: date | None) -> str | None:
    if opened_on is not None and not FIRST_OPENING <= opened_on <= vietnam_today():
        return str(_l("The opening day is between %(first)s and today.", first=FIRST_OPENING.isoformat()))
    return None


def check_details(details: OutletDetails) -> None:
    if details.kind not in OUTLET_KINDS:
        raise OutletError(_l("Choose a kind of outlet."))
    if not details.name.strip() or not details.address.strip():
        raise OutletError(_l("An outlet needs a name and an address."))
    for problem in (place_problem(details.area), coordinates_problem(details.latitude, details.longitude),
                    opening_problem(details.opened_on)):
        if problem:
            raise OutletError(problem)


def apply_details(outlet: Outlet, details: OutletDetails) -> None:
    for field in fields(OutletDetails):
        value = getattr(details, field.name)
        setattr(outlet, field.name, value.strip() if isinstance(value, str) else value)


# --- Changes ----------------------------------------------------------------------------------


def open_outlet(*, code: str, details: OutletDetails, actor: User | None) -> Outlet:
    """A new sales point, open from now on."""
    if problem := code_problem(code):
        raise OutletError(problem)
    check_details(details)
    outlet = Outlet(code=code, active=True)
    apply_details(outlet, details)
    outlet.opened_on = outlet.opened_on or vietnam_today()
    with transaction():
        db.session.add(outlet)
        db.session.flush()  # the id, and the area's id from the area
        record_change(actor=actor, record=outlet, action="create", after=snapshot(outlet, AUDITED))
    return outlet


def update_outlet(*, outlet: Outlet, details: OutletDetails, actor: User | None) -> bool:
    """Change an outlet's details; False when nothing changed."""
    check_details(details)
    with transaction():
        before = snapshot(outlet, AUDITED)
        apply_details(outlet, details)
        db.session.flush()  # the area's id from the area
        entry = record_change(actor=actor, record=outlet, action="update", before=before,
                              after=snapshot(outlet, AUDITED))
    return entry is not None


def close_outlet(*, outlet: Outlet, reason: str, actor: User | None) -> None:
    """Close a sales point: shoppers no longer see it or choose it, its managers keep access to
    move its stock elsewhere. Refused while any of its orders is not finished: customers were
    promised a pickup or a delivery from there."""
    reason = reason.strip()
    if not reason:
        raise OutletError(_l("Say why the outlet closes."))
    if not outlet.active:
        raise OutletError(_l("%(outlet)s is already closed.", outlet=outlet.name))
    with transaction():
        db.session.execute(select(Outlet.id).where(Outlet.id == outlet.id).with_for_update())
        count, numbers = open_orders_at(outlet)  # after the lock: no order slips in between
        if count:
            raise OutletError(lazy_ngettext(
                "%(outlet)s still has %(num)d unfinished order (%(numbers)s): hand it over or cancel it first.",
                "%(outlet)s still has %(num)d unfinished orders (%(numbers)s): hand them over or cancel them first.",
                count, outlet=outlet.name, numbers=", ".join(numbers),
            ))
        before = snapshot(outlet, AUDITED)
        outlet.active, outlet.closed_at, outlet.closed_reason = False, utcnow(), reason
        outlet.closed_on = vietnam_today()
        record_change(actor=actor, record=outlet, action="close", before=before, after=snapshot(outlet, AUDITED))


def reopen_outlet(*, outlet: Outlet, actor: User | None) -> None:
    if outlet.active:
        raise OutletError(_l("%(outlet)s is already open.", outlet=outlet.name))
    with transaction():
        before = snapshot(outlet, AUDITED)
        if outlet.closed_on is not None:  # the plans still count it open over that period
            db.session.add(OutletEarlierOpening(outlet_id=outlet.id, opened_on=outlet.opened_on,
                                                closed_on=outlet.closed_on))
        outlet.active, outlet.closed_at, outlet.closed_reason = True, None, None
        outlet.opened_on, outlet.closed_on = vietnam_today(), None
        record_change(actor=actor, record=outlet, action="reopen", before=before, after=snapshot(outlet, AUDITED))


# --- Reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutletFilters:
    q: str = ""
    kind: str | None = None
    area: Area | None = None  # a province or a district: outlets anywhere inside it
    open: bool | None = None


def outlets_page(filters: OutletFilters, *, page: int | None = None) -> Pagination:
    """Outlets by code, searched in code, name and address with or without diacritics."""
    statement = with_places(select(Outlet)).options(selectinload(Outlet.managers)).order_by(Outlet.code)
    if words := folded(filters.q):
        statement = statement.where(Outlet.search_text.contains(words, autoescape=True))
    if filters.kind:
        statement = statement.where(Outlet.kind == filters.kind)
    if filters.open is not None:
        statement = statement.where(Outlet.active.is_(filters.open))
    if filters.area is not None:
        places = outlet_places()
        column = places.c.province_id if filters.area.level == "province" else places.c.district_id
        statement = statement.join(places, places.c.outlet_id == Outlet.id).where(column == filters.area.id)
    return db.paginate(statement, page=page, per_page=OUTLETS_PER_PAGE, error_out=False)


def find_outlet(code: str) -> Outlet | None:
    return db.session.scalar(with_places(select(Outlet).where(Outlet.code == code[:20])))


@dataclass(frozen=True)
class StockOnHand:
    products: int
    units: int


def stock_on_hand(outlet: Outlet) -> StockOnHand:
    products, units = db.session.execute(
        select(func.count(StockLevel.id), func.coalesce(func.sum(StockLevel.on_hand), 0))
        .where(StockLevel.outlet_id == outlet.id, StockLevel.on_hand > 0)
    ).one()
    return StockOnHand(products, units)


# --- The area tree, for the form's two lists ------------------------------------------------------


def district_places() -> list[tuple[Area, list[Area]]]:
    """Each province with the places an outlet's district is chosen from: its districts, or the
    province itself where it has no district level (communes directly under it, since 2025)."""
    provinces = list(db.session.scalars(select(Area).where(Area.level == "province").order_by(Area.code)))
    districts = db.session.scalars(select(Area).where(Area.level == "district").order_by(Area.code)).all()
    commune = aliased(Area)
    direct_communes = set(db.session.scalars(
        select(Area.id).join(commune, commune.parent_id == Area.id)
        .where(Area.level == "province", commune.level == "commune").distinct()
    ))
    by_province: dict[int, list[Area]] = {}
    for district in districts:
        by_province.setdefault(district.parent_id, []).append(district)
    return [
        (province, by_province.get(province.id, []) + ([province] if province.id in direct_communes else []))
        for province in provinces
    ]


def communes_of(place: Area) -> list[Area]:
    return list(db.session.scalars(
        select(Area).where(Area.parent_id == place.id, Area.level == "commune").order_by(Area.name, Area.code)
    ))

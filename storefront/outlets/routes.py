"""The public sales-point network: the list and map, and one outlet's page with its stock."""
import re

from flask import abort, current_app, render_template, request, url_for
from flask_babel import format_decimal, gettext as _, lazy_gettext as _l

from storefront.query_args import decimal_number, page_number
from storefront.outlets import bp
from storefront.outlets.directory import (
    SAME_DISTRICT,
    SAME_PROVINCE,
    find_active_outlet,
    network_by_district,
    outlet_stock,
    outlets_by_distance,
)
from storefront.outlets.hours import open_now
from storefront.outlets.models import Outlet

OUTLET_KIND_LABELS = {
    "district_point": _l("District sales point"),
    "provincial_centre": _l("Provincial centre"),
    "partner_shop": _l("Partner shop"),
}

NEARNESS_LABELS = {
    SAME_DISTRICT: _l("Same district as the producer"),
    SAME_PROVINCE: _l("Same province as the producer"),
}


@bp.app_context_processor
def outlet_vocabulary() -> dict:
    return {"outlet_kind_labels": OUTLET_KIND_LABELS, "nearness_labels": NEARNESS_LABELS}


@bp.app_template_filter("tel")
def tel_uri(phone: str) -> str:
    """A dialable tel: link from a phone number written with spaces or dots."""
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def map_point(outlet: Outlet) -> dict:
    """What the map script needs for one marker; rendered through |tojson, so it is escaped."""
    return {
        "name": outlet.name,
        "kind": str(OUTLET_KIND_LABELS.get(outlet.kind, outlet.kind)),
        "address": outlet.address,
        "lat": outlet.latitude,
        "lng": outlet.longitude,
        "url": url_for("outlets.outlet_detail", code=outlet.code),
    }


def map_points(outlets: list[Outlet]) -> list[dict]:
    return [map_point(o) for o in outlets if o.latitude is not None and o.longitude is not None]


def visitor_position(args) -> tuple[float, float] | None | str:
    """The visitor's (latitude, longitude) from ?lat=&lng=; None when not asked; the problem
    as text when the numbers are not a place on Earth."""
    if "lat" not in args and "lng" not in args:
        return None
    latitude, longitude = decimal_number(args, "lat", -90, 90), decimal_number(args, "lng", -180, 180)
    if latitude is None or longitude is None:
        return _("Your location could not be read (latitude from -90 to 90 and longitude from -180 "
                 "to 180, in decimal degrees); the sales points are listed by place instead.")
    return latitude, longitude


@bp.app_template_filter("km")
def kilometres(km: float) -> str:
    """A distance to a tenth of a kilometre, in the visitor's notation (2,4 or 2.4)."""
    return format_decimal(km, format="#,##0.0")


@bp.app_template_global("outlet_open_now")
def outlet_open_now(outlet: Outlet) -> bool | None:
    return open_now(outlet.opening_hours)


@bp.get("/outlets")
def outlet_list():
    position = visitor_position(request.args)
    nearest = outlets_by_distance(*position) if isinstance(position, tuple) else None
    network = [] if nearest else network_by_district()
    outlets = [near.outlet for near in nearest] if nearest else [
        o for province in network for group in province.districts for o in group.outlets]
    problem = position if isinstance(position, str) else None
    return render_template(
        "outlets/list.html", network=network, nearest=nearest, location_problem=problem,
        outlet_count=len(outlets), points=map_points(outlets),
    ), 400 if problem else 200


@bp.get("/outlets/<code>")
def outlet_detail(code: str):
    outlet = find_active_outlet(code)
    if outlet is None:
        abort(404)
    page = page_number(request.args)
    stock = outlet_stock(outlet, page=page, per_page=current_app.config["PRODUCTS_PER_PAGE"])
    return render_template(
        "outlets/detail.html", outlet=outlet, stock=stock, points=map_points([outlet])
    )

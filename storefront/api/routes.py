from dataclasses import replace

from flask import abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from storefront.api import bp
from storefront.api.openapi import openapi_document
from storefront.api.serializers import (
    outlet_json,
    product_detail_json,
    product_summary_json,
    stocked_product_json,
)
from storefront.catalog.cards import kept_per_product, short_digest
from storefront.catalog.filters import parse_filters
from storefront.catalog.services import find_product, list_products
from storefront.extensions import csrf, db
from storefront.query_args import MAX_PAGE, parse_int
from storefront.outlets.directory import (
    active_outlets,
    find_active_outlet,
    outlet_stock,
    product_availability,
)
from storefront.plans.exports import dashboard_json
from storefront.plans.models import Plan
from storefront.plans.services import plan_dashboard
from storefront.reports.exports import report_json
from storefront.reports.services import growth_page, parse_report_filters, parse_sort

csrf.exempt(bp)  # read-only JSON API: no forms, no cookies-based writes


# A page of the growth report costs its whole summary: programs read it in larger pages.
REPORT_PER_PAGE, REPORT_MAX_PER_PAGE = 100, 1000


def whole_number_range(parameter: str, most: int) -> str:
    return _("%(parameter)s must be a whole number from 1 to %(most)s.", parameter=parameter, most=most)


def per_page_arg(*, default: int = 24, most: int | None = None) -> int:
    most = most or current_app.config["API_MAX_PER_PAGE"]
    raw_per_page = request.args.get("per_page")
    per_page = parse_int(raw_per_page) if raw_per_page else default
    if per_page is None or not 1 <= per_page <= most:
        abort(400, description=whole_number_range("per_page", most))
    return per_page


def page_arg() -> int:
    raw_page = request.args.get("page")
    page = parse_int(raw_page) if raw_page else 1
    if page is None or not 1 <= page <= MAX_PAGE:
        abort(400, description=whole_number_range("page", MAX_PAGE))
    return page


def product_summaries(products: list) -> list[dict]:
    """Each product's summary, kept per catalogue version (its links name this host)."""
    host = short_digest(request.host_url)
    return kept_per_product("api-summary", products, [host] * len(products),
                            lambda _i, product: product_summary_json(product), producer=True)


def listing_response():
    filters, notices = parse_filters(request.args)
    if notices:
        abort(400, description=" ".join(str(n) for n in notices))
    # The pages forgive an impossible page (they show the first); a program is told.
    listing = list_products(replace(filters, page=page_arg()), per_page=per_page_arg())
    return jsonify(
        items=product_summaries(listing.products),
        page=listing.page,
        per_page=listing.per_page,
        total=listing.total,
        pages=listing.pages,
        typo_fallback=listing.typo_fallback,
        facets={
            name: [{"key": v.key, "label": v.label, "count": v.count} for v in values]
            for name, values in listing.facets.items()
        },
    )


@bp.before_request
def refuse_unknown_language() -> None:
    asked = request.args.get("lang")
    if asked is not None and asked not in current_app.config["LANGUAGES"]:
        abort(400, description=_("lang must be one of: %(languages)s.",
                                 languages=", ".join(current_app.config["LANGUAGES"])))


@bp.after_request
def vary_by_language(response):
    response.vary.add("Accept-Language")
    return response


@bp.get("/products")
def products():
    return listing_response()


@bp.get("/search")
def search():
    if not (request.args.get("q") or "").strip():
        abort(400, description=_("Give a search query in q."))
    return listing_response()


@bp.get("/products/<slug>")
def product(slug: str):
    found = find_product(slug)
    if found is None or not found.is_public:
        abort(404, description=_("No certified product with slug %(slug)s.", slug=repr(slug[:160])))
    return jsonify(product_detail_json(found, product_availability(found)))


@bp.get("/outlets")
def outlets():
    return jsonify(items=[outlet_json(outlet) for outlet in active_outlets()])


@bp.get("/outlets/<code>/stock")
def outlet_stock_list(code: str):
    outlet = find_active_outlet(code)
    if outlet is None:
        abort(404, description=_("No open sales point with code %(code)s.", code=repr(code[:20])))
    stock = outlet_stock(outlet, page=page_arg(), per_page=per_page_arg())
    return jsonify(
        outlet=outlet.code,
        items=[stocked_product_json(item) for item in stock.items],
        page=stock.page,
        per_page=stock.per_page,
        total=stock.total,
        pages=stock.pages,
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


# Staff only: the growth report, with the page's filters and order; a plan's dashboard.

def require_staff(*, log_in: str, staff_only: str) -> None:
    if not current_user.is_authenticated:
        abort(401, description=log_in)
    if not current_user.is_staff:
        abort(403, description=staff_only)


@bp.get("/reports/growth")
def growth_report_json():
    require_staff(log_in=_("Log in as programme staff to read the growth report."),
                  staff_only=_("The growth report is for programme staff only."))
    filters, notices = parse_report_filters(request.args)
    order, sort_notices = parse_sort(request.args)
    if notices or sort_notices:
        abort(400, description=" ".join(str(notice) for notice in notices + sort_notices))
    per_page = per_page_arg(default=REPORT_PER_PAGE, most=REPORT_MAX_PER_PAGE)
    page = growth_page(filters, default_target=current_app.config["GROWTH_TARGET_DEFAULT"], order=order,
                       page=page_arg(), per_page=per_page)
    return jsonify(report_json(page, filters, order, per_page))


@bp.get("/plans/<int:plan_id>/dashboard")
def plan_dashboard_json(plan_id: int):
    require_staff(log_in=_("Log in as programme staff to read the plan dashboard."),
                  staff_only=_("The plan dashboard is for programme staff only."))
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        abort(404, description=_("No plan with that id."))
    return jsonify(dashboard_json(plan_dashboard(plan)))

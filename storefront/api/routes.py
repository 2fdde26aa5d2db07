from dataclasses import replace
from functools import wraps

from flask import abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from storefront.api import bp
from storefront.api.openapi import openapi_document
from storefront.api.schemas import (
    GROWTH_RULES,
    Error,
    GrowthArgs,
    GrowthReport,
    LanguageArgs,
    ListingArgs,
    OutletList,
    OutletStockPage,
    PageArgs,
    PlanDashboard,
    ProductDetail,
    ProductPage,
    ProductSummary,
    SearchArgs,
)
from storefront.catalog.cards import kept_per_product, short_digest
from storefront.catalog.filters import parse_filters
from storefront.catalog.services import find_product, list_products
from storefront.extensions import csrf, db
from storefront.outlets.directory import (
    active_outlets,
    find_active_outlet,
    outlet_stock,
)
from storefront.plans.models import Plan
from storefront.plans.services import plan_dashboard
from storefront.reports.services import ReportOrder, filter_args, growth_page, parse_report_filters

csrf.exempt(bp)  # read-only JSON API: no forms, no cookies-based writes


def product_summaries(products: list) -> list[dict]:
    """Each product's summary, kept per catalogue version (its links name this host)."""
    host = short_digest(request.host_url)
    summary = ProductSummary()
    return kept_per_product("api-summary", products, [host] * len(products),
                            lambda _i, product: summary.dump(product), producer=True)


def listing(*, page: int, per_page: int, **_checked) -> dict:
    """The schema has checked every parameter; parse_filters turns them into the filters the
    pages use, looking the area up (an unknown one is the notice left)."""
    filters, notices = parse_filters(request.args)
    if notices:
        abort(400, description=" ".join(str(n) for n in notices))
    # The pages forgive an impossible page (they show the first); a program is told.
    found = list_products(replace(filters, page=page), per_page=per_page)
    return {
        "items": product_summaries(found.products),
        "page": found.page,
        "per_page": found.per_page,
        "total": found.total,
        "pages": found.pages,
        "typo_fallback": found.typo_fallback,
        "facets": found.facets,
    }


@bp.after_request
def vary_by_language(response):
    response.vary.add("Accept-Language")
    return response


@bp.get("/products")
@bp.arguments(ListingArgs, location="query", as_kwargs=True)
@bp.response(200, ProductPage, description="A page of products.")
def products(**args):
    """Certified products, filtered and paginated"""
    return listing(**args)


@bp.get("/search")
@bp.arguments(SearchArgs, location="query", as_kwargs=True)
@bp.response(200, ProductPage, description="A page of matches.")
def search(**args):
    """Search certified products (q required)"""
    return listing(**args)


@bp.get("/products/<slug>")
@bp.arguments(LanguageArgs, location="query", as_kwargs=True)
@bp.response(200, ProductDetail, description="The product.")
@bp.alt_response(404, schema=Error, description="No certified product with that slug.")
def product(slug: str):
    """One certified product with its certificate and lots"""
    found = find_product(slug)
    if found is None or not found.is_public:
        abort(404, description=_("No certified product with slug %(slug)s.", slug=repr(slug[:160])))
    return found


@bp.get("/outlets")
@bp.arguments(LanguageArgs, location="query", as_kwargs=True)
@bp.response(200, OutletList, description="The sales points, by code.")
def outlets():
    """Every open OCOP sales point"""
    return {"items": active_outlets()}


@bp.get("/outlets/<code>/stock")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, OutletStockPage, description="A page of products in stock.")
@bp.alt_response(404, schema=Error, description="No open sales point with that code.")
def outlet_stock_list(code: str, *, page: int, per_page: int):
    """Certified products available at one sales point, best rated first"""
    outlet = find_active_outlet(code)
    if outlet is None:
        abort(404, description=_("No open sales point with code %(code)s.", code=repr(code[:20])))
    return {"outlet": outlet, "stock": outlet_stock(outlet, page=page, per_page=per_page)}


def openapi():
    return jsonify(openapi_document())


bp.add_undocumented_rule("/openapi.json", "openapi", openapi)


# Staff only: the growth report, with the page's filters and order; a plan's dashboard.

def staff_only(*, log_in, staff_only_message):
    """Before the parameters are read: who may ask comes first."""
    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401, description=str(log_in))
            if not current_user.is_staff:
                abort(403, description=str(staff_only_message))
            return view(*args, **kwargs)
        return checked
    return decorate


def staff_doc(view):
    view = bp.alt_response(401, schema=Error, description="Not logged in.")(view)
    view = bp.alt_response(403, schema=Error, description="Logged in, but not as programme staff.")(view)
    return bp.doc(security=[{"staffSession": []}])(view)


@bp.get("/reports/growth")
@staff_only(log_in=_l("Log in as programme staff to read the growth report."),
            staff_only_message=_l("The growth report is for programme staff only."))
@staff_doc
@bp.arguments(GrowthArgs, location="query", as_kwargs=True)
@bp.response(200, GrowthReport, description="The rows, the summary and the filters applied.")
@bp.doc(description=GROWTH_RULES)
def growth_report_json(*, sort: str, dir: str, page: int, per_page: int, **_checked):
    """The 1.5× growth report: every product certified 3★+, its year one against its baseline
    (programme staff only; paginated, the summary over every row)"""
    filters, notices = parse_report_filters(request.args)
    if notices:
        abort(400, description=" ".join(str(notice) for notice in notices))
    order = ReportOrder(sort, dir == "desc")
    report = growth_page(filters, default_target=current_app.config["GROWTH_TARGET_DEFAULT"], order=order,
                         page=page, per_page=per_page)
    return {"page": report, "filters": filter_args(filters), "order": order, "per_page": per_page}


@bp.get("/plans/<int(min=1):plan_id>/dashboard")
@staff_only(log_in=_l("Log in as programme staff to read the plan dashboard."),
            staff_only_message=_l("The plan dashboard is for programme staff only."))
@staff_doc
@bp.arguments(LanguageArgs, location="query", as_kwargs=True)
@bp.response(200, PlanDashboard, description="The plan and its indicators.")
@bp.alt_response(404, schema=Error, description="No plan with that id.")
def plan_dashboard_json(plan_id: int):
    """A plan's dashboard: each indicator's value, target, status and change since the period
    began (programme staff only); the same figures as /admin/dashboard"""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        abort(404, description=_("No plan with that id."))
    return plan_dashboard(plan)

from flask import render_template
from flask_babel import format_number

from storefront.accounts.access import staff_required
from storefront.admin import bp
# Importing an area's routes attaches its pages to bp.
from storefront.admin.audit import routes as audit_routes  # noqa: F401
from storefront.admin.catalog import routes as catalog_routes  # noqa: F401
from storefront.admin.imports import routes as imports_routes  # noqa: F401
from storefront.admin.outlets import routes as outlets_routes  # noqa: F401
from storefront.admin.payments import routes as payments_routes  # noqa: F401
from storefront.admin.people import routes as people_routes  # noqa: F401
from storefront.admin.plans import routes as plans_routes  # noqa: F401
from storefront.admin.reports import routes as reports_routes  # noqa: F401
from storefront.admin.services import (
    EXPIRY_WARNING_DAYS,
    catalogue_overview,
    expired_certificates,
    expiring_certificates,
)
from storefront.clock import vietnam_today


@bp.get("/")
@staff_required
def index():
    return render_template(
        "admin/index.html",
        overview=catalogue_overview(),
        expiring=expiring_certificates(),
        expired=expired_certificates(),
        warning_days=EXPIRY_WARNING_DAYS,
    )


@bp.app_template_filter("thousands")
def thousands(number: int) -> str:
    return format_number(number)


@bp.context_processor
def back_office_helpers() -> dict:
    return {"today": vietnam_today}

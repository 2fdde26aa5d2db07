from flask import render_template
from flask_babel import format_number

from storefront.accounts.access import staff_required
from storefront.admin import (  # noqa: F401  (importing a page module attaches its pages to bp)
    audit, baselines, bp, certificates, imports, lots, outlets, payments, people, plans, producers, products, reports,
    watchlist,
)
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

from flask import render_template

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.services import (
    EXPIRY_WARNING_DAYS,
    catalogue_overview,
    expired_certificates,
    expiring_certificates,
)


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


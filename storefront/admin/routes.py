from flask import render_template

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.services import (
    EXPIRY_WARNING_DAYS,
    catalogue_overview,
    expired_certificates,
    expiring_certificates,
    sales_point_coverage,
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


@bp.get("/outlets")
@staff_required
def outlet_coverage():
    provinces = sales_point_coverage()
    districts = [district for province in provinces for district in province.districts]
    return render_template(
        "admin/outlets.html",
        provinces=provinces,
        total=len(districts),
        covered=sum(province.covered for province in provinces),
        uncovered=[district for district in districts if not district.covered],
    )

from flask import render_template
from flask_babel import format_number, gettext as _, lazy_gettext as _l

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.services import (
    EXPIRY_WARNING_DAYS,
    catalogue_overview,
    expired_certificates,
    expiring_certificates,
    sales_point_coverage,
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


AUDIT_ACTIONS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "deactivate": _l("Deactivated"),
    "activate": _l("Reactivated"),
    "revoke": _l("Revoked"),
    "add_photo": _l("Photo added"),
    "reorder_photos": _l("Photos reordered"),
    "delete_photo": _l("Photo deleted"),
    "add_event": _l("Step added"),
    "remove_event": _l("Step removed"),
}


def audit_value(value) -> str:
    """A value from the audit log as staff read it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return " · ".join(str(v) for v in value.values() if v not in (None, ""))
    if isinstance(value, list):
        return ", ".join(str(v)[:8] for v in value)  # photo digests: their start is enough
    return str(value)


@bp.app_template_filter("thousands")
def thousands(number: int) -> str:
    return format_number(number)


@bp.context_processor
def back_office_helpers() -> dict:
    return {"audit_actions": AUDIT_ACTIONS, "audit_value": audit_value, "today": vietnam_today}

"""The audit log for staff: every back-office change, newest first, filtered by person, kind of
record and days; each entry links to its record's page where there is one."""
from collections.abc import Callable, Iterable
from datetime import date

from flask import render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from storefront.accounts.access import staff_required
from storefront.accounts.services import find_user
from storefront.admin import bp
from storefront.audit.models import AuditEntry
from storefront.audit.services import AuditFilters, audit_page
from storefront.query_args import parse_int
from storefront.catalog.models import Evaluation, Product, TraceLot
from storefront.extensions import db
from storefront.lookups import rows_where_in
from storefront.outlets.models import Outlet, StockLevel

RECORD_TYPE_LABELS = {
    "producer": _l("Producer"),
    "product": _l("Product"),
    "evaluation": _l("Evaluation"),
    "trace_lot": _l("Trace lot"),
    "outlet": _l("Outlet"),
    "stock_level": _l("Stock level"),
    "user": _l("Person"),
}

ACTION_LABELS = {
    "create": _l("created"),
    "update": _l("changed"),
    "deactivate": _l("deactivated"),
    "activate": _l("reactivated"),
    "revoke": _l("revoked"),
    "add_photo": _l("photo added"),
    "reorder_photos": _l("photos reordered"),
    "delete_photo": _l("photo deleted"),
    "add_event": _l("step added"),
    "remove_event": _l("step removed"),
    "close": _l("closed"),
    "reopen": _l("reopened"),
    "assign_manager": _l("manager added"),
    "unassign_manager": _l("manager removed"),
    "assign_outlet": _l("outlet added"),
    "unassign_outlet": _l("outlet removed"),
    "change_role": _l("role changed"),
    "disable": _l("disabled"),
    "enable": _l("enabled"),
    "send_reset_link": _l("reset link sent"),
    "set_password": _l("password changed"),
    "adjust": _l("stock adjusted"),
    "count": _l("stock counted"),
    "import_create": _l("created by import"),
    "import_update": _l("changed by import"),
}


@bp.app_template_filter("audit_value")
def audit_value(value) -> str:
    """A logged value as people read it."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, dict):
        return " · ".join(str(item) for item in value.values() if item not in (None, ""))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


@bp.app_context_processor
def audit_vocabulary() -> dict:
    return {"record_type_labels": RECORD_TYPE_LABELS, "action_labels": ACTION_LABELS}


@bp.get("/audit")
@staff_required
def audit_log():
    notices = []
    person_email = request.args.get("person", "").strip()[:120]
    person = find_user(person_email) if person_email else None
    if person_email and person is None:
        notices.append(_("No account has the email %(email)s.", email=person_email))
    kind = request.args.get("kind", "")
    if kind not in RECORD_TYPE_LABELS:
        kind = ""
    first_day, last_day = parse_day("from", notices), parse_day("to", notices)
    filters = AuditFilters(user=person, record_type=kind or None, first_day=first_day, last_day=last_day)
    if person_email and person is None:
        page = None
    else:
        page = audit_page(filters, before=parse_int(request.args.get("before")),
                          after=parse_int(request.args.get("after")))
    args = {"person": person_email or None, "kind": kind or None,
            "from": first_day.isoformat() if first_day else None, "to": last_day.isoformat() if last_day else None}
    return render_template("admin/audit.html", page=page, args=args, notices=notices,
                           links=record_links(page.entries if page else []))


def parse_day(name: str, notices: list[str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        notices.append(_("“%(value)s” is not a date; it was left out.", value=text[:20]))
        return None


# --- Links from entries to their records ---------------------------------------------------------


def outlet_links(ids: Iterable[int]) -> dict[int, str]:
    return {id_: url_for("admin.outlet_page", code=code)
            for id_, code in rows_where_in(db.select(Outlet.id, Outlet.code), Outlet.id, ids)}


def person_links(ids: Iterable[int]) -> dict[int, str]:
    # Only admins open people's pages.
    return {id_: url_for("admin.person", user_id=id_) for id_ in ids} if current_user.role == "admin" else {}


def stock_level_links(ids: Iterable[int]) -> dict[int, str]:
    rows = rows_where_in(
        db.select(StockLevel.id, Outlet.code, Product.code)
        .join(Outlet, Outlet.id == StockLevel.outlet_id).join(Product, Product.id == StockLevel.product_id),
        StockLevel.id, ids,
    )
    return {id_: url_for("manage.history", code=outlet, product_code=product) for id_, outlet, product in rows}


def producer_links(ids: Iterable[int]) -> dict[int, str]:
    return {id_: url_for("admin.producer_page", producer_id=id_) for id_ in ids}


def product_links(ids: Iterable[int]) -> dict[int, str]:
    return {id_: url_for("admin.product_page", code=code)
            for id_, code in rows_where_in(db.select(Product.id, Product.code), Product.id, ids)}


def evaluation_links(ids: Iterable[int]) -> dict[int, str]:
    rows = rows_where_in(db.select(Evaluation.id, Product.code).join(Product, Product.id == Evaluation.product_id),
                         Evaluation.id, ids)
    return {id_: url_for("admin.product_page", code=code) for id_, code in rows}


def lot_links(ids: Iterable[int]) -> dict[int, str]:
    rows = rows_where_in(db.select(TraceLot.id, Product.code, TraceLot.lot_code)
                         .join(Product, Product.id == TraceLot.product_id), TraceLot.id, ids)
    return {id_: url_for("admin.lot_page", code=code, lot_code=lot_code) for id_, code, lot_code in rows}


LINKS: dict[str, Callable[[Iterable[int]], dict[int, str]]] = {
    "outlet": outlet_links,
    "user": person_links,
    "stock_level": stock_level_links,
    "producer": producer_links,
    "product": product_links,
    "evaluation": evaluation_links,
    "trace_lot": lot_links,
}


def record_links(entries: list[AuditEntry]) -> dict[tuple[str, int], str]:
    """The page of each entry's record, one query per kind of record on the page."""
    ids: dict[str, set[int]] = {}
    for entry in entries:
        ids.setdefault(entry.record_type, set()).add(entry.record_id)
    return {
        (record_type, id_): url
        for record_type, wanted in ids.items() if record_type in LINKS
        for id_, url in LINKS[record_type](wanted).items()
    }


def record_name(entry: AuditEntry, links: dict) -> Markup:
    """The record's kind and name, linked to its page where it has one."""
    kind = RECORD_TYPE_LABELS.get(entry.record_type, entry.record_type)
    name = entry.record_label or f"#{entry.record_id}"
    url = links.get((entry.record_type, entry.record_id))
    if url:
        return Markup('{}: <a href="{}">{}</a>').format(kind, url, name)
    return Markup("{}: {}").format(kind, name)


bp.add_app_template_global(record_name)

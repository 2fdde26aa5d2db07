"""The re-evaluation watchlist (/admin/watchlist): lapsing, lapsed and revoked certificates,
filtered, exported, and each product's re-evaluation marked as scheduled."""
from __future__ import annotations

import tempfile

from flask import Response, abort, stream_with_context, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.reports import file_chunks
from storefront.catalog.labels import GROUP_LABELS
from storefront.catalog.models import Product
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.plans.watchlist import (
    WATCH_DAYS,
    WatchFilters,
    WatchlistError,
    schedule_reevaluation,
    watchlist_page,
    watchlist_table,
)
from storefront.reports.services import report_areas
from storefront.spreadsheets import MIMETYPES, csv_chunks, write_xlsx

WATCH_LABELS = {
    "expiring": _l("Expires within %(days)d days", days=WATCH_DAYS),
    "expired": _l("Expired, not re-certified"),
    "revoked": _l("Revoked"),
}


class ScheduleForm(FlaskForm):
    scheduled_on = DateField(_l("Re-evaluation scheduled on"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Length(max=255)])


@bp.get("/watchlist")
@staff_required
def watchlist():
    filters = WatchFilters.parse(request.args)
    page = watchlist_page(filters, request.args.get("page"))
    return render_template("admin/plans/watchlist.html", filters=filters, page=page, areas=report_areas(),
                           labels=WATCH_LABELS, group_labels=GROUP_LABELS, form=ScheduleForm())


@bp.get("/watchlist.<any(csv, xlsx):extension>")
@staff_required
def watchlist_export(extension: str):
    rows = watchlist_table(WatchFilters.parse(request.args), WATCH_LABELS)
    headers = {"Content-Disposition": f"attachment; filename=watchlist-{vietnam_today():%Y%m%d}.{extension}"}
    if extension == "csv":
        return Response(stream_with_context(csv_chunks(rows)), mimetype=MIMETYPES["csv"], headers=headers)
    file = tempfile.TemporaryFile()
    write_xlsx(file, rows, title=_("Re-evaluation watchlist"), bold_header=True, number_formats=[None] * 10 + ["#,##0"])
    size = file.tell()
    file.seek(0)
    return Response(file_chunks(file), mimetype=MIMETYPES["xlsx"], headers=headers | {"Content-Length": str(size)})


@bp.post("/watchlist/<int:product_id>/schedule")
@staff_required
def watchlist_schedule(product_id: int):
    product = db.session.get(Product, product_id) or abort(404)
    form = ScheduleForm()
    back = redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/admin/watchlist")
                    else url_for("admin.watchlist"))
    if not form.validate_on_submit():
        flash(_("Give the day as a date, such as %(day)s.", day=vietnam_today().isoformat()), "error")
        return back
    try:
        schedule_reevaluation(product=product, scheduled_on=form.scheduled_on.data, note=form.note.data or "",
                              actor=current_user)
    except WatchlistError as error:
        flash(str(error), "error")
    else:
        flash(_("Re-evaluation of %(product)s scheduled.", product=product.name_vi) if form.scheduled_on.data
              else _("Schedule of %(product)s cleared.", product=product.name_vi), "success")
    return back

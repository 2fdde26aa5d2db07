"""Staff record a product's production lots and their dated steps, and print the QR labels
that go on the lot's packages (each opens the lot's public trace page)."""
import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.forms import EventForm, LotForm, show_error
from storefront.admin.products import product_or_404, render_product_page
from storefront.catalog.models import TraceEvent, TraceLot
from storefront.catalog.qr_labels import COLUMNS, MAX_SHEETS, ROWS, label_sheet, sheet_pdf, sheet_svg
from storefront.catalog.services import (
    CatalogError,
    add_trace_event,
    create_trace_lot,
    remove_trace_event,
    update_trace_lot,
)
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.query_args import number


@bp.post("/products/<code>/lots")
@staff_required
def lot_add(code: str):
    product = product_or_404(code)
    form = LotForm()
    if form.validate_on_submit():
        try:
            lot = create_trace_lot(actor=current_user, product=product, lot_code=form.lot_code.data, **form.values())
        except CatalogError as error:
            show_error(form, error)
        else:
            flash(_("Lot %(code)s created: add its steps below.", code=lot.lot_code), "success")
            return redirect(url_for("admin.lot_page", code=code, lot_code=lot.lot_code))
    return render_product_page(product, lot_form=form), 400


@bp.route("/products/<code>/lots/<lot_code>", methods=["GET", "POST"])
@staff_required
def lot_page(code: str, lot_code: str):
    lot = lot_or_404(code, lot_code)
    form = LotForm(obj=lot, lot_code=lot.lot_code, standards=lot.standards)
    if form.validate_on_submit():
        try:
            update_trace_lot(actor=current_user, lot=lot, **form.values())
        except CatalogError as error:
            show_error(form, error)
        else:
            flash(_("Lot %(code)s saved.", code=lot.lot_code), "success")
            return redirect(url_for("admin.lot_page", code=code, lot_code=lot.lot_code))
    return render_lot_page(lot, form=form)


@bp.post("/products/<code>/lots/<lot_code>/events")
@staff_required
def lot_event_add(code: str, lot_code: str):
    lot = lot_or_404(code, lot_code)
    event_form = EventForm()
    if event_form.validate_on_submit():
        try:
            add_trace_event(actor=current_user, lot=lot, happened_on=event_form.happened_on.data,
                            kind=event_form.kind.data, description=event_form.description.data,
                            place=event_form.place.data)
        except CatalogError as error:
            show_error(event_form, error)
        else:
            flash(_("Step added to lot %(code)s.", code=lot.lot_code), "success")
            return redirect(url_for("admin.lot_page", code=code, lot_code=lot.lot_code, _anchor="events"))
    return render_lot_page(lot, event_form=event_form), 400


@bp.post("/products/<code>/lots/<lot_code>/events/<int:event_id>/remove")
@staff_required
def lot_event_remove(code: str, lot_code: str, event_id: int):
    lot = lot_or_404(code, lot_code)
    event = db.session.get(TraceEvent, event_id)
    if event is None or event.lot_id != lot.id:
        abort(404)
    remove_trace_event(actor=current_user, event=event)
    flash(_("Step removed from lot %(code)s.", code=lot.lot_code), "success")
    return redirect(url_for("admin.lot_page", code=code, lot_code=lot.lot_code, _anchor="events"))


@bp.get("/products/<code>/lots/<lot_code>/labels")
@staff_required
def lot_labels(code: str, lot_code: str):
    lot = lot_or_404(code, lot_code)
    sheet = label_sheet(lot, labels=labels_wanted())
    return render_template("admin/lot_labels.html", lot=lot, sheet=sheet, svg=sheet_svg(sheet),
                           max_labels=MAX_SHEETS * COLUMNS * ROWS)


@bp.get("/products/<code>/lots/<lot_code>/labels.<any(svg, pdf):extension>")
@staff_required
def lot_labels_file(code: str, lot_code: str, extension: str):
    sheet = label_sheet(lot_or_404(code, lot_code), labels=labels_wanted())
    data = sheet_svg(sheet).encode() if extension == "svg" else sheet_pdf(sheet)
    mimetype = "image/svg+xml" if extension == "svg" else "application/pdf"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=f"labels-{sheet.lot_code}.{extension}")


def labels_wanted() -> int:
    return number(request.args, "labels", 1, COLUMNS * ROWS * MAX_SHEETS) or COLUMNS * ROWS


def lot_or_404(code: str, lot_code: str) -> TraceLot:
    lot = db.session.scalar(db.select(TraceLot).where(TraceLot.lot_code == lot_code.upper()[:40]))
    if lot is None or lot.product.code != code:
        abort(404)
    return lot


def render_lot_page(lot: TraceLot, **forms) -> str:
    forms = {"form": LotForm(formdata=None, obj=lot),
             "event_form": EventForm(formdata=None, happened_on=vietnam_today())} | forms
    return render_template("admin/lot.html", lot=lot, product=lot.product, **forms)

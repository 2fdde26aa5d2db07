"""The catalogue in the back office: staff register producers (chủ thể OCOP) and products,
correct them, withdraw them from sale and bring them back; manage a product's photos; record
councils' results (evaluations and re-evaluations) and revoke certificates; record a product's
production lots and their dated steps, and print the QR labels that go on a lot's packages
(each opens the lot's public trace page). A product's page gathers its evaluations, lots and
history; the badge, listings, search and growth report follow each commit."""
import io

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.catalog.forms import (
    EvaluationForm,
    EventForm,
    LotForm,
    PhotoForm,
    ProducerForm,
    ProductForm,
    RevokeForm,
    show_error,
)
from storefront.admin.catalog.services import (
    CERTIFICATION_STATES,
    STATUSES,
    EvaluationFilters,
    ProducerFilters,
    ProductFilters,
    evaluations_page,
    producer_lookup,
    producers_page,
    products_page,
)
from storefront.audit.services import record_history
from storefront.catalog.models import Evaluation, Producer, Product, ProductPhoto, TraceEvent, TraceLot
from storefront.catalog.photos import MAX_PHOTO_BYTES, PhotoRejected, add_photo, delete_photo, move_photo
from storefront.catalog.qr_labels import COLUMNS, MAX_SHEETS, ROWS, label_sheet, sheet_pdf, sheet_svg
from storefront.catalog.services import (
    CatalogError,
    add_trace_event,
    create_producer,
    create_product,
    create_trace_lot,
    record_evaluation,
    remove_trace_event,
    revoke_certification,
    set_producer_active,
    set_product_active,
    update_producer,
    update_product,
    update_trace_lot,
)
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.form_fields import refreshing_area
from storefront.i18n import local_date
from storefront.query_args import number
from storefront.reports.services import report_areas


# --- Producers ----------------------------------------------------------------------------------


@bp.get("/producers")
@staff_required
def producers():
    filters = ProducerFilters.parse(request.args)
    page, product_counts = producers_page(filters)
    return render_template("admin/producers.html", filters=filters, page=page, product_counts=product_counts,
                           areas=report_areas(), statuses=STATUSES)


@bp.get("/producers/lookup")
@staff_required
def producer_lookup_json():
    found = producer_lookup(request.args.get("q", ""))
    return jsonify(producers=[{"registration_no": p.registration_no, "name": p.name} for p in found])


@bp.route("/producers/new", methods=["GET", "POST"])
@staff_required
def producer_new():
    form = ProducerForm()
    form.start_area(None)
    if not refreshing_area() and form.validate_on_submit():
        try:
            producer = create_producer(actor=current_user, **form.values())
        except CatalogError as error:
            show_error(form, error)
        else:
            flash(_("Producer %(name)s registered.", name=producer.name), "success")
            return redirect(url_for("admin.producer_page", producer_id=producer.id))
    return render_template("admin/producer_form.html", form=form, producer=None)


@bp.route("/producers/<int:producer_id>/edit", methods=["GET", "POST"])
@staff_required
def producer_edit(producer_id: int):
    producer = producer_or_404(producer_id)
    form = ProducerForm(obj=producer)
    form.start_area(producer.area)
    if not refreshing_area() and form.validate_on_submit():
        try:
            update_producer(actor=current_user, producer=producer, **form.values())
        except CatalogError as error:
            show_error(form, error)
        else:
            flash(_("Producer %(name)s saved.", name=producer.name), "success")
            return redirect(url_for("admin.producer_page", producer_id=producer.id))
    return render_template("admin/producer_form.html", form=form, producer=producer)


@bp.get("/producers/<int:producer_id>")
@staff_required
def producer_page(producer_id: int):
    producer = producer_or_404(producer_id)
    products = db.session.scalars(
        db.select(Product).where(Product.producer_id == producer.id).order_by(Product.name_vi)
        .options(selectinload(Product.certification))
    ).all()
    return render_template("admin/producer.html", producer=producer, products=products,
                           history=record_history(producer))


@bp.post("/producers/<int:producer_id>/active")
@staff_required
def producer_active(producer_id: int):
    producer = producer_or_404(producer_id)
    active = request.form.get("active") == "1"
    withdrawn = set_producer_active(actor=current_user, producer=producer, active=active)
    if active:
        flash(_("%(name)s is active again. Bring its products back one by one.", name=producer.name), "success")
    else:
        flash(ngettext("%(name)s deactivated; %(num)d product withdrawn from sale.",
                       "%(name)s deactivated; %(num)d products withdrawn from sale.", withdrawn,
                       name=producer.name), "success")
    return redirect(url_for("admin.producer_page", producer_id=producer.id))


def producer_or_404(producer_id: int) -> Producer:
    return db.session.get(Producer, producer_id) or abort(404)


# --- Products and their photos ------------------------------------------------------------------


@bp.get("/products")
@staff_required
def products():
    filters = ProductFilters.parse(request.args)
    return render_template("admin/products.html", filters=filters, page=products_page(filters),
                           areas=report_areas(), statuses=STATUSES, certification_states=CERTIFICATION_STATES)


@bp.route("/products/new", methods=["GET", "POST"])
@staff_required
def product_new():
    form = ProductForm(producer_ref=request.args.get("producer", ""))
    if form.validate_on_submit():
        try:
            product = create_product(actor=current_user, code=form.code.data, **form.values())
        except CatalogError as error:
            show_error(form, error)
        else:
            flash(_("Product %(name)s registered. Add its photos and its evaluation below.", name=product.name_vi),
                  "success")
            return redirect(url_for("admin.product_page", code=product.code))
    return render_template("admin/product_form.html", form=form, product=None)


@bp.route("/products/<code>/edit", methods=["GET", "POST"])
@staff_required
def product_edit(code: str):
    product = product_or_404(code)
    form = ProductForm(obj=product, producer_ref=product.producer.registration_no, code=product.code)
    if form.validate_on_submit():
        try:
            update_product(product, actor=current_user, **form.values())
        except CatalogError as error:
            show_error(form, error)
        else:
            flash(_("Product %(name)s saved.", name=product.name_vi), "success")
            return redirect(url_for("admin.product_page", code=product.code))
    return render_template("admin/product_form.html", form=form, product=product)


@bp.get("/products/<code>")
@staff_required
def product_page(code: str):
    return render_product_page(product_or_404(code))


@bp.post("/products/<code>/active")
@staff_required
def product_active(code: str):
    product = product_or_404(code)
    active = request.form.get("active") == "1"
    try:
        set_product_active(actor=current_user, product=product, active=active)
    except CatalogError as error:
        flash(str(error), "error")
    else:
        flash(_("%(name)s is on sale again.", name=product.name_vi) if active
              else _("%(name)s withdrawn from sale.", name=product.name_vi), "success")
    return redirect(url_for("admin.product_page", code=product.code))


@bp.post("/products/<code>/photos")
@staff_required
def photos_add(code: str):
    product = product_or_404(code)
    form = PhotoForm()
    if not form.validate_on_submit():
        return render_product_page(product, photo_form=form), 400
    added, refused = 0, []
    for upload in form.photos.data:
        try:
            add_photo(actor=current_user, product=product, data=upload.read(MAX_PHOTO_BYTES + 1))
            added += 1
        except PhotoRejected as error:
            refused.append(_("%(file)s: %(problem)s", file=upload.filename or "?", problem=error))
    if added:
        flash(ngettext("%(num)d photo added.", "%(num)d photos added.", added), "success")
    if refused:
        form.photos.errors = refused
        return render_product_page(product, photo_form=form), 400
    return redirect(url_for("admin.product_page", code=product.code, _anchor="photo-section"))


@bp.post("/products/<code>/photos/<int:photo_id>/move")
@staff_required
def photo_move(code: str, photo_id: int):
    photo = photo_or_404(code, photo_id)
    move_photo(actor=current_user, photo=photo, step=-1 if request.form.get("step") == "up" else 1)
    return redirect(url_for("admin.product_page", code=code, _anchor="photo-section"))


@bp.post("/products/<code>/photos/<int:photo_id>/delete")
@staff_required
def photo_delete(code: str, photo_id: int):
    delete_photo(actor=current_user, photo=photo_or_404(code, photo_id))
    flash(_("Photo deleted."), "success")
    return redirect(url_for("admin.product_page", code=code, _anchor="photo-section"))


def product_or_404(code: str) -> Product:
    return db.session.scalar(db.select(Product).where(Product.code == code[:30])) or abort(404)


def photo_or_404(code: str, photo_id: int) -> ProductPhoto:
    photo = db.session.get(ProductPhoto, photo_id)
    if photo is None or photo.product.code != code:
        abort(404)
    return photo


def render_product_page(product: Product, **forms) -> str:
    """The product's admin page; a form sent back with errors replaces its empty twin."""
    forms = {"photo_form": PhotoForm(formdata=None), "evaluation_form": EvaluationForm(formdata=None),
             "lot_form": LotForm(formdata=None, produced_on=vietnam_today())} | forms
    lots = db.session.scalars(
        db.select(TraceLot).where(TraceLot.product_id == product.id).order_by(TraceLot.produced_on.desc())
        .options(selectinload(TraceLot.events))
    ).all()
    history = record_history(product, *product.evaluations, *lots)
    return render_template("admin/product.html", product=product, lots=lots, history=history, **forms)


# --- Evaluations --------------------------------------------------------------------------------


@bp.get("/evaluations")
@staff_required
def evaluations():
    filters = EvaluationFilters.parse(request.args)
    return render_template("admin/evaluations.html", filters=filters, page=evaluations_page(filters),
                           years=[(year, year) for year in range(vietnam_today().year, 2014, -1)])


@bp.post("/products/<code>/evaluations")
@staff_required
def evaluation_add(code: str):
    product = product_or_404(code)
    form = EvaluationForm()
    if form.validate_on_submit():
        try:
            evaluation = record_evaluation(
                actor=current_user, product=product, score=form.score.data, council_level=form.council_level.data,
                issued_on=form.issued_on.data, decision_no=form.decision_no.data,
                certificate_no=form.certificate_no.data or None,
            )
        except CatalogError as error:
            show_error(form, error)
        else:
            flash(_("Evaluation recorded: %(n)d★, valid until %(day)s.", n=evaluation.stars,
                    day=local_date(evaluation.expires_on)), "success")
            return redirect(url_for("admin.product_page", code=product.code, _anchor="evaluations"))
    return render_product_page(product, evaluation_form=form), 400


@bp.route("/products/<code>/evaluations/<int:evaluation_id>/revoke", methods=["GET", "POST"])
@staff_required
def evaluation_revoke(code: str, evaluation_id: int):
    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.product.code != code or not evaluation.certified:
        abort(404)
    form = RevokeForm(revoked_on=vietnam_today())
    if evaluation.revoked_at is None and form.validate_on_submit():
        try:
            revoke_certification(actor=current_user, evaluation=evaluation, reason=form.reason.data,
                                 revoked_on=form.revoked_on.data)
        except CatalogError as error:
            show_error(form, error)
        else:
            flash(_("Certificate %(no)s revoked.", no=evaluation.certificate_no or ""), "success")
            return redirect(url_for("admin.product_page", code=code, _anchor="evaluations"))
    return render_template("admin/revoke.html", evaluation=evaluation, product=evaluation.product, form=form)


# --- Lots and their labels ----------------------------------------------------------------------


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

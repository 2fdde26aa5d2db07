"""Staff register products, correct them, withdraw them from sale, and manage their photos.
The product's admin page also gathers its evaluations, lots and history (see
certificates.py and lots.py for those forms)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.forms import EvaluationForm, LotForm, PhotoForm, ProductForm, show_error
from storefront.admin.lists import CERTIFICATION_STATES, STATUSES, ProductFilters, products_page
from storefront.audit.services import record_history
from storefront.catalog.models import Product, ProductPhoto, TraceLot
from storefront.catalog.photos import MAX_PHOTO_BYTES, PhotoRejected, add_photo, delete_photo, move_photo
from storefront.catalog.services import CatalogError, create_product, set_product_active, update_product
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.reports.services import report_areas


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

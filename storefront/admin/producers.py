"""Staff register producers (chủ thể OCOP), correct them, and deactivate or reactivate them."""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.forms import ProducerForm, refreshing_area, show_error
from storefront.admin.lists import STATUSES, ProducerFilters, producer_lookup, producers_page
from storefront.audit.services import record_history
from storefront.catalog.models import Producer, Product
from storefront.catalog.services import CatalogError, create_producer, set_producer_active, update_producer
from storefront.extensions import db
from storefront.reports.services import report_areas


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


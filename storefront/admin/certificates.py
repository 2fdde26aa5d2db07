"""Staff record councils' results (evaluations and re-evaluations), revoke certificates and
look through every evaluation. The badge, listings, search and growth report follow the commit."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.admin.forms import EvaluationForm, RevokeForm, show_error
from storefront.admin.lists import EvaluationFilters, evaluations_page
from storefront.admin.products import product_or_404, render_product_page
from storefront.catalog.models import Evaluation
from storefront.catalog.services import CatalogError, record_evaluation, revoke_certification
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.i18n import local_date


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

"""Payments Stripe reported that did not match their order, held for programme staff to settle."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from storefront.accounts.access import staff_required
from storefront.admin import bp
from storefront.payments.services import find_payment_review, payment_reviews, resolve_payment_review


@bp.get("/payments/reviews")
@staff_required
def payment_review_list():
    return render_template("admin/payment_reviews.html", reviews=payment_reviews(), resolve_form=FlaskForm())


@bp.post("/payments/reviews/<int:review_id>/resolve")
@staff_required
def payment_review_resolve(review_id: int):
    review = find_payment_review(review_id)
    if review is None:
        abort(404)
    if FlaskForm().validate_on_submit() and resolve_payment_review(review=review, user=current_user):
        flash(_("Payment review marked resolved."), "success")
    return redirect(url_for("admin.payment_review_list"))

"""The outlet's online orders: the list to work through, one order's page, and the steps the
sales point takes on it (ready, collected, shipped, delivered, cancelled, refunded).

Every route checks the role, then that the outlet in the URL is one this user runs
(outlet_or_403), then that the order is fulfilled there (404 otherwise), before reading or
changing anything. The state rules live in storefront.orders.services; a step it refuses
comes back to the order's page with its message. CSRF is checked on every POST by CSRFProtect.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from storefront.accounts.access import role_required
from storefront.i18n import vnd
from storefront.manage import bp
from storefront.query_args import page_number, parse_int
from storefront.manage.access import manager_roles, outlet_or_403
from storefront.manage.pos_forms import ReturnRow, line_quantities, with_fields
from storefront.manage.order_forms import (
    FULFILMENT_LABELS,
    PAYMENT_METHOD_LABELS,
    STATUS_FILTERS,
    STATUS_LABELS,
    CancelForm,
    CollectForm,
    CounterRefundForm,
    OrderStepForm,
    RefundForm,
    ShipForm,
)
from storefront.orders.models import Order, Status
from storefront.orders.services import (
    OrderError,
    cancel_order,
    cancel_uncollected,
    confirm_transfer,
    counter_refund_lines,
    counter_refundable,
    expire_due_orders,
    find_outlet_order,
    mark_collected,
    mark_delivered,
    mark_ready,
    mark_shipped,
    outlet_orders,
    refund_at_counter,
)
from storefront.outlets.models import Outlet
from storefront.outlets.services import StockError
from storefront.payments.services import PaymentError, refund_order
from storefront.vietqr import transfer_details


def outlet_order_or_404(outlet: Outlet, number: str) -> Order:
    order = find_outlet_order(outlet, number)
    if order is None:
        abort(404)
    return order


def next_steps(order: Order) -> set[str]:
    """The steps offered on the order's page; the services check the same rules again."""
    steps = set()
    if order.fulfilment == "pickup" and order.status in ("paid", "reserved"):
        steps.add("ready")
    if order.status == "ready":
        steps.add("collected")
    if order.fulfilment == "delivery" and (
        order.status == Status.PAID or (order.status == Status.RESERVED and order.payment_method == "pay_on_delivery")
    ):
        steps.add("shipped")
    if order.status == "shipped":
        steps.add("delivered")
    if order.status == Status.AWAITING_TRANSFER:
        steps.add("confirm_transfer")
    if order.customer_can_cancel or (order.status in ("ready", "shipped") and order.unpaid_handover):
        steps.add("cancel")
    if current_user.is_staff and refundable_amount(order) > 0:
        steps.add("refund")
    if counter_refundable(order):
        steps.add("counter_refund")
    return steps


def refundable_amount(order: Order) -> int:
    """What a card refund can still give back through Stripe (cash is refunded at the counter)."""
    if order.payment_method != "card" or order.paid_at is None or not order.stripe_payment_intent_id:
        return 0
    return order.total - order.refunded_amount


def render_order(outlet: Outlet, order: Order, *, error: str | None = None, **forms: FlaskForm):
    """The order's page; a refused step comes back here with its form and message."""
    forms = {
        "step_form": OrderStepForm(formdata=None),
        "collect_form": CollectForm(formdata=None),
        "ship_form": ShipForm(formdata=None),
        "cancel_form": CancelForm(formdata=None),
        "refund_form": RefundForm(formdata=None),
        "counter_refund_form": CounterRefundForm(formdata=None, refunded_before=str(order.refunded_amount)),
    } | forms
    steps = next_steps(order)
    return render_template(
        "manage/order.html", outlet=outlet, order=order, error=error, steps=steps, transfer=transfer_details(order),
        refundable=refundable_amount(order), status_labels=STATUS_LABELS,
        payment_labels=PAYMENT_METHOD_LABELS, fulfilment_labels=FULFILMENT_LABELS,
        counter_rows=with_fields(forms["counter_refund_form"], [
            ReturnRow(line.id, line.name, line.product.code, line.unit_price, left)
            for line, left in counter_refund_lines(order)
        ]) if "counter_refund" in steps else [],
        **forms,
    )


# --- Pages --------------------------------------------------------------------------------


@bp.get("/<code>/orders")
@role_required(*manager_roles)
def orders(code: str):
    outlet = outlet_or_403(code)
    status = request.args.get("status", "open")
    if status not in STATUS_FILTERS:
        status = "open"
    expire_due_orders(outlet)
    return render_template(
        "manage/orders.html", outlet=outlet, status=status, status_filters=STATUS_FILTERS,
        orders=outlet_orders(outlet, status=status, page=page_number(request.args)),
        status_labels=STATUS_LABELS, payment_labels=PAYMENT_METHOD_LABELS,
    )


@bp.get("/<code>/orders/<number>")
@role_required(*manager_roles)
def order_detail(code: str, number: str):
    outlet = outlet_or_403(code)
    return render_order(outlet, outlet_order_or_404(outlet, number))


# --- Steps --------------------------------------------------------------------------------


def run_step(outlet: Outlet, order: Order, form: FlaskForm, form_name: str,
             step: Callable[[], object], done: str):
    """Validate the step's form, take the step, and show the order again."""
    if not form.validate_on_submit():
        return render_order(outlet, order, **{form_name: form})
    try:
        step()
    except (OrderError, StockError) as error:
        return render_order(outlet, order, error=str(error), **{form_name: form})
    flash(done, "success")
    return redirect(url_for("manage.order_detail", code=outlet.code, number=order.number))


@bp.post("/<code>/orders/<number>/ready")
@role_required(*manager_roles)
def order_ready(code: str, number: str):
    outlet = outlet_or_403(code)
    order = outlet_order_or_404(outlet, number)
    user = current_user._get_current_object()
    return run_step(outlet, order, OrderStepForm(), "step_form",
                    lambda: mark_ready(order=order, user=user),
                    _("Order %(number)s is ready for pickup.", number=order.number))


@bp.post("/<code>/orders/<number>/collected")
@role_required(*manager_roles)
def order_collected(code: str, number: str):
    outlet = outlet_or_403(code)
    order = outlet_order_or_404(outlet, number)
    form, user = CollectForm(), current_user._get_current_object()
    return run_step(outlet, order, form, "collect_form",
                    lambda: mark_collected(order=order, user=user, payment_kind=form.payment_kind.data),
                    _("Order %(number)s was collected.", number=order.number))


@bp.post("/<code>/orders/<number>/shipped")
@role_required(*manager_roles)
def order_shipped(code: str, number: str):
    outlet = outlet_or_403(code)
    order = outlet_order_or_404(outlet, number)
    form, user = ShipForm(), current_user._get_current_object()
    return run_step(outlet, order, form, "ship_form",
                    lambda: mark_shipped(order=order, user=user, note=form.tracking.data),
                    _("Order %(number)s was shipped.", number=order.number))


@bp.post("/<code>/orders/<number>/delivered")
@role_required(*manager_roles)
def order_delivered(code: str, number: str):
    outlet = outlet_or_403(code)
    order = outlet_order_or_404(outlet, number)
    form, user = CollectForm(), current_user._get_current_object()
    return run_step(outlet, order, form, "collect_form",
                    lambda: mark_delivered(order=order, user=user, payment_kind=form.payment_kind.data),
                    _("Order %(number)s was delivered.", number=order.number))


@bp.post("/<code>/orders/<number>/transfer-received")
@role_required(*manager_roles)
def order_transfer_received(code: str, number: str):
    outlet = outlet_or_403(code)
    order = outlet_order_or_404(outlet, number)
    user = current_user._get_current_object()
    return run_step(outlet, order, OrderStepForm(), "step_form",
                    lambda: confirm_transfer(order=order, user=user),
                    _("The transfer for order %(number)s is recorded as received.", number=order.number))


@bp.post("/<code>/orders/<number>/cancel")
@role_required(*manager_roles)
def order_cancel(code: str, number: str):
    outlet = outlet_or_403(code)
    order = outlet_order_or_404(outlet, number)
    form, user = CancelForm(), current_user._get_current_object()
    paid_by_card = refundable_amount(order) > 0
    cancel = cancel_uncollected if order.status in ("ready", "shipped") and order.unpaid_handover else cancel_order
    response = run_step(outlet, order, form, "cancel_form",
                        lambda: cancel(order=order, user=user, note=form.reason.data),
                        _("Order %(number)s was cancelled.", number=order.number))
    if paid_by_card and order.status == "cancelled":
        try:
            refunded = refund_order(order, restock=True, user=user)
        except PaymentError as error:
            flash(_("The card payment was not refunded (%(reason)s): programme staff must refund it.",
                    reason=str(error)), "warning")
        else:
            flash(_("%(amount)s was refunded to the customer's card.", amount=vnd(refunded)), "success")
    return response


@bp.post("/<code>/orders/<number>/counter-refund")
@role_required(*manager_roles)
def order_counter_refund(code: str, number: str):
    outlet = outlet_or_403(code)
    order = outlet_order_or_404(outlet, number)
    form = CounterRefundForm()
    if not form.validate_on_submit():
        return render_order(outlet, order, counter_refund_form=form)
    try:
        refunded = refund_at_counter(
            order=order, quantities=line_quantities(form.lines), reason=form.reason.data, restock=form.restock.data,
            user=current_user._get_current_object(), refunded_before=parse_int(form.refunded_before.data) or 0,
        )
    except (OrderError, StockError) as error:
        form.form_errors.append(str(error))
        return render_order(outlet, order, counter_refund_form=form)
    flash(_("%(amount)s of order %(number)s was refunded at the counter.", amount=vnd(refunded), number=order.number),
          "success")
    return redirect(url_for("manage.order_detail", code=outlet.code, number=order.number))


@bp.post("/<code>/orders/<number>/refund")
@role_required("staff", "admin")
def order_refund(code: str, number: str):
    outlet = outlet_or_403(code)
    order = outlet_order_or_404(outlet, number)
    form = RefundForm()
    if form.validate_on_submit():
        try:
            refunded = refund_order(order, amount=form.amount.data, restock=form.restock.data,
                                    user=current_user._get_current_object())
        except PaymentError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(amount)s of order %(number)s was refunded.", amount=vnd(refunded), number=order.number),
                  "success")
            return redirect(url_for("manage.order_detail", code=outlet.code, number=order.number))
    return render_order(outlet, order, refund_form=form)

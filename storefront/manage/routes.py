"""The sales-point manager's workspace: the outlet's stock and its online orders (the till is
storefront.till). Every route checks the role, then that the outlet in the URL is one this user
runs (outlet_or_403), before reading or changing anything. CSRF is checked on every POST by
CSRFProtect."""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import format_number, gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.utils import secure_filename

from storefront.accounts.access import role_required
from storefront.accounts.models import User
from storefront.catalog.services import find_product_by_code
from storefront.clock import vietnam_today
from storefront.i18n import current_language, vnd
from storefront.manage import bp
from storefront.manage.access import managed_outlets, manager_roles, outlet_or_403
from storefront.manage.forms import (
    DEFAULT_RECEIVE_ROWS,
    MAX_RECEIVE_ROWS,
    AdjustForm,
    CancelForm,
    CollectForm,
    CounterRefundForm,
    OrderStepForm,
    ReceiveForm,
    RefundForm,
    ShipForm,
    StockTakeConfirmForm,
    StockTakeForm,
    ThresholdForm,
    TransferForm,
)
from storefront.manage.services import (
    MAX_COUNT_LINES,
    MAX_UPLOAD_BYTES,
    open_stock_take,
    parse_stock_take,
    preview_stock_take,
    seal_stock_take,
    stock_take_blocks,
    stock_take_csv,
    stock_take_xlsx,
)
from storefront.outlets.services import (
    StockError,
    adjust_stock,
    count_stock,
    find_level,
    move_history,
    other_active_outlets,
    pick_products,
    receive_stock,
    set_low_stock_threshold,
    stock_page,
    transfer_stock,
)
from storefront.orders.actions import cancel_and_refund
from storefront.orders.models import (
    FULFILMENT_LABELS,
    PAYMENT_METHOD_LABELS,
    STATUS_LABELS,
    Order,
    Step,
)
from storefront.orders.services import (
    OrderError,
    allowed_steps,
    card_refundable,
    confirm_transfer,
    counter_refund_lines,
    expire_due_orders,
    find_outlet_order,
    mark_collected,
    mark_delivered,
    mark_ready,
    mark_shipped,
    outlet_orders,
    pickup_queue,
    refund_at_counter,
)
from storefront.outlets.models import Outlet
from storefront.payments import services as payments
from storefront.query_args import number, page_number, parse_int
from storefront.sales.services import todays_sales
from storefront.till.forms import ReturnRow, line_quantities, with_fields
from storefront.vietqr import transfer_details
from storefront.spreadsheets import MEGABYTE, MIMETYPES, FileRejected


@bp.get("/")
@role_required(*manager_roles)
def index():
    outlets = managed_outlets()
    if len(outlets) == 1:
        return redirect(url_for("manage.dashboard", code=outlets[0].code))
    return render_template("manage/index.html", outlets=outlets)


@bp.get("/<code>/")
@role_required(*manager_roles)
def dashboard(code: str):
    outlet = outlet_or_403(code)
    q = " ".join(request.args.get("q", "").split())[:100]
    low_only = request.args.get("low") == "1"
    return render_template(
        "manage/dashboard.html",
        outlet=outlet,
        q=q,
        low_only=low_only,
        stock=stock_page(outlet, q=q, low_only=low_only, page=page_number(request.args)),
        sales=todays_sales(outlet),
        pickups=pickup_queue(outlet),
    )


@bp.route("/<code>/receive", methods=["GET", "POST"])
@role_required(*manager_roles)
def receive(code: str):
    outlet = outlet_or_403(code)
    form = ReceiveForm()
    rows = number(request.args, "rows", 1, MAX_RECEIVE_ROWS) or DEFAULT_RECEIVE_ROWS
    if "more_rows" in request.form:
        rows = len(form.lines) + DEFAULT_RECEIVE_ROWS  # keeps what was typed; saves nothing
    elif form.validate_on_submit() and not form.reference_already_used(outlet):
        lines = form.receipt_lines()
        try:
            receive_stock(outlet=outlet, lines=lines, user=current_user, reference=form.reference.data)
        except StockError as error:
            form.form_errors.append(str(error))
        else:
            flash(ngettext("Received %(num)d line, %(units)s units, into stock.",
                           "Received %(num)d lines, %(units)s units, into stock.",
                           len(lines), units=sum(line.qty for line in lines)), "success")
            return redirect(url_for("manage.dashboard", code=outlet.code))
    while len(form.lines) < min(max(rows, 1), MAX_RECEIVE_ROWS):
        form.lines.append_entry()
    return render_template("manage/receive.html", outlet=outlet, form=form, max_rows=MAX_RECEIVE_ROWS)


@bp.route("/<code>/adjust", methods=["GET", "POST"])
@role_required(*manager_roles)
def adjust(code: str):
    outlet = outlet_or_403(code)
    form = AdjustForm(product_code=request.args.get("product", "")[:30])
    if form.validate_on_submit():
        try:
            adjust_stock(outlet=outlet, product=form.product, change=form.change.data,
                         reason=form.reason.data, user=current_user)
        except StockError as error:
            form.change.errors.append(str(error))
        else:
            flash(_("Adjusted %(product)s by %(change)s.", product=form.product.name(current_language()),
                    change=f"{form.change.data:+d}"), "success")
            return redirect(url_for("manage.history", code=outlet.code, product_code=form.product.code))
    return render_template("manage/adjust.html", outlet=outlet, form=form)


@bp.route("/<code>/transfer", methods=["GET", "POST"])
@role_required(*manager_roles)
def transfer(code: str):
    outlet = outlet_or_403(code)
    destinations = {other.code: other for other in other_active_outlets(outlet)}
    form = TransferForm(product_code=request.args.get("product", "")[:30])
    form.destination.choices = [("", _("Choose an outlet…"))] + [
        (other.code, f"{other.code} — {other.name}") for other in destinations.values()
    ]
    if form.validate_on_submit():
        destination = destinations[form.destination.data]
        try:
            transfer_stock(source=outlet, destination=destination, product=form.product,
                           qty=form.qty.data, user=current_user, reason=form.reason.data)
        except StockError as error:
            form.qty.errors.append(str(error))
        else:
            flash(_("Sent %(qty)d × %(product)s to %(outlet)s.", qty=form.qty.data,
                    product=form.product.name(current_language()), outlet=destination.name), "success")
            return redirect(url_for("manage.dashboard", code=outlet.code))
    return render_template("manage/transfer.html", outlet=outlet, form=form)


@bp.route("/<code>/stock-take", methods=["GET", "POST"])
@role_required(*manager_roles)
def stock_take(code: str):
    """Step one: the upload, answered with what it would change (nothing is saved yet)."""
    outlet = outlet_or_403(code)
    form = StockTakeForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            counts = parse_stock_take(filename=upload.filename, data=upload.read(MAX_UPLOAD_BYTES + 1))
        except FileRejected as error:
            problems = error.problems
        else:
            preview = preview_stock_take(outlet, counts)
            confirm = StockTakeConfirmForm(
                counts=seal_stock_take(outlet, preview, secure_filename(upload.filename)[:40]))
            return render_template("manage/stock_take_preview.html", outlet=outlet, preview=preview,
                                   changes=[row for row in preview if row.change], form=confirm,
                                   blocks=stock_take_blocks(outlet, preview))
    return render_stock_take(outlet, form, problems)


@bp.post("/<code>/stock-take/confirm")
@role_required(*manager_roles)
def stock_take_confirm(code: str):
    """Step two: apply exactly the counts the preview showed, unless stock moved since."""
    outlet = outlet_or_403(code)
    form = StockTakeConfirmForm()
    sealed = open_stock_take(outlet, form.counts.data or "") if form.validate_on_submit() else None
    if sealed is None:
        flash(_("That stock-take preview is no longer valid. Upload the file again."), "error")
        return redirect(url_for("manage.stock_take", code=outlet.code))
    counts, expected, reference = sealed
    try:
        moves = count_stock(outlet=outlet, counts=counts, user=current_user, reference=reference, expected=expected)
    except StockError as error:  # stock moved or an order was placed since the preview: not the file's fault
        return render_stock_take(outlet, StockTakeForm(), [str(error)], heading=_("Nothing was saved:"))
    flash(_("Stock-take saved: %(counted)d products counted, %(changed)d changed.",
            counted=len(counts), changed=len(moves)), "success")
    return redirect(url_for("manage.dashboard", code=outlet.code))


def render_stock_take(outlet, form: StockTakeForm, problems: list[str], heading: str | None = None):
    return render_template("manage/stock_take.html", outlet=outlet, form=form, problems=problems, heading=heading,
                           max_megabytes=MAX_UPLOAD_BYTES // MEGABYTE, max_lines=format_number(MAX_COUNT_LINES))


@bp.get("/<code>/stock-take/template.<any(csv, xlsx):extension>")
@role_required(*manager_roles)
def stock_take_template(code: str, extension: str):
    outlet = outlet_or_403(code)
    data = stock_take_csv(outlet) if extension == "csv" else stock_take_xlsx(outlet)
    return send_file(io.BytesIO(data), mimetype=MIMETYPES[extension], as_attachment=True,
                     download_name=f"stock-take-{outlet.code}-{vietnam_today():%Y%m%d}.{extension}")


@bp.get("/<code>/products/pick")
@role_required(*manager_roles)
def pick_product(code: str):
    """The stock forms' product picker: products matching what was typed, as JSON."""
    outlet = outlet_or_403(code)
    return jsonify(products=pick_products(outlet, request.args.get("q", "")))


@bp.route("/<code>/products/<product_code>/history", methods=["GET", "POST"])
@role_required(*manager_roles)
def history(code: str, product_code: str):
    outlet = outlet_or_403(code)
    product = find_product_by_code(product_code)
    if product is None:
        abort(404)
    level = find_level(outlet, product)
    form = ThresholdForm(threshold=level.low_stock_threshold if level else None)
    if form.validate_on_submit():
        set_low_stock_threshold(outlet=outlet, product=product, threshold=form.threshold.data)
        flash(_("Low-stock threshold set to %(n)d.", n=form.threshold.data), "success")
        return redirect(url_for("manage.history", code=outlet.code, product_code=product.code))
    return render_template("manage/history.html", outlet=outlet, product=product, level=level,
                           form=form, moves=move_history(outlet, product, page=page_number(request.args)))


# --- Online orders ---------------------------------------------------------------------------
# The outlet's online orders: the list to work through, one order's page, and the steps the
# sales point takes on it. The order is looked up at this outlet (404 otherwise); which steps
# may be taken is storefront.orders.services.allowed_steps, which the page offers and the
# services check again; a step they refuse comes back to the order's page with its message.

# The list's filter: "open" (still to be worked on, the default), "all", or one status.
STATUS_FILTERS = {"open": _l("Open orders"), "all": _l("All orders"), **STATUS_LABELS}


# --- Reading ------------------------------------------------------------------------------


def outlet_order_or_404(outlet: Outlet, number: str) -> Order:
    order = find_outlet_order(outlet, number)
    if order is None:
        abort(404)
    return order


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
    steps = allowed_steps(order, current_user)
    return render_template(
        "manage/order.html", outlet=outlet, order=order, error=error, steps=steps, transfer=transfer_details(order),
        refundable=card_refundable(order), status_labels=STATUS_LABELS,
        payment_labels=PAYMENT_METHOD_LABELS, fulfilment_labels=FULFILMENT_LABELS,
        counter_rows=with_fields(forms["counter_refund_form"], [
            ReturnRow(line.id, line.name, line.product.code, line.unit_price, left)
            for line, left in counter_refund_lines(order)
        ]) if Step.COUNTER_REFUND in steps else [],
        **forms,
    )


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


@dataclass(frozen=True)
class OrderStep:
    """A step that moves the order along: its form (and the name the page knows it by), the
    service that takes it, and what the page says once it is taken."""

    form: type[FlaskForm]
    form_name: str
    take: Callable[[Order, User, FlaskForm], object]
    done: str  # with the order's %(number)s


ORDER_STEPS = {
    "ready": OrderStep(OrderStepForm, "step_form", lambda order, user, form: mark_ready(order=order, user=user),
                       _l("Order %(number)s is ready for pickup.")),
    "collected": OrderStep(CollectForm, "collect_form", lambda order, user, form: mark_collected(
        order=order, user=user, payment_kind=form.payment_kind.data), _l("Order %(number)s was collected.")),
    "shipped": OrderStep(ShipForm, "ship_form", lambda order, user, form: mark_shipped(
        order=order, user=user, note=form.tracking.data), _l("Order %(number)s was shipped.")),
    "delivered": OrderStep(CollectForm, "collect_form", lambda order, user, form: mark_delivered(
        order=order, user=user, payment_kind=form.payment_kind.data), _l("Order %(number)s was delivered.")),
    "transfer-received": OrderStep(OrderStepForm, "step_form", lambda order, user, form: confirm_transfer(
        order=order, user=user), _l("The transfer for order %(number)s is recorded as received.")),
}


@bp.post("/<code>/orders/<number>/<any(ready, collected, shipped, delivered, 'transfer-received'):step>")
@role_required(*manager_roles)
def order_step(code: str, number: str, step: str):
    outlet = outlet_or_403(code)
    order = outlet_order_or_404(outlet, number)
    chosen, user = ORDER_STEPS[step], current_user._get_current_object()
    form = chosen.form()
    if not form.validate_on_submit():
        return render_order(outlet, order, **{chosen.form_name: form})
    try:
        chosen.take(order, user, form)
    except (OrderError, StockError) as error:
        return render_order(outlet, order, error=str(error), **{chosen.form_name: form})
    flash(chosen.done % {"number": order.number}, "success")
    return redirect(url_for("manage.order_detail", code=outlet.code, number=order.number))


@bp.post("/<code>/orders/<number>/cancel")
@role_required(*manager_roles)
def order_cancel(code: str, number: str):
    outlet = outlet_or_403(code)
    order = outlet_order_or_404(outlet, number)
    form = CancelForm()
    if not form.validate_on_submit():
        return render_order(outlet, order, cancel_form=form)
    try:
        cancelled = cancel_and_refund(order=order, user=current_user._get_current_object(), note=form.reason.data)
    except (OrderError, StockError) as error:
        return render_order(outlet, order, error=str(error), cancel_form=form)
    flash(_("Order %(number)s was cancelled.", number=order.number), "success")
    if cancelled.refund_error:
        flash(_("The card payment was not refunded (%(reason)s): programme staff must refund it.",
                reason=cancelled.refund_error), "warning")
    elif cancelled.paid_by_card:
        flash(_("%(amount)s was refunded to the customer's card.", amount=vnd(cancelled.refunded)), "success")
    return redirect(url_for("manage.order_detail", code=outlet.code, number=order.number))


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
            refunded = payments.refund_order(order, amount=form.amount.data, restock=form.restock.data,
                                    user=current_user._get_current_object())
        except payments.PaymentError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(amount)s of order %(number)s was refunded.", amount=vnd(refunded), number=order.number),
                  "success")
            return redirect(url_for("manage.order_detail", code=outlet.code, number=order.number))
    return render_order(outlet, order, refund_form=form)

"""The till: a sale rung up over several requests, completed in one transaction, and its receipt,
its returns and voids, and the day's history. Its pages live in the outlet's workspace
(/manage/<code>/pos…) and check access the same way (manage.access).

The sale being rung up lives in the session, per outlet, with its number allocated up
front: completing it is idempotent on that number (see sales.services.record_sale), so
a double click or a resent form shows the first sale's receipt instead of selling twice.
CSRF is checked on every POST by CSRFProtect before these views run.
"""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.access import role_required
from storefront.i18n import current_language, vnd
from storefront.clock import vietnam_today
from storefront.manage.access import manager_roles, outlet_or_403
from storefront.sales.models import PAYMENT_KIND_LABELS
from storefront.till import bp
from storefront.till.forms import (
    PosAddForm,
    PosCheckoutForm,
    PosLineForm,
    ReturnForm,
    VoidForm,
    ReturnRow,
    line_quantities,
    with_fields,
)
from storefront.orders.services import awaiting_transfers, counter_order_totals
from storefront.outlets.models import Outlet
from storefront.outlets.services import OutOfStock, StockError
from storefront.query_args import number, page_number
from storefront.vietqr import bank_account_for, transfer_details, transfer_to
from storefront.sales.services import (
    CashShort,
    PricedCart,
    SaleAlreadyRecorded,
    SaleError,
    SaleRequestLine,
    check_cart_quantity,
    find_pos_item,
    find_sale,
    new_sale_number,
    pos_items,
    price_cart,
    record_sale,
    return_goods,
    sale_lines_left,
    till_day_totals,
    search_pos_items,
    till_receipts,
    void_sale,
)

CARTS_KEY = "pos_carts"
MAX_LINES = 100  # keeps the session cookie well under the browsers' 4 KB
SEARCH_LIMIT = 30
MAX_SEARCH_LENGTH = 100
MAX_COUNTED_CASH = 10_000_000_000  # đồng in one drawer, far above any day's takings


class SessionCart:
    """The sale being rung up at one outlet: its number and [product id, qty] lines in the
    order they were added, kept in the signed session cookie between requests."""

    def __init__(self, outlet: Outlet):
        self.outlet = outlet
        saved = session.get(CARTS_KEY, {}).get(outlet.code, {})
        self.number: str | None = saved.get("number")
        self.lines: list[list[int]] = [[int(pid), int(qty)] for pid, qty in saved.get("lines", [])]

    def qty_of(self, product_id: int) -> int:
        return next((qty for pid, qty in self.lines if pid == product_id), 0)

    def put(self, product_id: int, qty: int) -> None:
        """Set a line's quantity; a new product becomes the last line."""
        line = next((line for line in self.lines if line[0] == product_id), None)
        if line is not None:
            line[1] = qty
        elif len(self.lines) >= MAX_LINES:
            raise SaleError(_("A sale holds at most %(n)d lines; complete this one first.", n=MAX_LINES))
        else:
            self.lines.append([product_id, qty])
        self.number = self.number or new_sale_number(self.outlet)
        self.save()

    def remove(self, product_id: int) -> None:
        self.lines = [line for line in self.lines if line[0] != product_id]
        self.save()

    def save(self) -> None:
        carts = dict(session.get(CARTS_KEY, {}))
        carts[self.outlet.code] = {"number": self.number, "lines": self.lines}
        session[CARTS_KEY] = carts

    def clear(self) -> None:
        carts = dict(session.get(CARTS_KEY, {}))
        carts.pop(self.outlet.code, None)
        session[CARTS_KEY] = carts


def pos_url(outlet: Outlet, q: str | None = None) -> str:
    return url_for("till.pos", code=outlet.code, q=(q or "")[:MAX_SEARCH_LENGTH] or None)


def search_text() -> str:
    return " ".join((request.values.get("q") or "").split())[:MAX_SEARCH_LENGTH]


def render_pos(
    outlet: Outlet,
    *,
    add_form: PosAddForm | None = None,
    add_error: str | None = None,
    line_errors: dict[int, list[str]] | None = None,
    checkout_form: PosCheckoutForm | None = None,
    checkout_error: str | None = None,
):
    """The till page; failed submissions come back here with their errors."""
    cart = SessionCart(outlet)
    priced = price_cart(outlet, cart.lines)
    q = search_text()
    results, matches = search_pos_items(outlet, q, limit=SEARCH_LIMIT) if q else ([], 0)
    checkout_form = checkout_form or PosCheckoutForm(formdata=None)
    # Always the sale as it stands now, so a refused completion can simply be sent again.
    checkout_form.sale_number.data = cart.number
    checkout_form.expected_total.data = str(priced.total)
    return render_template(
        "manage/pos.html", outlet=outlet, cart=priced, number=cart.number, q=q,
        results=results, matches=matches, add_form=add_form or PosAddForm(formdata=None, q=q),
        add_error=add_error, line_errors=line_errors or {}, checkout_form=checkout_form,
        checkout_error=checkout_error,
        till_transfer=transfer_to(bank_account_for(outlet), amount=priced.total, note=cart.number) if cart.number else None,
        transfers=[(order, transfer_details(order)) for order in awaiting_transfers(outlet)],
    )


@bp.get("/<code>/pos")
@role_required(*manager_roles)
def pos(code: str):
    return render_pos(outlet_or_403(code))


@bp.post("/<code>/pos/lines")
@role_required(*manager_roles)
def pos_add(code: str):
    outlet = outlet_or_403(code)
    form = PosAddForm()
    if not form.validate_on_submit():
        return render_pos(outlet, add_form=form)
    cart = SessionCart(outlet)
    item = find_pos_item(outlet, form.product_code.data)
    in_cart = cart.qty_of(item.product.id) if item else 0
    try:
        if item is None:
            raise SaleError(_("No product has the code %(code)s.", code=form.product_code.data.strip()))
        check_cart_quantity(item, form.qty.data, in_cart=in_cart)
        cart.put(item.product.id, in_cart + form.qty.data)
    except SaleError as error:
        return render_pos(outlet, add_form=form, add_error=str(error))
    flash(_("Added %(qty)d × %(name)s.", qty=form.qty.data, name=item.product.name(current_language())), "success")
    return redirect(pos_url(outlet, form.q.data))


@bp.post("/<code>/pos/lines/<int:product_id>")
@role_required(*manager_roles)
def pos_set_quantity(code: str, product_id: int):
    outlet = outlet_or_403(code)
    cart = SessionCart(outlet)
    item = pos_items(outlet, [product_id]).get(product_id)
    if item is None or not cart.qty_of(product_id):
        flash(_("That product is no longer on this sale."), "warning")
        return redirect(pos_url(outlet))
    form = PosLineForm()
    if form.validate_on_submit():
        try:
            check_cart_quantity(item, form.qty.data)
        except SaleError as error:
            form.qty.errors.append(str(error))
        else:
            cart.put(product_id, form.qty.data)
            return redirect(pos_url(outlet))
    return render_pos(outlet, line_errors={product_id: form.qty.errors})


@bp.post("/<code>/pos/lines/<int:product_id>/remove")
@role_required(*manager_roles)
def pos_remove_line(code: str, product_id: int):
    outlet = outlet_or_403(code)
    SessionCart(outlet).remove(product_id)
    return redirect(pos_url(outlet))


@bp.post("/<code>/pos/clear")
@role_required(*manager_roles)
def pos_clear(code: str):
    outlet = outlet_or_403(code)
    SessionCart(outlet).clear()
    flash(_("The sale was cleared."), "info")
    return redirect(pos_url(outlet))


def checkout_problem(form: PosCheckoutForm, cart: SessionCart, priced: PricedCart) -> str | None:
    """Refuse an empty sale, and one that changed since the cashier read its total."""
    if not priced.lines:
        return _("There is nothing on this sale yet.")
    if form.sale_number.data != cart.number or form.expected_total.data != str(priced.total):
        return _(
            "This sale changed (in another window, or a price was updated). "
            "Check the lines and the total, then complete it again."
        )
    return None


def sale_error_message(error: StockError) -> str:
    if isinstance(error, OutOfStock):
        return _(
            "Only %(available)d of %(name)s left here; nothing was sold. Lower the quantity and try again.",
            available=error.available, name=error.product.name(current_language()),
        )
    return str(error)


@bp.post("/<code>/pos/complete")
@role_required(*manager_roles)
def pos_complete(code: str):
    outlet = outlet_or_403(code)
    form = PosCheckoutForm()
    if not form.validate_on_submit():
        return render_pos(outlet, checkout_form=form)
    done = find_sale(form.sale_number.data)
    if done is not None and done.outlet_id == outlet.id:
        flash(_("This sale was already recorded."), "info")
        return redirect(url_for("till.pos_receipt", code=outlet.code, number=done.number))
    cart = SessionCart(outlet)
    priced = price_cart(outlet, cart.lines)
    problem = checkout_problem(form, cart, priced)
    if problem or form.preview.data:
        return render_pos(outlet, checkout_form=form, checkout_error=problem)
    try:
        sale = record_sale(
            outlet=outlet, lines=[SaleRequestLine(line.product, line.qty) for line in priced.lines],
            payment_kind=form.payment_kind.data, cash_received=form.cash_received.data,
            user=current_user._get_current_object(), number=cart.number,
        )
    except SaleAlreadyRecorded as duplicate:
        sale = duplicate.sale
    except CashShort as error:
        form.cash_received.errors.append(str(error))
        return render_pos(outlet, checkout_form=form)
    except StockError as error:
        return render_pos(outlet, checkout_form=form, checkout_error=sale_error_message(error))
    cart.clear()
    flash(_("Sale %(number)s recorded.", number=sale.number), "success")
    return redirect(url_for("till.pos_receipt", code=outlet.code, number=sale.number))


# --- Receipts, returns and voids -------------------------------------------------------------


@bp.get("/<code>/pos/sales")
@role_required(*manager_roles)
def pos_sales(code: str):
    outlet = outlet_or_403(code)
    number = " ".join((request.args.get("number") or "").split())[:30]
    return render_template("manage/pos_sales.html", outlet=outlet, number=number,
                           receipts=till_receipts(outlet, number=number, page=page_number(request.args)),
                           payment_labels=PAYMENT_KIND_LABELS)


@bp.get("/<code>/pos/day")
@role_required(*manager_roles)
def till_day(code: str):
    """Till history: one day's receipts and the end-of-day report per payment kind, online
    orders paid or refunded at the counter beside the till's receipts, with the cash counted in
    the drawer against what both leave in it."""
    outlet = outlet_or_403(code)
    day = day_from(request.args.get("day"))
    totals, order_totals = till_day_totals(outlet, day), counter_order_totals(outlet, day)
    counted = number(request.args, "counted", 0, MAX_COUNTED_CASH)
    expected_cash = sum(total.net for total in totals + order_totals if total.payment_kind == "cash")
    return render_template("manage/pos_day.html", outlet=outlet, day=day, today=vietnam_today(), totals=totals,
                           order_totals=order_totals, counted=counted, expected_cash=expected_cash,
                           payment_labels=PAYMENT_KIND_LABELS,
                           receipts=till_receipts(outlet, day=day, page=page_number(request.args)))


def day_from(text: str | None) -> date:
    """A day from the query string (YYYY-MM-DD), else today; none outside 2000–2999."""
    try:
        day = date.fromisoformat((text or "")[:10])
    except ValueError:
        return vietnam_today()
    return day if 2000 <= day.year <= 2999 else vietnam_today()


def sale_at(outlet: Outlet, number: str):
    """A till receipt of this outlet: 404 if unknown, 403 if filed under an outlet the user
    does not run, a redirect there if they run it too."""
    sale = find_sale(number)
    if sale is None:
        abort(404)
    if sale.outlet_id != outlet.id:
        outlet_or_403(sale.outlet.code)
        return None, redirect(url_for("till.pos_receipt", code=sale.outlet.code, number=sale.number))
    return sale, None


def render_receipt(outlet: Outlet, sale, *, return_form: ReturnForm | None = None,
                   void_form: VoidForm | None = None):
    """The receipt; for a sale with goods left to give back, the return and void forms
    (a refused one comes back with its errors and what was typed)."""
    left = sale_lines_left(sale) if sale.kind == "sale" else []
    return_form = return_form or ReturnForm(formdata=None, number=new_sale_number(outlet))
    void_form = void_form or VoidForm(formdata=None, number=new_sale_number(outlet))
    return render_template(
        "manage/receipt.html", sale=sale, outlet=outlet, payment_labels=PAYMENT_KIND_LABELS,
        return_rows=with_fields(return_form, [
            ReturnRow(line.id, line.product.name(current_language()), line.product.code, line.unit_price, line_left.qty)
            for line, line_left in left
        ]),
        can_give_back=any(line_left.qty > 0 for _line, line_left in left),
        return_form=return_form, void_form=void_form,
    )


@bp.get("/<code>/receipts/<number>")
@role_required(*manager_roles)
def pos_receipt(code: str, number: str):
    outlet = outlet_or_403(code)
    sale, elsewhere = sale_at(outlet, number)
    return elsewhere or render_receipt(outlet, sale)


def give_back(code: str, number: str, form: ReturnForm | VoidForm, form_name: str, action):
    """Validate a return or void form, take it with `action(sale, user)`, and show the new
    receipt; refused, the sale's receipt comes back with the form and its errors."""
    outlet = outlet_or_403(code)
    sale, elsewhere = sale_at(outlet, number)
    if elsewhere:
        return elsewhere
    if not form.validate_on_submit():
        return render_receipt(outlet, sale, **{form_name: form})
    try:
        record = action(sale, current_user._get_current_object())
    except SaleAlreadyRecorded as duplicate:  # the same form sent twice: the first one's receipt
        record = duplicate.sale
    except StockError as error:
        form.form_errors.append(str(error))
        return render_receipt(outlet, find_sale(number), **{form_name: form})
    if record.kind == "void":
        done = _("Void %(number)s recorded: %(amount)s to give back to the customer.",
                 number=record.number, amount=vnd(-record.total))
    else:
        done = _("Return %(number)s recorded: %(amount)s to give back to the customer.",
                 number=record.number, amount=vnd(-record.total))
    flash(done, "success")
    return redirect(url_for("till.pos_receipt", code=outlet.code, number=record.number))


@bp.post("/<code>/receipts/<number>/return")
@role_required(*manager_roles)
def pos_return(code: str, number: str):
    form = ReturnForm()
    return give_back(code, number, form, "return_form", lambda sale, user: return_goods(
        sale=sale, quantities=line_quantities(form.lines), reason=form.reason.data, restock=form.restock.data,
        user=user, number=form.number.data or None))


@bp.post("/<code>/receipts/<number>/void")
@role_required(*manager_roles)
def pos_void(code: str, number: str):
    form = VoidForm()
    return give_back(code, number, form, "void_form", lambda sale, user: void_sale(
        sale=sale, reason=form.reason.data, restock=form.restock.data, user=user, number=form.number.data or None))

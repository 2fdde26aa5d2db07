"""The customer's side of buying: the cart, the checkout, and the order pages.

Who may see an order page is storefront.orders.access's rule.
"""
from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from config import card_payments_configured
from storefront.catalog.models import Product
from storefront.errors import wants_json
from storefront.extensions import db
from storefront.i18n import current_language, vnd
from storefront.orders import bp
from storefront.orders.access import remember_order, viewable_order
from storefront.orders.cart import (
    Cart,
    CartError,
    add_to_cart,
    cart_count,
    change_quantity,
    empty_cart,
    load_cart,
    remove_from_cart,
    signed_in_user,
)
from storefront.orders.forms import CheckoutForm, QuantityForm
from storefront.orders.actions import cancel_and_refund
from storefront.orders.models import (
    CUSTOMER_FULFILMENT_LABELS,
    CUSTOMER_PAYMENT_METHOD_LABELS,
    Order,
    Step,
    customer_status_label,
)
from storefront.orders.notifications import listen_for_order_events
from storefront.orders.services import (
    Contact,
    OrderError,
    allowed_steps,
    expire_if_due,
    place_order,
    retry_payment,
)
from storefront.outlets.services import StockError
from storefront.query_args import page_number
from storefront.vietqr import bank_account_for, transfer_details

ORDERS_PER_PAGE = 20

bp.record_once(lambda state: listen_for_order_events())


@bp.app_context_processor
def cart_in_navigation() -> dict:
    return {"cart_count": cart_count}  # called by base.html, so only pages that show it query


@bp.context_processor
def order_vocabulary() -> dict:
    """The customer's words for an order (managers' screens have their own, in /manage)."""
    return {
        "order_status_label": customer_status_label,
        "payment_method_labels": CUSTOMER_PAYMENT_METHOD_LABELS,
        "fulfilment_labels": CUSTOMER_FULFILMENT_LABELS,
    }


def flash_first_error(form) -> None:
    for errors in form.errors.values():
        flash(errors[0], "error")
        break


# The cart


@bp.get("/cart")
def cart():
    cart = load_cart(with_photos=True)
    return render_template("orders/cart.html", cart=cart, blocker=checkout_blocker(cart))


def product_or_404(product_id: int) -> Product:
    # Whether it is for sale depends on its certification: read with it.
    return db.get_or_404(Product, product_id, options=[joinedload(Product.certification)])


@bp.post("/cart/add/<int:product_id>")
def cart_add(product_id: int):
    product = product_or_404(product_id)
    form = QuantityForm()
    back = url_for("catalog.product_detail", slug=product.slug) if product.is_public else url_for(".cart")
    in_place = wants_json()  # static/js/product-actions.js: the shopper stays on the product
    if not form.validate():
        return cart_refusal(next(iter(form.errors.values()))[0], back, in_place)
    try:
        add_to_cart(product=product, qty=form.qty.data)
    except CartError as error:
        return cart_refusal(str(error), back, in_place)
    message = _("Added %(qty)d × %(name)s to your cart.", qty=form.qty.data, name=product.name(current_language()))
    if in_place:
        count = cart_count()
        return jsonify(message=message, count=count,
                       count_label=ngettext("%(num)d item", "%(num)d items", count))
    flash(message, "success")
    return redirect(url_for(".cart"))


def cart_refusal(message: str, back: str, in_place: bool):
    if in_place:
        return jsonify(error=message), 422
    flash(message, "error")
    return redirect(back)


@bp.post("/cart/update/<int:product_id>")
def cart_update(product_id: int):
    product = product_or_404(product_id)
    form = QuantityForm()
    if not form.validate():
        flash_first_error(form)
    else:
        try:
            change_quantity(product=product, qty=form.qty.data)
        except CartError as error:
            flash(str(error), "error")
    return redirect(url_for(".cart"))


@bp.post("/cart/remove/<int:product_id>")
def cart_remove(product_id: int):
    remove_from_cart(product_id=product_id)
    return redirect(url_for(".cart"))


def checkout_blocker(cart: Cart) -> str | None:
    """Why this cart cannot go to checkout yet, or None."""
    if not cart.rows:
        return _("Your cart is empty.")
    if cart.has_problems:
        return _("Some lines of your cart need your attention before you can check out.")
    if not cart.outlets:
        return _(
            "No single sales point has everything in your cart in these quantities. "
            "Lower a quantity or remove a product to check out."
        )
    return None


# The checkout


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    cart = load_cart()
    if blocker := checkout_blocker(cart):
        flash(blocker, "warning")
        return redirect(url_for(".cart"))
    form = CheckoutForm(
        pickup_outlet_ids=[supplier.outlet.id for supplier in cart.pickup_outlets],
        card_enabled=card_payments_configured(current_app.config),
        transfer_enabled=any(bank_account_for(supplier.outlet) for supplier in cart.outlets),
    )
    problem = None
    if not form.is_submitted():
        fill_defaults(form, cart)
    elif form.validate():
        if form.cart_fingerprint.data != cart.fingerprint:
            problem = _("Your cart changed since this page was shown. Check the lines and the total again, then place your order.")
        else:
            try:
                order = place_order(
                    **checkout_choices(form, cart), user=signed_in_user(),
                    language=current_language(),
                )
            except (OrderError, StockError) as error:
                problem, cart = str(error), load_cart()  # show what is available now
            else:
                return finish_checkout(order)
    form.cart_fingerprint.data = cart.fingerprint
    return render_template(
        "orders/checkout.html", form=form, cart=cart, problem=problem,
        blocker=checkout_blocker(cart), shipping_fee=current_app.config["SHIPPING_FEE"],
    )


def fill_defaults(form: CheckoutForm, cart: Cart) -> None:
    user = signed_in_user()
    if user is not None:
        form.name.data, form.email.data, form.phone.data = user.name, user.email, user.phone
        form.delivery_address.data = user.addresses[0].address if user.addresses else ""
    form.fulfilment.data = "pickup" if cart.pickup_outlets else "delivery"
    if form.card_enabled:
        form.payment.data = "card"
    else:
        form.payment.data = "pay_at_pickup" if form.fulfilment.data == "pickup" else "pay_on_delivery"
    if len(cart.pickup_outlets) == 1:
        form.outlet.data = str(cart.pickup_outlets[0].outlet.id)


def checkout_choices(form: CheckoutForm, cart: Cart) -> dict:
    """place_order's arguments from a valid form: the outlet comes from the offered ones,
    the lines and prices from the cart and the database, never from the form."""
    if form.fulfilment.data == "pickup":
        outlet = next(s.outlet for s in cart.pickup_outlets if str(s.outlet.id) == form.outlet.data)
    else:
        outlet = cart.delivery_outlet.outlet
    return {
        "lines": cart.order_lines(),
        "contact": Contact(name=form.name.data, phone=form.phone.data, email=form.email.data),
        "fulfilment": form.fulfilment.data,
        "outlet": outlet,
        "payment_method": form.payment.data,
        "delivery_address": form.delivery_address.data if form.fulfilment.data == "delivery" else None,
    }


def finish_checkout(order: Order):
    empty_cart()
    remember_order(order.number)
    if order.payment_method == "card":
        flash(_("Order %(number)s is placed. Pay by card below to confirm it.", number=order.number), "success")
    elif order.payment_method == "bank_transfer":
        flash(_("Order %(number)s is placed. Scan the VietQR code below with your banking app to pay.", number=order.number), "success")
    else:
        flash(_("Thank you! Order %(number)s is reserved for you.", number=order.number), "success")
    return redirect(url_for(".order_page", number=order.number, key=order.access_token))


# Orders


@bp.get("/orders/<number>")
def order_page(number: str):
    order = viewable_order(number, request.args.get("key"))
    expire_if_due(order)  # nothing depends on `flask orders expire` having run
    steps = allowed_steps(order, signed_in_user())
    return render_template(
        "orders/order.html",
        order=order,
        transfer=transfer_details(order),
        can_cancel=Step.CANCEL in steps,
        can_retry=Step.RETRY in steps and card_payments_configured(current_app.config),
    )


@bp.post("/orders/<number>/cancel")
def order_cancel(number: str):
    order = viewable_order(number)
    try:
        cancelled = cancel_and_refund(order=order, user=signed_in_user(), note="cancelled by the customer")
    except OrderError as error:
        flash(str(error), "error")
    else:
        if cancelled.refund_error:
            flash(_("Your order is cancelled. Our staff will refund your payment of %(total)s shortly.",
                    total=vnd(order.total)), "warning")
        elif cancelled.paid_by_card:
            flash(_("Your order is cancelled. %(total)s is being refunded to your card.", total=vnd(order.total)),
                  "success")
        else:
            flash(_("Your order is cancelled."), "success")
    return redirect(url_for(".order_page", number=order.number))


@bp.post("/orders/<number>/retry")
def order_retry(number: str):
    order = viewable_order(number)
    if not card_payments_configured(current_app.config):
        flash(_("Card payment is not available right now."), "error")
    else:
        try:
            retry_payment(order=order)
        except (OrderError, StockError) as error:
            flash(str(error), "error")
    return redirect(url_for(".order_page", number=order.number, _anchor="pay"))


@bp.get("/orders")
@login_required
def my_orders():
    orders = db.paginate(
        db.select(Order)
        .where(Order.user_id == current_user.id)
        .options(selectinload(Order.outlet))
        .order_by(Order.created_at.desc(), Order.id.desc()),
        page=page_number(request.args), per_page=ORDERS_PER_PAGE, error_out=False,
    )
    return render_template("orders/list.html", orders=orders)

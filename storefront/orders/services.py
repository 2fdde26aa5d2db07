"""The order lifecycle. Each public function is one transaction and checks the order's state,
so a repeated or late call (a replayed webhook, a double click) changes nothing.

Stock: placing an order reserves at its fulfilment outlet; payment (card) or collection
(pay at pickup) turns the reservation into a sale and writes the sales ledger; failure,
cancellation and expiry release it.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from storefront.accounts.models import User
from storefront.catalog.models import Product
from storefront.clock import utcnow, vietnam_today
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.orders.models import (
    CUSTOMER_CANCELLABLE,
    FULFILMENTS,
    OPEN_STATUSES,
    PAYMENT_METHODS,
    Order,
    OrderEvent,
    OrderLine,
)
from storefront.outlets.models import Outlet
from storefront.outlets.services import OutOfStock, check_quantity, move_stock
from storefront.sales.models import SaleLine
from storefront.transactions import transaction


class OrderError(ValueError):
    """An order operation that was refused; the message is meant for the user."""


@dataclass
class Contact:
    name: str
    phone: str
    email: str


@dataclass
class CartLine:
    product: Product
    qty: int


def new_order_number() -> str:
    return f"OC{vietnam_today():%y%m%d}-{secrets.token_hex(3).upper()}"


def find_order(number: str) -> Order | None:
    return db.session.scalar(
        db.select(Order)
        .where(Order.number == number[:20])
        .options(selectinload(Order.lines), selectinload(Order.events))
    )


def open_orders_at(outlet: Outlet, *, limit: int = 10) -> tuple[int, list[str]]:
    """How many orders at the outlet are not finished, and the numbers of the oldest few."""
    at_outlet = (Order.outlet_id == outlet.id, Order.status.in_(OPEN_STATUSES))
    count = db.session.scalar(db.select(db.func.count(Order.id)).where(*at_outlet))
    numbers = db.session.scalars(db.select(Order.number).where(*at_outlet).order_by(Order.id).limit(limit)).all()
    return count, list(numbers)


def lock_order(order: Order) -> None:
    """Re-read the order under a row lock (PostgreSQL) at the start of a step's transaction:
    of two requests racing on one order (a double click, expiry against a cancel, a webhook
    against reconcile) the second waits, then sees the first's outcome and changes nothing."""
    db.session.refresh(order, with_for_update=True)


def add_event(order: Order, status: str, note: str = "", user: User | None = None) -> None:
    order.status = status
    order.events.append(OrderEvent(status=status, note=note, user_id=user.id if user else None))


def reservation_deadline(payment_method: str, now: datetime) -> datetime:
    config = current_app.config
    if payment_method == "card":
        return now + timedelta(minutes=config["CARD_RESERVATION_MINUTES"])
    return now + timedelta(hours=config["PICKUP_RESERVATION_HOURS"])


def check_lines(lines: list[CartLine]) -> list[CartLine]:
    if not lines:
        raise OrderError(_l("Your cart is empty."))
    merged: dict[int, CartLine] = {}
    for line in lines:
        check_quantity(line.qty)
        if not line.product.is_sellable:
            raise OrderError(_l("%(name)s is not for sale online.", name=line.product.name(current_language())))
        if line.product.id in merged:
            merged[line.product.id].qty += line.qty
        else:
            merged[line.product.id] = CartLine(line.product, line.qty)
    return sorted(merged.values(), key=lambda line: line.product.id)  # lock order


def reserve_lines(order: Order, user: User | None = None) -> None:
    for line in sorted(order.lines, key=lambda line: line.product_id):
        move_stock(
            outlet=order.outlet, product=line.product, kind="reserve", reserved_change=line.qty,
            reference=order.number, user=user,
        )


def release_lines(order: Order, user: User | None = None) -> None:
    for line in sorted(order.lines, key=lambda line: line.product_id):
        move_stock(
            outlet=order.outlet, product=line.product, kind="release", reserved_change=-line.qty,
            reference=order.number, user=user,
        )


def sell_lines(order: Order, *, from_reservation: bool, user: User | None = None) -> None:
    """Stock leaves and the sales ledger records the revenue, at the prices of the order."""
    now = utcnow()
    for line in sorted(order.lines, key=lambda line: line.product_id):
        move_stock(
            outlet=order.outlet, product=line.product, kind="sale", on_hand_change=-line.qty,
            reserved_change=-line.qty if from_reservation else 0, reference=order.number, user=user,
        )
        db.session.add(
            SaleLine(
                product_id=line.product_id, outlet_id=order.outlet_id, channel="online",
                qty=line.qty, unit_price=line.unit_price, amount=line.amount,
                cost_amount=line.unit_cost * line.qty, sold_at=now, source=order.number,
                order_id=order.id,
            )
        )


def place_order(
    *,
    lines: list[CartLine],
    contact: Contact,
    fulfilment: str,
    outlet: Outlet,
    payment_method: str,
    user: User | None = None,
    delivery_address: str | None = None,
    language: str = "vi",
) -> Order:
    """Create the order at today's prices and reserve its stock at the outlet, or nothing."""
    if fulfilment not in FULFILMENTS:
        raise OrderError(_l("Choose pickup or delivery."))
    if payment_method not in PAYMENT_METHODS:
        raise OrderError(_l("Choose a payment method."))
    if payment_method == "pay_at_pickup" and fulfilment != "pickup":
        raise OrderError(_l("Paying at pickup needs a pickup order."))
    if fulfilment == "pickup" and not outlet.pickup_enabled:
        raise OrderError(_l("%(outlet)s does not offer pickup.", outlet=outlet.name))
    if fulfilment == "delivery" and not (delivery_address or "").strip():
        raise OrderError(_l("Give a delivery address."))
    if not outlet.active:
        raise OrderError(_l("%(outlet)s is closed.", outlet=outlet.name))
    lines = check_lines(lines)
    subtotal = sum(line.product.price * line.qty for line in lines)
    shipping_fee = current_app.config["SHIPPING_FEE"] if fulfilment == "delivery" else 0
    now = utcnow()
    order = Order(
        number=new_order_number(),
        access_token=secrets.token_urlsafe(32),
        user_id=user.id if user else None,
        contact_name=contact.name.strip(),
        contact_phone=contact.phone.strip(),
        contact_email=contact.email.strip().lower(),
        fulfilment=fulfilment,
        outlet=outlet,
        delivery_address=(delivery_address or "").strip() or None if fulfilment == "delivery" else None,
        payment_method=payment_method,
        language=language,
        subtotal=subtotal,
        shipping_fee=shipping_fee,
        total=subtotal + shipping_fee,
        reserved_until=reservation_deadline(payment_method, now),
        created_at=now,
        status="awaiting_payment",
    )
    order.lines = [
        OrderLine(
            product=line.product, name=line.product.name_vi, unit=line.product.unit, qty=line.qty,
            unit_price=line.product.price, unit_cost=line.product.unit_cost,
        )
        for line in lines
    ]
    with transaction():
        db.session.add(order)
        add_event(order, "awaiting_payment" if payment_method == "card" else "reserved")
        db.session.flush()
        reserve_lines(order, user)
    return order


def mark_paid(*, order: Order, payment_intent_id: str | None = None) -> bool:
    """Card payment confirmed (by Stripe's signed webhook or reconcile). False if nothing to do."""
    if order.paid_at is not None or order.payment_method != "card":
        return False
    with transaction():
        lock_order(order)
        if order.paid_at is not None:
            return False
        if order.holds_reservation:
            sell_lines(order, from_reservation=True)
            note = ""
        else:
            # Paid after the reservation lapsed (late webhook, a retry that raced expiry).
            try:
                with db.session.begin_nested():
                    sell_lines(order, from_reservation=False)
                note = "paid after the reservation had lapsed"
            except OutOfStock:
                note = "paid, but the stock is gone: refund or supply from elsewhere"
        order.paid_at = utcnow()
        order.reserved_until = None
        if payment_intent_id:
            order.stripe_payment_intent_id = payment_intent_id
        add_event(order, "paid", note)
    return True


def mark_payment_failed(*, order: Order, reason: str = "") -> bool:
    """The card was declined: free the stock; the customer may try again."""
    if order.status != "awaiting_payment":
        return False
    with transaction():
        lock_order(order)
        if order.status != "awaiting_payment":
            return False
        release_lines(order)
        order.reserved_until = None
        add_event(order, "payment_failed", reason[:255])
    return True


def retry_payment(*, order: Order) -> None:
    """Hold the stock again for another card attempt."""
    with transaction():
        lock_order(order)
        if order.status != "payment_failed":
            raise OrderError(_l("This order is not waiting for another payment attempt."))
        reserve_lines(order)
        order.reserved_until = reservation_deadline("card", utcnow())
        add_event(order, "awaiting_payment", "payment retried")


def cancel_order(*, order: Order, user: User | None = None, note: str = "") -> None:
    """Cancel before the order is ready.

    A paid card order is also refunded in full by the caller (payments.refund_order with
    restock): the refund's webhook writes the negative sale lines and returns the goods.
    """
    with transaction():
        lock_order(order)
        if order.status not in CUSTOMER_CANCELLABLE:
            raise OrderError(_l("This order can no longer be cancelled."))
        if order.holds_reservation:
            release_lines(order, user)
        order.reserved_until = None
        add_event(order, "cancelled", note, user)


def expire_if_due(order: Order, now: datetime | None = None) -> bool:
    """Release an unpaid order's stock once its reservation has run out."""
    now = now or utcnow()

    def due() -> bool:
        return order.status in ("awaiting_payment", "reserved") and (
            order.reserved_until is not None and order.reserved_until <= now
        )

    if not due():
        return False
    with transaction():
        lock_order(order)
        if not due():
            return False
        release_lines(order)
        order.reserved_until = None
        add_event(order, "expired")
    return True


def expire_orders(now: datetime | None = None) -> list[str]:
    """Every order whose reservation has run out; the numbers of those expired."""
    now = now or utcnow()
    due = db.session.scalars(
        db.select(Order)
        .where(Order.status.in_(("awaiting_payment", "reserved")), Order.reserved_until <= now)
        .order_by(Order.id)
    ).all()
    return [order.number for order in due if expire_if_due(order, now)]


def mark_ready(*, order: Order, user: User) -> None:
    with transaction():
        lock_order(order)
        if order.fulfilment != "pickup" or order.status not in ("paid", "reserved"):
            raise OrderError(_l("Only paid or reserved pickup orders can be made ready."))
        order.reserved_until = None  # the outlet has set it aside; it no longer expires
        add_event(order, "ready", "", user)


def mark_collected(*, order: Order, user: User, payment_kind: str | None = None) -> None:
    """Handed over. Pay-at-pickup orders are paid now, which is when their sale is made."""
    with transaction():
        lock_order(order)
        if order.status != "ready":
            raise OrderError(_l("Only orders that are ready can be collected."))
        note = ""
        if order.payment_method == "pay_at_pickup":
            if payment_kind not in ("cash", "card", "transfer"):
                raise OrderError(_l("Choose how the customer paid."))
            sell_lines(order, from_reservation=True, user=user)
            order.paid_at = utcnow()
            note = f"paid at pickup: {payment_kind}"
        add_event(order, "collected", note, user)


def cancel_uncollected(*, order: Order, user: User, note: str = "") -> None:
    """The customer never came for a pay-at-pickup order that was made ready: the outlet
    cancels it and its stock is free again (ready orders no longer expire on their own)."""
    with transaction():
        lock_order(order)
        if order.status != "ready" or order.paid_at is not None:
            raise OrderError(_l("Only unpaid orders waiting for pickup can be cancelled this way."))
        release_lines(order, user)
        add_event(order, "cancelled", note[:255], user)


def mark_shipped(*, order: Order, user: User, note: str = "") -> None:
    with transaction():
        lock_order(order)
        if order.fulfilment != "delivery" or order.status != "paid":
            raise OrderError(_l("Only paid delivery orders can be shipped."))
        add_event(order, "shipped", note[:255], user)


def mark_delivered(*, order: Order, user: User) -> None:
    with transaction():
        lock_order(order)
        if order.status != "shipped":
            raise OrderError(_l("Only shipped orders can be marked delivered."))
        add_event(order, "delivered", "", user)


def split_refund(order: Order, amount: int) -> list[int]:
    """Share a refund over the lines in proportion to their amounts, exact to the đồng."""
    goods = sum(line.amount for line in order.lines)
    shares = [amount * line.amount // goods for line in order.lines]
    for i in range(amount - sum(shares)):
        shares[i % len(shares)] += 1
    return shares


def record_refund(*, order: Order, refunded_total: int, restock: bool = False, user: User | None = None) -> bool:
    """Stripe says `refunded_total` đồng of this order is refunded so far (cumulative).

    The new part is written to the sales ledger as negative lines. A full refund with
    `restock` returns the goods to the outlet and takes their cost back out too.
    """
    if min(refunded_total, order.total) <= order.refunded_amount or order.paid_at is None:
        return False
    full = refunded_total >= order.total
    now = utcnow()
    with transaction():
        # Our own refund and Stripe's charge.refunded webhook may record the same refund at once.
        lock_order(order)
        new_amount = min(refunded_total, order.total) - order.refunded_amount
        if new_amount <= 0:
            return False
        goods_amount = min(new_amount, order.subtotal - min(order.refunded_amount, order.subtotal))
        if goods_amount > 0:
            for line, share in zip(order.lines, split_refund(order, goods_amount)):
                returned = line.qty if full and restock else 0
                db.session.add(
                    SaleLine(
                        product_id=line.product_id, outlet_id=order.outlet_id, channel="online",
                        qty=-returned, unit_price=line.unit_price, amount=-share,
                        cost_amount=-line.unit_cost * returned, sold_at=now,
                        source=f"{order.number}-refund", order_id=order.id,
                    )
                )
                if returned:
                    move_stock(
                        outlet=order.outlet, product=line.product, kind="return",
                        on_hand_change=returned, reference=order.number, user=user,
                        reason="refunded and returned",
                    )
        order.refunded_amount += new_amount
        add_event(order, "refunded" if full else "partly_refunded", f"{new_amount} VND", user)
    return True

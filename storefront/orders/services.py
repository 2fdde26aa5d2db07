"""The order lifecycle. Each public function is one transaction and checks the order's state,
so a repeated or late call (a replayed webhook, a double click) changes nothing.

Stock: placing an order reserves at its fulfilment outlet; payment (card) or collection
(pay at pickup) turns the reservation into a sale and writes the sales ledger; failure,
cancellation and expiry release it.
"""
from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import bindparam, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from storefront.accounts.models import User
from storefront.catalog.models import Product
from storefront.clock import utc_start_of, utcnow, vietnam_today
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.orders.models import (
    EXPIRING,
    FULFILMENTS,
    HANDED_OVER,
    OPEN_STATUSES,
    PAYMENT_METHODS,
    Order,
    OrderEvent,
    OrderLine,
    Status,
    Step,
    counter_refund_note,
    refund_note,
)
from storefront.outlets.models import Outlet
from storefront.outlets.services import OutOfStock, check_quantity, move_stock
from storefront.sales.models import PAYMENT_KINDS, SaleLine
from storefront.sales.services import (
    LineLeft,
    TillTotal,
    give_back_line,
    left_to_reverse,
    order_refunds_made_on,
    order_sale_lines,
    reversal_of,
    sale_line,
    units_coming_back,
)
from storefront.transactions import transaction
from storefront.vietqr import bank_account_for


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


# 16.7 million numbers a day: with thousands of orders a day, two drawing the same one is a
# matter of days. The unique constraint catches it and the order is placed again with another.
ORDER_NUMBER_ATTEMPTS = 3


def order_number_taken(error: IntegrityError) -> bool:
    """Whether the order number's unique constraint refused the order: PostgreSQL names the
    constraint (uq_order_number, by the metadata's naming convention), SQLite its column."""
    if (diagnostics := getattr(error.orig, "diag", None)) is not None:
        return diagnostics.constraint_name == "uq_order_number"
    return str(error.orig) == "UNIQUE constraint failed: order.number"


# Built once: the order page reads an order on every visit, and building the statement (and its
# cache key) anew cost more than running it.
ORDER_BY_NUMBER = (
    db.select(Order)
    .where(Order.number == bindparam("number"))
    .options(
        joinedload(Order.outlet, innerjoin=True),
        joinedload(Order.events),  # a few rows an order
        selectinload(Order.lines).joinedload(OrderLine.product),
    )
)


def find_order(number: str) -> Order | None:
    """The order with its outlet, events, lines and their products (the order page names them),
    in two round trips. The steps re-read it FOR UPDATE with the same loads (lock_order)."""
    return db.session.execute(ORDER_BY_NUMBER, {"number": number[:20]}).unique().scalar_one_or_none()


# An outlet's orders, as its manager works through them ------------------------------------------

OUTLET_ORDERS_PER_PAGE = 30
PICKUP_QUEUE_SHOWN = 5
WAITING_PICKUP = (Status.RESERVED, Status.PAID, Status.READY)
# The outlet's list filtered "open": orders the sales point still has something to do about.
TO_WORK_ON = (Status.AWAITING_PAYMENT, Status.AWAITING_TRANSFER, Status.RESERVED, Status.PAID, Status.READY,
              Status.SHIPPED)


def expire_due_orders(outlet: Outlet) -> None:
    """Release this outlet's unpaid orders whose reservation ran out, so lists never show
    stale holds: one query finds them (usually none), then each expires in its own transaction."""
    now = utcnow()
    due = db.session.scalars(
        db.select(Order)
        .where(Order.outlet_id == outlet.id, Order.status.in_(EXPIRING), Order.reserved_until <= now)
        .options(selectinload(Order.lines).selectinload(OrderLine.product))
        .order_by(Order.id)
    ).all()
    for order in due:
        expire_if_due(order, now)


def outlet_orders(outlet: Outlet, *, status: str, page: int | None) -> Pagination:
    """This outlet's orders in one status ("open": still to be worked on; "all"), newest first."""
    statement = (
        db.select(Order)
        .where(Order.outlet_id == outlet.id)
        .options(selectinload(Order.lines))
        .order_by(Order.created_at.desc(), Order.id.desc())
    )
    if status == "open":
        statement = statement.where(Order.status.in_(TO_WORK_ON))
    elif status != "all":
        statement = statement.where(Order.status == status)
    return db.paginate(statement, page=page, per_page=OUTLET_ORDERS_PER_PAGE, error_out=False)


@dataclass
class PickupQueue:
    count: int
    first: list[Order]


def pickup_queue(outlet: Outlet) -> PickupQueue:
    """Pickup orders the counter has to prepare or hand over, oldest first (after expiring
    the lapsed ones, which no longer wait)."""
    expire_due_orders(outlet)
    waiting = (Order.outlet_id == outlet.id, Order.fulfilment == "pickup", Order.status.in_(WAITING_PICKUP))
    count = db.session.scalar(db.select(func.count(Order.id)).where(*waiting))
    first = db.session.scalars(
        db.select(Order).where(*waiting).order_by(Order.created_at, Order.id).limit(PICKUP_QUEUE_SHOWN)
    ).all()
    return PickupQueue(count=count, first=list(first))


def awaiting_transfers(outlet: Outlet, *, limit: int = PICKUP_QUEUE_SHOWN) -> list[Order]:
    """Orders at the outlet whose customers are to pay by bank transfer, oldest first, for the
    till: a customer may pay at the counter, or the money may be seen arriving."""
    expire_due_orders(outlet)
    return list(db.session.scalars(
        db.select(Order)
        .where(Order.outlet_id == outlet.id, Order.status == Status.AWAITING_TRANSFER)
        .order_by(Order.created_at, Order.id).limit(limit)
    ))


def counter_order_totals(outlet: Outlet, day: date) -> list[TillTotal]:
    """The end-of-day report's online orders: per payment kind, what customers paid for their
    orders in person on that day (at pickup, or on delivery from this outlet) and what the
    counter gave back of such orders and of bank-transfer ones, as paid. Card orders are
    refunded through Stripe, not from the drawer."""
    start, end = utc_start_of(day), utc_start_of(day + timedelta(days=1))
    paid = db.session.execute(
        db.select(Order.paid_in_person_by, func.count(), func.sum(Order.total))
        .where(Order.outlet_id == outlet.id, Order.paid_at >= start, Order.paid_at < end,
               Order.paid_in_person_by.is_not(None))
        .group_by(Order.paid_in_person_by)
    ).all()
    refunds = order_refunds_made_on(outlet, day)
    refund_kinds = db.session.execute(
        db.select(Order.id, func.coalesce(Order.paid_in_person_by, "transfer"))
        .where(Order.id.in_(refunds), Order.payment_method != "card")
    ).tuples()
    given_back = Counter()
    for order_id, kind in refund_kinds:
        given_back[kind] += refunds[order_id]
    taken = {kind: (count, int(total)) for kind, count, total in paid}
    return [TillTotal(kind, *taken.get(kind, (0, 0)), given_back[kind]) for kind in PAYMENT_KINDS]


def find_outlet_order(outlet: Outlet, number: str) -> Order | None:
    """The order, if it is fulfilled at this outlet, with its lines and events; a lapsed
    reservation is released first."""
    order = db.session.scalar(
        db.select(Order)
        .where(Order.number == number[:20], Order.outlet_id == outlet.id)
        .options(
            selectinload(Order.lines).selectinload(OrderLine.product),
            selectinload(Order.events).selectinload(OrderEvent.user),
        )
    )
    if order is not None:
        expire_if_due(order)
    return order


def find_order_by_payment_intent(payment_intent_id: str) -> Order | None:
    return db.session.scalar(db.select(Order).where(Order.stripe_payment_intent_id == payment_intent_id))


def card_orders_to_reconcile(*, closed_since: datetime) -> list[Order]:
    """Card orders with a PaymentIntent and no payment recorded: those awaiting it, and those
    closed unpaid (failed, expired, cancelled) since `closed_since`. Read as committed now,
    even in a long-lived session."""
    return list(db.session.scalars(
        db.select(Order)
        .where(
            Order.payment_method == "card",
            Order.stripe_payment_intent_id.is_not(None),
            Order.paid_at.is_(None),
            (Order.status == Status.AWAITING_PAYMENT)
            | (
                Order.status.in_((Status.PAYMENT_FAILED, Status.EXPIRED, Status.CANCELLED))
                & (Order.created_at >= closed_since)
            ),
        )
        .options(selectinload(Order.lines), selectinload(Order.events))
        .order_by(Order.id)
        .execution_options(populate_existing=True)
    ))


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
    db.session.refresh(order, with_for_update={"of": Order})  # not the rows of the outlet it is read with


def works_at(user: User | None, order: Order) -> bool:
    """The order's outlet is the user's to run: its manager, or programme staff and admins."""
    return user is not None and (
        user.is_staff or (user.role == "manager" and any(outlet.id == order.outlet_id for outlet in user.outlets))
    )


def allowed_steps(order: Order, user: User | None) -> set[Step]:
    """The steps `user` may take on the order now. The pages offer these and nothing else, and
    each step's service refuses the order when its step is not among them.

    Whoever may see the order (the order pages check who) may do what its customer may: cancel
    until it is paid in person or made ready, and try a declined card again. The outlet's
    manager and programme staff also move it along, cancel an unpaid order nobody came for,
    and refund.
    """
    steps = {Step.CANCEL} if order.customer_can_cancel else set()
    if order.status == Status.PAYMENT_FAILED:
        steps.add(Step.RETRY)
    if not works_at(user, order):
        return steps
    status, method = order.status, order.payment_method
    if order.fulfilment == "pickup" and status in (Status.PAID, Status.RESERVED):
        steps.add(Step.READY)
    if status == Status.READY:
        steps.add(Step.COLLECTED)
    if order.fulfilment == "delivery" and (
        status == Status.PAID or (status == Status.RESERVED and method == "pay_on_delivery")
    ):
        steps.add(Step.SHIPPED)
    if status == Status.SHIPPED:
        steps.add(Step.DELIVERED)
    # A transfer that arrives after the order lapsed or was cancelled is still recorded.
    if method == "bank_transfer" and order.paid_at is None and order.can_become(Status.PAID):
        steps.add(Step.CONFIRM_TRANSFER)
    if status in (Status.READY, Status.SHIPPED) and order.unpaid_handover:
        steps.add(Step.CANCEL)
    if user.is_staff and card_refundable(order) > 0:
        steps.add(Step.REFUND)
    if counter_refundable(order):
        steps.add(Step.COUNTER_REFUND)
    return steps


def add_event(order: Order, status: Status, note: str = "", user: User | None = None) -> None:
    order.status = status
    order.events.append(OrderEvent(status=status, note=note, user_id=user.id if user else None))


def reservation_deadline(payment_method: str, now: datetime) -> datetime:
    config = current_app.config
    if payment_method == "card":
        return now + timedelta(minutes=config["CARD_RESERVATION_MINUTES"])
    if payment_method == "bank_transfer":
        return now + timedelta(hours=config["TRANSFER_RESERVATION_HOURS"])
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
            sale_line(
                product_id=line.product_id, outlet_id=order.outlet_id, channel="online",
                qty=line.qty, unit_price=line.unit_price, amount=line.amount,
                cost_amount=line.unit_cost * line.qty, sold_at=now, source=order.number,
                order_id=order.id,
            )
        )


FIRST_STATUS = {"card": Status.AWAITING_PAYMENT, "bank_transfer": Status.AWAITING_TRANSFER}


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
    if payment_method == "pay_on_delivery" and fulfilment != "delivery":
        raise OrderError(_l("Cash on delivery needs a delivery order."))
    if payment_method == "bank_transfer":
        if bank_account_for(outlet) is None:
            raise OrderError(_l("Bank transfer is not available for %(outlet)s.", outlet=outlet.name))
    if fulfilment == "pickup" and not outlet.pickup_enabled:
        raise OrderError(_l("%(outlet)s does not offer pickup.", outlet=outlet.name))
    if fulfilment == "delivery" and not (delivery_address or "").strip():
        raise OrderError(_l("Give a delivery address."))
    if not outlet.active:
        raise OrderError(_l("%(outlet)s is closed.", outlet=outlet.name))
    lines = check_lines(lines)
    details = {
        "lines": lines, "contact": contact, "fulfilment": fulfilment, "outlet": outlet,
        "payment_method": payment_method, "user": user, "delivery_address": delivery_address, "language": language,
    }
    # A taken number is noticed at the first INSERT. Placing the whole order again then costs
    # the usual order nothing (no savepoint, no look-up first), and the rollback undid all of it.
    for _ in range(ORDER_NUMBER_ATTEMPTS - 1):
        try:
            return record_order(**details)
        except IntegrityError as error:
            if not order_number_taken(error):
                raise
    return record_order(**details)


def record_order(
    *,
    lines: list[CartLine],
    contact: Contact,
    fulfilment: str,
    outlet: Outlet,
    payment_method: str,
    user: User | None,
    delivery_address: str | None,
    language: str,
) -> Order:
    """place_order's transaction, for checked lines, under a new number."""
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
        status=Status.AWAITING_PAYMENT,
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
        add_event(order, FIRST_STATUS.get(payment_method, Status.RESERVED))
        db.session.flush()
        reserve_lines(order, user)
        shown_next = {name: getattr(order, name) for name in ("number", "access_token", "payment_method")}
    # The commit expired the order; the checkout's redirect needs only these, as just written,
    # so they are kept rather than read back (one round trip less on every order).
    for name, value in shown_next.items():
        set_committed_value(order, name, value)
    return order


def mark_paid(*, order: Order, payment_intent_id: str | None = None) -> bool:
    """Card payment confirmed (by Stripe's signed webhook or reconcile). False if nothing to do."""
    if order.paid_at is not None or order.payment_method != "card":
        return False
    with transaction():
        lock_order(order)
        if order.paid_at is not None:
            return False
        note = sell_paid_order(order)
        if payment_intent_id:
            order.stripe_payment_intent_id = payment_intent_id
        add_event(order, Status.PAID, note)
    return True


def sell_paid_order(order: Order, user: User | None = None) -> str:
    """The money arrived: the sale is made from the reservation, or from what is available when
    the reservation lapsed meanwhile (a late webhook, a transfer confirmed after expiry).
    Returns the note for the order's history. Runs inside the caller's transaction."""
    if order.holds_reservation:
        sell_lines(order, from_reservation=True, user=user)
        note = ""
    else:
        try:
            with db.session.begin_nested():
                sell_lines(order, from_reservation=False, user=user)
            note = "paid after the reservation had lapsed"
        except OutOfStock:
            note = "paid, but the stock is gone: refund or supply from elsewhere"
    order.paid_at = utcnow()
    order.reserved_until = None
    return note


def confirm_transfer(*, order: Order, user: User) -> None:
    """The outlet's manager or staff saw the bank transfer arrive: the sale is made now."""
    with transaction():
        lock_order(order)
        if Step.CONFIRM_TRANSFER not in allowed_steps(order, user):
            raise OrderError(_l("Only orders waiting for a bank transfer can be confirmed as paid."))
        note = sell_paid_order(order, user)
        add_event(order, Status.PAID, note or "transfer received", user)


def mark_payment_failed(*, order: Order, reason: str = "") -> bool:
    """The card was declined: free the stock; the customer may try again."""
    if order.status != Status.AWAITING_PAYMENT:
        return False
    with transaction():
        lock_order(order)
        if order.status != Status.AWAITING_PAYMENT:
            return False
        release_lines(order)
        order.reserved_until = None
        add_event(order, Status.PAYMENT_FAILED, reason[:255])
    return True


def retry_payment(*, order: Order) -> None:
    """Hold the stock again for another card attempt."""
    with transaction():
        lock_order(order)
        if order.status != Status.PAYMENT_FAILED:
            raise OrderError(_l("This order is not waiting for another payment attempt."))
        reserve_lines(order)
        order.reserved_until = reservation_deadline("card", utcnow())
        add_event(order, Status.AWAITING_PAYMENT, "payment retried")


def cancel_order(*, order: Order, user: User | None = None, note: str = "") -> None:
    """Cancel the order and free the stock it holds: the customer's until it is paid in person or
    made ready; the outlet's also when nobody came for an unpaid order made ready or a
    cash-on-delivery parcel was refused (neither expires on its own).

    The pages cancel through orders.actions.cancel_and_refund, which also refunds a paid card
    order through payments (in full, the goods back in stock).
    """
    with transaction():
        lock_order(order)
        if Step.CANCEL not in allowed_steps(order, user):
            raise OrderError(_l("This order can no longer be cancelled."))
        if order.holds_reservation:
            release_lines(order, user)
        order.reserved_until = None
        add_event(order, Status.CANCELLED, note[:255], user)


def expire_if_due(order: Order, now: datetime | None = None) -> bool:
    """Release an unpaid order's stock once its reservation has run out."""
    now = now or utcnow()

    def due() -> bool:
        return order.status in EXPIRING and (
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
        add_event(order, Status.EXPIRED)
    return True


def expire_orders(now: datetime | None = None) -> list[str]:
    """Every order whose reservation has run out; the numbers of those expired."""
    now = now or utcnow()
    due = db.session.scalars(
        db.select(Order)
        .where(Order.status.in_(EXPIRING), Order.reserved_until <= now)
        .order_by(Order.id)
    ).all()
    return [order.number for order in due if expire_if_due(order, now)]


def mark_ready(*, order: Order, user: User) -> None:
    with transaction():
        lock_order(order)
        if Step.READY not in allowed_steps(order, user):
            raise OrderError(_l("Only paid or reserved pickup orders can be made ready."))
        order.reserved_until = None  # the outlet has set it aside; it no longer expires
        add_event(order, Status.READY, "", user)


def mark_collected(*, order: Order, user: User, payment_kind: str | None = None) -> None:
    """Handed over. Pay-at-pickup orders are paid now, which is when their sale is made."""
    with transaction():
        lock_order(order)
        if Step.COLLECTED not in allowed_steps(order, user):
            raise OrderError(_l("Only orders that are ready can be collected."))
        note = ""
        if order.payment_method == "pay_at_pickup":
            note = collect_payment(order, user=user, payment_kind=payment_kind, where="pickup")
        add_event(order, Status.COLLECTED, note, user)


def collect_payment(order: Order, *, user: User, payment_kind: str | None, where: str) -> str:
    """The customer pays in person at handover (pay at pickup, cash on delivery): the sale is made
    from the reservation now. Returns the note for the order's history; inside the caller's
    transaction."""
    if payment_kind not in ("cash", "card", "transfer"):
        raise OrderError(_l("Choose how the customer paid."))
    sell_lines(order, from_reservation=True, user=user)
    order.paid_at = utcnow()
    order.paid_in_person_by = payment_kind
    return f"paid at {where}: {payment_kind}"


def mark_shipped(*, order: Order, user: User, note: str = "") -> None:
    with transaction():
        lock_order(order)
        if Step.SHIPPED not in allowed_steps(order, user):
            raise OrderError(_l("Only paid or cash-on-delivery orders can be shipped."))
        order.reserved_until = None  # on its way: it no longer expires
        add_event(order, Status.SHIPPED, note[:255], user)


def mark_delivered(*, order: Order, user: User, payment_kind: str | None = None) -> None:
    """Handed over at the door. A cash-on-delivery order is paid now, which is when its sale is made."""
    with transaction():
        lock_order(order)
        if Step.DELIVERED not in allowed_steps(order, user):
            raise OrderError(_l("Only shipped orders can be marked delivered."))
        note = ""
        if order.payment_method == "pay_on_delivery":
            note = collect_payment(order, user=user, payment_kind=payment_kind, where="delivery")
        add_event(order, Status.DELIVERED, note, user)


def split_refund(left: list[int], amount: int) -> list[int]:
    """Share `amount` over lines in proportion to what each has left to refund, exact to the
    đồng and never more than a line has left: refunding all that is left of an order, in one
    refund or several, brings every line to exactly zero."""
    total = sum(left)
    shares = [amount * part // total for part in left]
    # The đồng that rounding down left over go to the largest remainders, one each.
    by_remainder = sorted(range(len(left)), key=lambda i: (-(amount * left[i] % total), i))
    for i in by_remainder[:amount - sum(shares)]:
        shares[i] += 1
    return shares


def record_refund(*, order: Order, refunded_total: int, restock: bool = False, user: User | None = None) -> bool:
    """Stripe says `refunded_total` đồng of this order is refunded so far (cumulative).

    The new part is written to the sales ledger as negative lines, each reversing one of the
    order's sale lines, shared by what each line has left to refund. A full refund with
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
        sales = order_sale_lines(order.id)
        left = left_to_reverse(sales)
        goods_amount = min(new_amount, sum(left[line.id].amount for line in sales))  # the rest was shipping
        shares = split_refund([left[line.id].amount for line in sales], goods_amount) if goods_amount > 0 else []
        for line, share in zip(sales, shares):
            returned = left[line.id].qty if full and restock else 0
            if share == 0 and returned == 0:
                continue
            db.session.add(reversal_of(line, qty=returned, amount=share, cost_amount=line.cost_amount // line.qty * returned,
                                       sold_at=now, source=f"{order.number}-refund"))
            if returned:
                move_stock(
                    outlet=order.outlet, product=line.product, kind="return",
                    on_hand_change=returned, reference=order.number, user=user,
                    reason="refunded and returned",
                )
        order.refunded_amount += new_amount
        add_event(order, Status.REFUNDED if full else Status.PARTLY_REFUNDED, refund_note(new_amount), user)
    return True


def counter_refundable(order: Order) -> bool:
    """An order paid in person (at pickup or delivery) or by bank transfer, once handed over, can be
    refunded at the outlet's counter, in cash or as paid; card payments are refunded through Stripe."""
    return (order.payment_method != "card" and order.paid_at is not None
            and order.status in HANDED_OVER and order.refunded_amount < order.total)


def card_refundable(order: Order) -> int:
    """What a card refund can still give back through Stripe (cash is refunded at the counter)."""
    if order.payment_method != "card" or order.paid_at is None or not order.stripe_payment_intent_id:
        return 0
    return order.total - order.refunded_amount


def order_lines_left(order: Order) -> list[tuple[OrderLine, SaleLine | None, LineLeft]]:
    """Each line of the order with its sale line (none if never sold) and what that has left."""
    sales = {line.product_id: line for line in order_sale_lines(order.id)}
    left = left_to_reverse(sales.values())
    return [
        (line, sales.get(line.product_id), left[sales[line.product_id].id] if line.product_id in sales else LineLeft(0, 0))
        for line in order.lines
    ]


def counter_refund_lines(order: Order) -> list[tuple[OrderLine, int]]:
    """Each line of the order with how many of its units can still come back at the counter."""
    return [(line, left.qty) for line, _sale, left in order_lines_left(order)]


def refund_at_counter(*, order: Order, quantities: dict[int, int], reason: str, restock: bool, user: User,
                      refunded_before: int) -> int:
    """The customer brings goods of a collected pay-at-pickup order back to the counter and gets
    their money back there. `quantities` maps the order's lines (by id) to the units coming
    back; each writes a negative sale line reversing the order's, and restocked goods go back on
    hand, in one transaction. `refunded_before` is the refunded amount the manager saw: a page
    that is out of date (a second click, another refund meanwhile) refunds nothing.
    Returns the amount refunded."""
    reason = " ".join(reason.split())
    if not reason:
        raise OrderError(_l("Give the reason for the refund."))
    now = utcnow()
    with transaction():
        lock_order(order)
        if Step.COUNTER_REFUND not in allowed_steps(order, user):
            raise OrderError(_l("Only handed-over orders paid in person or by transfer can be refunded at the counter."))
        if order.refunded_amount != refunded_before:
            raise OrderError(_l("This order was refunded meanwhile: check what is left and try again."))
        wanted = units_coming_back(
            quantities, {line.id: (sale, left, line.name) for line, sale, left in order_lines_left(order)}
        )
        refunded = 0
        for sale, sale_left, qty in sorted(wanted, key=lambda item: item[0].product_id):  # lock order
            amount, cost = give_back_line(sale, sale_left, qty)
            refunded += amount
            db.session.add(reversal_of(sale, qty=qty, amount=amount, cost_amount=cost if restock else 0,
                                       sold_at=now, source=f"{order.number}-refund"))
            if restock:
                move_stock(outlet=order.outlet, product=sale.product, kind="return", on_hand_change=qty,
                           reference=order.number, user=user, reason=reason[:255])
        order.refunded_amount += refunded
        full = order.refunded_amount >= order.total
        note = counter_refund_note(refunded, restocked=restock, reason=reason)
        add_event(order, Status.REFUNDED if full else Status.PARTLY_REFUNDED, note, user)
    return refunded

"""A message to the customer for every step of an order, sent through storefront.mail.

One message per OrderEvent, whoever wrote the event (a page, the Stripe webhook, a manager,
`flask orders expire`): session listeners note each new event while flushing and send once
the transaction has committed; a rollback forgets them. What a message needs is read at
flush time, because a committed session cannot run SQL inside `after_commit`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from storefront.extensions import db
from storefront.i18n import local_datetime, vnd
from storefront.mail import deliver, external_url, new_message
from storefront.orders.models import Order, OrderEvent

PENDING_KEY = "order_events_to_notify"
DEFAULT_LANGUAGE = "vi"


@dataclass
class Update:
    """An order event with everything its message says, read while the session could."""

    event_id: int
    status: str
    note: str
    number: str
    access_token: str
    language: str
    contact_name: str
    contact_email: str
    fulfilment: str
    payment_method: str
    outlet_name: str
    outlet_address: str
    outlet_hours: str
    delivery_address: str | None
    lines: list[tuple[str, int, int]]  # name, qty, amount
    shipping_fee: int
    total: int
    refunded_amount: int
    reserved_until: datetime | None
    savepoints: tuple[object, ...]  # the savepoints open when the event was written


def order_language(order: Order) -> str:
    return order.language or DEFAULT_LANGUAGE


def open_savepoints(session: Session) -> tuple[object, ...]:
    chain, transaction = [], session.get_nested_transaction()
    while transaction is not None and transaction.nested:
        chain.append(transaction)
        transaction = transaction.parent
    return tuple(chain)


def read_update(order: Order, order_event: OrderEvent, savepoints: tuple[object, ...]) -> Update:
    return Update(
        event_id=order_event.id,
        status=order_event.status,
        note=order_event.note or "",
        number=order.number,
        access_token=order.access_token,
        language=order_language(order),
        contact_name=order.contact_name,
        contact_email=order.contact_email,
        fulfilment=order.fulfilment,
        payment_method=order.payment_method,
        outlet_name=order.outlet.name,
        outlet_address=order.outlet.address,
        outlet_hours=order.outlet.opening_hours,
        delivery_address=order.delivery_address,
        lines=[(line.name_in(order_language(order)), line.qty, line.amount) for line in order.lines],
        shipping_fee=order.shipping_fee,
        total=order.total,
        refunded_amount=order.refunded_amount,
        reserved_until=order.reserved_until,
        savepoints=savepoints,
    )


# Following commits


def collect_order_events(session: Session, flush_context) -> None:
    new_events = [obj for obj in session.new if isinstance(obj, OrderEvent)]
    if new_events:
        savepoints = open_savepoints(session)
        pending = session.info.setdefault(PENDING_KEY, [])
        pending.extend(read_update(order_event.order, order_event, savepoints) for order_event in new_events)


def send_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the outer transaction may still roll back
    for update in sorted(session.info.pop(PENDING_KEY, []), key=lambda update: update.event_id):
        send_update(update)


def forget_rolled_back(session: Session, previous_transaction) -> None:
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    if not previous_transaction.nested:
        session.info.pop(PENDING_KEY)
    else:
        pending[:] = [update for update in pending if previous_transaction not in update.savepoints]


def listen_for_order_events() -> None:
    for name, listener in (
        ("after_flush", collect_order_events),
        ("after_commit", send_committed),
        ("after_soft_rollback", forget_rolled_back),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


# Writing and sending


def order_link(number: str, access_token: str) -> str:
    """The secret link to the order page."""
    return external_url("orders.order_page", number=number, key=access_token)


def subject_for(update: Update) -> str:
    subjects = {
        "awaiting_payment": _("Order %(number)s: waiting for your card payment", number=update.number),
        "reserved": _("Order %(number)s is reserved for you", number=update.number),
        "payment_failed": _("Order %(number)s: the payment did not go through", number=update.number),
        "paid": _("Order %(number)s is paid", number=update.number),
        "ready": _("Order %(number)s is ready for pickup", number=update.number),
        "collected": _("Order %(number)s has been collected", number=update.number),
        "shipped": _("Order %(number)s is on its way", number=update.number),
        "delivered": _("Order %(number)s has been delivered", number=update.number),
        "cancelled": _("Order %(number)s is cancelled", number=update.number),
        "expired": _("Order %(number)s has expired", number=update.number),
        "refunded": _("Order %(number)s is refunded", number=update.number),
        "partly_refunded": _("Order %(number)s is partly refunded", number=update.number),
    }
    return subjects.get(update.status, _("Order %(number)s has been updated", number=update.number))


def news_for(update: Update) -> str:
    """What happened, and what the customer does next."""
    deadline = local_datetime(update.reserved_until)
    place = f"{update.outlet_name}, {update.outlet_address}"
    news = {
        "awaiting_payment": _("We are holding your items until %(deadline)s. Pay by card on the order page to confirm it.", deadline=deadline),
        "reserved": _("Your items are set aside at %(place)s until %(deadline)s. Pay when you collect them.", place=place, deadline=deadline),
        "payment_failed": _("Your card payment did not go through, so the items are no longer held. You can try again on the order page."),
        "paid": _("Thank you: we have received your payment of %(total)s.", total=vnd(update.total)),
        "ready": _("Your order is ready. Collect it at %(place)s.", place=place),
        "collected": _("Your order was handed over. Thank you for buying OCOP products!"),
        "shipped": _("Your order has left %(outlet)s and is on its way to you.", outlet=update.outlet_name),
        "delivered": _("Your order has been delivered. Thank you for buying OCOP products!"),
        "cancelled": _("Your order is cancelled. If you paid by card, the money goes back to your card."),
        "expired": _("Your order was not paid in time, so the items are no longer held."),
        "refunded": _("We have refunded %(amount)s to your card.", amount=vnd(update.refunded_amount)),
        "partly_refunded": _("We have refunded part of your order: %(amount)s so far.", amount=vnd(update.refunded_amount)),
    }
    return news.get(update.status, _("Your order has been updated."))


def body_for(update: Update) -> str:
    lines = [
        _("Hello %(name)s,", name=update.contact_name),
        "",
        news_for(update),
    ]
    if update.note and update.status == "shipped":
        lines.append(_("Note from the sales point: %(note)s", note=update.note))
    lines += ["", _("Order %(number)s", number=update.number)]
    lines += [f"- {qty} × {name}: {vnd(amount)}" for name, qty, amount in update.lines]
    if update.shipping_fee:
        lines.append(_("Delivery: %(fee)s", fee=vnd(update.shipping_fee)))
    lines.append(_("Total: %(total)s", total=vnd(update.total)))
    if update.fulfilment == "pickup":
        lines.append(_("Pickup at: %(outlet)s, %(address)s", outlet=update.outlet_name, address=update.outlet_address))
        if update.outlet_hours:
            lines.append(_("Opening hours: %(hours)s", hours=update.outlet_hours))
    else:
        lines.append(_("Delivery to: %(address)s", address=update.delivery_address or ""))
    lines += [
        "",
        _("Follow your order: %(link)s", link=order_link(update.number, update.access_token)),
        "",
        _("OCOP Market"),
    ]
    return "\n".join(lines)


def compose(update: Update) -> EmailMessage:
    with force_locale(update.language):
        return new_message(to_name=update.contact_name, to_email=update.contact_email,
                           subject=subject_for(update), body=body_for(update))


def send_update(update: Update) -> None:
    """Never fails the caller: the order has changed whether or not the message goes out."""
    try:
        deliver(compose(update))
    except Exception:
        current_app.logger.exception("Could not send the %s message of order %s", update.status, update.number)

"""A message to the customer for every step of an order, through the outbox (storefront.mail).

One message per OrderEvent, whoever wrote the event (a page, the Stripe webhook, a manager,
`flask orders expire`): a session listener writes it to the outbox in the flush that writes
the event, so it commits or rolls back with it (also within a savepoint).
"""
from __future__ import annotations

from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy.orm import Session

from storefront.mail.services import external_url, queue_message
from storefront.orders.models import Order, OrderEvent
from storefront.transactions import listen_to_sessions

DEFAULT_LANGUAGE = "vi"


def order_language(order: Order) -> str:
    return order.language or DEFAULT_LANGUAGE


def queue_order_messages(session: Session, _flush_context) -> None:
    new_events = sorted((obj for obj in session.new if isinstance(obj, OrderEvent)), key=lambda found: found.id)
    for order_event in new_events:
        queue_update(session, order_event.order, order_event)


def listen_for_order_events() -> None:
    listen_to_sessions(("after_flush", queue_order_messages))


def order_link(number: str, access_token: str) -> str:
    """The secret link to the order page."""
    return external_url("orders.order_page", number=number, key=access_token)


# Translated when a message is written, in its customer's locale: only the one it needs.
SUBJECTS = {
    "awaiting_payment": _l("Order %(number)s: waiting for your card payment"),
    "awaiting_transfer": _l("Order %(number)s: waiting for your bank transfer"),
    "reserved": _l("Order %(number)s is reserved for you"),
    "payment_failed": _l("Order %(number)s: the payment did not go through"),
    "paid": _l("Order %(number)s is paid"),
    "ready": _l("Order %(number)s is ready for pickup"),
    "collected": _l("Order %(number)s has been collected"),
    "shipped": _l("Order %(number)s is on its way"),
    "delivered": _l("Order %(number)s has been delivered"),
    "cancelled": _l("Order %(number)s is cancelled"),
    "expired": _l("Order %(number)s has expired"),
    "refunded": _l("Order %(number)s is refunded"),
    "partly_refunded": _l("Order %(number)s is partly refunded"),
}
UPDATED = _l("Order %(number)s has been updated")


def subject_for(status: str, number: str) -> str:
    return str(SUBJECTS.get(status, UPDATED)) % {"number": number}


def queue_update(session: Session, order: Order, order_event: OrderEvent) -> None:
    """The order as it is when its event is written, in the customer's language."""
    language = order_language(order)
    with force_locale(language):
        queue_message(
            kind=f"order:{order_event.status}", to_name=order.contact_name, to_email=order.contact_email,
            subject=subject_for(order_event.status, order.number), template="mail/order_update.txt",
            session=session, order=order, status=order_event.status, note=order_event.note or "",
            language=language, link=order_link(order.number, order.access_token),
        )

"""A message to the customer for every step of an order, through the outbox (storefront.mail).

One message per OrderEvent, whoever wrote the event (a page, the Stripe webhook, a manager,
`flask orders expire`): a session listener writes it to the outbox in the flush that writes
the event, so it commits or rolls back with it (also within a savepoint).
"""
from __future__ import annotations

from flask_babel import force_locale, gettext as _
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


def subject_for(status: str, number: str) -> str:
    subjects = {
        "awaiting_payment": _("Order %(number)s: waiting for your card payment", number=number),
        "awaiting_transfer": _("Order %(number)s: waiting for your bank transfer", number=number),
        "reserved": _("Order %(number)s is reserved for you", number=number),
        "payment_failed": _("Order %(number)s: the payment did not go through", number=number),
        "paid": _("Order %(number)s is paid", number=number),
        "ready": _("Order %(number)s is ready for pickup", number=number),
        "collected": _("Order %(number)s has been collected", number=number),
        "shipped": _("Order %(number)s is on its way", number=number),
        "delivered": _("Order %(number)s has been delivered", number=number),
        "cancelled": _("Order %(number)s is cancelled", number=number),
        "expired": _("Order %(number)s has expired", number=number),
        "refunded": _("Order %(number)s is refunded", number=number),
        "partly_refunded": _("Order %(number)s is partly refunded", number=number),
    }
    return subjects.get(status, _("Order %(number)s has been updated", number=number))


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

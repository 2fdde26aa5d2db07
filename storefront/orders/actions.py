"""Order actions that reach into payments, as Saleor's order actions call its payment actions.

They live beside the order services, not in them, because payments builds on the order
services (the webhook marks orders paid and records refunds): the order services importing
payments back would be an import cycle.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext as _

from storefront.accounts.models import User
from storefront.orders.models import Order
from storefront.orders.services import cancel_order
from storefront.payments import services as payments

log = logging.getLogger(__name__)


@dataclass
class Cancellation:
    paid_by_card: bool = False  # a refund to the card was due
    refunded: int = 0  # đồng refunded to the card
    refund_error: str | None = None  # why the refund failed: programme staff must make it


def cancel_and_refund(*, order: Order, user: User | None, note: str = "") -> Cancellation:
    """Cancel the order (orders.services.cancel_order: its rules, its stock released) and refund
    a card payment in full through payments, the goods back in stock: the refund writes the
    negative sale lines. Raises OrderError when the order may not be cancelled.

    The cancel is committed before Stripe is asked: a refund that fails leaves the order
    cancelled, and the outcome says so for programme staff to refund by hand.
    """
    paid_by_card = order.payment_method == "card" and order.paid_at is not None and order.refunded_amount < order.total
    cancel_order(order=order, user=user, note=note)
    if not paid_by_card:
        return Cancellation()
    try:
        refunded = payments.refund_order(order, restock=True, user=user)
    except payments.PaymentError as error:
        log.warning("Refund of cancelled order %s failed: %s", order.number, error)
        return Cancellation(paid_by_card=True, refund_error=str(error))
    except Exception:  # the order is cancelled already: whatever failed, staff refund it by hand
        log.exception("Refund of cancelled order %s failed", order.number)
        return Cancellation(paid_by_card=True, refund_error=_("the payment service did not answer"))
    return Cancellation(paid_by_card=True, refunded=refunded or 0)

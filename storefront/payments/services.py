"""Card payments through Stripe.

The browser collects the card with Stripe.js; the server opens the order's PaymentIntent and
confirms it. The order changes only on what Stripe itself says: a signed webhook, or Stripe's
API answering our own requests (reconcile, refunds we make), never on what a browser reports.

Every webhook event id is stored once, in the same transaction as the order change it causes,
so a replayed or duplicated event changes nothing; an out-of-order one is refused by the
order services' state checks.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import stripe
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from config import card_payments_configured
from storefront.accounts.models import User
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.i18n import vnd
from storefront.orders.models import Order, Status
from storefront.orders.services import (
    OrderError,
    card_orders_to_reconcile,
    expire_if_due,
    find_order,
    find_order_by_payment_intent,
    mark_paid,
    mark_payment_failed,
    record_refund,
    retry_payment,
)
from storefront.outlets.services import StockError
from storefront.payments.models import PaymentReview, StripeEvent
from storefront.transactions import transaction

log = logging.getLogger(__name__)

# What Stripe.js hands over: a PaymentMethod, or the Card of a token where the Stripe.js in
# use has no createPaymentMethod (localstripe's); the PaymentIntents API takes both.
PAYMENT_METHOD_ID = re.compile(r"^(pm|card)_[A-Za-z0-9_]{1,200}$")
# An attempt that already took the money, or is about to: never start another beside it.
PAID_OR_PAYING = ("succeeded", "processing", "requires_capture")
# Reconcile also looks again at card orders closed unpaid this recently: their webhook may
# have been lost after the customer paid.
RECHECK_CLOSED_FOR = timedelta(days=7)


class PaymentError(ValueError):
    """A payment step that was refused or failed; the message is meant for the user."""


def stripe_enabled() -> bool:
    """Card payment is offered only when all three Stripe keys are configured."""
    return card_payments_configured(current_app.config)


def configure_stripe() -> None:
    """Point the Stripe client at this app's account (at localstripe when STRIPE_API_BASE says so).

    Done before each use rather than once at start-up: these are module globals of the stripe
    package, and one process may serve several apps with different settings (the tests do).
    """
    config = current_app.config
    stripe.api_key = config["STRIPE_SECRET_KEY"]
    stripe.api_base = config["STRIPE_API_BASE"] or stripe.DEFAULT_API_BASE


@dataclass
class CardAttempt:
    """What the browser does next: wait for the webhook ("succeeded", "processing"), or let
    Stripe.js finish the card's authentication with the client secret ("requires_action")."""

    status: str
    client_secret: str


def start_card_payment(order: Order, payment_method_id: str) -> CardAttempt:
    """Charge the card for the order. The order is marked paid later, by the webhook.

    One live PaymentIntent per order, stored on it: a new attempt reuses it while nothing has
    been charged, and replaces it (cancelling it first, so it can never take money) once a
    charge on it failed, since a PaymentIntent cannot always be confirmed again after that
    (localstripe's cannot). Events of a replaced PaymentIntent are then ignored.
    """
    if not stripe_enabled() or order.payment_method != "card":
        raise PaymentError(_("Card payment is not available for this order."))
    if not PAYMENT_METHOD_ID.match(payment_method_id or ""):
        raise PaymentError(_("Enter your card details."))
    expire_if_due(order)
    if order.status == Status.PAYMENT_FAILED:
        try:
            retry_payment(order=order)  # holds the stock again for this attempt
        except (OrderError, StockError) as error:
            raise PaymentError(str(error)) from error
    if order.status != Status.AWAITING_PAYMENT:
        raise PaymentError(_("This order is no longer waiting for payment."))
    configure_stripe()
    try:
        intent = open_payment_intent(order, payment_method_id)
        if intent.status == "requires_confirmation":
            intent = stripe.PaymentIntent.confirm(intent.id)
    except stripe.CardError as error:
        raise PaymentError(error.user_message or _("Your card was declined.")) from error
    except stripe.StripeError as error:
        log.warning("Stripe refused a payment for order %s: %s", order.number, error)
        raise PaymentError(_("The payment could not be started. Please try again.")) from error
    return CardAttempt(status=intent.status, client_secret=intent.client_secret)


def open_payment_intent(order: Order, payment_method_id: str) -> stripe.PaymentIntent:
    """The order's PaymentIntent, carrying this card; a fresh one if the stored one failed."""
    replaced = None
    if order.stripe_payment_intent_id:
        intent = stripe.PaymentIntent.retrieve(order.stripe_payment_intent_id)
        if intent.status in PAID_OR_PAYING:
            return intent
        never_charged = intent.status in ("requires_payment_method", "requires_confirmation")
        if never_charged and intent.last_payment_error is None:
            return stripe.PaymentIntent.modify(intent.id, payment_method=payment_method_id)
        if intent.status != "canceled":
            stripe.PaymentIntent.cancel(intent.id)
        replaced = intent.id
    intent = stripe.PaymentIntent.create(
        amount=order.total,  # VND has no minor unit, in Stripe as here
        currency="vnd",
        payment_method=payment_method_id,
        payment_method_types=["card"],
        metadata={"order_number": order.number},
        # A repeated request for the same attempt gets the same PaymentIntent back.
        idempotency_key=f"{order.number}-after-{replaced}" if replaced else f"{order.number}-first",
    )
    with transaction():
        order.stripe_payment_intent_id = intent.id
    return intent


def refund_order(
    order: Order, amount: int | None = None, restock: bool = False, user: User | None = None
) -> int:
    """Refund `amount` đồng (by default all that is left) of a paid card order through Stripe,
    and write it to the sales ledger at once from Stripe's answer; returns the amount refunded.

    `restock` (full refunds only) puts the goods back on hand. The refund's later
    `charge.refunded` webhook changes nothing more, since refunds are recorded cumulatively.
    """
    if order.payment_method != "card" or order.paid_at is None or not order.stripe_payment_intent_id:
        raise PaymentError(_("Only paid card orders can be refunded through Stripe."))
    remaining = order.total - order.refunded_amount
    if amount is None:
        amount = remaining
    if remaining <= 0:
        raise PaymentError(_("This order is already refunded in full."))
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= remaining:
        raise PaymentError(_("A refund is between 1 ₫ and %(remaining)s.", remaining=vnd(remaining)))
    if restock and amount != remaining:
        raise PaymentError(_("Goods go back to stock only with a full refund."))
    configure_stripe()
    try:
        refund = stripe.Refund.create(
            payment_intent=order.stripe_payment_intent_id,
            amount=amount,
            metadata={"order_number": order.number, "restock": "1" if restock else "0"},
            # A double-submitted refund form refunds once.
            idempotency_key=f"{order.number}-refund-{order.refunded_amount}-{amount}",
        )
        charge = stripe.Charge.retrieve(refund.charge)
    except stripe.StripeError as error:
        log.warning("Stripe refused a refund for order %s: %s", order.number, error)
        raise PaymentError(_("Stripe did not accept the refund: %(reason)s", reason=error.user_message or error)) from error
    record_refund(order=order, refunded_total=charge.amount_refunded, restock=restock, user=user)
    return amount


# Webhooks ---------------------------------------------------------------------------------

class OddEvent(ValueError):
    """A signed event whose object lacks a field we read, or has it in another shape."""


def apply_webhook_event(event: dict[str, Any]) -> str:
    """Apply one verified Stripe event exactly once; returns what happened, for the log.

    The event's row is added to the session before the order service runs: the service's
    commit then stores it together with the order change, and a failure rolls back both, so
    Stripe's retry finds the event new again. A second delivery fails on the primary key.
    An event of an odd shape is stored and ignored: Stripe would only retry it unchanged.
    """
    event_id, kind = str(event["id"]), str(event["type"])
    if db.session.get(StripeEvent, event_id) is not None:
        return "duplicate"
    try:
        db.session.add(StripeEvent(id=event_id, type=kind[:60]))
        db.session.flush()  # claims the id now; a concurrent twin delivery fails here or waits
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    try:
        handler = EVENT_HANDLERS.get(kind)
        try:
            outcome = handler(event_id, event["data"]["object"]) if handler else "ignored"
        except OddEvent as odd:
            log.warning("Ignored Stripe event %s (%s) of an odd shape: %s", event_id, kind, odd)
            outcome = "ignored"
        db.session.commit()  # the event row alone, when the event changed nothing
    except Exception:
        db.session.rollback()
        raise
    return outcome


def text_field(obj: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise OddEvent(f"{key} is {value!r}")
    return value


def whole_number_field(obj: dict[str, Any], key: str) -> int:
    """An amount. (A succeeded PaymentIntent from localstripe has `amount` but no `amount_received`;
    for one captured in full, as ours are, the two are the same.)"""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise OddEvent(f"{key} is {value!r}")
    return value


def metadata_order_number(obj: dict[str, Any]) -> str | None:
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise OddEvent(f"metadata is {metadata!r}")
    return text_field(metadata, "order_number", required=False)


def order_for(number: str | None, payment_intent_id: str | None) -> Order | None:
    """The order an object is about: by the order number in its metadata, else by its PaymentIntent."""
    order = find_order(number) if number else None
    if order is None and payment_intent_id:
        order = find_order_by_payment_intent(payment_intent_id)
    return order


def payment_mismatch(order: Order, *, payment_intent_id: str, currency: str, amount: int) -> str | None:
    """Why a payment Stripe reports cannot be the order's, or None when it is: the order's own
    PaymentIntent, in VND, for the order's total (VND has no minor unit, in Stripe as here)."""
    if payment_intent_id != order.stripe_payment_intent_id:
        return f"PaymentIntent {payment_intent_id} is not the one the order holds ({order.stripe_payment_intent_id})"
    if currency.lower() != "vnd":
        return f"paid in {currency.upper()}, not VND"
    if amount != order.total:
        return f"received {amount}, the order total is {order.total}"
    return None


def hold_for_review(order: Order, *, event_id: str | None, payment_intent_id: str, currency: str,
                    amount: int, reason: str) -> None:
    """Record a payment that does not match its order for staff; the order stays as it is.
    Joins the caller's transaction (the webhook's, with the event row) when there is one."""
    log.error("Payment %s for order %s held for review: %s", payment_intent_id, order.number, reason)
    db.session.add(PaymentReview(event_id=event_id, order=order, payment_intent_id=payment_intent_id[:255],
                                 amount=amount, currency=currency[:10], reason=reason[:255]))


def on_payment_succeeded(event_id: str, intent: dict[str, Any]) -> str:
    intent_id = text_field(intent, "id")
    currency = text_field(intent, "currency")
    amount = whole_number_field(intent, "amount_received" if "amount_received" in intent else "amount")
    order = order_for(metadata_order_number(intent), intent_id)
    if order is None:
        log.warning("Stripe reports a payment for no order we know: %s", intent_id)
        return "ignored"
    reason = payment_mismatch(order, payment_intent_id=intent_id, currency=currency, amount=amount)
    if reason:
        hold_for_review(order, event_id=event_id, payment_intent_id=intent_id, currency=currency,
                        amount=amount, reason=reason)
        return "held for review"
    return "paid" if mark_paid(order=order, payment_intent_id=intent_id) else "unchanged"


def on_payment_failed(_event_id: str, intent: dict[str, Any]) -> str:
    intent_id = text_field(intent, "id")
    order = order_for(metadata_order_number(intent), intent_id)
    if order is None:
        log.warning("Stripe reports a failed payment for no order we know: %s", intent_id)
        return "ignored"
    if order.stripe_payment_intent_id not in (None, intent_id):
        return "superseded"  # the customer has moved on to another attempt
    error = intent.get("last_payment_error") or {}
    message = error.get("message") if isinstance(error, dict) else None
    changed = mark_payment_failed(order=order, reason=str(message or ""))
    return "payment_failed" if changed else "unchanged"


def on_charge_refunded(_event_id: str, charge: dict[str, Any]) -> str:
    """A refund made anywhere (by us, or in Stripe's dashboard): `amount_refunded` is cumulative."""
    charge_id = text_field(charge, "id")
    refunded_total = whole_number_field(charge, "amount_refunded")
    order = order_for(metadata_order_number(charge), text_field(charge, "payment_intent", required=False))
    if order is None:
        log.warning("Stripe reports a refund for no order we know: %s", charge_id)
        return "ignored"
    restock = charge.get("refunded") is True and refund_asks_restock(charge_id)
    changed = record_refund(order=order, refunded_total=refunded_total, restock=restock)
    return "refunded" if changed else "unchanged"


def refund_asks_restock(charge_id: str) -> bool:
    """Only our own refunds return goods to stock, when staff chose so (see refund_order)."""
    configure_stripe()
    refunds = stripe.Refund.list(charge=charge_id, limit=100)
    return any(refund.metadata.to_dict().get("restock") == "1" for refund in refunds.auto_paging_iter())


EVENT_HANDLERS: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "payment_intent.succeeded": on_payment_succeeded,
    "payment_intent.payment_failed": on_payment_failed,
    "charge.refunded": on_charge_refunded,
}


# Reconcile --------------------------------------------------------------------------------

@dataclass
class Reconciled:
    number: str
    outcome: str  # "paid", "payment_failed", or "error: …"


def reconcile_payments(now: datetime | None = None) -> list[Reconciled]:
    """Ask Stripe about each card order still waiting for its payment, and apply what it says,
    so a lost webhook leaves neither a paid order pending nor a failed one holding stock.

    Card orders closed unpaid in the last days are asked about too: money taken after their
    webhook was lost must still be recorded (mark_paid copes with a lapsed reservation).
    """
    now = now or utcnow()
    configure_stripe()
    orders = card_orders_to_reconcile(closed_since=now - RECHECK_CLOSED_FOR)
    results = []
    for order in orders:
        try:
            intent = stripe.PaymentIntent.retrieve(order.stripe_payment_intent_id)
        except stripe.StripeError as error:
            results.append(Reconciled(order.number, f"error: {error}"))
            continue
        outcome = apply_intent_status(order, intent)
        if outcome:
            results.append(Reconciled(order.number, outcome))
    return results


def apply_intent_status(order: Order, intent: stripe.PaymentIntent) -> str | None:
    if intent.status == "succeeded":
        facts = {"payment_intent_id": intent.id, "currency": intent.currency,
                 "amount": intent.to_dict().get("amount_received", intent.amount)}
        if reason := payment_mismatch(order, **facts):
            already_held = db.session.scalar(db.select(PaymentReview.id).where(
                PaymentReview.payment_intent_id == intent.id, PaymentReview.resolved_at.is_(None)))
            if already_held is None:
                with transaction():
                    hold_for_review(order, event_id=None, reason=reason, **facts)
            return "held for review"
        return "paid" if mark_paid(order=order, payment_intent_id=intent.id) else None
    failed = intent.status == "canceled" or (
        intent.status == "requires_payment_method" and intent.last_payment_error is not None
    )
    if failed:
        reason = intent.last_payment_error.message if intent.last_payment_error else "payment cancelled"
        return "payment_failed" if mark_payment_failed(order=order, reason=reason or "") else None
    return None


# Payments held for review ------------------------------------------------------------------

def payment_reviews() -> list[PaymentReview]:
    """Open reviews first, newest first within each; the last hundred resolved ones after."""
    open_ones = db.select(PaymentReview).where(PaymentReview.resolved_at.is_(None)).order_by(PaymentReview.id.desc())
    resolved = (db.select(PaymentReview).where(PaymentReview.resolved_at.is_not(None))
                .order_by(PaymentReview.resolved_at.desc()).limit(100))
    options = (selectinload(PaymentReview.order), selectinload(PaymentReview.resolved_by))
    return [*db.session.scalars(open_ones.options(*options)), *db.session.scalars(resolved.options(*options))]


def find_payment_review(review_id: int) -> PaymentReview | None:
    return db.session.get(PaymentReview, review_id)


def resolve_payment_review(*, review: PaymentReview, user: User) -> bool:
    """Staff looked into the payment (refunded it in Stripe, or settled it with the customer).
    False if someone already had."""
    if review.resolved_at is not None:
        return False
    with transaction():
        review.resolved_at = utcnow()
        review.resolved_by = user
    return True

"""Paying an order by card, and Stripe's webhook."""
import logging
from typing import Any

import stripe
from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _

from storefront.extensions import csrf, limiter
from storefront.orders.models import Order, Status
from storefront.orders.access import viewable_order
from storefront.orders.services import expire_if_due
from storefront.payments import bp
from storefront.payments.services import (
    PaymentError,
    apply_webhook_event,
    start_card_payment,
    stripe_enabled,
)

log = logging.getLogger(__name__)

CARD_PAYABLE = (Status.AWAITING_PAYMENT, Status.PAYMENT_FAILED)


@bp.app_template_global()
def card_payment_config(order: Order, access_key: str | None = None) -> dict[str, Any] | None:
    """What templates/payments/card_form.html needs; None when the order cannot be paid by card now."""
    if not (stripe_enabled() and order.payment_method == "card" and order.status in CARD_PAYABLE):
        return None
    config = current_app.config
    return {
        "publishable_key": config["STRIPE_PUBLISHABLE_KEY"],
        "js_url": config["STRIPE_JS_URL"],
        "pay_url": url_for("payments.pay", number=order.number, key=access_key),
        "status_url": url_for("payments.payment_status", number=order.number, key=access_key),
    }


@bp.post("/orders/<number>/pay")
@limiter.limit("30 per hour")  # card testers try many cards
def pay(number: str):
    """Charge the card Stripe.js collected; answers what the browser does next, as JSON."""
    order = viewable_order(number, request.args.get("key"))
    payment_method_id = (request.get_json(silent=True) or {}).get("payment_method")
    try:
        attempt = start_card_payment(order, payment_method_id if isinstance(payment_method_id, str) else "")
    except PaymentError as error:
        return jsonify(error={"status": 400, "message": str(error)}), 400
    return jsonify(status=attempt.status, client_secret=attempt.client_secret)


@bp.get("/orders/<number>/payment")
def payment_status(number: str):
    """The order's status, for the card form to poll until the webhook has arrived."""
    order = viewable_order(number, request.args.get("key"))
    expire_if_due(order)
    return jsonify(status=order.status, paid=order.paid_at is not None)


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Stripe's signed events; anything unsigned, wrongly signed or malformed gets 400 and changes nothing."""
    try:
        event = verified_event()
    except (stripe.SignatureVerificationError, ValueError, AttributeError) as error:
        log.warning("Refused a Stripe webhook: %s", error)
        return jsonify(error={"status": 400, "message": _("Invalid Stripe webhook.")}), 400
    outcome = apply_webhook_event(event)
    log.info("Stripe event %s (%s): %s", event["id"], event["type"], outcome)
    return jsonify(received=True, outcome=outcome)


def verified_event() -> dict[str, Any]:
    event = stripe.Webhook.construct_event(
        request.get_data(),
        request.headers.get("Stripe-Signature"),
        current_app.config["STRIPE_WEBHOOK_SECRET"],
    ).to_dict()
    data = event.get("data")
    if not (
        isinstance(event.get("id"), str) and isinstance(event.get("type"), str)
        and isinstance(data, dict) and isinstance(data.get("object"), dict)
    ):
        raise ValueError("not a Stripe event")
    return event

"""Card payments against a real localstripe: paying, declines, the webhook, reconcile, refunds."""
import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import stripe
from flask import render_template
from flask_babel import force_locale
from sqlalchemy import func

from storefront.accounts.services import create_user
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.orders.models import Order
from storefront.payments.models import StripeEvent
from storefront.orders.services import CartLine, Contact, find_order, place_order
from storefront.outlets.models import StockLevel, StockMove
from storefront.payments.services import (
    PaymentError,
    configure_stripe,
    reconcile_payments,
    refund_order,
    stripe_enabled,
)
from storefront.sales.models import SaleLine
from tests.conftest import PASSWORD
from tests.factories import make_outlet, make_product, stock
from tests.stripe_fixtures import drop_webhooks, signed_headers, stripe_event, wait_until


class World:
    """One pickup outlet with two products; a card order for 2 sauces and 1 liquor (500.000 ₫)."""

    def __init__(self):
        self.outlet = make_outlet("QN-A", name="Điểm OCOP Tiên Phước")
        self.sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000, unit_cost=90_000)
        self.liquor = make_product("Rượu Ngô Cải Vân", code="RN-01", price=200_000, unit_cost=120_000)
        stock(self.outlet, self.sauce, 10)
        stock(self.outlet, self.liquor, 5)

    def card_order(self, user=None) -> Order:
        return place_order(
            lines=[CartLine(self.sauce, 2), CartLine(self.liquor, 1)],
            contact=Contact("Nguyễn Thị Lan", "0905123456", "lan@example.vn"),
            fulfilment="pickup", outlet=self.outlet, payment_method="card", user=user,
        )

    def levels(self) -> dict[str, tuple[int, int]]:
        """(on hand, reserved) per product code."""
        db.session.expire_all()
        rows = db.session.scalars(db.select(StockLevel).where(StockLevel.outlet_id == self.outlet.id))
        by_id = {self.sauce.id: "NM-01", self.liquor.id: "RN-01"}
        return {by_id[row.product_id]: (row.on_hand, row.reserved) for row in rows}


@pytest.fixture
def world(stripe_app):
    return World()


@pytest.fixture
def client(stripe_app):
    client = stripe_app.test_client()
    client.set_cookie("lang", "en")  # assertions read the English texts
    return client


def pay(client, order: Order, payment_method: str):
    return client.post(
        f"/orders/{order.number}/pay", query_string={"key": order.access_token},
        json={"payment_method": payment_method},
    )


def fresh(number: str) -> Order:
    db.session.expire_all()  # the app changed it in another session
    return find_order(number)


def status_of(number: str) -> str:
    return fresh(number).status


def sale_lines(number: str) -> list[SaleLine]:
    return db.session.scalars(
        db.select(SaleLine).where(SaleLine.source.like(f"{number}%")).order_by(SaleLine.id)
    ).all()


def moves(number: str, kind: str) -> int:
    return db.session.scalar(
        db.select(func.count()).where(StockMove.reference == number, StockMove.kind == kind)
    )


def post_event(client, payload: str, **header_options):
    return client.post("/stripe/webhook", data=payload, headers=signed_headers(payload, **header_options))


def paid_without_webhook(client, stripe_app, order: Order) -> None:
    """Pay at Stripe while webhooks are lost, then let reconcile record it: a paid order whose
    webhooks the test sends itself."""
    drop_webhooks(stripe_app)
    assert pay(client, order, "pm_card_visa").json["status"] == "succeeded"
    reconcile_payments()
    assert status_of(order.number) == "paid"


# Paying -----------------------------------------------------------------------------------

def test_card_payment_is_confirmed_by_the_webhook_and_sells_the_stock(world, client):
    order = world.card_order()
    assert world.levels() == {"NM-01": (10, 2), "RN-01": (5, 1)}

    response = pay(client, order, "pm_card_visa")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "succeeded"
    wait_until(lambda: status_of(order.number) == "paid")
    assert world.levels() == {"NM-01": (8, 0), "RN-01": (4, 0)}
    lines = sale_lines(order.number)
    assert [(line.channel, line.qty, line.amount, line.cost_amount) for line in lines] == [
        ("online", 2, 300_000, 180_000), ("online", 1, 200_000, 120_000),
    ]
    assert moves(order.number, "sale") == 2
    intent = stripe.PaymentIntent.retrieve(fresh(order.number).stripe_payment_intent_id)
    assert (intent.amount, intent.currency, intent.metadata["order_number"]) == (500_000, "vnd", order.number)
    assert client.get(f"/orders/{order.number}/payment", query_string={"key": order.access_token}).json == {
        "status": "paid", "paid": True,
    }


def test_declined_card_frees_the_stock_and_another_card_pays(world, client):
    order = world.card_order()

    declined = pay(client, order, "pm_card_chargeCustomerFail")

    assert declined.status_code == 400
    assert "declined" in declined.json["error"]["message"]
    wait_until(lambda: status_of(order.number) == "payment_failed")
    assert world.levels() == {"NM-01": (10, 0), "RN-01": (5, 0)}
    first_intent = fresh(order.number).stripe_payment_intent_id

    retried = pay(client, order, "pm_card_visa")

    assert retried.json["status"] == "succeeded"
    assert moves(order.number, "reserve") == 4  # held again for the second attempt
    wait_until(lambda: status_of(order.number) == "paid")
    assert world.levels() == {"NM-01": (8, 0), "RN-01": (4, 0)}
    assert len(sale_lines(order.number)) == 2
    assert stripe.PaymentIntent.retrieve(first_intent).status == "canceled"  # can never take money now


def test_paying_an_order_twice_does_not_charge_twice(world, client, stripe_app):
    order = world.card_order()
    drop_webhooks(stripe_app)
    assert pay(client, order, "pm_card_visa").json["status"] == "succeeded"

    again = pay(client, order, "pm_card_visa")  # a second click before the webhook came

    assert again.json["status"] == "succeeded"
    assert len(stripe.PaymentIntent.list().data) == 1


BAD_CARDS = [{}, {"payment_method": ""}, {"payment_method": 42}, {"payment_method": "tok_<script>"},
             {"payment_method": "pm_" + "x" * 300}]


def test_pay_refuses_a_missing_or_malformed_card(world, client):
    order = world.card_order()

    for body in BAD_CARDS:  # one order for all: building the world is what takes time
        response = client.post(f"/orders/{order.number}/pay", query_string={"key": order.access_token}, json=body)
        assert response.status_code == 400, body
        assert response.json["error"]["message"] == "Enter your card details."

    assert fresh(order.number).stripe_payment_intent_id is None


def test_only_the_customer_can_pay_or_follow_an_order(world, client):
    customer = create_user(email="lan@example.vn", password=PASSWORD, role="customer")
    assert client.post("/login", data={"email": customer.email, "password": PASSWORD}).status_code == 302
    theirs, guests = world.card_order(user=customer), world.card_order()

    assert client.get(f"/orders/{theirs.number}/payment").json["status"] == "awaiting_payment"
    for key in (None, "", "not-the-key", guests.access_token[:-1]):
        assert client.post(f"/orders/{guests.number}/pay", query_string={"key": key},
                           json={"payment_method": "pm_card_visa"}).status_code == 404, key
        assert client.get(f"/orders/{guests.number}/payment", query_string={"key": key}).status_code == 404
    assert client.get("/orders/OC000000-NONE/payment").status_code == 404
    assert fresh(guests.number).stripe_payment_intent_id is None


def test_an_order_whose_reservation_lapsed_cannot_be_paid(world, client):
    order = world.card_order()
    order.reserved_until = utcnow() - timedelta(minutes=1)
    db.session.commit()

    response = pay(client, order, "pm_card_visa")

    assert response.status_code == 400
    assert response.json["error"]["message"] == "This order is no longer waiting for payment."
    assert status_of(order.number) == "expired"
    assert world.levels() == {"NM-01": (10, 0), "RN-01": (5, 0)}


def test_card_form_loads_the_configured_stripe_js(world, stripe_app):
    order = world.card_order()
    with stripe_app.test_request_context(f"/orders/{order.number}?key={order.access_token}"):
        html = render_template("payments/card_form.html", order=order)
    assert f'src="{stripe_app.config["STRIPE_JS_URL"]}"' in html
    assert "js/payment.js" in html
    assert f"/orders/{order.number}/pay?key={order.access_token}" in html
    assert "500.000" in html


# The webhook ------------------------------------------------------------------------------

def succeeded_event(order: Order, event_id: str = "evt_test_succeeded") -> str:
    intent = stripe.PaymentIntent.retrieve(fresh(order.number).stripe_payment_intent_id)
    return stripe_event("payment_intent.succeeded", intent.to_dict(), event_id)


def test_unsigned_or_wrongly_signed_webhooks_are_refused(world, client, stripe_app):
    order = world.card_order()
    drop_webhooks(stripe_app)
    pay(client, order, "pm_card_visa")
    payload = succeeded_event(order)
    refused = [
        {},  # unsigned
        {"Stripe-Signature": "garbage"},
        {"Stripe-Signature": "t=1700000000,v1=" + "0" * 64},
        signed_headers(payload, secret="whsec_someone_else"),
        signed_headers(payload, timestamp=int(time.time()) - 3600),  # an old one, replayed
    ]

    for headers in refused:
        response = client.post("/stripe/webhook", data=payload, headers=headers)
        assert response.status_code == 400, headers
        assert response.json["error"]["message"] == "Invalid Stripe webhook."

    assert status_of(order.number) == "awaiting_payment"
    assert world.levels() == {"NM-01": (10, 2), "RN-01": (5, 1)}
    assert db.session.get(StripeEvent, "evt_test_succeeded") is None


@pytest.mark.parametrize("payload", ["not json", "[]", '{"id": "evt_1", "type": "x"}',
                                     '{"id": 1, "type": "x", "data": {"object": {}}}', b"\xff\xfe"])
def test_signed_but_malformed_webhooks_are_refused(client, payload):
    response = client.post("/stripe/webhook", data=payload, headers=signed_headers(
        payload.decode("latin-1") if isinstance(payload, bytes) else payload))
    assert response.status_code == 400


def test_the_same_webhook_delivered_three_times_sells_once(world, client, stripe_app):
    order = world.card_order()
    drop_webhooks(stripe_app)
    pay(client, order, "pm_card_visa")
    # The very event localstripe would have sent, as Stripe's retries resend it.
    event = stripe.Event.list(type="payment_intent.succeeded").data[0]
    payload = stripe_event(event.type, event.data.object.to_dict(), event.id)

    outcomes = [post_event(client, payload).json["outcome"] for _ in range(3)]

    assert outcomes == ["paid", "duplicate", "duplicate"]
    assert status_of(order.number) == "paid"
    assert len(sale_lines(order.number)) == 2
    assert moves(order.number, "sale") == 2
    assert world.levels() == {"NM-01": (8, 0), "RN-01": (4, 0)}
    assert db.session.get(StripeEvent, event.id).type == "payment_intent.succeeded"


def test_simultaneous_deliveries_of_one_event_sell_once(world, client, stripe_app):
    """Stripe may deliver an event again while the first delivery is still being handled."""
    order = world.card_order()
    drop_webhooks(stripe_app)
    pay(client, order, "pm_card_visa")
    event = stripe.Event.list(type="payment_intent.succeeded").data[0]
    payload = stripe_event(event.type, event.data.object.to_dict(), event.id)

    def deliver(_) -> str:
        request = urllib.request.Request(stripe_app.config["LIVE_URL"] + "/stripe/webhook", method="POST",
                                         data=payload.encode(), headers=signed_headers(payload))
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.load(response)["outcome"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(deliver, range(4)))

    assert outcomes == ["duplicate", "duplicate", "duplicate", "paid"]
    assert len(sale_lines(order.number)) == 2
    assert world.levels() == {"NM-01": (8, 0), "RN-01": (4, 0)}


def test_a_failure_arriving_after_the_success_changes_nothing(world, client):
    order = world.card_order()
    pay(client, order, "pm_card_visa")
    wait_until(lambda: status_of(order.number) == "paid")
    intent = stripe.PaymentIntent.retrieve(fresh(order.number).stripe_payment_intent_id).to_dict()
    late_failure = stripe_event("payment_intent.payment_failed", {
        **intent, "status": "requires_payment_method",
        "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
    })

    response = post_event(client, late_failure)

    assert response.status_code == 200
    assert response.json["outcome"] == "unchanged"
    assert status_of(order.number) == "paid"
    assert world.levels() == {"NM-01": (8, 0), "RN-01": (4, 0)}
    assert len(sale_lines(order.number)) == 2


def test_a_late_failure_of_a_replaced_attempt_changes_nothing(world, client, stripe_app):
    """The customer tried another card before the first one's failure reached us."""
    order = world.card_order()
    drop_webhooks(stripe_app)
    assert pay(client, order, "pm_card_chargeCustomerFail").status_code == 400
    assert pay(client, order, "pm_card_visa").json["status"] == "succeeded"
    failure = stripe.Event.list(type="payment_intent.payment_failed").data[0]

    response = post_event(client, stripe_event(failure.type, failure.data.object.to_dict(), failure.id))

    assert response.json["outcome"] == "superseded"
    assert status_of(order.number) == "awaiting_payment"
    assert world.levels() == {"NM-01": (10, 2), "RN-01": (5, 1)}  # still held for the paying attempt
    assert [(r.number, r.outcome) for r in reconcile_payments()] == [(order.number, "paid")]


def test_events_of_unknown_orders_and_kinds_are_acknowledged_and_ignored(world, client):
    unknown = stripe_event("payment_intent.succeeded", {"id": "pi_elsewhere", "metadata": {}})
    other = stripe_event("customer.created", {"id": "cus_1"})

    assert post_event(client, unknown).json["outcome"] == "ignored"
    assert post_event(client, other).json["outcome"] == "ignored"


# Reconcile --------------------------------------------------------------------------------

def test_reconcile_applies_payments_whose_webhooks_were_lost(world, client, stripe_app):
    drop_webhooks(stripe_app)
    paid, declined, untouched = world.card_order(), world.card_order(), world.card_order()
    assert pay(client, paid, "pm_card_visa").json["status"] == "succeeded"
    assert pay(client, declined, "pm_card_chargeCustomerFail").status_code == 400
    assert world.levels() == {"NM-01": (10, 6), "RN-01": (5, 3)}  # all three still hold stock

    result = stripe_app.test_cli_runner().invoke(args=["payments", "reconcile"])

    assert result.exit_code == 0, result.output
    assert "2 order(s) changed, 0 error(s)." in result.output
    assert f"{paid.number}: paid" in result.output
    assert f"{declined.number}: payment_failed" in result.output
    assert untouched.number not in result.output  # never tried to pay: nothing to ask Stripe
    assert status_of(paid.number) == "paid"
    assert status_of(declined.number) == "payment_failed"
    assert status_of(untouched.number) == "awaiting_payment"
    assert world.levels() == {"NM-01": (8, 2), "RN-01": (4, 1)}
    assert len(sale_lines(paid.number)) == 2

    again = stripe_app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert "0 order(s) changed, 0 error(s)." in again.output


def test_reconcile_reports_what_stripe_cannot_answer_and_goes_on(world, client, stripe_app):
    drop_webhooks(stripe_app)
    unknown, paid = world.card_order(), world.card_order()
    unknown.stripe_payment_intent_id = "pi_from_another_account"
    db.session.commit()
    pay(client, paid, "pm_card_visa")

    result = stripe_app.test_cli_runner().invoke(args=["payments", "reconcile"])

    assert result.exit_code == 1
    assert f"{unknown.number}: error:" in result.output
    assert f"{paid.number}: paid" in result.output
    assert status_of(unknown.number) == "awaiting_payment"


def test_reconcile_records_money_taken_after_the_order_expired(world, client, stripe_app):
    drop_webhooks(stripe_app)
    order = world.card_order()
    pay(client, order, "pm_card_visa")
    order = fresh(order.number)
    order.reserved_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert stripe_app.test_cli_runner().invoke(args=["orders", "expire"]).exit_code == 0
    assert status_of(order.number) == "expired"

    reconcile_payments()

    assert status_of(order.number) == "paid"
    assert world.levels() == {"NM-01": (8, 0), "RN-01": (4, 0)}


# Refunds ----------------------------------------------------------------------------------

def test_full_refund_with_restock_returns_the_goods(world, client, stripe_app):
    order = world.card_order()
    paid_without_webhook(client, stripe_app, order)

    refunded = refund_order(fresh(order.number), restock=True)

    assert refunded == 500_000
    assert status_of(order.number) == "refunded"
    assert world.levels() == {"NM-01": (10, 0), "RN-01": (5, 0)}
    refunds = [line for line in sale_lines(order.number) if line.amount < 0]
    assert [(line.qty, line.amount, line.cost_amount) for line in refunds] == [
        (-2, -300_000, -180_000), (-1, -200_000, -120_000),
    ]
    assert sum(line.amount for line in sale_lines(order.number)) == 0
    # Stripe's own charge.refunded event for this refund comes later and changes nothing.
    charge = stripe.Charge.list().data[0]
    assert charge.amount_refunded == 500_000
    late = post_event(client, stripe_event("charge.refunded", charge.to_dict()))
    assert late.json["outcome"] == "unchanged"
    assert len(sale_lines(order.number)) == 4


def test_partial_refund_then_the_rest_refunded_in_stripe(world, client, stripe_app):
    order = world.card_order()
    paid_without_webhook(client, stripe_app, order)

    refund_order(fresh(order.number), amount=100_000)

    assert status_of(order.number) == "partly_refunded"
    assert world.levels() == {"NM-01": (8, 0), "RN-01": (4, 0)}  # no goods come back
    refunds = [line for line in sale_lines(order.number) if line.amount < 0]
    assert sum(line.amount for line in refunds) == -100_000
    assert all(line.qty == 0 and line.cost_amount == 0 for line in refunds)
    assert moves(order.number, "return") == 0

    # Someone refunds the rest from Stripe's dashboard: its webhook records it, without restock.
    configure_stripe()
    refund = stripe.Refund.create(payment_intent=fresh(order.number).stripe_payment_intent_id)
    charge = stripe.Charge.retrieve(refund.charge)
    response = post_event(client, stripe_event("charge.refunded", charge.to_dict()))

    assert response.json["outcome"] == "refunded"
    assert status_of(order.number) == "refunded"
    assert fresh(order.number).refunded_amount == 500_000
    assert sum(line.amount for line in sale_lines(order.number)) == 0
    assert world.levels() == {"NM-01": (8, 0), "RN-01": (4, 0)}


def test_refund_webhook_restocks_when_our_refund_asked_for_it(world, client, stripe_app):
    """Our refund reached Stripe but the app failed before recording it: the webhook finishes the job."""
    order = world.card_order()
    paid_without_webhook(client, stripe_app, order)
    refund = stripe.Refund.create(payment_intent=fresh(order.number).stripe_payment_intent_id,
                                  metadata={"order_number": order.number, "restock": "1"})

    post_event(client, stripe_event("charge.refunded", stripe.Charge.retrieve(refund.charge).to_dict()))

    assert status_of(order.number) == "refunded"
    assert world.levels() == {"NM-01": (10, 0), "RN-01": (5, 0)}


def test_refund_refuses_bad_amounts(world, client, stripe_app):
    order = world.card_order()
    paid_without_webhook(client, stripe_app, order)
    refused = [
        (0, False, "A refund is between 1 ₫ and 500.000"),
        (-1, False, "A refund is between 1 ₫ and 500.000"),
        (500_001, False, "A refund is between 1 ₫ and 500.000"),
        (100_000, True, "Goods go back to stock only with a full refund."),
    ]

    for amount, restock, message in refused:
        with force_locale("en"), pytest.raises(PaymentError, match=message):
            refund_order(fresh(order.number), amount=amount, restock=restock)

    assert stripe.Charge.list().data[0].amount_refunded == 0
    assert status_of(order.number) == "paid"


def test_unpaid_orders_cannot_be_refunded(world):
    with force_locale("en"), pytest.raises(PaymentError, match="Only paid card orders"):
        refund_order(world.card_order())


# Without Stripe, and expiry ---------------------------------------------------------------

def test_without_stripe_keys_card_payment_is_not_offered(app, client_without_stripe):
    world = World()
    order = world.card_order()

    assert stripe_enabled() is False
    response = client_without_stripe.post(f"/orders/{order.number}/pay", query_string={"key": order.access_token},
                                          json={"payment_method": "pm_card_visa"})
    assert response.status_code == 400
    assert response.json["error"]["message"] == "Card payment is not available for this order."
    with app.test_request_context():
        assert render_template("payments/card_form.html", order=order).strip() == ""
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert "not configured" in result.output


def test_orders_expire_command_releases_lapsed_reservations(app):
    world = World()
    lapsed, current = world.card_order(), world.card_order()
    lapsed.reserved_until = utcnow() - timedelta(minutes=1)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["orders", "expire"])

    assert result.exit_code == 0
    assert result.output.splitlines() == [f"{lapsed.number}: expired", "1 order(s) expired."]
    assert status_of(lapsed.number) == "expired"
    assert status_of(current.number) == "awaiting_payment"
    assert world.levels() == {"NM-01": (10, 2), "RN-01": (5, 1)}


@pytest.fixture
def client_without_stripe(app):
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client

"""A signed payment_intent.succeeded pays an order only when it is the order's own PaymentIntent,
in VND, for the order's total; anything else is held for staff and changes nothing. Signed
events of odd shapes are logged and answered 200 "ignored", so Stripe stops retrying them."""
import pytest

from storefront.extensions import db
from storefront.orders.models import Order
from storefront.payments.models import PaymentReview, StripeEvent
from storefront.orders.services import CartLine, Contact, find_order, place_order
from storefront.outlets.models import StockLevel
from storefront.sales.models import SaleLine
from storefront.transactions import transaction
from tests.factories import make_outlet, make_product, stock
from tests.stripe_fixtures import WEBHOOK_SECRET, signed_headers, stripe_event

pytestmark = pytest.mark.usefixtures("in_english")

INTENT = "pi_the_orders_own"


@pytest.fixture
def order(app) -> Order:
    """A card order of 2 × 150.000 ₫ whose PaymentIntent was opened, waiting for the webhook."""
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    outlet = make_outlet("QN-A")
    sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000)
    stock(outlet, sauce, 10)
    order = place_order(lines=[CartLine(sauce, 2)], contact=Contact("Lan", "0905123456", "lan@example.vn"),
                        fulfilment="pickup", outlet=outlet, payment_method="card")
    with transaction():
        order.stripe_payment_intent_id = INTENT
    return order


def succeeded(order: Order, **changes) -> dict:
    intent = {"id": INTENT, "object": "payment_intent", "amount": order.total, "amount_received": order.total,
              "currency": "vnd", "status": "succeeded", "metadata": {"order_number": order.number}}
    return intent | changes


def deliver(client, kind: str, obj: dict, event_id: str | None = None):
    payload = stripe_event(kind, obj, event_id)
    return client.post("/stripe/webhook", data=payload, headers=signed_headers(payload))


def state(number: str) -> tuple[str, str | None, int, tuple[int, int]]:
    """The order's status and PaymentIntent, its sale lines and its outlet's (on hand, reserved)."""
    db.session.expire_all()
    order = find_order(number)
    lines = db.session.scalar(db.select(db.func.count()).select_from(SaleLine).where(SaleLine.source.like(f"{number}%")))
    level = db.session.scalars(db.select(StockLevel)).one()
    return order.status, order.stripe_payment_intent_id, lines, (level.on_hand, level.reserved)


WAITING = ("awaiting_payment", INTENT, 0, (10, 2))


def test_the_orders_own_payment_in_full_pays_it(client, order):
    response = deliver(client, "payment_intent.succeeded", succeeded(order))

    assert response.status_code == 200 and response.json["outcome"] == "paid"
    assert state(order.number) == ("paid", INTENT, 1, (8, 0))
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentReview)) == 0


@pytest.mark.parametrize("changes, reason", [
    ({"amount": 1, "amount_received": 1}, "received 1, the order total is 300000"),
    ({"currency": "usd"}, "paid in USD, not VND"),
    ({"id": "pi_someone_elses"}, "PaymentIntent pi_someone_elses is not the one the order holds (pi_the_orders_own)"),
])
def test_a_payment_that_is_not_the_orders_is_held_for_review_and_changes_nothing(client, order, changes, reason):
    response = deliver(client, "payment_intent.succeeded", succeeded(order, **changes), "evt_forged")

    assert response.status_code == 200 and response.json["outcome"] == "held for review"
    assert state(order.number) == WAITING
    review = db.session.scalars(db.select(PaymentReview)).one()
    assert (review.order.number, review.event_id, review.reason, review.resolved_at) == (
        order.number, "evt_forged", reason, None)


def test_an_order_with_no_paymentintent_yet_is_not_paid_by_one(client, order):
    with transaction():
        order.stripe_payment_intent_id = None

    response = deliver(client, "payment_intent.succeeded", succeeded(order))

    assert response.json["outcome"] == "held for review"
    assert state(order.number) == ("awaiting_payment", None, 0, (10, 2))


ODD_SHAPES = {
    "metadata a list": {"metadata": ["order_number"]},
    "no id": {"id": None},
    "amount as text": {"amount_received": "300000"},
    "amount a boolean": {"amount_received": True},
    "currency a number": {"currency": 704},
    "order number a list": {"metadata": {"order_number": ["x"]}},
}


@pytest.mark.parametrize("kind", ["payment_intent.succeeded", "payment_intent.payment_failed"])
@pytest.mark.parametrize("shape", ODD_SHAPES, ids=list(ODD_SHAPES))
def test_signed_events_of_odd_shapes_are_ignored_with_200(client, order, caplog, kind, shape):
    obj = {key: value for key, value in succeeded(order, **ODD_SHAPES[shape]).items() if value is not None}
    if kind.endswith("failed") and shape in ("amount as text", "amount a boolean", "currency a number"):
        obj["last_payment_error"] = ["not", "an", "object"]  # what a failure reads is odd instead

    response = deliver(client, kind, obj, "evt_odd")

    assert response.status_code == 200, response.text
    assert response.json["outcome"] in ("ignored", "payment_failed")
    assert state(order.number)[2:] == (0, (10, 2) if response.json["outcome"] == "ignored" else (10, 0))
    assert db.session.get(StripeEvent, "evt_odd") is not None  # a retry is a duplicate


@pytest.mark.parametrize("charge", [
    {"id": "ch_1", "amount_refunded": "300000", "metadata": {}},
    {"id": "ch_1", "amount_refunded": 300_000, "metadata": "order"},
    {"amount_refunded": 300_000},
])
def test_odd_refund_events_are_ignored_with_200(client, order, charge):
    response = deliver(client, "charge.refunded", charge | {"payment_intent": INTENT})
    assert response.status_code == 200 and response.json["outcome"] == "ignored"
    assert state(order.number) == WAITING


def test_staff_see_held_payments_and_mark_them_resolved(client, order, login_as):
    deliver(client, "payment_intent.succeeded", succeeded(order, amount_received=1), "evt_one_dong")
    staff = login_as("staff")

    page = client.get("/admin/payments/reviews").text
    assert order.number in page and "received 1, the order total is 300000" in page and "evt_one_dong" in page

    review = db.session.scalars(db.select(PaymentReview)).one()
    response = client.post(f"/admin/payments/reviews/{review.id}/resolve")
    assert response.status_code == 302
    db.session.expire_all()
    assert review.resolved_by == staff and review.resolved_at is not None
    assert "No payments are waiting for review." in client.get("/admin/payments/reviews").text
    assert state(order.number) == WAITING


def test_only_staff_reach_the_review_page(client, order, login_as):
    assert client.get("/admin/payments/reviews").status_code == 302  # to the login page
    login_as("customer")
    assert client.get("/admin/payments/reviews").status_code == 403
    assert client.post("/admin/payments/reviews/1/resolve").status_code == 403


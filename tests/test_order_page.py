"""The customer's order page, the list of their orders, and the message sent at each step."""
from datetime import timedelta

import pytest

from storefront.clock import utcnow
from storefront.orders.models import Order
from storefront.orders.services import mark_collected, mark_paid, mark_payment_failed, mark_ready
from storefront.outlets.models import StockLevel
from storefront.outlets.services import OutOfStock
from storefront.payments import services as payment_services
from tests.conftest import FakeSMTP
from tests.factories import make_order, make_outlet, make_product, make_user, stock


pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


@pytest.fixture
def card_payments(app):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_PUBLISHABLE_KEY="pk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")


class World:
    def __init__(self):
        self.outlet = make_outlet("QN-A", name="Điểm OCOP Tiên Phước", opening_hours="7:00–17:00",
                                  latitude=15.48, longitude=108.36)
        self.sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000)
        stock(self.outlet, self.sauce, 10)
        self.manager = make_user("manager", outlets=[self.outlet])


@pytest.fixture
def world(db):
    return World()


def reserved(db) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(StockLevel.reserved))


def refreshed(db, order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def secret_link(order: Order) -> str:
    return f"/orders/{order.number}?key={order.access_token}"


# Who can see an order


def test_the_customer_who_placed_it_sees_it(client, world, login_as):
    user = login_as("customer")
    order = make_order(world.outlet, [(world.sauce, 2)], user=user)
    page = client.get(f"/orders/{order.number}").text
    assert f"Order {order.number}" in page
    assert "Reserved, pay at pickup" in page
    assert "Nước mắm Cửa Khe" in page and "300.000" in page
    assert "Điểm OCOP Tiên Phước" in page and "7:00–17:00" in page and "openstreetmap.org" in page
    assert "Pay at pickup" in page


def test_another_customer_gets_404(client, world, login_as):
    owner = make_user("customer")
    order = make_order(world.outlet, [(world.sauce, 1)], user=owner)
    login_as("customer")
    assert client.get(f"/orders/{order.number}").status_code == 404


def test_a_guest_sees_it_with_the_secret_link_and_again_without_it(client, world):
    order = make_order(world.outlet, [(world.sauce, 1)])
    assert client.get(secret_link(order)).status_code == 200
    assert client.get(f"/orders/{order.number}").status_code == 200  # remembered in this browser


@pytest.mark.parametrize("key", [None, "", "wrong", "é" * 10])
def test_without_the_right_key_it_does_not_exist(app, world, db, key):
    order = make_order(world.outlet, [(world.sauce, 1)])
    stranger = app.test_client()
    url = f"/orders/{order.number}" + ("" if key is None else f"?key={key}")
    assert stranger.get(url).status_code == 404
    assert stranger.post(f"/orders/{order.number}/cancel").status_code == 404
    assert reserved(db) == 1 and refreshed(db, order).status == "reserved"


def test_unknown_order_is_404(client, world):
    assert client.get("/orders/OC000000-XXXXXX").status_code == 404


# What the page does


def test_an_order_past_its_reservation_expires_when_viewed(client, world, db):
    order = make_order(world.outlet, [(world.sauce, 3)])
    order.reserved_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert reserved(db) == 3
    page = client.get(secret_link(order)).text
    assert "Expired" in page and "not paid in time" in page
    assert reserved(db) == 0
    assert refreshed(db, order).status == "expired"


def test_the_timeline_lists_every_step(client, world, db):
    order = make_order(world.outlet, [(world.sauce, 1)])
    mark_ready(order=order, user=world.manager)
    page = client.get(secret_link(order)).text
    assert "Order placed · Reserved, pay at pickup" in page
    assert "Ready for pickup" in page
    assert "Cancel this order" not in page  # too late once it is ready


def test_the_customer_cancels_and_the_stock_is_released(client, world, db):
    order = make_order(world.outlet, [(world.sauce, 2)])
    client.get(secret_link(order))
    page = client.post(f"/orders/{order.number}/cancel", follow_redirects=True).text
    assert "Your order is cancelled." in page
    assert refreshed(db, order).status == "cancelled"
    assert reserved(db) == 0


def test_cancelling_needs_the_form_token(app, client, world, db):
    app.config["WTF_CSRF_ENABLED"] = True
    order = make_order(world.outlet, [(world.sauce, 2)])
    client.get(secret_link(order))
    assert client.post(f"/orders/{order.number}/cancel").status_code == 400
    assert refreshed(db, order).status == "reserved" and reserved(db) == 2


def test_an_order_that_is_ready_cannot_be_cancelled(client, world, db):
    order = make_order(world.outlet, [(world.sauce, 2)])
    mark_ready(order=order, user=world.manager)
    client.get(secret_link(order))
    page = client.post(f"/orders/{order.number}/cancel", follow_redirects=True).text
    assert "This order can no longer be cancelled." in page
    assert refreshed(db, order).status == "ready" and reserved(db) == 2


def test_cancelling_a_paid_card_order_refunds_it(client, world, db, monkeypatch):
    refunds = []
    monkeypatch.setattr(payment_services, "refund_order", lambda order, **options: refunds.append((order.number, options)))
    order = make_order(world.outlet, [(world.sauce, 2)], payment_method="card")
    mark_paid(order=order, payment_intent_id="pi_1")
    client.get(secret_link(order))
    page = client.post(f"/orders/{order.number}/cancel", follow_redirects=True).text
    assert "300.000\u00a0₫ is being refunded to your card." in page
    assert refunds == [(order.number, {"restock": True, "user": None})]


def test_when_the_refund_fails_staff_will_refund(client, world, db, monkeypatch):
    def failing_refund(order, **options):
        raise payment_services.PaymentError("Stripe is down")

    monkeypatch.setattr(payment_services, "refund_order", failing_refund)
    order = make_order(world.outlet, [(world.sauce, 2)], payment_method="card")
    mark_paid(order=order, payment_intent_id="pi_1")
    client.get(secret_link(order))
    page = client.post(f"/orders/{order.number}/cancel", follow_redirects=True).text
    assert "Our staff will refund your payment of 300.000\u00a0₫ shortly." in page
    assert refreshed(db, order).status == "cancelled"


def test_awaiting_payment_shows_the_card_form_and_the_deadline(client, world, card_payments):
    order = make_order(world.outlet, [(world.sauce, 1)], payment_method="card")
    page = client.get(secret_link(order)).text
    assert "We hold your items until" in page
    assert 'id="card-payment"' in page
    assert f"key={order.access_token}" in page  # the payment requests can prove access


def test_without_stripe_the_card_form_is_not_offered(client, world):
    order = make_order(world.outlet, [(world.sauce, 1)], payment_method="card")
    page = client.get(secret_link(order)).text
    assert 'id="card-payment"' not in page
    assert "Card payment is not available right now." in page


def test_after_a_failed_payment_the_customer_tries_again(client, world, db, card_payments):
    order = make_order(world.outlet, [(world.sauce, 2)], payment_method="card")
    mark_payment_failed(order=order, reason="Your card was declined.")
    assert reserved(db) == 0
    page = client.get(secret_link(order)).text
    assert "Payment failed" in page and "Try again" in page
    page = client.post(f"/orders/{order.number}/retry", follow_redirects=True).text
    assert refreshed(db, order).status == "awaiting_payment"
    assert reserved(db) == 2
    assert 'id="card-payment"' in page


# The customer's list


def test_my_orders_lists_only_mine_newest_first(client, world, db, login_as):
    user = login_as("customer")
    first = make_order(world.outlet, [(world.sauce, 1)], user=user)
    second = make_order(world.outlet, [(world.sauce, 2)], user=user)
    second.created_at = first.created_at + timedelta(minutes=5)
    db.session.commit()
    theirs = make_order(world.outlet, [(world.sauce, 1)], user=make_user("customer"))
    page = client.get("/orders").text
    assert page.index(second.number) < page.index(first.number)
    assert theirs.number not in page


def test_my_orders_needs_a_login(client, world):
    response = client.get("/orders")
    assert response.status_code == 302 and "/login" in response.location


# Messages


def test_each_step_sends_one_message_to_the_log(client, world, db, caplog):
    caplog.set_level("INFO")
    order = make_order(world.outlet, [(world.sauce, 2)])
    mark_ready(order=order, user=world.manager)
    mark_collected(order=order, user=world.manager, payment_kind="cash")
    subjects = [line for line in caplog.text.splitlines() if line.startswith("Subject: ")]
    assert subjects == [
        f"Subject: Order {order.number} is reserved for you",
        f"Subject: Order {order.number} is ready for pickup",
        f"Subject: Order {order.number} has been collected",
    ]
    assert f"http://127.0.0.1:5000/orders/{order.number}?key={order.access_token}" in caplog.text
    assert "To: Nguyễn Văn An <an@example.vn>" in caplog.text


def test_a_step_that_is_rolled_back_sends_nothing(world, db, caplog):
    caplog.set_level("INFO")
    with pytest.raises(OutOfStock):
        make_order(world.outlet, [(world.sauce, 11)])
    assert "Subject:" not in caplog.text


def test_messages_go_by_smtp_when_configured(client, world, db, smtp):
    order = make_order(world.outlet, [(world.sauce, 2)], email="lan@example.vn")
    client.get(secret_link(order))
    client.post(f"/orders/{order.number}/cancel")
    sent = smtp.send()
    assert [message["Subject"] for *_ignored, message in sent] == [
        f"Order {order.number} is reserved for you", f"Order {order.number} is cancelled",
    ]
    host, port, calls, message = sent[0]
    assert (host, port, calls) == ("smtp.example.vn", 587, ["starttls", ("login", "shop", "secret")])
    assert message["To"] == "Nguyễn Văn An <lan@example.vn>"
    body = message.get_content()
    assert "2 × Nước mắm Cửa Khe: 300.000\u00a0₫" in body
    assert f"/orders/{order.number}?key={order.access_token}" in body


def test_a_mail_server_failure_never_breaks_the_request(client, world, db, smtp, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(FakeSMTP, "__init__", refuse)
    order = make_order(world.outlet, [(world.sauce, 2)])
    client.get(secret_link(order))
    response = client.post(f"/orders/{order.number}/cancel", follow_redirects=True)
    assert response.status_code == 200 and "Your order is cancelled." in response.text

"""A sales point moves its online orders along, through HTTP as its manager does."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, update

from storefront.clock import utcnow
from storefront.orders import services as order_services
from storefront.orders.models import Order
from storefront.orders.services import (
    CartLine,
    Contact,
    mark_collected,
    mark_paid,
    mark_ready,
    place_order,
)
from storefront.outlets.models import StockLevel
from storefront.outlets.services import assign_outlets
from storefront.payments import services as payment_services
from storefront.payments.services import PaymentError
from storefront.sales.models import SaleLine
from tests.factories import make_outlet, make_product, make_user, stock


pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


class World:
    def __init__(self):
        self.a = make_outlet("QN-A", name="Điểm OCOP Tiên Phước")
        self.b = make_outlet("QN-B", name="Điểm OCOP Hội An")
        self.sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000, unit_cost=90_000)
        self.liquor = make_product("Rượu Ngô Cải Vân", code="RN-01", price=200_000, unit_cost=120_000)
        stock(self.a, self.sauce, 10)
        stock(self.a, self.liquor, 10)
        stock(self.b, self.sauce, 5)
        stock(self.b, self.liquor, 5)
        self.clerk = make_user("manager", outlets=[self.a])

    def place(self, outlet=None, *, qty=1, payment="pay_at_pickup", fulfilment="pickup",
              name="Nguyễn Thị Lan", paid=False) -> Order:
        order = place_order(
            lines=[CartLine(self.sauce, qty), CartLine(self.liquor, 1)],
            contact=Contact(name=name, phone="0905 123 456", email="lan@example.vn"),
            fulfilment=fulfilment, outlet=outlet or self.a, payment_method=payment,
            delivery_address="12 Trần Phú, Hội An" if fulfilment == "delivery" else None,
        )
        if paid:
            mark_paid(order=order, payment_intent_id=f"pi_{order.number}")
        return order


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def manager(world, login_as):
    """Signed in as the manager of outlet A only."""
    user = login_as("manager")
    assign_outlets(user=user, codes=["QN-A"])
    return user


def fresh(db, order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def level(db, outlet, product) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.execute(
        db.select(StockLevel.on_hand, StockLevel.reserved).where(
            StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id
        )
    ).one()
    return row.on_hand, row.reserved


def sale_lines(db) -> list[SaleLine]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(SaleLine).order_by(SaleLine.id)))


def step(client, order: Order, name: str, outlet="QN-A", **data):
    return client.post(f"/manage/{outlet}/orders/{order.number}/{name}", data=data)


@contextmanager
def counted_queries(db):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_this_outlets_open_orders_newest_first(client, db, world, manager):
    older = world.place(name="Trần Văn An")
    collected = world.place(name="Lê Thị Hoa")
    mark_ready(order=collected, user=world.clerk)
    mark_collected(order=collected, user=world.clerk, payment_kind="cash")
    newer = world.place(payment="card", name="Phạm Minh Tuấn")
    elsewhere = world.place(world.b, name="Võ Thị Mai")

    page = client.get("/manage/QN-A/orders").text

    assert newer.number in page and older.number in page
    assert page.index(newer.number) < page.index(older.number)
    assert collected.number not in page and elsewhere.number not in page
    assert "Trần Văn An" in page and "0905 123 456" in page and "350.000" in page
    assert "Pay at pickup" in page and "Awaiting payment" in page and "Reserved" in page


@pytest.mark.parametrize("status, shown", [("collected", {"collected"}), ("all", {"older", "collected"}),
                                           ("nonsense", {"older"})])
def test_the_list_filters_by_status(client, db, world, manager, status, shown):
    orders = {"older": world.place(), "collected": world.place()}
    mark_ready(order=orders["collected"], user=world.clerk)
    mark_collected(order=orders["collected"], user=world.clerk, payment_kind="card")

    page = client.get(f"/manage/QN-A/orders?status={status}").text

    assert {key for key, order in orders.items() if order.number in page} == shown


def test_the_list_goes_on_over_pages(client, db, world, manager, monkeypatch):
    monkeypatch.setattr(order_services, "OUTLET_ORDERS_PER_PAGE", 2)
    oldest, middle, newest = (world.place() for _ in range(3))

    first = client.get("/manage/QN-A/orders").text
    second = client.get("/manage/QN-A/orders?page=2").text

    assert newest.number in first and middle.number in first and "page=2" in first
    assert oldest.number in second and newest.number not in second


def test_the_list_expires_lapsed_reservations_without_a_query_per_order(client, db, world, manager):
    for _ in range(2):
        world.place()
    with counted_queries(db) as few:
        client.get("/manage/QN-A/orders")
    for _ in range(5):
        world.place()
    with counted_queries(db) as many:
        assert client.get("/manage/QN-A/orders").status_code == 200
    assert len(many) == len(few)

    lapsed = world.place(qty=3)
    db.session.execute(update(Order).where(Order.id == lapsed.id).values(reserved_until=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    page = client.get("/manage/QN-A/orders?status=all").text

    assert fresh(db, lapsed).status == "expired"
    assert "Expired" in page
    assert level(db, world.a, world.sauce) == (10, 7)  # the 7 others still hold theirs


# --- One order -----------------------------------------------------------------------------


def test_the_order_page_shows_lines_contact_history_and_the_next_step(client, db, world, manager):
    order = world.place(qty=2)

    page = client.get(f"/manage/QN-A/orders/{order.number}").text

    assert "Nước mắm Cửa Khe" in page and "Rượu Ngô Cải Vân" in page and "NM-01" in page
    assert "500.000" in page  # 2 × 150.000 + 200.000
    assert "Nguyễn Thị Lan" in page and "tel:0905 123 456" in page and "lan@example.vn" in page
    assert "Reserved" in page  # its history and status
    assert "Ready for pickup" in page and "Cancel order" in page
    assert "Collected</button>" not in page and "Refund" not in page


def test_an_unknown_order_or_one_of_another_outlet_is_not_found_here(client, db, world, manager):
    theirs = world.place(world.b)
    assert client.get("/manage/QN-A/orders/OC000000-XXXXXX").status_code == 404
    assert client.get(f"/manage/QN-A/orders/{theirs.number}").status_code == 404
    assert step(client, theirs, "cancel").status_code == 404
    assert fresh(db, theirs).status == "reserved"


# --- Pay at pickup: ready, then collected with the payment --------------------------------


def test_collecting_a_pay_at_pickup_order_sells_it_at_the_counter(client, db, world, manager):
    order = world.place(qty=2)
    assert level(db, world.a, world.sauce) == (10, 2)

    response = step(client, order, "ready")
    assert response.status_code == 302
    assert fresh(db, order).status == "ready" and fresh(db, order).reserved_until is None
    assert "is ready for pickup" in client.get(response.location).text

    response = step(client, order, "collected", payment_kind="cash")

    assert response.status_code == 302
    order = fresh(db, order)
    assert order.status == "collected" and order.paid_at is not None
    assert level(db, world.a, world.sauce) == (8, 0)
    assert level(db, world.a, world.liquor) == (9, 0)
    lines = sale_lines(db)
    assert [(line.product_id, line.qty, line.amount, line.channel, line.source) for line in lines] == [
        (world.sauce.id, 2, 300_000, "online", order.number),
        (world.liquor.id, 1, 200_000, "online", order.number),
    ]
    assert lines[0].cost_amount == 180_000 and lines[0].outlet_id == world.a.id
    page = client.get(response.location).text
    assert "paid at pickup in cash" in page and manager.email in page


def test_collected_before_ready_is_refused(client, db, world, manager):
    order = world.place()

    response = step(client, order, "collected", payment_kind="cash")

    assert response.status_code == 200
    assert "Only orders that are ready can be collected." in response.text
    assert fresh(db, order).status == "reserved"
    assert sale_lines(db) == []


@pytest.mark.parametrize("data, message", [({}, "Choose how the customer paid."),
                                           ({"payment_kind": ""}, "Choose how the customer paid."),
                                           ({"payment_kind": "bitcoin"}, "Not a valid choice")])
def test_collected_needs_how_a_pay_at_pickup_customer_paid(client, db, world, manager, data, message):
    order = world.place()
    mark_ready(order=order, user=world.clerk)

    response = step(client, order, "collected", **data)

    assert response.status_code == 200
    assert message in response.text
    assert fresh(db, order).status == "ready"
    assert level(db, world.a, world.sauce) == (10, 1)
    assert sale_lines(db) == []


# --- Paid by card: pickup and delivery ----------------------------------------------------


def test_a_card_pickup_order_is_handed_over_without_taking_payment_again(client, db, world, manager):
    order = world.place(payment="card", paid=True)
    sold = len(sale_lines(db))

    assert step(client, order, "ready").status_code == 302
    page = client.get(f"/manage/QN-A/orders/{order.number}").text
    assert "Paid online: hand the goods over." in page
    assert step(client, order, "collected").status_code == 302

    assert fresh(db, order).status == "collected"
    assert len(sale_lines(db)) == sold == 2  # sold when paid, not again at the counter


def test_a_delivery_is_shipped_then_delivered_but_never_made_ready(client, db, world, manager):
    order = world.place(payment="card", fulfilment="delivery", paid=True)

    response = step(client, order, "ready")
    assert response.status_code == 200
    assert "Only paid or reserved pickup orders can be made ready." in response.text
    assert fresh(db, order).status == "paid"

    assert step(client, order, "delivered").status_code == 200
    assert step(client, order, "shipped", tracking="VNPost EB123456789VN").status_code == 302
    assert fresh(db, order).status == "shipped"
    assert step(client, order, "delivered").status_code == 302

    assert fresh(db, order).status == "delivered"
    assert "EB123456789VN" in client.get(f"/manage/QN-A/orders/{order.number}").text


# --- Cancelling and refunding -------------------------------------------------------------


class FakeStripe:
    """Stands in for Stripe behind payments' refund_order: records each refund asked for."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.fails = False

    def refund_order(self, order, amount=None, restock=False, user=None) -> int:
        if self.fails:
            raise PaymentError("Stripe did not accept the refund: no connection")
        self.calls.append((order.number, amount, restock, user.email))
        return amount or order.total


@pytest.fixture
def payments(monkeypatch):
    stripe = FakeStripe()
    monkeypatch.setattr(payment_services, "refund_order", stripe.refund_order)
    return stripe


def test_cancelling_a_reserved_order_frees_its_stock(client, db, world, manager, payments):
    order = world.place(qty=3)

    assert step(client, order, "cancel", reason="Khách gọi điện huỷ").status_code == 302

    assert fresh(db, order).status == "cancelled"
    assert level(db, world.a, world.sauce) == (10, 0)
    assert "Khách gọi điện huỷ" in client.get(f"/manage/QN-A/orders/{order.number}").text
    assert payments.calls == []


def test_a_ready_order_nobody_came_for_can_be_cancelled(client, db, world, manager):
    order = world.place(qty=3)
    mark_ready(order=order, user=world.clerk)

    assert step(client, order, "cancel").status_code == 302

    assert fresh(db, order).status == "cancelled"
    assert level(db, world.a, world.sauce) == (10, 0)


def test_cancelling_a_paid_card_order_refunds_it_and_restocks(client, db, world, manager, payments):
    order = world.place(payment="card", paid=True)

    response = step(client, order, "cancel")

    assert fresh(db, order).status == "cancelled"
    assert payments.calls == [(order.number, None, True, manager.email)]
    assert "was refunded to the customer" in client.get(response.location).text


def test_when_the_refund_fails_the_page_says_staff_must_refund(client, db, world, manager, payments):
    payments.fails = True
    order = world.place(payment="card", paid=True)

    response = step(client, order, "cancel")

    assert fresh(db, order).status == "cancelled"
    page = client.get(response.location).text
    assert "no connection" in page and "programme staff must refund it" in page


def test_an_order_that_is_collected_can_no_longer_be_cancelled(client, db, world, manager):
    order = world.place()
    mark_ready(order=order, user=world.clerk)
    mark_collected(order=order, user=world.clerk, payment_kind="cash")

    response = step(client, order, "cancel")

    assert "can no longer be cancelled" in response.text
    assert fresh(db, order).status == "collected"


def test_staff_refund_part_of_a_card_order(client, db, world, login_as, payments):
    staff = login_as("staff")
    order = world.place(payment="card", paid=True)
    assert "Refund (programme staff)" in client.get(f"/manage/QN-A/orders/{order.number}").text

    response = step(client, order, "refund", amount="50.000")

    assert response.status_code == 302
    assert payments.calls == [(order.number, 50_000, False, staff.email)]
    page = client.get(response.location).text
    assert "50.000" in page and f"of order {order.number} was refunded" in page


@pytest.mark.parametrize("data, message", [
    ({"amount": "350001"}, "A refund is between 1 ₫ and 350.000"),
    ({"amount": "0"}, "A refund is between 1 ₫ and 350.000"),
    ({"amount": "abc"}, "Enter a whole number of đồng"),
    ({"amount": "50000", "restock": "y"}, "Goods go back to stock only with a full refund."),
])
def test_a_refund_stripe_would_not_take_is_refused_before_asking(client, db, world, login_as, data, message):
    """payments' own refund_order checks the amount before it calls Stripe."""
    login_as("staff")
    order = world.place(payment="card", paid=True)

    response = step(client, order, "refund", **data)

    assert response.status_code == 200
    assert message in response.text
    assert fresh(db, order).refunded_amount == 0 and fresh(db, order).status == "paid"


def test_a_manager_may_not_refund(client, db, world, manager, payments):
    order = world.place(payment="card", paid=True)
    assert "Refund" not in client.get(f"/manage/QN-A/orders/{order.number}").text

    assert step(client, order, "refund", amount="50000").status_code == 403
    assert payments.calls == []


# --- Who may --------------------------------------------------------------------------------


def test_another_outlets_manager_is_refused_and_nothing_changes(client, db, world, login_as):
    order = world.place()
    other = login_as("manager")
    assign_outlets(user=other, codes=["QN-B"])

    assert client.get("/manage/QN-A/orders").status_code == 403
    assert client.get(f"/manage/QN-A/orders/{order.number}").status_code == 403
    for name in ("ready", "cancel"):
        assert step(client, order, name).status_code == 403
    assert step(client, order, "ready", outlet="QN-B").status_code == 404
    assert fresh(db, order).status == "reserved"
    assert level(db, world.a, world.sauce) == (10, 1)


def test_customers_are_refused_and_visitors_sent_to_log_in(client, db, world, login_as):
    order = world.place()

    response = client.get("/manage/QN-A/orders")
    assert response.status_code == 302 and "/login" in response.location
    assert "/login" in step(client, order, "ready").location

    login_as("customer")
    assert client.get("/manage/QN-A/orders").status_code == 403
    assert step(client, order, "ready").status_code == 403
    assert fresh(db, order).status == "reserved"


def test_staff_run_every_outlets_orders(client, db, world, login_as):
    login_as("staff")
    order = world.place(world.b)

    assert step(client, order, "ready", outlet="QN-B").status_code == 302
    assert fresh(db, order).status == "ready"


# --- The dashboard ----------------------------------------------------------------------------


def test_the_dashboard_lists_pickup_orders_waiting(client, db, world, manager):
    reserved = world.place(name="Trần Văn An")
    ready = world.place(name="Lê Thị Hoa")
    mark_ready(order=ready, user=world.clerk)
    delivery = world.place(payment="card", fulfilment="delivery", paid=True)
    unpaid_card = world.place(payment="card")
    world.place(world.b)

    page = client.get("/manage/QN-A/").text

    assert "Pickup orders waiting" in page
    assert "2 pickup orders to prepare or hand over." in page
    assert f"/manage/QN-A/orders/{reserved.number}" in page and f"/manage/QN-A/orders/{ready.number}" in page
    assert delivery.number not in page and unpaid_card.number not in page
    assert page.index(reserved.number) < page.index(ready.number)  # oldest first


def test_the_dashboard_says_when_no_pickup_order_waits(client, db, world, manager):
    assert "No pickup orders are waiting." in client.get("/manage/QN-A/").text

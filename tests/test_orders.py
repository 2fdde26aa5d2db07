"""The order lifecycle as services: stock, the sales ledger and the refusals."""
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from storefront.clock import utcnow
from storefront.extensions import db
from storefront.mail.models import OutboxMessage
from storefront.orders import services
from storefront.orders.models import Order
from storefront.orders.services import (
    CartLine,
    Contact,
    OrderError,
    cancel_order,
    expire_orders,
    mark_collected,
    mark_paid,
    mark_payment_failed,
    mark_ready,
    place_order,
    record_refund,
    retry_payment,
    split_refund,
)
from storefront.outlets.models import StockMove
from storefront.outlets.services import OutOfStock, check_stock, find_level
from storefront.sales.models import SaleLine
from tests.factories import make_outlet, make_product, make_user, stock

CONTACT = Contact(name="Nguyễn Thị Lan", phone="0905123456", email="lan@example.vn")


@pytest.fixture
def shop(app):
    outlet = make_outlet("QN-TK")
    sauce = make_product("Nước mắm Cửa Khe", price=120_000, unit_cost=70_000)
    tea = make_product("Trà sâm dây", price=80_000, unit_cost=50_000)
    stock(outlet, sauce, 10)
    stock(outlet, tea, 5)
    return outlet, sauce, tea


def place(outlet, lines, payment_method="card", **kwargs):
    return place_order(
        lines=[CartLine(product, qty) for product, qty in lines], contact=CONTACT,
        fulfilment=kwargs.pop("fulfilment", "pickup"), outlet=outlet,
        payment_method=payment_method, **kwargs,
    )


def level(outlet, product):
    found = find_level(outlet, product)
    return found.on_hand, found.reserved


def ledger(product):
    return db.session.execute(
        db.select(SaleLine.qty, SaleLine.amount, SaleLine.cost_amount)
        .where(SaleLine.product_id == product.id).order_by(SaleLine.id)
    ).all()


def test_placing_reserves_at_todays_prices(shop):
    outlet, sauce, tea = shop
    order = place(outlet, [(sauce, 2), (tea, 1)])
    assert order.status == "awaiting_payment" and order.total == 320_000
    assert level(outlet, sauce) == (10, 2) and level(outlet, tea) == (5, 1)
    assert order.reserved_until > utcnow() + timedelta(minutes=25)


def numbers_drawn(monkeypatch, *numbers) -> list[str]:
    """new_order_number gives these numbers in turn; returns those it gave."""
    drawn, coming = [], iter(numbers)
    monkeypatch.setattr(services, "new_order_number", lambda: drawn.append(next(coming)) or drawn[-1])
    return drawn


def test_a_taken_order_number_is_drawn_again_and_the_order_placed_once(shop, monkeypatch):
    outlet, sauce, tea = shop
    taken = place(outlet, [(sauce, 1)]).number
    numbers_drawn(monkeypatch, taken, "OC991231-00000A")
    order = place(outlet, [(sauce, 2), (tea, 1)])
    assert order.number == "OC991231-00000A"
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 2
    assert [(line.product_id, line.qty) for line in order.lines] == [(sauce.id, 2), (tea.id, 1)]
    assert [event.status for event in order.events] == ["awaiting_payment"]
    assert level(outlet, sauce) == (10, 3) and level(outlet, tea) == (5, 1)
    moves = db.session.scalars(db.select(StockMove.reference).where(StockMove.reference == order.number)).all()
    assert len(moves) == 2
    subjects = db.session.scalars(db.select(OutboxMessage.subject)).all()
    assert len(subjects) == 2 and sum(order.number in subject for subject in subjects) == 1
    assert check_stock() == []


def test_an_order_refused_for_another_reason_is_not_placed_again(shop, monkeypatch):
    outlet, sauce, _ = shop
    taken = place(outlet, [(sauce, 1)]).access_token
    drawn = numbers_drawn(monkeypatch, "OC991231-00000A", "OC991231-00000B")
    monkeypatch.setattr(services.secrets, "token_urlsafe", lambda nbytes: taken)
    with pytest.raises(IntegrityError):
        place(outlet, [(sauce, 2)])
    assert drawn == ["OC991231-00000A"]
    assert level(outlet, sauce) == (10, 1)


def test_delivery_adds_the_shipping_fee(shop, app):
    outlet, sauce, _ = shop
    order = place(outlet, [(sauce, 1)], fulfilment="delivery", delivery_address="12 Phan Bội Châu, Tam Kỳ")
    assert order.shipping_fee == app.config["SHIPPING_FEE"]
    assert order.total == 120_000 + app.config["SHIPPING_FEE"]


def test_an_order_that_cannot_be_supplied_reserves_nothing(shop):
    outlet, sauce, tea = shop
    with pytest.raises(OutOfStock):
        place(outlet, [(sauce, 2), (tea, 6)])
    assert level(outlet, sauce) == (10, 0) and level(outlet, tea) == (5, 0)


@pytest.mark.parametrize("qty", [0, -1, 10**9])
def test_bad_quantities_are_refused(shop, qty):
    outlet, sauce, _ = shop
    with pytest.raises(ValueError):
        place(outlet, [(sauce, qty)])
    assert level(outlet, sauce) == (10, 0)


def test_uncertified_products_are_not_sold(shop):
    outlet, *_ = shop
    registered = make_product("Mứt gừng", stars=2)
    with pytest.raises(OrderError):
        place(outlet, [(registered, 1)])


def test_card_payment_turns_the_reservation_into_a_sale(shop):
    outlet, sauce, _ = shop
    order = place(outlet, [(sauce, 3)])
    assert mark_paid(order=order, payment_intent_id="pi_1") is True
    assert order.status == "paid" and level(outlet, sauce) == (7, 0)
    assert ledger(sauce) == [(3, 360_000, 210_000)]
    assert mark_paid(order=order) is False  # a repeat changes nothing
    assert ledger(sauce) == [(3, 360_000, 210_000)]
    assert check_stock() == []


def test_failed_payment_releases_and_a_retry_reserves_again(shop):
    outlet, sauce, _ = shop
    order = place(outlet, [(sauce, 4)])
    assert mark_payment_failed(order=order, reason="card declined")
    assert order.status == "payment_failed" and level(outlet, sauce) == (10, 0)
    retry_payment(order=order)
    assert order.status == "awaiting_payment" and level(outlet, sauce) == (10, 4)
    mark_paid(order=order)
    assert mark_payment_failed(order=order) is False  # late failure after success
    assert order.status == "paid" and level(outlet, sauce) == (6, 0)


def test_expiry_releases_unpaid_orders_only(shop):
    outlet, sauce, tea = shop
    lapsed = place(outlet, [(sauce, 2)])
    paid = place(outlet, [(tea, 1)])
    mark_paid(order=paid)
    lapsed.reserved_until = utcnow() - timedelta(minutes=1)
    assert expire_orders() == [lapsed.number]
    assert lapsed.status == "expired" and level(outlet, sauce) == (10, 0)
    assert expire_orders() == []


def test_payment_after_expiry_sells_what_is_still_there(shop):
    outlet, sauce, _ = shop
    order = place(outlet, [(sauce, 2)])
    order.reserved_until = utcnow() - timedelta(seconds=1)
    expire_orders()
    mark_paid(order=order)
    assert order.status == "paid" and level(outlet, sauce) == (8, 0)
    assert "lapsed" in order.events[-1].note


def test_pay_at_pickup_is_sold_when_collected(shop):
    outlet, sauce, _ = shop
    manager = make_user("manager", outlets=[outlet])
    order = place(outlet, [(sauce, 2)], payment_method="pay_at_pickup")
    assert order.status == "reserved"
    with pytest.raises(OrderError):
        mark_collected(order=order, user=manager, payment_kind="cash")  # not ready yet
    mark_ready(order=order, user=manager)
    with pytest.raises(OrderError):
        mark_collected(order=order, user=manager, payment_kind=None)
    mark_collected(order=order, user=manager, payment_kind="cash")
    assert order.status == "collected" and level(outlet, sauce) == (8, 0)
    assert ledger(sauce) == [(2, 240_000, 140_000)]
    assert [e.status for e in order.events] == ["reserved", "ready", "collected"]


def test_cancelling_releases_and_cannot_happen_after_collection(shop):
    outlet, sauce, _ = shop
    manager = make_user("manager", outlets=[outlet])
    order = place(outlet, [(sauce, 2)], payment_method="pay_at_pickup")
    cancel_order(order=order)
    assert order.status == "cancelled" and level(outlet, sauce) == (10, 0)
    collected = place(outlet, [(sauce, 1)], payment_method="pay_at_pickup")
    mark_ready(order=collected, user=manager)
    mark_collected(order=collected, user=manager, payment_kind="card")
    with pytest.raises(OrderError):
        cancel_order(order=collected)


def test_full_refund_with_restock_reverses_revenue_cost_and_stock(shop):
    outlet, sauce, tea = shop
    order = place(outlet, [(sauce, 1), (tea, 2)])
    mark_paid(order=order)
    assert record_refund(order=order, refunded_total=order.total, restock=True)
    assert order.status == "refunded"
    assert ledger(sauce) == [(1, 120_000, 70_000), (-1, -120_000, -70_000)]
    assert ledger(tea) == [(2, 160_000, 100_000), (-2, -160_000, -100_000)]
    assert level(outlet, sauce) == (10, 0) and level(outlet, tea) == (5, 0)
    assert record_refund(order=order, refunded_total=order.total, restock=True) is False


def test_partial_refunds_are_cumulative_and_move_no_stock(shop):
    outlet, sauce, tea = shop
    order = place(outlet, [(sauce, 1), (tea, 2)])  # 120.000 + 160.000
    mark_paid(order=order)
    record_refund(order=order, refunded_total=70_000)
    record_refund(order=order, refunded_total=70_000)  # the same total again: nothing new
    record_refund(order=order, refunded_total=100_001)
    assert order.status == "partly_refunded" and order.refunded_amount == 100_001
    refunds = [amount for product in (sauce, tea) for qty, amount, cost in ledger(product) if amount < 0]
    assert sum(refunds) == -100_001
    assert level(outlet, sauce) == (9, 0) and level(outlet, tea) == (3, 0)


def test_refund_shares_add_up_to_the_dong():
    assert sum(split_refund([120_000, 80_000], 99_999)) == 99_999
    assert split_refund([120_000, 80_000], 200_000) == [120_000, 80_000]
    assert split_refund([1, 1, 1], 2) == [1, 1, 0]  # never more than a line has left
    assert split_refund([120_000, 0], 50_000) == [50_000, 0]

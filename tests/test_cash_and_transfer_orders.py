"""Cash on delivery and bank transfer (VietQR): stock is held from the order, the sale reaches the
ledger only when the money does (delivered and paid, or the transfer confirmed received), and a
cancelled or lapsed order frees its stock. Only the outlet's manager or staff confirm."""
from datetime import timedelta

import pytest

from storefront.clock import utcnow
from storefront.i18n import vnd
from storefront.orders.models import TRANSITIONS, Order, Status
from storefront.orders.services import (
    OrderError,
    cancel_order,
    confirm_transfer,
    expire_orders,
    mark_delivered,
    mark_shipped,
)
from storefront.outlets.models import StockLevel
from storefront.outlets.services import assign_outlets
from storefront.sales.models import SaleLine
from tests.factories import make_order, make_outlet, make_product, make_user, stock

pytestmark = pytest.mark.usefixtures("in_english")

ADDRESS = "12 Trần Phú, Hội An, Quảng Nam"


class Shop:
    def __init__(self):
        self.outlet = make_outlet("QN-A", name="Điểm OCOP Tiên Phước", bank_bin="970436",
                                  bank_account_number="0071000888888", bank_account_name="HTX Tiên Cảnh")
        self.other = make_outlet("QN-B", name="Điểm OCOP Hội An")
        self.sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000, unit_cost=90_000)
        stock(self.outlet, self.sauce, 10)
        stock(self.other, self.sauce, 10)
        self.clerk = make_user("manager", outlets=[self.outlet])

    def cash_on_delivery(self, qty=2) -> Order:
        return make_order(self.outlet, [(self.sauce, qty)], payment_method="pay_on_delivery",
                          fulfilment="delivery", delivery_address=ADDRESS)

    def transfer(self, qty=2, fulfilment="pickup") -> Order:
        return make_order(self.outlet, [(self.sauce, qty)], payment_method="bank_transfer", fulfilment=fulfilment,
                          delivery_address=ADDRESS if fulfilment == "delivery" else None)


@pytest.fixture
def shop(db):
    return Shop()


def level(db, outlet, product) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.execute(db.select(StockLevel.on_hand, StockLevel.reserved).where(
        StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id)).one()
    return row.on_hand, row.reserved


def ledger(db) -> list[tuple[int, int, str]]:
    db.session.expire_all()
    return [(line.qty, line.amount, line.source) for line in db.session.scalars(db.select(SaleLine).order_by(SaleLine.id))]


def fresh(db, order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


# --- Cash on delivery -----------------------------------------------------------------------


def test_cash_on_delivery_reaches_the_ledger_only_when_delivered_and_paid(db, shop):
    order = shop.cash_on_delivery()
    assert order.status == "reserved" and order.total == 300_000 + 30_000
    assert level(db, shop.outlet, shop.sauce) == (10, 2)

    mark_shipped(order=order, user=shop.clerk, note="GHN 123")
    assert fresh(db, order).status == "shipped" and fresh(db, order).reserved_until is None
    assert level(db, shop.outlet, shop.sauce) == (10, 2)  # still held while on its way
    assert ledger(db) == []

    with pytest.raises(OrderError):  # how the courier was paid is required
        mark_delivered(order=order, user=shop.clerk)
    mark_delivered(order=order, user=shop.clerk, payment_kind="cash")
    order = fresh(db, order)
    assert order.status == "delivered" and order.paid_at is not None
    assert level(db, shop.outlet, shop.sauce) == (8, 0)
    assert ledger(db) == [(2, 300_000, order.number)]


def test_cash_on_delivery_is_only_for_deliveries(db, shop):
    with pytest.raises(OrderError):  # cash on delivery needs a delivery
        make_order(shop.outlet, [(shop.sauce, 1)], payment_method="pay_on_delivery")


def test_a_refused_parcel_is_cancelled_and_its_stock_freed(db, shop):
    order = shop.cash_on_delivery()
    mark_shipped(order=order, user=shop.clerk)

    cancel_order(order=order, user=shop.clerk, note="the customer refused the parcel")
    assert fresh(db, order).status == "cancelled"
    assert level(db, shop.outlet, shop.sauce) == (10, 0) and ledger(db) == []


def test_an_unshipped_cash_on_delivery_order_expires_and_frees_its_stock(db, shop):
    order = shop.cash_on_delivery()
    assert expire_orders(utcnow() + timedelta(hours=73)) == [order.number]
    assert fresh(db, order).status == "expired"
    assert level(db, shop.outlet, shop.sauce) == (10, 0) and ledger(db) == []


def test_the_customer_cancels_a_cash_on_delivery_order(db, shop):
    order = shop.cash_on_delivery()
    cancel_order(order=order, note="changed my mind")
    assert level(db, shop.outlet, shop.sauce) == (10, 0) and ledger(db) == []


def test_the_customers_orders_say_a_reserved_cash_on_delivery_order_is_paid_at_the_door(client, db, shop, login_as):
    customer = login_as("customer")
    make_order(shop.outlet, [(shop.sauce, 1)], user=customer, payment_method="pay_on_delivery",
               fulfilment="delivery", delivery_address=ADDRESS)
    make_order(shop.outlet, [(shop.sauce, 1)], user=customer)
    listing = client.get("/orders").text
    assert listing.count("Reserved, pay on delivery") == 1 and listing.count("Reserved, pay at pickup") == 1


def test_a_cash_on_delivery_order_page_and_message_read_as_a_delivery(client, db, shop, caplog):
    caplog.set_level("INFO")
    order = shop.cash_on_delivery()
    page = client.get(f"/orders/{order.number}?key={order.access_token}").text
    assert "Order placed · Reserved, pay on delivery" in page
    assert "pay at pickup" not in page and "We hold your items until" not in page
    assert "Điểm OCOP Tiên Phước is preparing your parcel. Pay in cash when it is delivered." in page
    assert f"Điểm OCOP Tiên Phước is preparing your parcel. Pay {vnd(330_000)} in cash when it is delivered." in caplog.text
    assert "set aside" not in caplog.text


def test_a_cash_on_delivery_message_in_vietnamese_does_not_ask_to_collect(db, shop, caplog):
    caplog.set_level("INFO")
    make_order(shop.outlet, [(shop.sauce, 1)], payment_method="pay_on_delivery", fulfilment="delivery",
               delivery_address=ADDRESS, language="vi")
    assert (f"Điểm OCOP Tiên Phước đang chuẩn bị gói hàng để gửi cho bạn. Trả {vnd(180_000)} tiền mặt khi nhận hàng."
            in caplog.text)
    assert "giữ tại" not in caplog.text


def test_the_manager_ships_and_delivers_through_the_order_page(client, db, shop, login_as):
    manager = login_as("manager")
    assign_outlets(user=manager, codes=["QN-A"])
    order = shop.cash_on_delivery()
    page = client.get(f"/manage/QN-A/orders/{order.number}").text
    assert "Cash on delivery" in page and "Shipped" in page
    client.post(f"/manage/QN-A/orders/{order.number}/shipped", data={"tracking": ""})
    page = client.get(f"/manage/QN-A/orders/{order.number}").text
    assert "To collect on delivery" in page and "Delivered and paid" in page
    page = client.post(f"/manage/QN-A/orders/{order.number}/delivered", data={}).text
    assert "Choose how the customer paid." in page and ledger(db) == []
    client.post(f"/manage/QN-A/orders/{order.number}/delivered", data={"payment_kind": "cash"})
    assert fresh(db, order).status == "delivered" and ledger(db) == [(2, 300_000, order.number)]


# --- Bank transfer --------------------------------------------------------------------------


def test_a_transfer_order_waits_then_sells_when_the_transfer_is_confirmed(app, db, shop):
    order = shop.transfer()
    assert order.status == "awaiting_transfer"
    assert order.reserved_until - order.created_at == timedelta(hours=app.config["TRANSFER_RESERVATION_HOURS"])
    assert level(db, shop.outlet, shop.sauce) == (10, 2) and ledger(db) == []

    confirm_transfer(order=order, user=shop.clerk)
    order = fresh(db, order)
    assert order.status == "paid" and order.paid_at is not None and order.reserved_until is None
    assert level(db, shop.outlet, shop.sauce) == (8, 0)
    assert ledger(db) == [(2, 300_000, order.number)]
    with pytest.raises(OrderError):
        confirm_transfer(order=order, user=shop.clerk)  # a second click sells nothing more
    assert len(ledger(db)) == 1


def test_an_unpaid_transfer_order_expires_and_frees_its_stock(db, shop):
    order = shop.transfer()
    assert expire_orders(utcnow() + timedelta(hours=23)) == []
    assert expire_orders(utcnow() + timedelta(hours=25)) == [order.number]
    assert fresh(db, order).status == "expired" and level(db, shop.outlet, shop.sauce) == (10, 0)


def test_a_transfer_that_arrives_after_expiry_still_sells_from_free_stock(db, shop):
    order = shop.transfer()
    expire_orders(utcnow() + timedelta(hours=25))
    confirm_transfer(order=fresh(db, order), user=shop.clerk)
    assert fresh(db, order).status == "paid" and level(db, shop.outlet, shop.sauce) == (8, 0)
    assert ledger(db) == [(2, 300_000, order.number)]


def test_the_customer_cancels_an_unpaid_transfer_order_but_not_a_paid_one(db, shop):
    unpaid = shop.transfer()
    cancel_order(order=unpaid)
    assert level(db, shop.outlet, shop.sauce) == (10, 0)
    paid = shop.transfer()
    confirm_transfer(order=paid, user=shop.clerk)
    with pytest.raises(OrderError):
        cancel_order(order=fresh(db, paid))
    assert level(db, shop.outlet, shop.sauce) == (8, 0)


def test_no_transfer_without_a_bank_account(db, shop):
    with pytest.raises(OrderError):  # no account at the outlet nor the operator
        make_order(shop.other, [(shop.sauce, 1)], payment_method="bank_transfer")


def test_the_order_page_shows_the_vietqr_code_with_the_order_number(client, db, shop):
    client.post(f"/cart/add/{shop.sauce.id}", data={"qty": 2})
    form = client.get("/checkout").text
    assert "Bank transfer (VietQR)" in form
    response = client.post("/checkout", data={
        "name": "Nguyễn Thị Lan", "phone": "0905123456", "email": "lan@example.vn", "fulfilment": "pickup",
        "outlet": str(shop.outlet.id), "payment": "bank_transfer",
        "cart_fingerprint": form.split('name="cart_fingerprint" type="hidden" value="')[1].split('"')[0],
    })
    assert response.status_code == 302, response.text
    order = db.session.scalar(db.select(Order))
    page = client.get(response.headers["Location"]).text
    assert "<svg" in page and "0071000888888" in page and "HTX Tiên Cảnh" in page
    assert "<dd data-bank>Vietcombank <small>(BIN 970436)</small></dd>" in page
    assert f"data-transfer-note>{order.number}<" in page and "300.000" in page


@pytest.mark.parametrize("who", ["manager of another outlet", "customer"])
def test_only_the_outlets_manager_or_staff_confirm_a_transfer(client, db, shop, login_as, who):
    order = shop.transfer()
    if who == "customer":
        login_as("customer")
    else:
        stranger = login_as("manager")
        assign_outlets(user=stranger, codes=["QN-B"])
    response = client.post(f"/manage/QN-A/orders/{order.number}/transfer-received")
    assert response.status_code == 403
    assert fresh(db, order).status == "awaiting_transfer" and ledger(db) == []


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_the_outlets_manager_or_staff_confirm_a_transfer_from_the_till(client, db, shop, login_as, role):
    order = shop.transfer()
    user = login_as(role)
    if role == "manager":
        assign_outlets(user=user, codes=["QN-A"])
    till = client.get("/manage/QN-A/pos").text
    assert "Online orders waiting for a bank transfer" in till and order.number in till and "<svg" in till
    response = client.post(f"/manage/QN-A/orders/{order.number}/transfer-received")
    assert response.status_code == 302
    assert fresh(db, order).status == "paid" and ledger(db) == [(2, 300_000, order.number)]
    assert "Online orders waiting for a bank transfer" not in client.get("/manage/QN-A/pos").text


def test_every_status_has_its_transitions():
    assert set(TRANSITIONS) == set(Status)
    assert Status.PAID in TRANSITIONS[Status.AWAITING_TRANSFER] and Status.SHIPPED in TRANSITIONS[Status.RESERVED]

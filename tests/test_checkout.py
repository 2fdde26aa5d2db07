"""Checkout through HTTP: which outlets are offered, what the order costs, and that a bad or
tampered form reserves nothing."""
import re

import pytest

from storefront.orders import routes, services
from storefront.orders.models import CartItem, Order
from storefront.outlets.models import StockLevel
from tests.factories import Shop, make_order, make_outlet, stock

SHIPPING_FEE = 30_000


pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


@pytest.fixture
def card_payments(app):
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_x", STRIPE_PUBLISHABLE_KEY="pk_test_x",
        STRIPE_WEBHOOK_SECRET="whsec_x", SHIPPING_FEE=SHIPPING_FEE,
    )


class World(Shop):
    def __init__(self):
        # B has no liquor: it cannot supply a cart with both.
        super().__init__({("a", "sauce"): 10, ("a", "liquor"): 3, ("b", "sauce"): 20},
                         a={"opening_hours": "7:00–17:00"})
        self.no_pickup = make_outlet("QN-C", name="Kho Tam Kỳ", pickup_enabled=False)
        self.closed = make_outlet("QN-X", name="Điểm đã đóng", active=False)
        for outlet in (self.no_pickup, self.closed):
            stock(outlet, self.sauce, 50)
            stock(outlet, self.liquor, 50)


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def filled_cart(client, world):
    client.post(f"/cart/add/{world.sauce.id}", data={"qty": 2})
    client.post(f"/cart/add/{world.liquor.id}", data={"qty": 1})
    return world


def fingerprint(client) -> str:
    page = client.get("/checkout").text
    return re.search(r'name="cart_fingerprint" type="hidden" value="([0-9a-f]+)"', page).group(1)


def checkout_form(client, world, **changes) -> dict:
    form = {
        "name": "Nguyễn Thị Lan",
        "phone": "0905 123 456",
        "email": "lan@example.vn",
        "fulfilment": "pickup",
        "outlet": str(world.a.id),
        "payment": "pay_at_pickup",
        "delivery_address": "",
        "cart_fingerprint": fingerprint(client),
    }
    form.update(changes)
    return form


def reserved(db) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(StockLevel).where(StockLevel.reserved > 0))
    return {f"{row.outlet.code}/{row.product.code}": row.reserved for row in rows}


def order_count(db) -> int:
    return db.session.scalar(db.select(db.func.count(Order.id)))


def test_only_outlets_that_can_supply_everything_are_offered(client, filled_cart):
    world = filled_cart
    page = client.get("/checkout").text
    assert "Điểm OCOP Tiên Phước" in page
    # Products without an English name: the Vietnamese one, marked as such for English pages.
    assert '<span lang="vi">Nước mắm Cửa Khe</span>: 10 available' in page
    assert '<span lang="vi">Rượu Ngô Cải Vân</span>: 3 available' in page
    assert "Điểm OCOP Hội An" not in page  # no liquor
    pickup_choices = page[page.index('class="outlet-choices"'):page.index('class="delivery-only"')]
    assert "Kho Tam Kỳ" not in pickup_choices  # no pickup there
    assert "Sent from Kho Tam Kỳ" in page  # but deliveries leave from it, paid in cash without a card
    assert "Điểm đã đóng" not in page  # closed
    assert "500.000" in page  # the total, before placing
    assert 'value="card"' not in page


def test_pickup_paid_at_pickup_reserves_at_that_outlet(client, filled_cart, db, caplog):
    world = filled_cart
    caplog.set_level("INFO")
    response = client.post("/checkout", data=checkout_form(client, world))

    order = db.session.scalar(db.select(Order))
    assert response.status_code == 302
    assert response.location == f"/orders/{order.number}?key={order.access_token}"
    assert (order.status, order.outlet_id, order.total, order.shipping_fee) == ("reserved", world.a.id, 500_000, 0)
    assert order.contact_phone == "0905123456"
    assert reserved(db) == {"QN-A/NM-01": 2, "QN-A/RN-01": 1}
    page = client.get(response.location).text
    assert "Thank you! Order" in page and "Reserved, pay at pickup" in page
    assert "Your cart is empty." in client.get("/cart").text
    assert f"Subject: Order {order.number} is reserved for you" in caplog.text


def test_an_order_number_already_taken_is_never_an_error_page(client, filled_cart, db, monkeypatch):
    world = filled_cart
    taken = make_order(world.b, [(world.sauce, 1)]).number
    numbers = iter([taken, "OC991231-00000A"])
    monkeypatch.setattr(services, "new_order_number", lambda: next(numbers))
    response = client.post("/checkout", data=checkout_form(client, world))
    assert response.status_code == 302 and response.location.startswith("/orders/OC991231-00000A?key=")
    assert "Thank you! Order OC991231-00000A is reserved for you." in client.get(response.location).text
    assert order_count(db) == 2 and reserved(db) == {"QN-A/NM-01": 2, "QN-A/RN-01": 1, "QN-B/NM-01": 1}


def test_signed_in_checkout_belongs_to_the_account_and_empties_its_cart(client, world, db, login_as):
    user = login_as("customer")
    client.post(f"/cart/add/{world.sauce.id}", data={"qty": 1})
    page = client.get("/checkout").text
    assert 'value="customer@example.vn"' in page  # contact filled in from the account
    client.post("/checkout", data=checkout_form(client, world))
    order = db.session.scalar(db.select(Order))
    assert order.user_id == user.id
    assert db.session.scalar(db.select(db.func.count(CartItem.id))) == 0


def test_delivery_adds_the_shipping_fee_and_leaves_from_the_best_stocked_outlet(client, filled_cart, db, card_payments):
    world = filled_cart
    page = client.get("/checkout").text
    assert "Sent from Kho Tam Kỳ" in page  # the most stock of these products; pickup is not needed
    assert "530.000" in page  # total with delivery
    form = checkout_form(client, world, fulfilment="delivery", outlet="", payment="card",
                         delivery_address="12 Trần Phú, Hội An, Quảng Nam")
    response = client.post("/checkout", data=form)
    assert response.status_code == 302
    order = db.session.scalar(db.select(Order))
    assert (order.status, order.fulfilment, order.outlet_id) == ("awaiting_payment", "delivery", world.no_pickup.id)
    assert (order.subtotal, order.shipping_fee, order.total) == (500_000, SHIPPING_FEE, 530_000)
    assert order.delivery_address == "12 Trần Phú, Hội An, Quảng Nam"
    assert reserved(db) == {"QN-C/NM-01": 2, "QN-C/RN-01": 1}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fulfilment": "delivery", "payment": "card", "delivery_address": "12 Trần Phú, Hội An"},
         "Card payment is not available right now."),
        ({"payment": "card"}, "Card payment is not available right now."),
        ({"outlet": ""}, "Choose the sales point where you will collect your order."),
        ({"fulfilment": "by drone"}, "Choose pickup or delivery."),
    ],
)
def test_choices_that_are_not_possible_are_refused(client, filled_cart, db, changes, message):
    page = client.post("/checkout", data=checkout_form(client, filled_cart, **changes)).text
    assert message in page
    assert order_count(db) == 0 and reserved(db) == {}


def test_pay_at_pickup_needs_a_pickup_order(client, filled_cart, db, card_payments):
    form = checkout_form(client, filled_cart, fulfilment="delivery", delivery_address="12 Trần Phú, Hội An, Quảng Nam")
    page = client.post("/checkout", data=form).text
    message = "Paying at the sales point is only for pickup orders. Choose how you will pay."
    # Listed at the top of the page too, linking to the payment options.
    assert page.count(message) == 2
    summary = re.search(r'<div class="flash flash-error error-summary" id="error-summary".*?</div>', page, re.S).group(0)
    assert f'<a href="#payment">{message}</a>' in summary
    assert 'id="payment"' in page
    assert order_count(db) == 0 and reserved(db) == {}


def test_a_payment_that_does_not_fit_is_explained_in_vietnamese(client, filled_cart, db):
    client.set_cookie("lang", "vi")
    form = checkout_form(client, filled_cart, fulfilment="pickup", payment="pay_on_delivery")
    page = client.post("/checkout", data=form).text
    assert "Thanh toán khi nhận hàng chỉ áp dụng cho đơn giao tận nơi. Hãy chọn hình thức thanh toán." in page
    assert "Hãy xem lại các mục sau trước khi tiếp tục:" in page


def test_a_form_without_errors_has_no_error_summary(client, filled_cart):
    assert "error-summary" not in client.get("/checkout").text


@pytest.mark.parametrize("outlet", ["b", "no_pickup", "closed", "99999", "abc"])
def test_a_forged_outlet_is_refused_and_nothing_is_reserved(client, filled_cart, db, outlet):
    world = filled_cart
    forged = str(getattr(world, outlet).id) if hasattr(world, outlet) else outlet
    page = client.post("/checkout", data=checkout_form(client, world, outlet=forged)).text
    assert "That sales point cannot supply your cart. Choose one from the list." in page
    assert order_count(db) == 0 and reserved(db) == {}


def test_prices_and_totals_in_the_form_are_ignored(client, filled_cart, db):
    world = filled_cart
    form = checkout_form(client, world, price="1", total="1", subtotal="1", shipping_fee="-30000")
    form[f"price-{world.sauce.id}"] = "1"
    client.post("/checkout", data=form)
    order = db.session.scalar(db.select(Order))
    assert order.total == 500_000
    assert sorted(line.unit_price for line in order.lines) == [150_000, 200_000]


@pytest.mark.parametrize("phone", ["0905 123 456", "0905.123.456", "+84 905 123 456", "0387654321"])
def test_vietnamese_mobile_numbers_are_accepted(client, filled_cart, db, phone):
    assert client.post("/checkout", data=checkout_form(client, filled_cart, phone=phone)).status_code == 302
    assert order_count(db) == 1


@pytest.mark.parametrize("phone", ["", "12345", "0105123456", "09051234567", "+1 202 555 0100", "abc"])
def test_other_phone_numbers_are_refused(client, filled_cart, db, phone):
    page = client.post("/checkout", data=checkout_form(client, filled_cart, phone=phone)).text
    assert "Enter a Vietnamese mobile number, such as 0905 123 456." in page or "Enter your phone number." in page
    assert order_count(db) == 0 and reserved(db) == {}


def test_contact_details_are_required(client, filled_cart, db):
    page = client.post("/checkout", data=checkout_form(client, filled_cart, name=" ", email="lan@")).text
    assert "Enter your name." in page and "Enter a valid email address." in page
    assert order_count(db) == 0


def test_a_cart_that_changed_since_the_page_was_shown_is_not_ordered(client, filled_cart, db):
    world = filled_cart
    form = checkout_form(client, world)
    client.post(f"/cart/update/{world.sauce.id}", data={"qty": 3})  # in another tab
    page = client.post("/checkout", data=form).text
    assert "Your cart changed since this page was shown." in page
    assert "650.000" in page  # the new total is shown before trying again
    assert order_count(db) == 0 and reserved(db) == {}

    form["cart_fingerprint"] = re.search(r'name="cart_fingerprint" type="hidden" value="([0-9a-f]+)"', page).group(1)
    assert client.post("/checkout", data=form).status_code == 302
    assert reserved(db) == {"QN-A/NM-01": 3, "QN-A/RN-01": 1}


def test_a_price_change_counts_as_a_changed_cart(client, filled_cart, db):
    from storefront.catalog.services import update_product

    form = checkout_form(client, filled_cart)
    update_product(filled_cart.sauce, price=160_000)
    assert "Your cart changed since this page was shown." in client.post("/checkout", data=form).text
    assert order_count(db) == 0


def test_an_emptied_cart_sends_back_to_the_cart(client, filled_cart, db):
    world = filled_cart
    form = checkout_form(client, world)
    client.post(f"/cart/remove/{world.sauce.id}")
    client.post(f"/cart/remove/{world.liquor.id}")
    response = client.post("/checkout", data=form, follow_redirects=True)
    assert response.request.path == "/cart"
    assert "Your cart is empty." in response.text
    assert order_count(db) == 0


def test_stock_taken_meanwhile_is_reported_and_nothing_is_reserved(client, filled_cart, db):
    world = filled_cart
    form = checkout_form(client, world)
    stock(world.b, world.liquor, 1)
    make_order(world.a, [(world.liquor, 3)])  # somebody else buys every liquor at A
    page = client.post("/checkout", data=form).text
    assert "That sales point cannot supply your cart." in page
    assert "Điểm OCOP Hội An" in page  # now the one that can
    assert order_count(db) == 1 and reserved(db) == {"QN-A/RN-01": 3}

    make_order(world.b, [(world.liquor, 1)])  # and the last one at B: only a delivery can do it now
    page = client.post("/checkout", data=form).text
    assert "That sales point cannot supply your cart." in page
    assert "Sent from Kho Tam Kỳ" in page  # delivery, paid in cash at the door, needs no card
    assert order_count(db) == 2


def someone_buys_every_liquor_first(monkeypatch, world) -> None:
    """Between our stock check and our order, somebody buys every liquor at the chosen outlet."""
    place_order = routes.place_order

    def someone_else_first(**arguments):
        liquor = next(line.product for line in arguments["lines"] if line.product.id == world.liquor.id)
        make_order(arguments["outlet"], [(liquor, 3)])
        return place_order(**arguments)

    monkeypatch.setattr(routes, "place_order", someone_else_first)


def test_losing_the_race_for_the_last_units_shows_the_form_again(client, filled_cart, db, monkeypatch):
    world = filled_cart
    stock(world.b, world.liquor, 1)
    someone_buys_every_liquor_first(monkeypatch, world)
    page = client.post("/checkout", data=checkout_form(client, world)).text
    assert "Only 0 of Rượu Ngô Cải Vân available at Điểm OCOP Tiên Phước; 1 asked." in page
    assert 'value="Nguyễn Thị Lan"' in page  # the form, filled in as it was
    assert '<span lang="vi">Rượu Ngô Cải Vân</span>: 1 available' in page  # what can be had now, at B
    assert order_count(db) == 1 and reserved(db) == {"QN-A/RN-01": 3}


def test_losing_the_race_is_explained_in_vietnamese_to_a_vietnamese_visitor(client, filled_cart, db, monkeypatch):
    world = filled_cart
    client.set_cookie("lang", "vi")
    someone_buys_every_liquor_first(monkeypatch, world)
    page = client.post("/checkout", data=checkout_form(client, world)).text
    assert "Tại Điểm OCOP Tiên Phước chỉ còn 0 Rượu Ngô Cải Vân, không đủ 1 như yêu cầu." in page
    assert order_count(db) == 1

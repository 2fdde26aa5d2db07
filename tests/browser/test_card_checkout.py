"""A guest on a phone buys two products for pickup, pays by card through localstripe's Stripe.js,
and lands on the order page showing it paid once Stripe's webhook has arrived."""
import re

import pytest
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.orders.models import Order
from tests.browser.screens import enhanced
from tests.factories import make_outlet, make_product, stock
from tests.stripe_fixtures import use_localstripe

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(live_app, localstripe_url):
    use_localstripe(live_app, localstripe_url)
    outlet = make_outlet("QN-514", name="Điểm bán OCOP Tiên Phước")
    pepper = make_product("Tiêu Tiên Phước", code="TP-TIEU-200", price=85_000)
    tea = make_product("Trà sâm dây Ngọc Linh", code="TS-NL-01", price=120_000)
    stock(outlet, pepper, 5)
    stock(outlet, tea, 5)
    return live_app.config["LIVE_URL"], pepper, tea


def order_two_products_for_pickup_by_card(page, shop) -> None:
    base, pepper, tea = shop
    page.goto(base + f"/lang/en?next=/products/{pepper.slug}")
    enhanced(page, "form.add-to-cart").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-notice")).to_contain_text("Added")  # confirmed in place
    page.goto(base + f"/products/{tea.slug}")
    page.get_by_label("Quantity").fill("2")
    enhanced(page, "form.add-to-cart").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-notice")).to_contain_text("Added")  # confirmed in place
    page.locator(".cart-link").click()
    expect(page).to_have_url(base + "/cart")
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Full name").fill("Nguyễn Thị Lan")
    page.get_by_label("Mobile phone").fill("0905 123 456")
    page.get_by_label("Email").fill("lan@example.vn")
    expect(page.get_by_role("radio", name=re.compile("Điểm bán OCOP Tiên Phước"))).to_be_checked()
    page.get_by_role("radio", name="Card, now").check()
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/OC\d{6}-[0-9A-F]{6}\?key="))
    expect(page.locator(".status-tag")).to_contain_text("Waiting for card payment")


def pay_with_card(page, number: str) -> None:
    """localstripe's stand-in for Stripe's card element: plain inputs named by placeholder."""
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill(number)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("30")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("70000")
    page.get_by_role("button", name="Pay 325.000 ₫").click()  # 85.000 + 2 × 120.000


def expect_paid(page) -> None:
    expect(page.locator(".status-tag")).to_contain_text("Paid", timeout=20_000)
    expect(page.locator("#card-payment")).to_have_count(0)
    number = re.search(r"/orders/([^?]+)", page.url).group(1)
    db.session.expire_all()
    order = db.session.scalar(db.select(Order).where(Order.number == number))
    assert (order.status, order.total, order.paid_at is not None) == ("paid", 325_000, True)


def test_guest_pays_by_card_and_sees_the_order_paid(shop, page):
    order_two_products_for_pickup_by_card(page, shop)

    pay_with_card(page, "4242424242424242")

    expect_paid(page)


def test_a_card_that_asks_for_3d_secure_is_authenticated_in_the_page(shop, page):
    order_two_products_for_pickup_by_card(page, shop)

    pay_with_card(page, "4000002500003155")
    page.get_by_role("button", name="Complete authentication").click()  # localstripe's 3-D Secure

    expect_paid(page)

"""A shopper on a phone sends the checkout with mistakes; each error goes away as soon as its
field is fixed, and the order goes through."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.screens import enhanced, save_screenshot
from tests.factories import make_outlet, make_product, stock

pytestmark = pytest.mark.browser


def open_checkout_with_pepper(live_app, page) -> None:
    """In English, a product added to the cart in place, then the checkout."""
    outlet = make_outlet("QN-514", name="Điểm bán OCOP Tiên Phước")
    pepper = make_product("Tiêu Tiên Phước", code="TP-TIEU-200", price=85_000, stars=4)
    stock(outlet, pepper, 5)
    base = live_app.config["LIVE_URL"]
    page.goto(base + f"/lang/en?next=/products/{pepper.slug}")
    enhanced(page, "form.add-to-cart").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-notice")).to_contain_text("Added")  # confirmed in place
    page.goto(base + "/checkout")


def test_errors_disappear_once_their_field_is_fixed(live_app, page):
    open_checkout_with_pepper(live_app, page)
    page.get_by_label("Email").fill("lan@")
    page.get_by_role("button", name="Place order").click()
    errors = page.locator(".field-error")
    expect(errors).to_have_count(3)  # name, phone, email

    page.get_by_label("Full name").fill("Nguyễn Thị Lan")
    expect(errors).to_have_count(2)
    expect(page.get_by_label("Full name")).not_to_have_attribute("aria-invalid", "true")
    page.get_by_label("Email").fill("lan@example")  # still not an address the browser takes
    page.get_by_label("Email").fill("lan@example.vn")
    expect(errors).to_have_count(1)
    page.get_by_label("Mobile phone").fill("0905 123 456")
    expect(errors).to_have_count(0)
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/OC[\d]{6}-[0-9A-F]{6}\?key="))
    save_screenshot(page, "checkout-errors-fixed-order")


def test_choosing_delivery_chooses_the_one_way_to_pay_it_allows(live_app, page):
    open_checkout_with_pepper(live_app, page)
    checkout = enhanced(page, "form.checkout-form")
    # By value: the stylesheet hides the options of the other way of receiving.
    at_pickup = page.locator('input[name="payment"][value="pay_at_pickup"]')
    on_delivery = page.locator('input[name="payment"][value="pay_on_delivery"]')
    expect(at_pickup).to_be_checked()

    checkout.get_by_role("radio", name="Delivery to your address").check()
    expect(at_pickup).not_to_be_checked()  # hidden now: never left chosen
    expect(on_delivery).to_be_checked()    # the only way left
    checkout.get_by_role("radio", name="Pick up at a sales point").check()
    expect(on_delivery).not_to_be_checked()
    expect(at_pickup).to_be_checked()

    # A mistake: the page comes back with the list of errors in view, focused.
    checkout.get_by_role("radio", name="Delivery to your address").check()
    page.get_by_role("button", name="Place order").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Enter your name.")).to_be_visible()

    page.get_by_label("Full name").fill("Nguyễn Thị Lan")
    page.get_by_label("Mobile phone").fill("0905 123 456")
    page.get_by_label("Email").fill("lan@example.vn")
    page.get_by_label("Delivery address").fill("12 Trần Phú, Tiên Phước, Quảng Nam")
    expect(on_delivery).to_be_checked()
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/OC[\d]{6}-[0-9A-F]{6}\?key="))
    save_screenshot(page, "checkout-delivery-cash-on-delivery")

"""A guest on a phone reserves an item to pay at pickup; the sales point's manager makes it
ready, then hands it over against cash; the guest's order link shows it collected."""
import re

import pytest
from playwright.sync_api import expect

from storefront.accounts.services import create_user
from storefront.extensions import db
from tests.browser.screens import enhanced
from tests.factories import make_outlet, make_product, stock

pytestmark = pytest.mark.browser

PASSWORD = "quan-ly-tien-phuoc"


def test_pay_at_pickup_reserved_made_ready_and_collected_in_cash(live_app, page, new_context):
    outlet = make_outlet("QN-514", name="Điểm bán OCOP Tiên Phước")
    pepper = make_product("Tiêu Tiên Phước", code="TP-TIEU-200", price=85_000, stars=4)
    stock(outlet, pepper, 5)
    manager = create_user(email="quanly@tienphuoc.vn", password=PASSWORD, role="manager")
    outlet.managers.append(manager)
    db.session.commit()
    base = live_app.config["LIVE_URL"]

    # The guest, on a phone.
    page.goto(base + f"/lang/en?next=/products/{pepper.slug}")
    enhanced(page, "form.add-to-cart").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-notice")).to_contain_text("Added")  # confirmed in place
    page.locator(".cart-link").click()
    expect(page).to_have_url(base + "/cart")
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Full name").fill("Nguyễn Thị Lan")
    page.get_by_label("Mobile phone").fill("0905 123 456")
    page.get_by_label("Email").fill("lan@example.vn")
    expect(page.get_by_role("radio", name=re.compile("Điểm bán OCOP Tiên Phước"))).to_be_checked()
    expect(page.get_by_role("radio", name="Pay at the sales point when you collect")).to_be_checked()
    page.get_by_role("button", name="Place order").click()

    expect(page).to_have_url(re.compile(r"/orders/OC[\d]{6}-[0-9A-F]{6}\?key="))
    expect(page.locator(".status-tag")).to_contain_text("Reserved")
    guest_link = page.url
    number = re.search(r"/orders/([^?]+)", guest_link).group(1)

    # The manager, on the counter's tablet, in another browser.
    counter = new_context().new_page()
    counter.set_viewport_size({"width": 1024, "height": 768})
    counter.goto(base + "/lang/en?next=/login")
    counter.get_by_label("Email").fill("quanly@tienphuoc.vn")
    counter.get_by_label("Password").fill(PASSWORD)
    counter.get_by_role("button", name="Log in").click()
    expect(counter.locator(".flash-success")).to_be_visible()

    counter.goto(base + "/manage/QN-514/")
    waiting = counter.locator(".pickup-queue")
    expect(waiting).to_contain_text("1 pickup order to prepare or hand over.")
    waiting.get_by_role("link", name=re.compile(number)).click()
    expect(counter.locator("[data-order-status]")).to_have_text("Reserved")
    expect(counter.locator("main")).to_contain_text("Nguyễn Thị Lan")

    counter.get_by_role("button", name="Ready for pickup").click()
    expect(counter.locator(".flash-success")).to_contain_text("is ready for pickup")
    expect(counter.locator("[data-order-status]")).to_have_text("Ready for pickup")
    expect(counter.locator(".order-due")).to_contain_text("85.000")
    counter.get_by_label("Cash").check()
    counter.get_by_role("button", name="Collected").click()
    expect(counter.locator("[data-order-status]")).to_have_text("Collected")
    expect(counter.locator(".order-history")).to_contain_text("paid at pickup in cash")

    # Back on the guest's phone: the link from the confirmation shows the order collected.
    page.goto(guest_link)
    expect(page.locator(".status-tag")).to_contain_text("Collected")

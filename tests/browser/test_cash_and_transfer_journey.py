"""On phones: a guest orders for delivery paid in cash, and the outlet's manager ships it, then
marks it delivered and paid; another guest pays by bank transfer with the VietQR code on the
order page, and the manager confirms the transfer received from the till."""
import re

import pytest
from playwright.sync_api import expect

from storefront.accounts.services import create_user
from storefront.extensions import db
from tests.browser.screens import enhanced, save_screenshot
from tests.browser.test_manager_phone import PASSWORD, log_in
from tests.factories import make_outlet, make_product, stock

pytestmark = pytest.mark.browser


def shop():
    outlet = make_outlet("QN-514", name="Điểm bán OCOP Tiên Phước", bank_bin="970436",
                         bank_account_number="0071000888888", bank_account_name="HTX TIEN PHUOC")
    pepper = make_product("Tiêu Tiên Phước", code="TP-TIEU-200", price=85_000, stars=4)
    stock(outlet, pepper, 5)
    manager = create_user(email="quanly@tienphuoc.vn", password=PASSWORD, role="manager")
    outlet.managers.append(manager)
    db.session.commit()
    return pepper


def order_as_guest(page, base, pepper, *, payment: str, delivery_address: str | None = None) -> str:
    page.goto(base + f"/lang/en?next=/products/{pepper.slug}")
    enhanced(page, "form.add-to-cart").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-notice")).to_contain_text("Added")  # confirmed in place
    page.goto(base + "/checkout")
    page.get_by_label("Full name").fill("Nguyễn Thị Lan")
    page.get_by_label("Mobile phone").fill("0905 123 456")
    page.get_by_label("Email").fill("lan@example.vn")
    if delivery_address:
        page.get_by_role("radio", name="Delivery to your address").check()
        page.get_by_label("Delivery address").fill(delivery_address)
    page.get_by_role("radio", name=payment).check()
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/OC[\d]{6}-[0-9A-F]{6}\?key="))
    return re.search(r"/orders/([^?]+)", page.url).group(1)


def test_cash_on_delivery_shipped_then_delivered_and_paid(live_app, page, new_context):
    pepper = shop()
    base = live_app.config["LIVE_URL"]
    number = order_as_guest(page, base, pepper, payment="Cash on delivery",
                            delivery_address="12 Trần Phú, Tam Kỳ, Quảng Nam")
    expect(page.locator(".status-tag")).to_have_text("Reserved, pay on delivery")
    expect(page.locator(".status-words")).to_contain_text("Pay in cash when it is delivered")
    guest_link = page.url

    manager = new_context().new_page()  # the manager's own phone
    log_in(manager, base)
    manager.goto(base + f"/manage/QN-514/orders/{number}")
    expect(manager.locator("[data-order-status]")).to_have_text("Reserved")
    manager.get_by_label("Carrier and tracking number (optional)").fill("GHN 8123")
    manager.get_by_role("button", name="Shipped").click()
    expect(manager.locator("[data-order-status]")).to_have_text("Shipped")
    expect(manager.locator(".order-due")).to_contain_text("115.000")  # 85.000 + 30.000 delivery
    manager.get_by_label("Cash").check()
    manager.get_by_role("button", name="Delivered and paid").click()
    expect(manager.locator("[data-order-status]")).to_have_text("Delivered")
    expect(manager.locator(".order-history")).to_contain_text("paid on delivery in cash")
    save_screenshot(manager, "cash-on-delivery-manager")

    page.goto(guest_link)
    expect(page.locator(".status-tag")).to_contain_text("Delivered")
    save_screenshot(page, "cash-on-delivery-guest")


def test_bank_transfer_by_vietqr_confirmed_at_the_till(live_app, page, new_context):
    pepper = shop()
    base = live_app.config["LIVE_URL"]
    number = order_as_guest(page, base, pepper, payment="Bank transfer (VietQR)")
    expect(page.locator(".status-tag")).to_have_text("Waiting for your bank transfer")
    qr = page.locator("[data-vietqr] svg")
    expect(qr).to_be_visible()
    box, code = qr.bounding_box(), qr.locator("path").bounding_box()
    assert box["width"] >= 180  # big enough to scan from another phone
    # the whole code is drawn inside the box, quiet zone included: none of it is cut off
    assert box["x"] < code["x"] and code["x"] + code["width"] < box["x"] + box["width"]
    assert box["y"] < code["y"] and code["y"] + code["height"] < box["y"] + box["height"]
    expect(page.locator("[data-transfer-note]")).to_have_text(number)
    expect(page.locator("[data-account-number]")).to_have_text("0071000888888")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, "vietqr-order-page")
    guest_link = page.url

    manager = new_context().new_page()
    log_in(manager, base)
    manager.goto(base + "/manage/QN-514/pos")
    waiting = manager.locator(".pos-transfers")
    expect(waiting).to_contain_text(number)
    expect(waiting.locator("[data-vietqr] svg")).to_be_visible()
    waiting.get_by_role("button", name="Transfer received").click()
    expect(manager.locator(".flash-success")).to_contain_text(f"The transfer for order {number} is recorded as received.")
    expect(manager.locator("[data-order-status]")).to_have_text("Paid")
    save_screenshot(manager, "vietqr-confirmed-manager")

    page.goto(guest_link)
    expect(page.locator(".status-tag")).to_have_text("Paid")
    expect(page.locator("[data-vietqr]")).to_have_count(0)
    save_screenshot(page, "vietqr-paid-guest")

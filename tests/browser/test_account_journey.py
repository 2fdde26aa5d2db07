"""A customer on a phone opens the account menu, keeps their details and an address, changes
their password, and finds the checkout filled in; the cart badge stays in view while scrolling."""
import pytest
from playwright.sync_api import expect

from storefront.accounts.services import create_user
from tests.browser.screens import enhanced, save_screenshot
from tests.conftest import PASSWORD
from tests.factories import make_outlet, make_product, stock

pytestmark = pytest.mark.browser


def test_account_menu_details_address_and_password(live_app, page):
    create_user(email="lan@example.vn", password=PASSWORD, role="customer")
    products = [make_product(f"Trà xanh Tiên Phước {n}", stars=4, code=f"TX-{n}") for n in range(12)]
    outlet = make_outlet()
    for product in products:
        stock(outlet, product, 5)
    base = live_app.config["LIVE_URL"]

    page.goto(base + "/lang/en?next=/login")
    page.get_by_label("Email").fill("lan@example.vn")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base + "/")

    page.locator(".account-menu summary").click()
    page.get_by_role("link", name="My account").click()
    page.get_by_label("Full name").fill("Nguyễn Thị Lan")
    page.get_by_label("Mobile phone").fill("0905 123 456")
    page.get_by_role("button", name="Save my details").click()
    expect(page.locator(".flash-success")).to_contain_text("Your details are saved.")
    page.get_by_label("Delivery address").fill("12 Trần Phú, Hội An, Quảng Nam")
    page.get_by_role("button", name="Add the address").click()
    expect(page.locator(".address-list")).to_contain_text("12 Trần Phú, Hội An, Quảng Nam")

    page.get_by_role("link", name="Change my password").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("Password", exact=True).fill("mưa phùn trên phố Hội 2026")
    page.get_by_label("Repeat password").fill("mưa phùn trên phố Hội 2026")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".flash-success")).to_contain_text("Your password is changed.")

    page.goto(base + "/products")
    page.locator(".product-card a").first.click()
    enhanced(page, "form.add-to-cart").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-notice")).to_contain_text("Added")  # confirmed in place
    page.goto(base + "/products")
    page.mouse.wheel(0, 3000)
    badge = page.locator(".site-header .cart-count")
    expect(badge).to_have_text("1")
    expect(badge).to_be_in_viewport()
    page.goto(base + "/checkout")
    expect(page.get_by_label("Full name")).to_have_value("Nguyễn Thị Lan")
    expect(page.get_by_label("Mobile phone")).to_have_value("0905123456")
    save_screenshot(page, "account-checkout-prefilled")

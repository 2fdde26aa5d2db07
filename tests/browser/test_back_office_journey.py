"""Programme staff register a producer and its product with a photo, record a 4★ result, and a
shopper on a phone finds the product by typing without diacritics."""
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from storefront.accounts.services import create_user
from storefront.clock import vietnam_today
from tests.browser.screens import enhanced
from tests.factories import make_area

pytestmark = pytest.mark.browser

PASSWORD = "can-bo-ocop-cao-bang"


def photo(tmp_path) -> str:
    path = tmp_path / "ruou-ngo.jpg"
    Image.new("RGB", (1200, 900), (180, 120, 40)).save(path, "JPEG")
    return str(path)


def test_staff_register_certify_and_a_shopper_finds_it(live_app, page, tmp_path, browser):
    province = make_area("Cao Bằng", "province", code="04")
    district = make_area("Hà Quảng", "district", province, code="043")
    make_area("Cải Viên", "commune", district, code="01360")
    make_area("Lũng Nặm", "commune", district, code="01363")
    create_user(email="canbo@ocop.caobang.vn", password=PASSWORD, role="staff")
    base = live_app.config["LIVE_URL"]
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(base + "/lang/en?next=/login")
    page.get_by_label("Email").fill("canbo@ocop.caobang.vn")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(base + "/admin/")
    page.get_by_role("link", name="Producers").first.click()
    page.get_by_role("link", name="Register a producer").click()
    page.get_by_label("Producer name").fill("HTX Rượu ngô Cải Vân")
    page.get_by_label("Kind").select_option("cooperative")
    page.get_by_label("Registration number").fill("0401234567")
    with page.expect_navigation():  # the page comes back with the districts, then the communes
        enhanced(page, "select#province").select_option("04")
    with page.expect_navigation():
        page.get_by_label("District").select_option("043")
    page.get_by_label("Commune").select_option("01360")
    page.get_by_label("Led by ethnic-minority people").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("HTX Rượu ngô Cải Vân")
    expect(page.locator(".record")).to_contain_text("Cải Viên, Hà Quảng, Cao Bằng")

    page.get_by_role("link", name="Register a product").click()
    page.get_by_label("Product code").fill("CB-RNCV-01")
    page.get_by_label("Name (Vietnamese)").fill("Rượu Ngô Cải Vân")
    page.get_by_label("OCOP group").select_option("beverage")
    page.get_by_label("Unit", exact=True).fill("chai 500 ml")
    page.get_by_label("Price (VND)").fill("180.000")
    page.get_by_label("Unit cost (VND)").fill("110000")
    expect(page.get_by_label("Producer")).to_have_value("0401234567")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rượu Ngô Cải Vân")

    page.get_by_label("Photos (JPEG, PNG or WebP, 10 MB each at most)").set_input_files(photo(tmp_path))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".flash-success")).to_contain_text("1 photo added.")
    expect(page.locator(".photo-list img")).to_have_count(1)

    page.get_by_label("Score (0–100)").fill("82")
    page.get_by_label("Council").select_option("province")
    page.get_by_label("Issued on").fill((vietnam_today() - timedelta(days=3)).isoformat())
    page.get_by_label("Decision number").fill("1234/QĐ-UBND")
    page.get_by_label("Certificate number (3★ and more)").fill("CB-OCOP-2025-0001")
    page.get_by_role("button", name="Record the result").click()
    expect(page.locator(".flash-success")).to_contain_text("4★")

    shopper = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="vi-VN")
    phone = shopper.new_page()
    phone.goto(base + "/")
    phone.get_by_role("searchbox").fill("ruou ngo cai van")
    phone.get_by_role("searchbox").press("Enter")
    card = phone.locator(".product-card", has_text="Rượu Ngô Cải Vân")
    expect(card).to_be_visible()
    expect(card.locator(".star-badge")).to_contain_text("★★★★")
    expect(card.locator("img.product-image")).to_have_attribute("src", re.compile(r"/media/photos/\d+/[0-9a-f]{32}-card\.webp"))
    card.get_by_role("link").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Rượu Ngô Cải Vân")
    expect(phone.locator(".product-info .star-badge")).to_contain_text("★★★★")
    shopper.close()

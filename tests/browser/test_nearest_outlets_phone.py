"""On a phone (390×844): a shopper finds the sales points nearest to them from the browser's
location, on a list that works without the map's tiles; staff read the back-office lists
without sideways scrolling, and amounts are grouped as they are typed."""
import pytest
from playwright.sync_api import expect

from storefront.accounts.services import create_user
from tests.browser.screens import fits_the_screen, save_screenshot
from tests.factories import make_outlet, make_place, make_product

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PASSWORD = "can-bo-quang-nam"


def test_a_shopper_sorts_the_sales_points_by_their_location_without_map_tiles(live_app, browser):
    place = make_place("Quảng Nam", "Hội An", "Cẩm Châu")
    make_outlet("DN-01", area=place, name="Điểm OCOP Đà Nẵng", latitude=16.0544, longitude=108.2022)
    make_outlet("HA-01", area=place, name="Điểm OCOP Hội An", latitude=15.8794, longitude=108.3350,
                phone="0235 3861 234", opening_hours="0:00–24:00 hằng ngày")
    make_outlet("TK-01", area=place, name="Điểm OCOP Tam Kỳ", latitude=15.5736, longitude=108.4740)
    # A tile server that refuses every connection: the list must stand on its own.
    live_app.config["MAP_TILE_URL"] = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    base = live_app.config["LIVE_URL"]
    context = browser.new_context(**PHONE, geolocation={"latitude": 15.8801, "longitude": 108.3380},
                                  permissions=["geolocation"])
    page = context.new_page()

    page.goto(base + "/lang/en?next=/outlets")
    page.get_by_role("button", name="Show the nearest to me").click()
    page.wait_for_url("**/outlets?lat=15.88010&lng=108.33800#nearest")

    cards = page.locator(".nearest-list .outlet-card")
    expect(cards).to_have_count(3)
    expect(cards.nth(0)).to_contain_text("Điểm OCOP Hội An")
    expect(cards.nth(0)).to_contain_text("0.3 km away")
    expect(cards.nth(0)).to_contain_text("Open now")
    expect(cards.nth(0).get_by_role("link", name="0235 3861 234")).to_have_attribute("href", "tel:02353861234")
    expect(cards.nth(1)).to_contain_text("Điểm OCOP Đà Nẵng")
    expect(cards.nth(2)).to_contain_text("Điểm OCOP Tam Kỳ")
    expect(page.locator("[data-map-offline]")).to_be_visible()
    assert fits_the_screen(page)
    save_screenshot(page, "nearest-outlets-phone")
    context.close()


def test_a_refused_location_says_so_and_keeps_the_list(live_app, browser):
    make_outlet("HA-01", name="Điểm OCOP Hội An", latitude=15.8794, longitude=108.3350)
    context = browser.new_context(**PHONE)  # no permission: the browser refuses the location
    page = context.new_page()

    page.goto(live_app.config["LIVE_URL"] + "/lang/en?next=/outlets")
    page.get_by_role("button", name="Show the nearest to me").click()

    expect(page.locator("[data-nearest-status]")).to_have_text(
        "Your location was not shared; the sales points are listed by place.")
    expect(page.locator(".outlet-card")).to_contain_text("Điểm OCOP Hội An")
    context.close()


def test_staff_read_the_product_list_on_a_phone_and_amounts_are_grouped_as_typed(live_app, page):
    make_product("Nước mắm cá cơm Cửa Đại loại thượng hạng đóng chai thủy tinh", code="HA-MAM-500-THUONG-HANG",
                 price=1_250_000)
    make_outlet("QN-HA-TRUNG-TAM-01", name="Trung tâm giới thiệu sản phẩm OCOP thành phố Hội An")
    create_user(email="canbo@ocop.quangnam.vn", password=PASSWORD, role="staff")
    base = live_app.config["LIVE_URL"]
    page.goto(base + "/lang/en?next=/login")
    page.get_by_label("Email").fill("canbo@ocop.quangnam.vn")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(base + "/admin/products")
    row = page.locator("tr", has_text="HA-MAM-500-THUONG-HANG")
    price = row.locator("td[data-label='Price']")
    price.scroll_into_view_if_needed()
    expect(price).to_be_in_viewport()
    expect(price).to_contain_text("1.250.000")
    assert fits_the_screen(page)
    save_screenshot(page, "admin-products-phone")
    for path in ("/admin/producers", "/admin/evaluations", "/admin/outlets", "/admin/baselines",
                 "/admin/declared", "/admin/plans", "/admin/watchlist", "/admin/audit"):
        page.goto(base + path)
        assert fits_the_screen(page), path

    page.goto(base + "/admin/products/HA-MAM-500-THUONG-HANG/edit")
    field = page.get_by_label("Unit cost (VND)")
    field.fill("")
    field.press_sequentially("2500000")
    expect(field).to_have_value("2.500.000")
    field.fill("")
    field.press_sequentially("1,5")
    field.blur()
    expect(field).to_have_value("1,5")  # left as typed: the server says đồng have no decimals

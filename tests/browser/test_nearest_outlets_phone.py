"""On a phone (390×844): a shopper finds the sales points nearest to them from the browser's
location, on a list that works without the map's tiles; staff read the back-office lists, the
reports, plan dashboards and detail pages, and a manager an order's items, without sideways
scrolling, and amounts are grouped as they are typed."""
import re

import pytest
from playwright.sync_api import expect

from storefront.accounts.services import create_user
from storefront.extensions import db
from storefront.reports.models import DeclaredRevenue
from tests.browser.screens import fits_the_screen, save_screenshot, tables_fit_the_screen
from tests.factories import make_lot, make_order, make_outlet, make_place, make_plan, make_product, stock

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


def sign_in(page, base, email):
    page.goto(base + "/lang/en?next=/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_be_visible()


def test_staff_read_reports_plans_and_detail_pages_on_a_phone(live_app, browser):
    place = make_place("Quảng Nam", "Tiên Phước", "Tiên Cảnh")
    product = make_product("Nước mắm cá cơm Cửa Đại loại thượng hạng đóng chai thủy tinh", code="HA-MAM-500-THUONG-HANG")
    make_lot(product, "QN-HA-MAM-2611-THUONG-HANG-01")
    db.session.add(DeclaredRevenue(product=product, year=2025, revenue=1_250_000_000, profit=312_500_000,
                                   note="Báo cáo tài chính năm 2025 của hợp tác xã, đã kiểm toán"))
    db.session.commit()
    make_outlet("QN-HA-TRUNG-TAM-01", area=place, name="Trung tâm giới thiệu sản phẩm OCOP thành phố Hội An")
    plan = make_plan(place.parent.parent, 2026, certified_share=80, four_star=10)
    make_plan(None, 2026, certified_share=60)
    create_user(email="canbo@ocop.quangnam.vn", password=PASSWORD, role="staff")
    base = live_app.config["LIVE_URL"]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, base, "canbo@ocop.quangnam.vn")

    for path in ("/admin/reports/growth", f"/admin/dashboard?plan={plan.id}",
                 f"/admin/dashboard/{plan.id}/certified_share", "/admin/dashboard/national?year=2026",
                 "/admin/declared/HA-MAM-500-THUONG-HANG", "/admin/products/HA-MAM-500-THUONG-HANG",
                 f"/admin/producers/{product.producer_id}", "/admin/outlets/coverage"):
        page.goto(base + path)
        expect(page.locator("main table").first).to_be_attached()
        assert fits_the_screen(page), path
        assert tables_fit_the_screen(page) == [], path
    page.goto(base + "/admin/reports/growth")
    status = page.locator("tr[data-code='HA-MAM-500-THUONG-HANG'] td[data-label='Status']")
    status.scroll_into_view_if_needed()
    expect(status).to_be_in_viewport()
    page.get_by_role("link", name="District").click()  # the sort links stay on a phone
    expect(page).to_have_url(re.compile(r"sort=district"))
    save_screenshot(page, "admin-growth-phone")
    context.close()


def test_a_manager_reads_an_orders_items_on_a_phone(live_app, browser):
    outlet = make_outlet("QN-HA-TRUNG-TAM-01", name="Trung tâm giới thiệu sản phẩm OCOP thành phố Hội An")
    product = make_product("Nước mắm cá cơm Cửa Đại loại thượng hạng đóng chai thủy tinh", code="HA-MAM-500-THUONG-HANG",
                           price=1_250_000)
    manager = create_user(email="quanly@ocop.quangnam.vn", password=PASSWORD, role="manager")
    manager.outlets.append(outlet)
    db.session.commit()
    stock(outlet, product, 20)
    order = make_order(outlet, [(product, 12)])
    base = live_app.config["LIVE_URL"]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, base, "quanly@ocop.quangnam.vn")

    page.goto(base + f"/manage/{outlet.code}/orders/{order.number}")
    amount = page.locator("table.order-lines td[data-label='Amount']")
    expect(amount).to_contain_text("15.000.000")
    amount.scroll_into_view_if_needed()
    expect(amount).to_be_in_viewport()
    assert fits_the_screen(page)
    assert tables_fit_the_screen(page) == []
    save_screenshot(page, "manage-order-phone")
    context.close()

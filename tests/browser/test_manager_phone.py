"""A sales-point manager works from a phone (390 px wide): the stock and orders lists fit the
screen, with each row's figures and actions in view."""
import os

import pytest
from playwright.sync_api import expect

from storefront.accounts.services import create_user
from storefront.extensions import db
from storefront.sales.services import SaleRequestLine, record_sale
from tests.browser.screens import fits_the_screen
from tests.factories import make_order, make_outlet, make_product, stock

pytestmark = pytest.mark.browser

PASSWORD = "quan-ly-tien-phuoc"
SHOTS = os.environ.get("BROWSER_SHOTS", "/tmp/ocop-browser-shots")


def manager_world():
    outlet = make_outlet("QN-514", name="Điểm bán OCOP Tiên Phước")
    pepper = make_product("Tiêu đen hữu cơ Tiên Phước loại đặc biệt", code="TP-TIEU-200", price=85_000, stars=4)
    sauce = make_product("Nước mắm cá cơm Cửa Đại", code="HA-MAM-500", price=120_000, stars=4)
    stock(outlet, pepper, 20)
    stock(outlet, sauce, 8)
    manager = create_user(email="quanly@tienphuoc.vn", password=PASSWORD, role="manager")
    outlet.managers.append(manager)
    db.session.commit()
    return outlet, pepper, sauce


def log_in(page, base):
    page.goto(base + "/lang/en?next=/login")
    page.get_by_label("Email").fill("quanly@tienphuoc.vn")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_be_visible()


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_stock_and_orders_are_cards_on_a_phone(live_app, page):
    outlet, pepper, _ = manager_world()
    make_order(outlet, [(pepper, 2)])
    base = live_app.config["LIVE_URL"]
    log_in(page, base)

    page.goto(base + "/manage/QN-514/")
    row = page.locator("tr", has_text="TP-TIEU-200")
    expect(row.locator("td[data-label='Available']")).to_contain_text("18")
    adjust = row.get_by_role("link", name="Adjust")
    adjust.scroll_into_view_if_needed()
    expect(adjust).to_be_in_viewport()
    assert fits_the_screen(page)

    page.goto(base + "/manage/QN-514/orders")
    expect(page.locator("td[data-label='Total']")).to_contain_text("170.000")
    assert fits_the_screen(page)
    shot(page, "manager-orders-phone.png")


def test_pick_a_product_by_name_without_diacritics_and_adjust_it(live_app, page):
    manager_world()
    base = live_app.config["LIVE_URL"]
    log_in(page, base)
    page.goto(base + "/manage/QN-514/adjust")
    page.get_by_role("combobox", name="Product code").fill("nuoc mam")
    page.get_by_role("option", name="Nước mắm cá cơm Cửa Đại").click()
    expect(page.get_by_role("combobox", name="Product code")).to_have_value("HA-MAM-500")
    page.get_by_label("Change").fill("-1")
    page.get_by_label("Reason").fill("Vỡ chai")
    page.get_by_role("button", name="Save adjustment").click()
    expect(page.locator(".flash-success")).to_contain_text("-1")
    shot(page, "manager-picker-phone.png")


def test_a_stock_take_is_checked_then_confirmed(live_app, page, tmp_path):
    manager_world()
    base = live_app.config["LIVE_URL"]
    log_in(page, base)
    counts = tmp_path / "dem-kho.csv"
    counts.write_text("product_code,counted\nTP-TIEU-200,18\nHA-MAM-500,8\n", encoding="utf-8")
    page.goto(base + "/manage/QN-514/stock-take")
    page.get_by_label("Stock-take file (CSV or XLSX)").set_input_files(str(counts))
    page.get_by_role("button", name="Upload and check the count").click()
    expect(page.locator("h1")).to_have_text("Check the stock-take")
    expect(page.locator("tr", has_text="TP-TIEU-200").locator("td[data-label='Change']")).to_have_text("-2")
    assert fits_the_screen(page)
    page.get_by_role("button", name="Apply the count").click()
    expect(page.locator(".flash-success")).to_contain_text("2 products counted, 1 changed")
    expect(page.locator("tr", has_text="TP-TIEU-200").locator("td[data-label='On hand']")).to_have_text("18")
    shot(page, "manager-stock-take-phone.png")


def test_till_history_compares_the_counted_cash(live_app, page):
    outlet, pepper, _ = manager_world()
    record_sale(outlet=outlet, lines=[SaleRequestLine(pepper, 2)], payment_kind="cash",
                user=outlet.managers[0], cash_received=200_000)
    base = live_app.config["LIVE_URL"]
    log_in(page, base)
    page.goto(base + "/manage/QN-514/pos/day")
    expect(page.locator("[data-totals='till'] tr[data-kind='cash'] td[data-label='Net']")).to_contain_text("170.000")
    page.get_by_label("Cash counted in the drawer (đồng)").fill("170000")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".cash-result")).to_contain_text("The drawer matches the till.")
    expect(page.get_by_role("link", name="Open and reprint")).to_be_visible()
    assert fits_the_screen(page)
    shot(page, "manager-till-history-phone.png")

"""Staff open a sales point: the district's communes come up when it is chosen, and a click on the
map fills in the coordinates (the tiles are blocked: the map works without them)."""
import re

import pytest
from playwright.sync_api import expect

from storefront.accounts.services import create_user
from storefront.extensions import db
from storefront.outlets.models import Outlet
from tests.factories import make_area

pytestmark = pytest.mark.browser

PASSWORD = "can-bo-chuong-trinh"


def test_staff_place_a_new_outlet_by_clicking_the_map(live_app, page):
    quang_nam = make_area("Quảng Nam", "province", code="49")
    tien_phuoc = make_area("Tiên Phước", "district", quang_nam, code="514")
    make_area("Tiên Kỳ", "commune", tien_phuoc, code="20560")
    make_area("Hội An", "district", quang_nam, code="503")
    create_user(email="canbo@ocop.vn", password=PASSWORD, role="staff")
    base = live_app.config["LIVE_URL"]
    page.set_viewport_size({"width": 1024, "height": 900})
    page.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())

    page.goto(base + "/lang/en?next=/login")
    page.get_by_label("Email").fill("canbo@ocop.vn")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.goto(base + "/admin/outlets/new")
    page.get_by_label("Code").fill("qn-514-02")
    page.get_by_label("Outlet name").fill("Điểm bán OCOP Tiên Kỳ")
    expect(page.get_by_role("button", name="Show its communes")).to_be_hidden()  # the script asks for them
    with page.expect_navigation():
        page.get_by_label("District").select_option("514")
    expect(page.get_by_label("Commune or ward")).to_contain_text("Tiên Kỳ")
    expect(page.get_by_label("Outlet name")).to_have_value("Điểm bán OCOP Tiên Kỳ")  # kept across the reload
    page.get_by_label("Commune or ward").select_option("20560")
    page.get_by_label("Street address").fill("12 Hùng Vương")

    map_box = page.locator("[data-outlet-picker]")
    expect(map_box).to_be_visible()
    map_box.click(position={"x": 200, "y": 100})
    latitude, longitude = page.get_by_label("Latitude"), page.get_by_label("Longitude")
    expect(latitude).to_have_value(re.compile(r"^-?\d+\.\d{6}$"))
    expect(longitude).to_have_value(re.compile(r"^-?\d+\.\d{6}$"))
    clicked = float(latitude.input_value()), float(longitude.input_value())
    page.get_by_role("button", name="Open the outlet").click()

    expect(page).to_have_url(base + "/admin/outlets/QN-514-02")
    db.session.expire_all()
    outlet = db.session.scalar(db.select(Outlet).where(Outlet.code == "QN-514-02"))
    assert (outlet.latitude, outlet.longitude) == pytest.approx(clicked)
    assert outlet.area.code == "20560"

"""A shopper on a phone finds corn liquor without typing diacritics and traces its lot."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from storefront.catalog.models import Area
from tests.factories import make_area, make_lot, make_producer, make_product

pytestmark = pytest.mark.browser


def test_search_suggestion_to_product_to_trace(live_app, page):
    province = make_area("Cao Bằng", "province", code="04")
    district = make_area("Hà Quảng", "district", province, code="043")
    commune = make_area("Cải Viên", "commune", district, code="01360")
    producer = make_producer(commune, name="HTX Rượu ngô Cải Vân", ethnic_minority_led=True)
    liquor = make_product("Rượu Ngô Cải Vân", stars=4, group="beverage", price=180_000, producer=producer)
    make_product("Bánh tráng Đại Lộc", stars=3)
    make_lot(
        liquor, "CB-RNCV-2410-01",
        material_area="Nương ngô bản địa Cải Viên", standards=["VietGAP"],
        events=[
            {"happened_on": date.today() - timedelta(days=60), "kind": "harvest",
             "description": "Thu hoạch ngô nếp bản địa"},
            {"happened_on": date.today() - timedelta(days=40), "kind": "processing",
             "description": "Chưng cất bằng men lá truyền thống"},
        ],
    )
    base = live_app.config["LIVE_URL"]

    page.goto(base + "/")
    search = page.get_by_role("searchbox")
    search.click()
    search.press_sequentially("ruou ngo", delay=40)
    suggestion = page.locator("#site-search-suggestions a", has_text="Rượu Ngô Cải Vân")
    expect(suggestion).to_be_visible()
    suggestion.click()

    expect(page).to_have_url(base + f"/products/{liquor.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rượu Ngô Cải Vân")
    expect(page.locator(".product-info .star-badge")).to_contain_text("★★★★")
    expect(page.locator(".price.big")).to_contain_text("180.000")

    page.get_by_role("link", name="CB-RNCV-2410-01").click()
    expect(page).to_have_url(base + "/trace/CB-RNCV-2410-01")
    expect(page.locator("figure.qr svg")).to_be_visible()
    timeline = page.locator("ol.timeline li")
    expect(timeline).to_have_count(2)
    expect(timeline.first).to_contain_text("Thu hoạch ngô nếp bản địa")

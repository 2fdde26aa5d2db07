"""The sales-point map on a phone (390×844): markers a finger can hit, attribution links told
apart from their text by more than colour, and a tile server that cannot be reached costs one
failed batch of tiles, not a failed request for every pan and zoom."""
import base64
import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_outlet

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
TILES = re.compile(r"https://tile\.openstreetmap\.org/.*")
# A 1×1 PNG stands in for the tile server, which this machine cannot reach.
TILE_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def three_outlets():
    make_outlet("DN-01", name="Điểm OCOP Đà Nẵng", latitude=16.0544, longitude=108.2022)
    make_outlet("HA-01", name="Điểm OCOP Hội An", latitude=15.8794, longitude=108.3350)
    make_outlet("TK-01", name="Điểm OCOP Tam Kỳ", latitude=15.5736, longitude=108.4740)


def test_markers_are_finger_sized_and_attribution_links_underlined(live_app, browser):
    three_outlets()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG))
    page.goto(live_app.config["LIVE_URL"] + "/lang/en?next=/outlets")

    markers = page.get_by_role("button", name="Điểm OCOP Hội An")
    expect(markers).to_have_count(1)
    for marker in page.locator(".leaflet-marker-icon").all():
        box = marker.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    # No raster marker or shadow that a sharp phone screen would show blurred.
    expect(page.locator(".outlet-map img.leaflet-marker-shadow")).to_have_count(0)
    links = page.locator(".leaflet-control-attribution a")
    expect(links.filter(has_text="OpenStreetMap")).to_have_count(1)
    for link in links.all():
        assert "underline" in link.evaluate("a => getComputedStyle(a).textDecorationLine")
    markers.click()
    expect(page.locator(".leaflet-popup")).to_contain_text("Điểm OCOP Hội An")
    context.close()


def test_unreachable_tiles_are_given_up_once_and_the_list_stays(live_app, browser):
    three_outlets()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    asked = []
    page.route(TILES, lambda route: (asked.append(route.request.url), route.abort("namenotresolved")))
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    # The browser itself logs each failed tile ("Failed to load resource"); no script may add to it.
    page.on("console", lambda message: message.type == "error" and not message.text.startswith(
        "Failed to load resource") and script_errors.append(message.text))
    page.goto(live_app.config["LIVE_URL"] + "/lang/en?next=/outlets")

    expect(page.locator("[data-map-offline]")).to_be_visible()
    expect(page.locator(".outlet-card")).to_have_count(3)
    expect(page.locator(".leaflet-tile")).to_have_count(0)  # the tile layer is dropped
    first_batch = len(asked)
    page.get_by_role("button", name="Zoom in").click()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(3)
    expect(page.locator(".leaflet-tile")).to_have_count(0)
    assert len(asked) == first_batch  # zooming asks the unreachable server for nothing more
    assert script_errors == []
    context.close()


def test_the_list_does_not_move_when_the_scripts_draw_the_map(live_app, browser):
    three_outlets()
    tops = []
    for scripts in (False, True):  # the first paint is the page before its scripts have run
        context = browser.new_context(**PHONE, java_script_enabled=scripts)
        page = context.new_page()
        page.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG))
        page.goto(live_app.config["LIVE_URL"] + "/lang/en?next=/outlets")
        if scripts:
            expect(page.get_by_role("button", name="Show the nearest to me")).to_be_visible()
            expect(page.locator(".leaflet-marker-icon")).to_have_count(3)
        tops.append(page.locator(".outlet-card").first.bounding_box()["y"])
        context.close()
    assert tops[0] == tops[1], tops


def test_the_list_stands_where_it_would_with_tiles_when_they_fail(live_app, browser):
    three_outlets()
    tops = []
    for tiles_load in (True, False):
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG)
                   if tiles_load else route.abort("namenotresolved"))
        page.goto(live_app.config["LIVE_URL"] + "/lang/en?next=/outlets")
        expect(page.locator(".leaflet-marker-icon")).to_have_count(3)
        expect(page.locator("[data-map-offline]")).to_be_hidden() if tiles_load else expect(
            page.locator("[data-map-offline]")).to_be_visible()
        tops.append(page.locator(".outlet-card").first.bounding_box()["y"])
        context.close()
    assert tops[0] == tops[1]  # the note sits over the map, not above the list

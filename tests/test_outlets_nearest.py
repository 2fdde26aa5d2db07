"""Sales points nearest to the visitor: /outlets?lat=&lng= sorts by a distance worked out in
SQL and says how far each is; coordinates that are not a place get a message, not an error."""
from datetime import datetime

import pytest

from storefront.clock import VIETNAM
from storefront.outlets.directory import outlets_by_distance
from storefront.outlets.hours import open_now
from tests.factories import make_outlet, make_place

pytestmark = pytest.mark.usefixtures("in_english")

# The visitor stands in Hội An's old town.
HOI_AN = {"lat": "15.8801", "lng": "108.3380"}


@pytest.fixture
def network(db):
    place = make_place("Quảng Nam", "Hội An", "Cẩm Châu")
    make_outlet("DN-01", area=place, name="Điểm Đà Nẵng", latitude=16.0544, longitude=108.2022)   # 24.2 km
    make_outlet("HA-01", area=place, name="Điểm Hội An", latitude=15.8794, longitude=108.3350)    # 0.3 km
    make_outlet("TK-01", area=place, name="Điểm Tam Kỳ", latitude=15.5736, longitude=108.4740)    # 37.1 km
    make_outlet("NO-01", area=place, name="Điểm chưa định vị")                                    # no coordinates
    make_outlet("OLD-01", area=place, name="Điểm đã đóng", latitude=15.88, longitude=108.338, active=False)


def test_outlets_are_sorted_by_distance_with_the_kilometres_shown(client, network):
    page = client.get("/outlets", query_string=HOI_AN)

    assert page.status_code == 200
    text = page.text
    names = ["Điểm Hội An", "Điểm Đà Nẵng", "Điểm Tam Kỳ", "Điểm chưa định vị"]
    assert [text.index(name) for name in names] == sorted(text.index(name) for name in names)
    assert "Điểm đã đóng" not in text
    assert "0.3 km away" in text and "24.2 km away" in text and "37.1 km away" in text
    assert "Nearest to you" in text


def test_the_distance_is_computed_by_the_database_for_every_outlet_at_once(app, network):
    nearest = outlets_by_distance(15.8801, 108.3380)

    assert [near.outlet.code for near in nearest] == ["HA-01", "DN-01", "TK-01", "NO-01"]
    assert [round(near.km, 1) if near.km is not None else None for near in nearest] == [0.3, 24.2, 37.1, None]  # great-circle: 0.33, 24.22, 37.06


@pytest.mark.parametrize("query", [
    {"lat": "abc", "lng": "108.3"}, {"lat": "95", "lng": "108.3"}, {"lat": "15.8", "lng": "200"},
    {"lat": "15.8"}, {"lng": "108.3"}, {"lat": "nan", "lng": "inf"}, {"lat": "1e3", "lng": "1"},
])
def test_coordinates_that_are_not_a_place_get_a_message_and_the_list_by_place(client, network, query):
    page = client.get("/outlets", query_string=query)

    assert page.status_code == 400
    assert "Your location could not be read" in page.text
    assert "Điểm Hội An" in page.text and "km away" not in page.text


def test_the_list_by_place_offers_the_nearest_button_and_no_distances(client, network):
    page = client.get("/outlets")

    assert page.status_code == 200 and "data-nearest" in page.text and "km away" not in page.text
    assert "/static/js/outlets-nearest.js" in page.text


def test_each_card_has_a_dialable_phone_and_says_whether_it_is_open(client, db):
    make_outlet("HA-01", name="Điểm Hội An", phone="0235 3861 234", opening_hours="0:00–24:00 daily",
                latitude=15.8794, longitude=108.3350)

    page = client.get("/outlets", query_string=HOI_AN)

    assert 'href="tel:02353861234"' in page.text and "Open now" in page.text


@pytest.mark.parametrize("hours, moment, expected", [
    ("7:30–17:30, thứ Hai đến thứ Bảy", datetime(2026, 12, 7, 10, 0), True),     # Monday morning
    ("7:30–17:30, thứ Hai đến thứ Bảy", datetime(2026, 12, 6, 10, 0), False),    # Sunday
    ("7:30–17:30, thứ Hai đến thứ Bảy", datetime(2026, 12, 7, 17, 30), False),   # closing time
    ("8:00–22:00 hằng ngày", datetime(2026, 12, 6, 21, 59), True),
    ("7:00–17:00", datetime(2026, 12, 6, 6, 59), False),
    ("Mon–Fri 8h–17h", datetime(2026, 12, 11, 9, 0), True),
    ("7:00–20:00, nghỉ chiều Chủ nhật", datetime(2026, 12, 7, 10, 0), None),   # not readable in full
    ("", datetime(2026, 12, 7, 10, 0), None),
])
def test_open_now_is_read_from_the_opening_hours_in_vietnam_time(hours, moment, expected):
    assert open_now(hours, moment.replace(tzinfo=VIETNAM)) is expected


def test_the_configured_tile_server_is_used_and_allowed_by_the_security_policy(app, client, network):
    app.config["MAP_TILE_URL"] = "https://{s}.tiles.example.vn/osm/{z}/{x}/{y}.png"
    app.config["MAP_TILE_ATTRIBUTION"] = "Bản đồ © Example"

    page = client.get("/outlets")

    assert 'data-tiles="https://{s}.tiles.example.vn/osm/{z}/{x}/{y}.png"' in page.text
    assert "Bản đồ © Example" in page.text
    assert "img-src 'self' data: https://*.tiles.example.vn" in page.headers["Content-Security-Policy"]

"""The public sales-point network, availability on product pages, the outlets API and coverage."""
import json
import re
from datetime import date

import pytest

from storefront.admin.outlets.services import sales_point_coverage
from storefront.outlets.directory import network_by_district
from storefront.outlets.models import Outlet
from storefront.outlets.services import move_stock
from storefront.transactions import transaction
from tests.conftest import QueryCounter
from tests.factories import make_area, make_outlet, make_place, make_producer, make_product, stock


def reserve(outlet, product, qty):
    with transaction():
        move_stock(outlet=outlet, product=product, kind="reserve", reserved_change=qty)


def in_order(text: str, *parts: str) -> bool:
    positions = [text.index(part) for part in parts]
    return positions == sorted(positions)


pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


@pytest.fixture
def places(db):
    """Quảng Nam with two districts (one commune each), and Đà Nẵng with one."""
    return {
        "tien_phuoc": make_place("Quảng Nam", "Tiên Phước", "Tiên Cảnh"),
        "hoi_an": make_place("Quảng Nam", "Hội An", "Cẩm Châu"),
        "hai_chau": make_place("Đà Nẵng", "Hải Châu", "Thạch Thang"),
    }


# --- /outlets ----------------------------------------------------------------------------


def test_the_network_lists_outlets_by_province_and_district(client, places):
    make_outlet("QN-TP-01", area=places["tien_phuoc"], name="Điểm OCOP Tiên Phước",
                phone="0235 3884 123", opening_hours="7:00–17:00 daily", pickup_enabled=True)
    make_outlet("QN-HA-01", area=places["hoi_an"], name="Cửa hàng đối tác Hội An",
                kind="partner_shop", pickup_enabled=False)
    make_outlet("QN-TT-01", area=places["hoi_an"].parent.parent, name="Trung tâm OCOP Quảng Nam",
                kind="provincial_centre")
    make_outlet("DN-HC-01", area=places["hai_chau"], name="Điểm OCOP Hải Châu")
    make_outlet("QN-OLD-01", area=places["tien_phuoc"], name="Điểm đã đóng cửa", active=False)

    page = client.get("/outlets")

    assert page.status_code == 200
    text = page.text
    assert "Điểm đã đóng cửa" not in text
    assert in_order(text, ">Quảng Nam<", "Province-wide", "Trung tâm OCOP Quảng Nam")
    assert in_order(text, ">Tiên Phước<", "Điểm OCOP Tiên Phước")
    assert in_order(text, ">Hội An<", "Cửa hàng đối tác Hội An")
    assert in_order(text, ">Đà Nẵng<", ">Hải Châu<", "Điểm OCOP Hải Châu")
    for label in ("District sales point", "Provincial centre", "Partner shop"):
        assert label in text
    assert 'href="tel:02353884123"' in text and "7:00–17:00 daily" in text
    assert 'href="/outlets/QN-TP-01"' in text
    assert "1 Đường Chính, QN-TP-01" in text  # the address


def test_the_list_works_without_javascript(client, places):
    make_outlet("QN-TP-01", area=places["tien_phuoc"], latitude=15.48, longitude=108.29)
    text = client.get("/outlets").text
    # The map's box holds its place from the start (the list does not move when the script draws
    # the map) and, without the script, says that the list is all there is; the list is plain HTML.
    box = re.search(r'<div class="outlet-map[^"]*"[^>]*>(.*?)</div>', text, re.S)
    assert "hidden" not in box.group(0).split(">", 1)[0]
    assert "The map needs JavaScript; every sales point is listed on this page." in box.group(1)
    assert "<noscript" not in text and "Điểm bán OCOP QN-TP-01" in text


def test_one_outlets_map_says_its_own_page_holds_the_way_there(client, places):
    """It said every sales point was listed there, on the page of one."""
    make_outlet("QN-TP-01", area=places["tien_phuoc"], latitude=15.48, longitude=108.29)
    text = client.get("/outlets/QN-TP-01").text

    assert "The map needs JavaScript; the address and directions are on this page." in text
    assert "The map tiles could not be loaded; the address and directions are on this page." in text
    assert "every sales point is listed" not in text


def test_no_outlets_says_so(client, db):
    assert "No sales points are open yet." in client.get("/outlets").text


def test_map_data_is_escaped(client, places):
    hostile = '</script><script>alert("x")</script> & Co'
    make_outlet("QN-TP-01", area=places["tien_phuoc"], name=hostile, latitude=15.48, longitude=108.29)
    make_outlet("QN-HA-01", area=places["hoi_an"])  # no coordinates: listed, not on the map

    text = client.get("/outlets").text

    assert "<script>alert" not in text
    embedded = re.search(r'<script type="application/json" id="outlet-map-points">(.*?)</script>', text, re.S)
    points = json.loads(embedded.group(1))
    assert points == [{
        "name": hostile, "kind": "District sales point", "address": "1 Đường Chính, QN-TP-01",
        "lat": 15.48, "lng": 108.29, "url": "/outlets/QN-TP-01",
    }]


def test_the_network_loads_in_a_fixed_number_of_queries(db, places):
    for n, place in enumerate(places.values()):
        make_outlet(f"O-{n}", area=place)
    db.session.expire_all()
    with QueryCounter(db.engine) as queries:
        network = network_by_district()
        names = [(p.province.name, d.district.name) for p in network for d in p.districts]
    assert len(names) == 3 and queries.count <= 4


# --- /outlets/<code> ---------------------------------------------------------------------


def test_an_outlet_page_shows_how_to_get_there_and_what_is_in_stock(client, places):
    outlet = make_outlet(
        "QN-TP-01", area=places["tien_phuoc"], phone="0235.3884.123", opening_hours="7:00–17:00",
        directions="Opposite the district market.", latitude=15.4833, longitude=108.2951,
    )
    fish_sauce = make_product("Nước mắm Cửa Khe", stars=4, price=150_000)
    tea = make_product("Trà sâm dây", stars=5, price=320_000)
    sold_out = make_product("Rượu Hồng Đào", stars=3)
    uncertified = make_product("Bánh tráng chưa đạt", stars=2)
    stock(outlet, fish_sauce, 10)
    reserve(outlet, fish_sauce, 3)
    stock(outlet, tea, 4)
    stock(outlet, sold_out, 2)
    reserve(outlet, sold_out, 2)
    stock(outlet, uncertified, 5)

    text = client.get("/outlets/QN-TP-01").text

    assert 'href="tel:02353884123"' in text and "7:00–17:00" in text
    assert "Opposite the district market." in text
    assert "https://www.openstreetmap.org/?mlat=15.4833&amp;mlon=108.2951#map=17/15.4833/108.2951" in text
    assert in_order(text, "Trà sâm dây", "4 available", "Nước mắm Cửa Khe", "7 available")
    assert "150.000" in text and "OCOP 5 stars" in text
    assert "Rượu Hồng Đào" not in text and "Bánh tráng chưa đạt" not in text


def test_an_outlet_with_nothing_available_says_so(client, places):
    make_outlet("QN-TP-01", area=places["tien_phuoc"])
    assert "No certified products are in stock here right now." in client.get("/outlets/QN-TP-01").text


def test_outlet_stock_is_paginated(app, client, places):
    app.config["PRODUCTS_PER_PAGE"] = 2
    outlet = make_outlet("QN-TP-01", area=places["tien_phuoc"])
    for name in ("Mật ong A", "Mật ong B", "Mật ong C"):
        stock(outlet, make_product(name, stars=4), 1)

    first, second = client.get("/outlets/QN-TP-01").text, client.get("/outlets/QN-TP-01?page=2").text

    assert "Mật ong A" in first and "Mật ong B" in first and "Mật ong C" not in first
    assert "Mật ong C" in second and "Page 2 of 2" in second
    assert client.get("/outlets/QN-TP-01?page=abc").status_code == 200


@pytest.mark.parametrize("code", ["NOPE-01", "QN-OLD-01", "x" * 300])
def test_unknown_or_inactive_outlet_is_404(client, places, code):
    make_outlet("QN-OLD-01", area=places["tien_phuoc"], active=False)
    assert client.get(f"/outlets/{code}").status_code == 404


# --- "Available at" on a product page ------------------------------------------------------


def test_available_at_lists_the_products_district_first(client, places):
    product = make_product("Nước mắm Tiên Phước", producer=make_producer(places["tien_phuoc"]))
    local_small = make_outlet("QN-TP-01", area=places["tien_phuoc"], name="Local small")
    local_big = make_outlet("QN-TP-02", area=places["tien_phuoc"].parent, name="Local big")
    same_province = make_outlet("QN-HA-01", area=places["hoi_an"], name="Same province")
    elsewhere = make_outlet("DN-HC-01", area=places["hai_chau"], name="Elsewhere")
    closed = make_outlet("QN-TP-09", area=places["tien_phuoc"], name="Closed outlet", active=False)
    all_reserved = make_outlet("QN-TP-03", area=places["tien_phuoc"], name="All reserved")
    for outlet, qty in [(local_small, 2), (local_big, 5), (same_province, 50), (elsewhere, 100),
                        (closed, 9), (all_reserved, 4)]:
        stock(outlet, product, qty)
    reserve(all_reserved, product, 4)

    text = client.get(f"/products/{product.slug}").text

    assert in_order(
        text, "Available at", "Local big", "5 available", "Local small", "2 available",
        "Same province", "50 available", "Elsewhere", "100 available", "About this product",
    )
    assert "Same district as the producer" in text
    assert "Closed outlet" not in text and "All reserved" not in text


def test_available_at_says_when_no_outlet_has_it(client, places):
    product = make_product("Sâm Ngọc Linh")
    make_outlet("QN-TP-01", area=places["tien_phuoc"])
    assert "No sales point has this product in stock right now." in client.get(f"/products/{product.slug}").text


# --- JSON API ----------------------------------------------------------------------------


def test_api_lists_active_outlets(client, places):
    make_outlet("QN-TP-01", area=places["tien_phuoc"], latitude=15.48, longitude=108.29,
                phone="0235 3884 123", opening_hours="7:00–17:00")
    make_outlet("QN-TT-01", area=places["hoi_an"].parent.parent, kind="provincial_centre")
    make_outlet("QN-OLD-01", area=places["tien_phuoc"], active=False)

    items = client.get("/api/v1/outlets").json["items"]

    assert [item["code"] for item in items] == ["QN-TP-01", "QN-TT-01"]
    first, centre = items
    assert first == {
        "code": "QN-TP-01", "name": "Điểm bán OCOP QN-TP-01", "kind": "district_point",
        "district": "Tiên Phước", "province": "Quảng Nam", "address": "1 Đường Chính, QN-TP-01",
        "latitude": 15.48, "longitude": 108.29, "phone": "0235 3884 123",
        "opening_hours": "7:00–17:00", "pickup_enabled": True, "url": "http://localhost/outlets/QN-TP-01",
    }
    assert centre["district"] is None and centre["province"] == "Quảng Nam"


def test_api_outlet_stock_is_paginated(client, places):
    outlet = make_outlet("QN-TP-01", area=places["tien_phuoc"])
    honey = make_product("Mật ong", stars=5, price=200_000)
    stock(outlet, honey, 6)
    reserve(outlet, honey, 1)
    stock(outlet, make_product("Trà", stars=3), 2)
    stock(outlet, make_product("Chưa đạt", stars=2), 9)

    body = client.get("/api/v1/outlets/QN-TP-01/stock?per_page=1").json

    assert (body["outlet"], body["total"], body["pages"], body["page"], body["per_page"]) == ("QN-TP-01", 2, 2, 1, 1)
    assert body["items"] == [{
        "slug": honey.slug, "name": "Mật ong", "name_vi": "Mật ong", "missing_english": True, "price_vnd": 200_000, "stars": 5, "available": 5,
        "url": f"http://localhost/products/{honey.slug}",
    }]
    assert client.get("/api/v1/outlets/QN-TP-01/stock?per_page=1&page=2").json["items"][0]["name"] == "Trà"


@pytest.mark.parametrize("code", ["NOPE", "QN-OLD-01"])
def test_api_unknown_outlet_is_json_404(client, places, code):
    make_outlet("QN-OLD-01", area=places["tien_phuoc"], active=False)
    response = client.get(f"/api/v1/outlets/{code}/stock")
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404 and response.json["error"]["message"]


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "page=0", "page=x"])
def test_api_outlet_stock_bad_paging_is_json_400(client, places, query):
    make_outlet("QN-TP-01", area=places["tien_phuoc"])
    response = client.get(f"/api/v1/outlets/QN-TP-01/stock?{query}")
    assert response.status_code == 400 and response.json["error"]["message"]


def test_openapi_describes_the_outlet_routes(client):
    document = client.get("/api/v1/openapi.json").json
    assert {"/outlets", "/outlets/{code}/stock"} <= set(document["paths"])
    assert {"Outlet", "StockedProduct", "OutletStockPage"} <= set(document["components"]["schemas"])


# --- /admin/outlets/coverage -------------------------------------------------------------


@pytest.fixture
def coverage_world(places):
    """Quảng Nam: Tiên Phước has 2 active points, Hội An only a closed one, Núi Thành none.
    Đà Nẵng: Hải Châu has one. A province-level centre counts for no district, and a
    province without districts is not listed."""
    quang_nam = places["tien_phuoc"].parent.parent
    make_area("Núi Thành", "district", quang_nam, code="QN-NT")
    make_outlet("QN-TP-01", area=places["tien_phuoc"])
    make_outlet("QN-TP-02", area=places["tien_phuoc"].parent, kind="partner_shop")
    make_outlet("QN-HA-01", area=places["hoi_an"], active=False)
    make_outlet("QN-TT-01", area=quang_nam, kind="provincial_centre")
    make_outlet("DN-HC-01", area=places["hai_chau"])
    no_districts = make_area("Tỉnh Không Huyện", "province")
    make_outlet("KH-01", area=make_area("Xã Một", "commune", no_districts))


def test_coverage_counts_active_outlets_per_district_in_one_query(db, coverage_world):
    db.session.expire_all()
    with QueryCounter(db.engine) as queries:
        provinces = sales_point_coverage()
    assert queries.count == 1
    counts = {p.name: {d.name: d.outlets for d in p.districts} for p in provinces}
    assert counts == {
        "Quảng Nam": {"Tiên Phước": 2, "Hội An": 0, "Núi Thành": 0},
        "Đà Nẵng": {"Hải Châu": 1},
    }
    quang_nam = next(p for p in provinces if p.name == "Quảng Nam")
    assert quang_nam.covered == 1
    assert {d.name for d in quang_nam.districts[:2]} == {"Hội An", "Núi Thành"}  # uncovered first


def test_coverage_page_flags_districts_without_a_sales_point(client, login_as, coverage_world):
    login_as("staff")
    text = client.get("/admin/outlets/coverage").text
    assert "2 of 4 districts covered" in text
    uncovered = re.findall(r'<tr class="uncovered">\s*<td>([^<]+?) <span class="tag tag-alert">No sales point', text)
    assert sorted(uncovered) == ["Hội An", "Núi Thành"]
    assert "Tỉnh Không Huyện" not in text
    listed = re.search(r"2 districts have no sales point:\s+([^<]+?)\s*</p>", text).group(1)
    assert sorted(listed.split(", ")) == ["Hội An", "Núi Thành"]


@pytest.mark.parametrize("role, status", [("customer", 403), ("manager", 403), ("staff", 200), ("admin", 200)])
def test_coverage_is_for_programme_staff(client, login_as, db, role, status):
    login_as(role)
    assert client.get("/admin/outlets/coverage").status_code == status


def test_coverage_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get("/admin/outlets/coverage")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_coverage_by_todays_provinces_puts_a_merged_provinces_districts_under_its_successor(
        client, login_as, db, places, coverage_world):
    quang_nam, da_nang = places["tien_phuoc"].parent.parent, places["hai_chau"].parent.parent
    quang_nam.replaced_by = da_nang
    db.session.commit()
    counts = {p.name: {d.name: d.outlets for d in p.districts} for p in sales_point_coverage(todays_areas=True)}
    assert counts == {"Đà Nẵng": {"Hội An": 0, "Núi Thành": 0, "Hải Châu": 1, "Tiên Phước": 2}}
    assert [p.name for p in sales_point_coverage()] == ["Quảng Nam", "Đà Nẵng"]  # as they were
    login_as("staff")
    text = client.get("/admin/outlets/coverage?areas=today").text
    assert re.search(r"Đà Nẵng ·\s+2 of 4 covered", text) and "Quảng Nam ·" not in text


def test_staff_give_the_day_an_outlet_opened_and_the_plans_count_it_from_then(client, login_as, db, places):
    login_as("staff")
    form = {"code": "QN-TP-09", "name": "Điểm OCOP Tiên Phước", "kind": "district_point", "place": places[
        "tien_phuoc"].parent.code, "commune": "", "address": "Thôn 1", "opening_hours": "", "directions": ""}
    assert "The opening day is between 2018-01-01 and today." in client.post(
        "/admin/outlets/new", data=form | {"opened_on": "2099-01-01"}).text
    assert client.post("/admin/outlets/new", data=form | {"opened_on": "2023-05-04"}).status_code == 302
    outlet = db.session.scalar(db.select(Outlet).where(Outlet.code == "QN-TP-09"))
    assert outlet.opened_on == date(2023, 5, 4)
    form.pop("code")
    assert client.post("/admin/outlets/QN-TP-09/edit", data=form | {"opened_on": "2022-01-10"}).status_code == 302
    db.session.expire_all()
    assert outlet.opened_on == date(2022, 1, 10)

import pytest

from tests.factories import make_lot, make_product


def test_product_detail_json(client):
    product = make_product("Sâm Ngọc Linh củ", group="herbal", stars=5, price=5_000_000)
    make_lot(product, "QN-SNL-01", standards=["VietGAP"])
    body = client.get(f"/api/v1/products/{product.slug}").json
    assert body["name"] == "Sâm Ngọc Linh củ"
    assert body["price_vnd"] == 5_000_000
    assert body["certification"]["stars"] == 5 and body["certification"]["valid"] is True
    assert body["lots"][0]["lot_code"] == "QN-SNL-01"
    assert body["lots"][0]["trace_url"].endswith("/trace/QN-SNL-01")


def test_uncertified_product_is_not_in_the_api(client):
    make_product("Hàng chưa đạt", stars=2)
    assert client.get("/api/v1/products").json["total"] == 0
    response = client.get("/api/v1/products/hang-chua-dat")
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


@pytest.mark.parametrize("query", ["stars=9", "page=abc&stars=1", "min_price=abc", "per_page=0", "per_page=1000", "group=x"])
def test_bad_api_parameters_are_json_400(client, query):
    response = client.get(f"/api/v1/products?{query}")
    assert response.status_code == 400
    assert response.is_json and response.json["error"]["message"]


def test_unknown_api_path_is_json(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.is_json


def test_search_needs_a_query(client):
    assert client.get("/api/v1/search").status_code == 400


def test_openapi_describes_every_route(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert {"/products", "/products/{slug}", "/search"} <= set(document["paths"])


def test_product_detail_lists_where_it_is_available(client):
    from tests.factories import make_outlet, stock

    product = make_product("Nước mắm Cửa Khe")
    stock(make_outlet("QN-TK-01", name="Điểm bán OCOP Tam Kỳ"), product, 7)
    make_outlet("QN-HA-01")  # carries nothing: not listed
    body = client.get(f"/api/v1/products/{product.slug}").json
    assert body["availability"] == [{"outlet": "QN-TK-01", "name": "Điểm bán OCOP Tam Kỳ", "available": 7}]

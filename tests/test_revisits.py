"""A revisit of a catalogue page costs a 304 while the catalogue is unchanged; pages travel
compressed to browsers that accept Brotli or gzip (private pages never are: BREACH); static
files carry their content's hash in the address and are kept by browsers for a year."""
import gzip
import os
import re

import brotli
import pytest
from flask import url_for

from config import TestConfig
from storefront.catalog.services import update_product
from storefront.compression import encode_head
from storefront.extensions import db
from storefront.static_files import static_url
from tests.factories import make_outlet, make_product, stock


@pytest.fixture
def page_cache_on(monkeypatch):
    monkeypatch.setattr(TestConfig, "PAGE_CACHE", True)


@pytest.fixture(params=[True, False], ids=["stored page", "rendered page"])
def page_cache_or_not(request, monkeypatch):
    monkeypatch.setattr(TestConfig, "PAGE_CACHE", request.param)


@pytest.fixture
def shop(app):
    return make_product("Nước mắm Cửa Khe", price=150_000)


def revisit(client, path: str, response):
    return client.get(path, headers={"If-None-Match": response.headers["ETag"]})


@pytest.mark.parametrize("path", ["/", "/products", "/search?q=nuoc+mam", "/api/v1/products"])
def test_a_stored_page_revisited_unchanged_is_a_304(page_cache_on, app, shop, path):
    client = app.test_client()
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    assert "no-cache" in first.headers["Cache-Control"]
    again = revisit(client, path, first)
    assert again.status_code == 304 and again.data == b""
    stored = client.get(path)  # now answered from the page cache: the same ETag
    assert stored.headers["ETag"] == first.headers["ETag"]
    assert revisit(client, path, stored).status_code == 304


def test_a_product_page_with_its_cart_form_is_a_304_while_its_token_is_young(page_cache_or_not, app, shop):
    stock(make_outlet(), shop, 10)
    client = app.test_client()
    first = client.get("/products/nuoc-mam-cua-khe")
    assert 'name="csrf_token"' in first.text
    assert revisit(client, "/products/nuoc-mam-cua-khe", first).status_code == 304
    app.config["WTF_CSRF_TIME_LIMIT"] = 0  # the copy's token is too old to reuse
    again = revisit(client, "/products/nuoc-mam-cua-khe", first)
    assert again.status_code == 200 and 'name="csrf_token"' in again.text


def test_a_catalogue_change_gives_the_page_a_new_etag(page_cache_on, app, shop):
    client = app.test_client()
    first = client.get("/products")
    update_product(db.session.merge(shop), price=175_000)
    changed = revisit(client, "/products", first)
    assert changed.status_code == 200 and "175.000" in changed.text
    assert changed.headers["ETag"] != first.headers["ETag"]


def test_a_page_rendered_for_a_logged_in_visitor_is_revalidated_privately(app, shop, client, login_as):
    login_as("customer")
    client.get("/")  # shows the welcome message once
    first = client.get("/products")
    assert first.status_code == 200 and "Nước mắm Cửa Khe" in first.text
    assert {"private", "no-cache"} <= set(re.split(r",\s*", first.headers["Cache-Control"]))
    assert revisit(client, "/products", first).status_code == 304
    update_product(db.session.merge(shop), price=175_000)
    assert revisit(client, "/products", first).status_code == 200


@pytest.mark.parametrize("encoding, decompress", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_pages_travel_compressed_when_the_browser_accepts_it(page_cache_or_not, app, shop, encoding, decompress):
    client = app.test_client()
    plain = client.get("/products").data
    for _ in range(2):  # the second is a stored page's stored copy when the cache is on
        response = client.get("/products", headers={"Accept-Encoding": f"{encoding}, identity;q=0.5"})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert len(response.data) < len(plain) * 0.4  # per answer, compressed for speed: about 35 %
        assert decompress(response.data) == plain


@pytest.mark.parametrize("encoding, decompress", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_a_stored_product_page_goes_compressed_with_each_visitors_token_sent_as_is(page_cache_on, app, shop,
                                                                                  encoding, decompress):
    stock(make_outlet(), shop, 10)
    path, accept = "/products/nuoc-mam-cua-khe", {"Accept-Encoding": encoding}
    app.test_client().get(path)  # rendered and stored
    heads = []
    for visitor in (app.test_client(), app.test_client()):
        response = visitor.get(path, headers=accept)
        page = decompress(response.data).decode()
        token = re.search(r'name="csrf_token" value="([^"]+)" form="add-to-cart"', page).group(1)
        assert response.headers["Content-Encoding"] == encoding and 'id="add-to-cart"' in page
        assert token.encode() in response.data  # never compressed: its length tells nothing
        assert len(response.data) < len(page.encode()) * 0.4
        heads.append(response.data[:response.data.index(token.encode())])
        posted = visitor.post(f"/cart/add/{shop.id}", data={"csrf_token": token, "qty": "2"})
        assert posted.status_code == 302 and posted.headers["Location"] == "/cart"
    assert heads[0] == heads[1]  # everything before the token: one copy for everybody


@pytest.mark.parametrize("tail_length", [0, 150, 70_000])  # longer than one as-is block of either format
@pytest.mark.parametrize("encoding, decompress", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_a_head_compressed_once_closes_with_any_tail(encoding, decompress, tail_length):
    head = "<p>Nước mắm Cửa Khe, 150.000 ₫</p>".encode() * 400
    tail = os.urandom(tail_length)
    copies = encode_head(head)
    assert decompress(copies.close_copy(encoding, tail)) == head + tail  # gzip checks its CRC and length


def test_a_browser_that_accepts_no_compression_gets_plain_bytes(app, shop):
    response = app.test_client().get("/products", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers and "Nước mắm Cửa Khe" in response.text


@pytest.mark.parametrize("accept, encoding", [
    ("gzip;q=0, br;q=0", None), ("br;q=0, *", "gzip"), ("gzip;q=0, *", "br"), ("br;q=0.5, gzip", "gzip"),
    ("identity;q=1, *;q=0", None),  # Chrome's, for a range
])
@pytest.mark.parametrize("path", ["/products", "/search?q=nuoc+mam", "static"])
def test_an_encoding_the_browser_refused_is_never_sent(page_cache_or_not, app, shop, path, accept, encoding):
    client = app.test_client()
    if path == "static":
        path = static_urls(client.get("/products").text)[0]
    with client.get(path, headers={"Accept-Encoding": "identity"}) as response:
        plain = response.data
    decompress = {None: bytes, "br": brotli.decompress, "gzip": gzip.decompress}[encoding]
    for _ in range(2):  # the second is a stored page's stored copy when the cache is on
        with client.get(path, headers={"Accept-Encoding": accept}) as response:
            assert response.headers.get("Content-Encoding") == encoding
            assert decompress(response.data) == plain
            assert "Accept-Encoding" in response.headers["Vary"]


def test_private_pages_are_never_compressed(app, shop, client, login_as):
    login_as("customer")
    response = client.get("/account", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    assert "Content-Encoding" not in response.headers


def static_urls(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"#]+)', page)


def test_static_addresses_carry_the_files_hash_and_are_kept_for_a_year(app, shop):
    client = app.test_client()
    urls = static_urls(client.get("/products").text)
    assert urls and all(re.search(r"\?v=[0-9a-f]{12}$", url) for url in urls)
    with client.get(urls[0], headers={"Accept-Encoding": "br"}) as response:
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
        cache_control = set(re.split(r",\s*", response.headers["Cache-Control"]))
        assert {"public", "immutable", "max-age=31536000"} <= cache_control
        assert "Cookie" not in response.headers["Vary"]  # one copy for every visitor in shared caches


def test_a_changed_static_file_gets_a_new_address(app, tmp_path, monkeypatch):
    (tmp_path / "app.css").write_text("body { color: black; }")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))  # the app outlives the test
    with app.test_request_context():
        before = url_for("static", filename="app.css")
        assert url_for("static", filename="app.css") == static_url("app.css") == before  # the layout's, kept
        (tmp_path / "app.css").write_text("body { color: darkgreen; }")
        after = url_for("static", filename="app.css")
        assert static_url("app.css") == after
    assert before != after and after.startswith("/static/app.css?v=")
    with app.test_client().get(after) as response:
        assert response.text == "body { color: darkgreen; }"

"""Shoppers with a cart (or an order opened by its link) get the stored catalogue pages too, with
their own cart in the header: nobody sees another's count, a flashed message or a login still
has the page rendered, and a browser's copy showing another cart is never taken for current."""
import gzip
import re
from contextlib import contextmanager

import brotli
import pytest
from flask import template_rendered

from config import TestConfig
from storefront.orders.access import VIEWED_ORDERS_KEY
from tests.factories import make_outlet, make_product, stock
from tests.test_page_cache import csrf_token, log_in

PRODUCT_PAGE = "/products/nuoc-mam-cua-khe"


@pytest.fixture(autouse=True)
def page_cache_and_csrf_on(monkeypatch):
    monkeypatch.setattr(TestConfig, "PAGE_CACHE", True)
    monkeypatch.setattr(TestConfig, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def shop(app):
    product = make_product("Nước mắm Cửa Khe", price=150_000)
    stock(make_outlet(), product, 10)
    return product


@pytest.fixture(params=["vi", "en"])
def language(request):
    return request.param


@pytest.fixture
def visitor(app, language):
    def new_visitor():
        client = app.test_client()
        client.set_cookie("lang", language)
        return client
    return new_visitor


@contextmanager
def rendered_templates(app):
    """The templates the app renders meanwhile: a stored page is not rendered again."""
    names = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def add_to_cart(client, product, qty: int) -> None:
    """As the product page's script does (no redirect, no flashed message)."""
    token = csrf_token(client.get(PRODUCT_PAGE).text)
    added = client.post(f"/cart/add/{product.id}", data={"qty": qty, "csrf_token": token},
                        headers={"Accept": "application/json"})
    assert added.status_code == 200, added.text


def cart_count(page: str) -> int | None:
    found = re.search(r'class="cart-count"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else None


def test_each_shopper_gets_the_stored_page_with_their_own_cart(app, visitor, language, shop):
    two, one, empty = visitor(), visitor(), visitor()
    add_to_cart(two, shop, 2)
    add_to_cart(one, shop, 1)
    empty.get(PRODUCT_PAGE)  # stored for everybody
    for path in ("/", "/products", PRODUCT_PAGE):
        empty.get(path)
        with rendered_templates(app) as rendered:
            pages = {client: client.get(path).text for client in (two, one, empty)}
        assert rendered == ["_session_links.html"] * 2, path  # only the two carts' links, the pages stored
        assert [cart_count(pages[client]) for client in (two, one, empty)] == [2, 1, None], path
    items = {"vi": "2 sản phẩm", "en": "2 items"}[language]  # their links in their language
    assert f'<html lang="{language}">' in pages[two] and f'aria-label="{items}"' in pages[two]


def test_a_shopper_gets_the_stored_page_compressed_for_them_alone(app, visitor, shop):
    shopper = visitor()
    add_to_cart(shopper, shop, 2)
    visitor().get("/products")  # stored, compressed once
    for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        with rendered_templates(app) as rendered:
            page = shopper.get("/products", headers={"Accept-Encoding": encoding})
        assert rendered == ["_session_links.html"]
        assert page.headers["Content-Encoding"] == encoding and "private" in page.headers["Cache-Control"]
        assert cart_count(decompress(page.data).decode()) == 2
        everybodys = visitor().get("/products", headers={"Accept-Encoding": encoding})
        assert cart_count(decompress(everybodys.data).decode()) is None
        assert "private" not in everybodys.headers["Cache-Control"]


def test_a_page_rendered_for_a_shopper_is_not_stored_with_their_cart(app, visitor, shop):
    shopper = visitor()
    add_to_cart(shopper, shop, 3)
    assert cart_count(shopper.get("/").text) == 3  # rendered, not stored yet
    assert cart_count(visitor().get("/").text) is None
    assert cart_count(visitor().get("/").text) is None  # stored by the visitor before


def test_a_shopper_who_opened_an_order_by_its_link_shares_everybodys_page(app, visitor, shop):
    visitor().get(PRODUCT_PAGE)  # stored
    buyer = visitor()
    with buyer.session_transaction() as session:
        session[VIEWED_ORDERS_KEY] = ["OC261207-937A6C"]
    with rendered_templates(app) as rendered:
        page = buyer.get(PRODUCT_PAGE)
    assert rendered == [] and cart_count(page.text) is None and "private" not in page.headers["Cache-Control"]


def test_a_flashed_message_has_the_page_rendered_with_it(app, visitor, shop):
    shopper = visitor()
    add_to_cart(shopper, shop, 2)
    visitor().get(PRODUCT_PAGE)  # stored
    token = csrf_token(shopper.get(PRODUCT_PAGE).text)
    refused = shopper.post(f"/cart/add/{shop.id}", data={"qty": 50, "csrf_token": token})
    assert refused.headers["Location"].endswith(PRODUCT_PAGE)  # back to the page, with a message
    with rendered_templates(app) as rendered:
        page = shopper.get(PRODUCT_PAGE).text
    assert "catalog/product.html" in rendered
    assert 'class="flash flash-error"' in page and cart_count(page) == 2
    assert 'class="flash flash-error"' not in shopper.get(PRODUCT_PAGE).text  # shown once


def test_a_logged_in_shopper_gets_the_page_rendered_with_their_account_menu(app, visitor, shop):
    visitor().get(PRODUCT_PAGE)  # stored
    customer = visitor()
    add_to_cart(customer, shop, 2)
    log_in(customer, "customer")
    with rendered_templates(app) as rendered:
        page = customer.get(PRODUCT_PAGE).text
    assert "catalog/product.html" in rendered
    assert 'class="account-menu"' in page and "customer@example.vn" in page and cart_count(page) == 2


def test_no_placeholder_ever_reaches_a_browser(app, visitor, shop):
    shopper, buyer, anybody = visitor(), visitor(), visitor()
    add_to_cart(shopper, shop, 2)
    with buyer.session_transaction() as session:
        session[VIEWED_ORDERS_KEY] = ["OC261207-937A6C"]
    for path in ("/", "/products", "/search?q=mam", PRODUCT_PAGE, "/api/v1/products", f"/api/v1/products/{shop.slug}"):
        for client in (anybody, shopper, buyer, anybody, shopper, buyer):  # rendered, then stored
            for encoding in ("identity", "br", "gzip"):
                page = client.get(path, headers={"Accept-Encoding": encoding})
                body = {"br": brotli.decompress, "gzip": gzip.decompress}.get(
                    page.headers.get("Content-Encoding"), bytes)(page.data)
                assert page.status_code == 200 and b"\x00" not in body, (path, encoding)
                again = client.get(path, headers={"If-None-Match": page.headers["ETag"]})
                assert again.status_code in (200, 304) and b"\x00" not in again.data


def test_a_copy_showing_another_cart_is_never_a_304(app, visitor, shop):
    two, one = visitor(), visitor()
    add_to_cart(two, shop, 2)
    add_to_cart(one, shop, 1)
    visitor().get("/products")  # stored
    with rendered_templates(app) as rendered:
        seen = two.get("/products")
    assert rendered == ["_session_links.html"]  # the stored page
    assert two.get("/products", headers={"If-None-Match": seen.headers["ETag"]}).status_code == 304
    for client, count in ((one, 1), (visitor(), None)):
        other = client.get("/products", headers={"If-None-Match": seen.headers["ETag"]})
        assert other.status_code == 200 and cart_count(other.text) == count
    add_to_cart(two, shop, 1)
    changed = two.get("/products", headers={"If-None-Match": seen.headers["ETag"]})
    assert changed.status_code == 200 and cart_count(changed.text) == 3

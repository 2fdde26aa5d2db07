"""A stored product page stays stored when its stock changes: where the product is available and
the add-to-cart form are filled in for each answer from the stock then, rendered on their own, so
every visitor (with a cart or not) sees the stock as it is, and a browser's copy showing other
stock is never taken for current."""
import gzip
import re

import brotli
import pytest

from storefront.catalog.services import revoke_certification
from storefront.extensions import cache, db
from storefront.outlets.services import adjust_stock
from tests.factories import make_order, make_outlet, make_product, stock
from tests.test_page_cache import csrf_token
# With its fixtures: the page cache and CSRF on, each test in Vietnamese and English.
from tests.test_page_cache_carts import (  # noqa: F401
    PRODUCT_PAGE, add_to_cart, cart_count, language, page_cache_and_csrf_on, rendered_templates, visitor,
)

STOCK_PARTS = ["catalog/_add_to_cart.html", "catalog/_availability.html", "catalog/_add_to_cart_token.html"]
SOLD_OUT = {"vi": "Hiện chưa có điểm bán nào còn hàng sản phẩm này.",
            "en": "No sales point has this product in stock right now."}


@pytest.fixture
def outlet(app):
    return make_outlet()


@pytest.fixture
def shop(app, outlet):
    product = make_product("Nước mắm Cửa Khe", price=150_000)
    stock(outlet, product, 10)
    return product


def available_at(page: str) -> dict[str, int]:
    """The sales points listed with the product, and how many each has."""
    section = page[page.index('<section class="availability"'):]
    section = section[:section.index("</section>")]
    return {name: int(re.search(r"\d+", shown).group())
            for name, shown in re.findall(r'<li><a href="/outlets/[^"]+">([^<]+)</a>.*?<strong>([^<]+)</strong>',
                                          section, re.DOTALL)}


def most_to_add(page: str) -> int | None:
    """The add-to-cart form's largest quantity, None without the form."""
    found = re.search(r'<form class="add-to-cart".*?name="qty"[^>]*max="(\d+)"', page, re.DOTALL)
    return int(found.group(1)) if found else None


def without_token(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', page)


@pytest.mark.parametrize("change, shown", [
    ("received", {"Điểm bán OCOP QN-TP-01": 10, "Điểm bán OCOP QN-TP-02": 3}),
    ("reserved", {"Điểm bán OCOP QN-TP-01": 6}),
])
def test_a_stored_product_page_shows_the_stock_as_it_is_now(app, visitor, shop, outlet, change, shown):
    other = make_outlet("QN-TP-02")  # a new outlet is a catalogue change: made before the page is stored
    shopper = visitor()
    add_to_cart(shopper, shop, 2)
    visitor().get(PRODUCT_PAGE)  # stored for everybody
    if change == "received":
        stock(other, db.session.merge(shop), 3)
    else:  # an order holds 4 of the 10
        make_order(db.session.merge(outlet), [(db.session.merge(shop), 4)])
    with rendered_templates(app) as rendered:
        pages = [visitor().get(PRODUCT_PAGE).text, shopper.get(PRODUCT_PAGE).text]
    # The stored page with its stock parts rendered anew, once: the shopper gets them as rendered.
    assert rendered == STOCK_PARTS + ["_session_links.html"]
    for page in pages:
        assert available_at(page) == shown and most_to_add(page) == max(shown.values())
    assert cart_count(pages[0]) is None and cart_count(pages[1]) == 2


def test_stock_parts_rendered_anew_serve_the_next_visitors_until_the_stock_changes(app, visitor, shop, outlet):
    visitor().get(PRODUCT_PAGE)  # stored
    make_order(db.session.merge(outlet), [(db.session.merge(shop), 4)])
    with rendered_templates(app) as rendered:
        pages = [visitor().get(PRODUCT_PAGE).text for _ in range(3)]
    assert rendered == STOCK_PARTS  # for the first of them only
    assert [available_at(page) for page in pages] == [{"Điểm bán OCOP QN-TP-01": 6}] * 3
    assert len({csrf_token(page) for page in pages}) == 3  # each visitor's own token in the form
    make_order(db.session.merge(outlet), [(db.session.merge(shop), 1)])
    with rendered_templates(app) as rendered:
        page = visitor().get(PRODUCT_PAGE).text
    assert rendered == STOCK_PARTS and available_at(page) == {"Điểm bán OCOP QN-TP-01": 5}


def test_a_product_sold_out_and_back_in_stock(app, visitor, language, shop, outlet):
    visitor().get(PRODUCT_PAGE)  # stored
    adjust_stock(outlet=db.session.merge(outlet), product=db.session.merge(shop), change=-10, reason="Vỡ", user=None)
    with rendered_templates(app) as rendered:
        page = visitor().get(PRODUCT_PAGE).text
    assert rendered == STOCK_PARTS
    assert SOLD_OUT[language] in page and available_at(page) == {} and most_to_add(page) is None
    stock(db.session.merge(outlet), db.session.merge(shop), 5)
    page = visitor().get(PRODUCT_PAGE).text
    assert SOLD_OUT[language] not in page and available_at(page) == {"Điểm bán OCOP QN-TP-01": 5}
    assert most_to_add(page) == 5


NOT_FOR_SALE = {"vi": "Hiện không bán tại điểm bán nào.", "en": "Not for sale at any sales point."}


def test_a_stored_page_of_a_revoked_product_lists_no_stock_when_the_stock_changes(app, visitor, language, shop, outlet):
    revoke_certification(evaluation=shop.certification, reason="Sai nhãn")
    visitor().get(PRODUCT_PAGE)  # stored
    stock(db.session.merge(outlet), db.session.merge(shop), 5)
    with rendered_templates(app) as rendered:
        page = visitor().get(PRODUCT_PAGE).text
    assert rendered == STOCK_PARTS  # rendered anew for the new stock
    assert NOT_FOR_SALE[language] in page and available_at(page) == {} and most_to_add(page) is None


def test_the_filled_page_is_the_page_the_app_renders(app, visitor, shop, outlet):
    other = make_outlet("QN-TP-02")
    visitor().get(PRODUCT_PAGE)  # stored
    make_order(db.session.merge(outlet), [(db.session.merge(shop), 4)])
    stock(other, db.session.merge(shop), 3)
    with rendered_templates(app) as rendered:
        filled = visitor().get(PRODUCT_PAGE).text
    assert rendered == STOCK_PARTS  # the stored page
    cache.clear()
    with rendered_templates(app) as rendered:
        fresh = visitor().get(PRODUCT_PAGE).text
    assert "catalog/product.html" in rendered
    assert without_token(filled) == without_token(fresh)


def test_a_copy_showing_other_stock_is_never_a_304(app, visitor, shop, outlet):
    client = visitor()
    seen = client.get(PRODUCT_PAGE)  # rendered and stored
    assert client.get(PRODUCT_PAGE, headers={"If-None-Match": seen.headers["ETag"]}).status_code == 304
    make_order(db.session.merge(outlet), [(db.session.merge(shop), 4)])
    changed = client.get(PRODUCT_PAGE, headers={"If-None-Match": seen.headers["ETag"]})
    assert changed.status_code == 200 and available_at(changed.text) == {"Điểm bán OCOP QN-TP-01": 6}
    again = client.get(PRODUCT_PAGE, headers={"If-None-Match": changed.headers["ETag"]})
    assert again.status_code == 304  # the same stock
    adjust_stock(outlet=db.session.merge(outlet), product=db.session.merge(shop), change=-6, reason="Vỡ", user=None)
    sold_out = client.get(PRODUCT_PAGE, headers={"If-None-Match": changed.headers["ETag"]})
    assert sold_out.status_code == 200 and most_to_add(sold_out.text) is None


def test_a_page_with_new_stock_is_compressed_for_each_answer(app, visitor, shop, outlet):
    shopper, anybody = visitor(), visitor()
    add_to_cart(shopper, shop, 1)
    anybody.get(PRODUCT_PAGE)  # stored
    make_order(db.session.merge(outlet), [(db.session.merge(shop), 4)])
    for client in (anybody, shopper):
        for encoding, decompress in (("identity", bytes), ("br", brotli.decompress), ("gzip", gzip.decompress)):
            page = client.get(PRODUCT_PAGE, headers={"Accept-Encoding": encoding})
            body = decompress(page.data) if page.headers.get("Content-Encoding") == encoding else page.data
            assert b"\x00" not in body
            assert available_at(body.decode()) == {"Điểm bán OCOP QN-TP-01": 6}
            again = client.get(PRODUCT_PAGE, headers={"If-None-Match": page.headers["ETag"]})
            assert again.status_code == 304 and b"\x00" not in again.data


def test_the_api_follows_the_stock_too(app, visitor, shop, outlet):
    path = f"/api/v1/products/{shop.slug}"
    assert visitor().get(path).json["availability"][0]["available"] == 10
    make_order(db.session.merge(outlet), [(db.session.merge(shop), 4)])
    assert visitor().get(path).json["availability"][0]["available"] == 6

"""English mode is English: products' English name, unit and description wherever a visitor
reads them (and a note where the product has none), an API that answers in English, search that
matches English words, messages in one language and growth files in the visitor's language."""
import csv
import io
import shutil

import openpyxl
import pytest
from whoosh.fields import Schema

from config import TestConfig
from storefront.catalog.imports import import_products
from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.outlets.services import assign_outlets
from storefront.search import index as search_index
from storefront.search.index import SCHEMA, current_index
from storefront.spreadsheets import csv_bytes
from tests.factories import make_outlet, make_producer, make_product, make_order, stock

NOTE = "Not available in English"


@pytest.fixture
def sauce(app):
    return make_product(
        "Nước mắm Cửa Khe", code="NM-01", name_en="Cua Khe fish sauce", unit="chai 500 ml", unit_en="500 ml bottle",
        description_vi="Cá cơm ủ chượp mười hai tháng.", description_en="Anchovies fermented for twelve months.",
    )


@pytest.fixture
def wine(app):
    """A product registered in Vietnamese only."""
    return make_product("Rượu Ngô Cải Vân", code="RN-01", group="beverage", unit="chai 750 ml",
                        description_vi="Rượu ngô men lá.")


@pytest.fixture
def outlet(sauce, wine):
    outlet = make_outlet("QN-A", name="Điểm OCOP Tiên Phước")
    stock(outlet, sauce, 10)
    stock(outlet, wine, 5)
    return outlet


# Pages


def test_an_english_product_page_is_english(client, in_english, sauce):
    page = client.get(f"/products/{sauce.slug}").text
    for text in ("Cua Khe fish sauce", "500 ml bottle", "Anchovies fermented for twelve months."):
        assert text in page
    for text in ("Nước mắm Cửa Khe", "chai 500 ml", "Cá cơm ủ chượp", NOTE):
        assert text not in page


def test_a_product_without_english_says_so_and_marks_its_vietnamese(client, in_english, wine):
    page = client.get(f"/products/{wine.slug}").text
    assert '<span lang="vi">Rượu Ngô Cải Vân</span>' in page
    assert '<span lang="vi">chai 750 ml</span>' in page
    assert '<span lang="vi">Rượu ngô men lá.</span>' in page
    assert page.count(NOTE) == 3  # the name, the unit and the description


def test_vietnamese_pages_stay_vietnamese(client, sauce, wine):
    page = client.get(f"/products/{sauce.slug}").text
    assert "Nước mắm Cửa Khe" in page and "chai 500 ml" in page and "Cua Khe fish sauce" not in page
    assert NOTE not in client.get(f"/products/{wine.slug}").text
    assert 'lang="vi">' not in client.get("/products").text.split("<body", 1)[1]


def test_cards_show_english_names_and_units(client, in_english, sauce, wine):
    page = client.get("/products").text
    assert "Cua Khe fish sauce" in page and "/ 500 ml bottle" in page
    assert "Nước mắm Cửa Khe" not in page
    assert '<span lang="vi">Rượu Ngô Cải Vân</span>' in page and NOTE in page


def test_cards_follow_a_change_of_language(client, sauce, wine):
    """Cards come from macros that Jinja keeps between renders: each page still takes its
    words from its own language."""
    assert NOTE not in client.get("/products").text
    client.set_cookie("lang", "en")
    english = client.get("/products").text
    assert '<span lang="vi">Rượu Ngô Cải Vân</span>' in english and NOTE in english
    client.set_cookie("lang", "vi")
    assert NOTE not in client.get("/products").text


def test_cart_checkout_order_page_and_email_are_english(client, in_english, outlet, sauce, wine, smtp):
    client.post(f"/cart/add/{sauce.id}", data={"qty": 2})
    cart = client.get("/cart").text
    assert "Cua Khe fish sauce" in cart and "500 ml bottle" in cart and "Nước mắm" not in cart
    checkout = client.get("/checkout").text
    assert "Cua Khe fish sauce" in checkout and "Nước mắm" not in checkout

    order = make_order(outlet, [(sauce, 1), (wine, 1)], language="en")
    assert order.lines[0].name == "Nước mắm Cửa Khe"  # kept as sold
    page = client.get(f"/orders/{order.number}?key={order.access_token}").text
    assert "Cua Khe fish sauce" in page and "500 ml bottle" in page and "Nước mắm" not in page
    assert '<span lang="vi">Rượu Ngô Cải Vân</span>' in page
    body = smtp.send()[-1][3].get_content()
    assert "1 × Cua Khe fish sauce" in body and "Nước mắm" not in body


def test_a_vietnamese_order_email_names_lines_in_vietnamese(app, outlet, sauce, smtp):
    make_order(outlet, [(sauce, 1)], language="vi")
    body = smtp.send()[-1][3].get_content()
    assert "1 × Nước mắm Cửa Khe" in body and "fish sauce" not in body


def test_messages_name_products_in_the_page_language(client, in_english, app):
    sold_out = make_product("Mật ong rừng", code="MO-01", name_en="Wild honey")
    client.post(f"/cart/add/{sold_out.id}", data={"qty": 1})
    page = client.get("/cart").text
    assert "Wild honey is out of stock at every sales point." in page and "Mật ong" not in page


def test_the_till_receipt_names_products_in_english(client, in_english, login_as, outlet, sauce):
    user = login_as("manager")
    assign_outlets(user=user, codes=["QN-A"])
    client.post("/manage/QN-A/pos/lines", data={"product_code": "NM-01", "qty": "1"})
    with client.session_transaction() as session:
        number = session["pos_carts"]["QN-A"]["number"]
    response = client.post("/manage/QN-A/pos/complete", data={
        "sale_number": number, "expected_total": str(sauce.price), "payment_kind": "card", "complete": "1"})
    receipt = client.get(response.location).text
    assert "Cua Khe fish sauce" in receipt and "Nước mắm" not in receipt


@pytest.fixture
def page_cache_on(monkeypatch):
    """Before the app is made: the whole-page cache as in production."""
    monkeypatch.setattr(TestConfig, "PAGE_CACHE", True)


def test_the_page_cache_keeps_each_language(page_cache_on, client, sauce):
    for _ in range(2):  # the second time from the cache
        assert "Nước mắm Cửa Khe" in client.get(f"/products/{sauce.slug}").text
        assert client.get(f"/api/v1/products/{sauce.slug}").json["name"] == "Nước mắm Cửa Khe"
        by_header = client.get(f"/api/v1/products/{sauce.slug}", headers={"Accept-Language": "en"})
        assert by_header.json["name"] == "Cua Khe fish sauce"
    client.set_cookie("lang", "en")
    english = client.get(f"/products/{sauce.slug}").text
    assert "Cua Khe fish sauce" in english and "Nước mắm Cửa Khe" not in english


# The English unit: form, import


def test_staff_enter_the_english_unit(client, staff_user):
    producer = make_producer()
    response = client.post("/admin/products/new", data={
        "code": "QN-TRA-01", "name_vi": "Trà sâm dây", "name_en": "Codonopsis tea", "group": "beverage",
        "unit": "hộp 100 g", "unit_en": "100 g box", "price": "185.000", "unit_cost": "120000",
        "producer_ref": producer.registration_no, "description_vi": "", "description_en": "",
    })
    assert response.status_code == 302
    product = db.session.scalar(db.select(Product).where(Product.code == "QN-TRA-01"))
    assert (product.unit, product.unit_en) == ("hộp 100 g", "100 g box")
    assert 'value="100 g box"' in client.get("/admin/products/QN-TRA-01/edit").text
    assert client.post("/admin/products/QN-TRA-01/edit", data={
        "name_vi": "Trà sâm dây", "group": "beverage", "unit": "hộp 100 g", "unit_en": "x" * 61, "price": "185000",
        "unit_cost": "120000", "producer_ref": producer.registration_no}).status_code == 200
    db.session.refresh(product)
    assert product.unit_en == "100 g box"  # a bad value re-renders the form, nothing saved


def test_the_product_import_reads_the_english_unit(app):
    producer = make_producer()
    rows = [["code", "name_vi", "group", "producer_registration_no", "unit", "unit_en", "price", "unit_cost"],
            ["BL-BT-01", "Bánh tráng Bà Lan", "food", producer.registration_no, "gói 500 g", "500 g pack", "45000", "20000"]]
    import_products(filename="file.csv", data=csv_bytes(rows), actor=None)
    product = db.session.scalar(db.select(Product).where(Product.code == "BL-BT-01"))
    assert product.unit_en == "500 g pack"


# The API


def test_the_api_answers_in_english_when_asked(client, sauce, wine):
    english = client.get(f"/api/v1/products/{sauce.slug}?lang=en").json
    assert (english["name"], english["unit"], english["description"]) == (
        "Cua Khe fish sauce", "500 ml bottle", "Anchovies fermented for twelve months.")
    assert english["language"] == "en" and english["missing_english"] is False
    assert english["name_vi"] == "Nước mắm Cửa Khe"

    vietnamese = client.get(f"/api/v1/products/{sauce.slug}").json
    assert (vietnamese["name"], vietnamese["unit"]) == ("Nước mắm Cửa Khe", "chai 500 ml")

    by_header = client.get("/api/v1/products?sort=newest", headers={"Accept-Language": "en-GB,en;q=0.9"})
    items = {item["code"]: item for item in by_header.json["items"]}
    assert items["NM-01"]["name"] == "Cua Khe fish sauce"
    assert items["RN-01"]["name"] == "Rượu Ngô Cải Vân" and items["RN-01"]["missing_english"] is True
    assert "Accept-Language" in by_header.headers["Vary"]
    assert client.get("/api/v1/products?lang=fr").status_code == 400


def test_the_api_language_is_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/products", "/search", "/products/{slug}"):
        assert "lang" in [p["name"] for p in spec["paths"][path]["get"]["parameters"]]
    summary = spec["components"]["schemas"]["ProductSummary"]["properties"]
    assert {"missing_english", "unit_en", "language"} <= set(summary)


# Search


def test_search_and_suggestions_match_english_words(client, in_english, sauce, wine):
    page = client.get("/search?q=fish+sauce").text
    assert "<mark>fish</mark> <mark>sauce</mark>" in page  # the English name, matched words marked
    suggestions = client.get("/search/suggest?q=fish").json["suggestions"]
    assert [(s["name"], s["lang"]) for s in suggestions] == [("Cua Khe fish sauce", None)]
    suggestions = client.get("/search/suggest?q=ruou").json["suggestions"]
    assert [(s["name"], s["lang"]) for s in suggestions] == [("Rượu Ngô Cải Vân", "vi")]


def test_vietnamese_pages_find_english_words_too(client, sauce):
    assert [s["name"] for s in client.get("/search/suggest?q=fish").json["suggestions"]] == ["Nước mắm Cửa Khe"]


def test_an_index_of_the_old_schema_keeps_working_and_the_reindex_replaces_it(app, sauce):
    """An index folder written before the English name was indexed: it still follows the
    catalogue and answers (typo fallback included); `flask search reindex` says so and rebuilds."""
    search_index_obj = current_index()
    old_schema = Schema(**{name: SCHEMA[name] for name in SCHEMA.names() if not name.startswith("name_en")})
    folder = search_index_obj.dirname
    shutil.rmtree(folder)
    old = search_index.SearchIndex(folder, 5, app.config["SEARCH_INLINE_LIMIT"], 0)
    old.storage.create_index(old_schema, indexname=old.name)
    app.extensions["search"] = search_index.SearchIndex(folder, 5, app.config["SEARCH_INLINE_LIMIT"], 0)
    assert current_index().missing_fields() == ["name_en", "name_en_ngram"]

    paste = make_product("Mắm ruốc Huế", code="MR-01", name_en="Hue shrimp paste")  # indexed after its commit
    client = app.test_client()
    assert f'href="/products/{paste.slug}"' in client.get("/search?q=mam+ruoc").text
    assert client.get("/search?q=mam+ruocc").status_code == 200  # fuzzy fallback on the old index

    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert "older schema" in result.output and "name_en" in result.output
    assert current_index().missing_fields() == []
    assert [s["name"] for s in client.get("/search/suggest?q=shrimp").json["suggestions"]] == ["Mắm ruốc Huế"]


# Growth report files


def test_growth_files_speak_the_visitors_language(client, login_as, sauce):
    login_as("staff")
    vietnamese = list(csv.reader(io.StringIO(client.get("/admin/reports/growth.csv").data.decode("utf-8-sig"))))
    assert vietnamese[0][:2] == ["Mã sản phẩm", "Tên sản phẩm"] and "Chưa đến hạn" in vietnamese[1]

    client.set_cookie("lang", "en")
    english = list(csv.reader(io.StringIO(client.get("/admin/reports/growth.csv").data.decode("utf-8-sig"))))
    assert english[0][:2] == ["Product code", "Product name"] and "Status" in english[0]
    assert "Not yet due" in english[1] and "Food" in english[1]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/admin/reports/growth.xlsx").data))
    sheet = workbook.active
    assert sheet.title == "Growth" and sheet.cell(1, 1).value == "Product code"

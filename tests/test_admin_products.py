"""Staff register and correct products; the shop (listing, search, product page) follows at once."""
import pytest

from storefront.audit.models import AuditEntry
from storefront.audit.services import record_history
from storefront.catalog.models import Product
from storefront.extensions import db
from tests.conftest import count_rows
from tests.factories import make_place, make_producer, make_product


def product_data(producer, **overrides) -> dict:
    data = {
        "code": "QN-TRA-01", "name_vi": "Trà sâm dây Ngọc Linh", "name_en": "Ngoc Linh codonopsis tea",
        "group": "beverage", "subgroup": "Trà", "unit": "hộp 100 g", "price": "185.000", "unit_cost": "120000",
        "producer_ref": producer.registration_no, "description_vi": "Trà từ sâm dây trồng dưới tán rừng.",
        "description_en": "",
    }
    return {**data, **overrides}


def test_staff_register_a_product(client, staff_user):
    producer = make_producer(make_place("Kon Tum", "Tu Mơ Rông", "Măng Ri"))
    response = client.post("/admin/products/new", data=product_data(producer))
    assert response.status_code == 302
    product = db.session.scalar(db.select(Product))
    assert (product.code, product.slug, product.price, product.unit_cost, product.name_en) == (
        "QN-TRA-01", "tra-sam-day-ngoc-linh", 185_000, 120_000, "Ngoc Linh codonopsis tea")
    assert product.province.name == "Kon Tum" and product.district.name == "Tu Mơ Rông"
    assert product.description_en is None  # an empty English text falls back to Vietnamese
    [entry] = record_history(product)
    assert entry.action == "create" and entry.changes["price"] == [None, 185_000]
    assert entry.changes["producer_id"] == [None, producer.id]
    page = client.get(response.location).text
    assert "Trà sâm dây Ngọc Linh" in page and "No photo yet" in page and "Not evaluated yet" in page


def test_the_product_form_can_start_from_its_producer(client, staff_user):
    producer = make_producer(name="HTX Dược liệu Trà Linh")
    form = client.get("/admin/products/new", query_string={"producer": producer.registration_no}).text
    assert f'value="{producer.registration_no}"' in form and "HTX Dược liệu Trà Linh" in form


@pytest.mark.parametrize("overrides, message", [
    ({"code": ""}, "Enter a product code."),
    ({"code": "a b"}, "A product code has 2–30 letters, digits or dashes."),
    ({"name_vi": " "}, "Enter the product"),
    ({"group": "weapons"}, "Not a valid choice"),
    ({"unit": ""}, "Enter the unit it is sold by"),
    ({"price": "abc"}, "Enter a whole number of đồng"),
    ({"price": "-5"}, "The price is a whole number of đồng from 0 to 2,000,000,000."),
    ({"price": "3000000000"}, "The price is a whole number of đồng from 0 to 2,000,000,000."),
    ({"price": ""}, "Enter an amount in đồng."),
    ({"unit_cost": "1,5"}, "Enter a whole number of đồng"),
    ({"producer_ref": ""}, "Choose the producer."),
    ({"producer_ref": "NO-SUCH"}, "No producer has the registration number NO-SUCH."),
])
def test_a_bad_product_form_says_why_and_saves_nothing(client, staff_user, overrides, message):
    producer = make_producer()
    response = client.post("/admin/products/new", data=product_data(producer, **overrides))
    assert response.status_code == 200
    assert message in response.text
    assert count_rows(Product) == 0 and count_rows(AuditEntry) == 0


def test_a_product_code_is_unique_and_a_deactivated_producer_takes_no_product(client, staff_user):
    existing = make_product(code="QN-TRA-01")
    response = client.post("/admin/products/new", data=product_data(existing.producer))
    assert "Another product already has the code QN-TRA-01." in response.text
    retired = make_producer(name="HTX đã giải thể", active=False)
    response = client.post("/admin/products/new", data=product_data(retired, code="QN-TRA-02"))
    assert "HTX đã giải thể is deactivated: reactivate it first." in response.text
    assert count_rows(Product) == 1


def test_an_edit_shows_in_the_listing_search_and_product_page_at_once(client, staff_user):
    product = make_product("Nước mắm Cửa Khe", stars=4, price=150_000)
    response = client.post(f"/admin/products/{product.code}/edit", data=product_data(
        product.producer, code="IGNORED", name_vi="Nước mắm nhĩ Cửa Khe", name_en="", price="175000", group="food"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).code == product.code  # the code never changes
    listing = client.get("/products").text
    assert "Nước mắm nhĩ Cửa Khe" in listing and "175.000" in listing
    assert f'href="/products/{product.slug}"' in client.get("/search", query_string={"q": "nuoc mam nhi"}).text
    page = client.get(f"/products/{product.slug}").text  # the slug stays: links keep working
    assert "Nước mắm nhĩ Cửa Khe" in page and "175.000" in page
    [entry] = [e for e in record_history(product) if e.action == "update"]
    assert entry.changes["price"] == [150_000, 175_000]
    assert entry.changes["name_vi"] == ["Nước mắm Cửa Khe", "Nước mắm nhĩ Cửa Khe"]
    assert entry.changes["unit_cost"] == [90_000, 120_000]


def test_withdrawing_a_product_takes_it_out_of_the_shop(client, staff_user):
    product = make_product("Rượu ngô Cải Vân", stars=4)
    card = f'href="/products/{product.slug}"'
    client.post(f"/admin/products/{product.code}/active", data={"active": "0"})
    assert card not in client.get("/search", query_string={"q": "ruou ngo"}).text
    assert "Rượu ngô Cải Vân" in client.get("/admin/products", query_string={"status": "inactive"}).text
    client.post(f"/admin/products/{product.code}/active", data={"active": "1"})
    assert card in client.get("/search", query_string={"q": "ruou ngo"}).text
    assert [e.action for e in record_history(product)][:2] == ["activate", "deactivate"]


def test_the_list_searches_without_diacritics_and_filters(client, staff_user):
    sauce = make_product("Nước mắm Cửa Khe", stars=4, group="food")
    make_product("Trà hoa vàng Ba Chẽ", stars=None, group="beverage")
    expired = make_product("Nước mắm Nam Ô", stars=3, issued_days_ago=1200)
    found = client.get("/admin/products", query_string={"q": "nuoc mam"}).text
    assert "Nước mắm Cửa Khe" in found and "Nước mắm Nam Ô" in found and "Trà hoa vàng" not in found
    assert "Nước mắm Cửa Khe" in client.get("/admin/products", query_string={"q": sauce.code.lower()}).text
    never = client.get("/admin/products", query_string={"certification": "never"}).text
    assert "Trà hoa vàng" in never and "Cửa Khe" not in never
    lapsed = client.get("/admin/products", query_string={"certification": "expired"}).text
    assert expired.name_vi in lapsed and "Cửa Khe" not in lapsed
    four = client.get("/admin/products", query_string={"stars": 4, "group": "food"}).text
    assert "Cửa Khe" in four and "Nam Ô" not in four
    assert client.get("/admin/products", query_string={"stars": "x", "page": "-1", "area": "?"}).status_code == 200


def test_the_list_says_when_it_stops_counting(client, staff_user, monkeypatch):
    monkeypatch.setattr("storefront.admin.catalog.services.COUNT_CAP", 2)
    monkeypatch.setattr("storefront.admin.catalog.services.PER_PAGE", 1)
    for n in range(3):
        make_product(f"Bánh tráng {n}", stars=None)
    page = client.get("/admin/products").text
    assert "More than 2" in page


def test_unknown_products_are_404(client, staff_user):
    assert client.get("/admin/products/NOPE").status_code == 404
    assert client.post("/admin/products/NOPE/edit", data={}).status_code == 404
    assert client.post("/admin/products/NOPE/active", data={"active": "0"}).status_code == 404

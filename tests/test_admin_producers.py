"""Staff register, correct, find and deactivate producers; every change is audited."""
import pytest

from storefront.audit.models import AuditEntry
from storefront.audit.services import record_history
from storefront.catalog import services as catalog_services
from storefront.catalog.models import Area, Producer, Product
from storefront.extensions import db
from tests.conftest import count_rows
from tests.factories import make_area, make_place, make_producer, make_product


def producer_data(place: Area, **overrides) -> dict:
    district = place.parent if place.parent.level == "district" else None
    province = district.parent if district else place.parent
    data = {
        "name": "HTX Chè Shan tuyết Tà Xùa", "kind": "cooperative", "registration_no": "5400123456",
        "province": province.code, "district": district.code if district else "", "commune": place.code,
        "address": "Bản Tà Xùa", "contact_person": "Lò Thị Hoa", "phone": "0912 345 678",
        "email": "htx@example.vn", "women_led": "y",
    }
    return {**data, **overrides}


def test_staff_register_a_producer_with_its_commune(client, staff_user):
    commune = make_place()
    response = client.post("/admin/producers/new", data=producer_data(commune))
    assert response.status_code == 302
    producer = db.session.scalar(db.select(Producer))
    assert (producer.name, producer.area_id, producer.women_led, producer.ethnic_minority_led) == (
        "HTX Chè Shan tuyết Tà Xùa", commune.id, True, False)
    page = client.get(response.location)
    assert "HTX Chè Shan tuyết Tà Xùa" in page.text and "Tiên Cảnh, Tiên Phước, Quảng Nam" in page.text
    [entry] = record_history(producer)
    assert entry.action == "create" and entry.user_id == staff_user.id
    assert entry.changes["registration_no"] == [None, "5400123456"]
    assert entry.changes["area_id"] == [None, commune.id]


def test_a_province_without_districts_lists_its_communes(client, staff_user):
    province = make_area("Hà Nội", "province", code="01")
    commune = make_area("Phường Hoàn Kiếm", "commune", province, code="00070")
    form = client.post("/admin/producers/new", data={"province": "01", "refresh_area": "1"})
    assert "Phường Hoàn Kiếm" in form.text and count_rows(Producer) == 0  # a refresh saves nothing
    response = client.post("/admin/producers/new", data=producer_data(commune, registration_no="0100999"))
    assert response.status_code == 302
    assert db.session.scalar(db.select(Producer.area_id)) == commune.id


@pytest.mark.parametrize("overrides, message", [
    ({"name": "  "}, "Enter the producer"),
    ({"kind": "trust"}, "Not a valid choice"),
    ({"registration_no": ""}, "Enter the registration number."),
    ({"province": "", "district": "", "commune": ""}, "Choose a province from the list."),
    ({"district": "", "commune": ""}, "Choose a district from the list."),
    ({"commune": "NOPE"}, "Choose a commune from the list."),
    ({"email": "not-an-email"}, "Enter an email address"),
    ({"phone": "call me"}, "Enter a phone number"),
    ({"name": "x" * 201}, "Field cannot be longer than 200 characters."),
])
def test_a_bad_producer_form_says_why_and_saves_nothing(client, staff_user, overrides, message):
    response = client.post("/admin/producers/new", data=producer_data(make_place(), **overrides))
    assert response.status_code == 200
    assert message in response.text
    assert count_rows(Producer) == 0 and count_rows(AuditEntry) == 0


def test_a_registration_number_is_unique(client, staff_user):
    existing = make_producer()
    response = client.post("/admin/producers/new",
                           data=producer_data(make_place(), registration_no=existing.registration_no))
    assert "Another producer already has the registration number" in response.text
    assert count_rows(Producer) == 1


def test_two_requests_racing_for_one_registration_number_get_the_same_clear_error(client, staff_user, monkeypatch):
    """The check passes for both; the unique constraint refuses the second at commit."""
    existing = make_producer()
    monkeypatch.setattr(catalog_services, "check_registration_free", lambda *args, **kwargs: None)
    response = client.post("/admin/producers/new",
                           data=producer_data(make_place(), registration_no=existing.registration_no))
    assert response.status_code == 200
    assert "Another producer already has the registration number" in response.text
    assert count_rows(Producer) == 1 and count_rows(AuditEntry) == 0


def test_moving_a_producer_moves_its_products_origin(client, staff_user):
    producer = make_producer(make_place())
    product = make_product(producer=producer)
    was_in = producer.area_id
    other = make_place("Kon Tum", "Tu Mơ Rông", "Măng Ri")
    response = client.post(f"/admin/producers/{producer.id}/edit",
                           data=producer_data(other, name=producer.name, registration_no=producer.registration_no))
    assert response.status_code == 302
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.province.name == "Kon Tum" and product.district.name == "Tu Mơ Rông"
    listing = client.get("/admin/products", query_string={"area": product.province.code})
    assert product.name_vi in listing.text
    shop = client.get("/products", query_string={"q": "Mang Ri"})  # the index follows the producer
    assert product.name_vi in shop.text
    [entry] = record_history(producer)
    assert entry.action == "update" and entry.changes["area_id"] == [was_in, other.id]


def test_deactivating_a_producer_withdraws_its_products_and_reactivating_does_not(client, staff_user):
    product = make_product("Mật ong bạc hà", stars=4)
    producer_id = product.producer_id
    client.post(f"/admin/producers/{producer_id}/active", data={"active": "0"})
    db.session.expire_all()
    assert db.session.get(Producer, producer_id).active is False
    assert db.session.get(Product, product.id).active is False
    assert "Mật ong bạc hà" not in client.get("/products", query_string={"q": "mat ong"}).text
    actions = {(e.record_type, e.action) for e in db.session.scalars(db.select(AuditEntry))}
    assert actions == {("producer", "deactivate"), ("product", "deactivate")}

    client.post(f"/admin/producers/{producer_id}/active", data={"active": "1"})
    db.session.expire_all()
    assert db.session.get(Producer, producer_id).active is True
    assert db.session.get(Product, product.id).active is False


def test_the_list_finds_producers_without_diacritics_and_filters(client, staff_user):
    place = make_place()
    make_producer(place, name="HTX Rượu ngô Cải Vân", kind="cooperative")
    make_producer(place, name="Công ty Nước mắm Cửa Khe", kind="enterprise")
    elsewhere = make_producer(make_place("Cao Bằng", "Hà Quảng", "Cải Viên"), name="Hộ kinh doanh Rượu Men Lá",
                              kind="household")
    found = client.get("/admin/producers", query_string={"q": "ruou"}).text
    assert "HTX Rượu ngô Cải Vân" in found and "Hộ kinh doanh Rượu Men Lá" in found
    assert "Nước mắm" not in found
    by_kind = client.get("/admin/producers", query_string={"kind": "enterprise"}).text
    assert "Nước mắm Cửa Khe" in by_kind and "Rượu" not in by_kind
    province = elsewhere.area.find_level("province")
    by_area = client.get("/admin/producers", query_string={"area": province.code}).text
    assert "Rượu Men Lá" in by_area and "Cửa Khe" not in by_area
    by_number = client.get("/admin/producers", query_string={"q": elsewhere.registration_no}).text
    assert "Rượu Men Lá" in by_number and "Cửa Khe" not in by_number


def test_the_list_pages(client, staff_user, monkeypatch):
    monkeypatch.setattr("storefront.admin.catalog.services.PER_PAGE", 2)
    place = make_place()
    for letter in "ABCDE":
        make_producer(place, name=f"HTX {letter}")
    first = client.get("/admin/producers").text
    assert "HTX A" in first and "HTX C" not in first and "Page 1 of 3" in first
    third = client.get("/admin/producers", query_string={"page": 3}).text
    assert "HTX E" in third and "HTX A" not in third
    assert client.get("/admin/producers", query_string={"page": "lots"}).status_code == 200


def test_the_producer_page_lists_its_products_and_certificates(client, staff_user):
    product = make_product("Trà hoa vàng", stars=5)
    make_product("Trà xanh", stars=None, producer=product.producer)
    page = client.get(f"/admin/producers/{product.producer_id}").text
    assert "Trà hoa vàng" in page and "★★★★★" in page and product.certification.certificate_no in page
    assert "Trà xanh" in page and "Not certified" in page


def test_lookup_finds_active_producers_for_the_product_form(client, staff_user):
    make_producer(name="HTX Sâm Ngọc Linh")
    make_producer(name="HTX Sâm cũ", active=False)
    found = client.get("/admin/producers/lookup", query_string={"q": "sam"}).json["producers"]
    assert [p["name"] for p in found] == ["HTX Sâm Ngọc Linh"]


def test_unknown_producers_are_404(client, staff_user):
    assert client.get("/admin/producers/999").status_code == 404
    assert client.post("/admin/producers/999/edit", data={}).status_code == 404

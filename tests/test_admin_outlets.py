"""Staff run the sales-point network: the list, opening, editing, closing and reopening outlets,
their managers, and each change in the outlet's history."""
import re

import pytest

from storefront.audit.models import AuditEntry
from storefront.extensions import db
from storefront.outlets.models import Outlet
from tests.factories import make_area, make_order, make_outlet, make_product, make_user, stock

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def staff(login_as):
    return login_as("staff")


@pytest.fixture
def areas(db):
    """Quảng Nam with Tiên Phước (two communes) and Hội An (one); Đà Nẵng with Hải Châu."""
    quang_nam = make_area("Quảng Nam", "province", code="49")
    tien_phuoc = make_area("Tiên Phước", "district", quang_nam, code="514")
    hoi_an = make_area("Hội An", "district", quang_nam, code="503")
    da_nang = make_area("Đà Nẵng", "province", code="48")
    return {
        "quang_nam": quang_nam, "tien_phuoc": tien_phuoc, "hoi_an": hoi_an,
        "tien_ky": make_area("Tiên Kỳ", "commune", tien_phuoc, code="20560"),
        "tien_canh": make_area("Tiên Cảnh", "commune", tien_phuoc, code="20563"),
        "minh_an": make_area("Minh An", "commune", hoi_an, code="20251"),
        "hai_chau": make_area("Hải Châu", "district", da_nang, code="492"),
    }


GOOD = {
    "code": "qn-514-02", "name": "Điểm bán OCOP Tiên Kỳ", "kind": "district_point", "place": "514",
    "commune": "20560", "address": "12 Đường Hùng Vương", "latitude": "15,4870", "longitude": "108.3040",
    "phone": "0235 3884 123", "opening_hours": "7:00–17:00", "directions": "", "pickup_enabled": "y",
}


def outlets() -> list[Outlet]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Outlet).order_by(Outlet.code)))


def entries(action: str | None = None) -> list[AuditEntry]:
    statement = db.select(AuditEntry).order_by(AuditEntry.id)
    return list(db.session.scalars(statement.where(AuditEntry.action == action) if action else statement))


def listed_codes(page: str) -> list[str]:
    return re.findall(r'<small class="code">([A-Z0-9-]+)</small>', page)


# The list


def test_the_list_searches_with_or_without_diacritics_and_filters(client, staff, areas):
    make_outlet("QN-TP-01", area=areas["tien_ky"], name="Điểm bán OCOP Tiên Phước")
    make_outlet("QN-HA-01", area=areas["minh_an"], name="Cửa hàng Phố Hội", kind="partner_shop")
    make_outlet("QN-HA-02", area=areas["minh_an"], name="Điểm cũ Hội An", active=False)
    make_outlet("DN-01", area=areas["hai_chau"], name="Điểm Đà Nẵng", address="5 Bạch Đằng")

    assert listed_codes(client.get("/admin/outlets?q=tien phuoc").text) == ["QN-TP-01"]
    assert listed_codes(client.get("/admin/outlets?q=Tiên Phước").text) == ["QN-TP-01"]
    assert listed_codes(client.get("/admin/outlets?q=bach dang").text) == ["DN-01"]
    assert listed_codes(client.get("/admin/outlets?q=qn-ha").text) == ["QN-HA-01", "QN-HA-02"]
    assert listed_codes(client.get("/admin/outlets?kind=partner_shop").text) == ["QN-HA-01"]
    assert listed_codes(client.get("/admin/outlets?status=closed").text) == ["QN-HA-02"]
    assert listed_codes(client.get("/admin/outlets?status=open&area=49").text) == ["QN-HA-01", "QN-TP-01"]
    assert listed_codes(client.get("/admin/outlets?area=503").text) == ["QN-HA-01", "QN-HA-02"]
    assert client.get("/admin/outlets?kind=x&status=y&area=20560&page=abc").status_code == 200


def test_the_list_pages_by_fifty(client, staff, areas):
    for number in range(53):
        make_outlet(f"QN-{number:03d}", area=areas["tien_ky"])
    first, second = client.get("/admin/outlets").text, client.get("/admin/outlets?page=2").text
    assert "53 outlets" in first and "Page 1 of 2" in first
    assert len(listed_codes(first)) == 50 and listed_codes(second) == ["QN-050", "QN-051", "QN-052"]


# Opening


def test_staff_open_an_outlet_with_typed_coordinates(client, staff, areas):
    form = client.get("/admin/outlets/new").text
    assert 'name="latitude"' in form and 'name="longitude"' in form  # typing works without the map's script

    response = client.post("/admin/outlets/new", data=GOOD)

    assert response.status_code == 302 and response.location == "/admin/outlets/QN-514-02"
    [outlet] = outlets()
    assert (outlet.code, outlet.area_id, outlet.latitude, outlet.longitude) == ("QN-514-02", areas["tien_ky"].id, 15.487, 108.304)
    assert outlet.active and outlet.pickup_enabled
    [entry] = entries()
    assert (entry.action, entry.user_id, entry.record_id) == ("create", staff.id, outlet.id)
    assert entry.changes["name"] == [None, "Điểm bán OCOP Tiên Kỳ"] and entry.changes["latitude"] == [None, 15.487]
    assert entry.changes["area_id"] == [None, areas["tien_ky"].id]
    assert "Điểm bán OCOP Tiên Kỳ" in client.get("/outlets").text  # the public list has it at once


def test_an_outlet_may_sit_in_a_district_without_a_commune_or_a_spot(client, staff, areas):
    client.post("/admin/outlets/new", data=GOOD | {"commune": "", "latitude": "", "longitude": ""})
    [outlet] = outlets()
    assert outlet.area_id == areas["tien_phuoc"].id and outlet.latitude is None


@pytest.mark.parametrize("fields, message", [
    ({"code": "Q"}, "A code has 2–20 capital letters, digits or dashes, such as QN-514."),
    ({"code": "QN 514"}, "A code has 2–20 capital letters, digits or dashes, such as QN-514."),
    ({"code": "QN-TAKEN"}, "Another outlet has the code QN-TAKEN."),
    ({"name": "  "}, "This field is required."),
    ({"kind": "kiosk"}, "Not a valid choice."),
    ({"place": ""}, "Choose the district from the list."),
    ({"place": "999"}, "Choose the district from the list."),
    ({"commune": "20251"}, "Choose a commune of that district, then save again."),
    ({"latitude": "91"}, "A latitude is between -90 and 90."),
    ({"longitude": "-181"}, "A longitude is between -180 and 180."),
    ({"longitude": ""}, "Give both latitude and longitude, or neither."),
    ({"latitude": "mười lăm"}, "Enter a number of degrees, such as 15.5736."),
    ({"latitude": "nan"}, "Enter a number of degrees, such as 15.5736."),
    ({"phone": "call us"}, "Enter a phone number, such as 0235 3812 345."),
    ({"address": "x" * 256}, "Field cannot be longer than 255 characters."),
], ids=["short code", "space in code", "taken code", "no name", "bad kind", "no district", "unknown district",
        "commune elsewhere", "latitude", "longitude", "half a spot", "words", "not a number", "phone", "long address"])
def test_a_bad_outlet_form_shows_the_error_and_saves_nothing(client, staff, areas, fields, message):
    make_outlet("QN-TAKEN", area=areas["hai_chau"])

    response = client.post("/admin/outlets/new", data=GOOD | fields)

    assert response.status_code == 200
    assert message in response.text.replace("&#39;", "'")
    assert [outlet.code for outlet in outlets()] == ["QN-TAKEN"]
    assert entries() == []
    if "latitude" in fields:
        assert f'value="{fields["latitude"]}"' in response.text  # what was typed comes back to be corrected


def test_showing_a_districts_communes_saves_nothing(client, staff, areas):
    response = client.post("/admin/outlets/new", data=GOOD | {"commune": "", "refresh_area": "1"})

    assert response.status_code == 200
    assert '<option value="20560">Tiên Kỳ</option>' in response.text
    assert '<option value="20251">' not in response.text  # only that district's communes
    assert 'value="Điểm bán OCOP Tiên Kỳ"' in response.text  # the rest of the form is kept
    assert outlets() == []


# Editing


def test_an_edit_logs_only_what_changed(client, staff, areas):
    outlet = make_outlet("QN-TP-01", area=areas["tien_ky"], name="Điểm cũ", phone="0235 1", opening_hours="8–17")
    form = client.get("/admin/outlets/QN-TP-01/edit").text
    assert '<option selected value="514">' in form or 'value="514" selected' in form
    data = {"name": "Điểm bán OCOP Tiên Phước", "kind": "district_point", "place": "514", "commune": "20563",
            "address": outlet.address, "latitude": "", "longitude": "", "phone": "0235 1", "opening_hours": "8–17",
            "directions": "", "pickup_enabled": "y"}

    response = client.post("/admin/outlets/QN-TP-01/edit", data=data)

    assert response.status_code == 302
    [entry] = entries()
    assert entry.action == "update"
    assert entry.changes == {"name": ["Điểm cũ", "Điểm bán OCOP Tiên Phước"],
                             "area_id": [areas["tien_ky"].id, areas["tien_canh"].id]}
    client.post("/admin/outlets/QN-TP-01/edit", data=data)
    assert len(entries()) == 1  # saving the same again changes and logs nothing
    page = client.get("/admin/outlets/QN-TP-01").text
    assert "Điểm cũ" in page and "Điểm bán OCOP Tiên Phước" in page  # the history shows before and after


def test_an_unknown_outlet_is_404(client, staff):
    for url in ("/admin/outlets/NOPE", "/admin/outlets/NOPE/edit", "/admin/outlets/NOPE/close"):
        assert client.get(url).status_code == 404


# Closing and reopening


def test_closing_needs_a_reason_and_hides_the_outlet(client, staff, areas):
    outlet = make_outlet("QN-TP-01", area=areas["tien_ky"])

    refused = client.post("/admin/outlets/QN-TP-01/close", data={"reason": "  "})
    assert "This field is required." in refused.text and outlets()[0].active

    client.post("/admin/outlets/QN-TP-01/close", data={"reason": "Moving to the new market"})

    [closed] = outlets()
    assert not closed.active and closed.closed_reason == "Moving to the new market"
    assert client.get("/outlets/QN-TP-01").status_code == 404
    assert "Moving to the new market" in client.get("/admin/outlets/QN-TP-01").text
    [entry] = entries("close")
    assert entry.changes == {"active": [True, False], "closed_reason": [None, "Moving to the new market"]}

    client.post("/admin/outlets/QN-TP-01/reopen")
    assert outlets()[0].active and outlets()[0].closed_reason is None
    assert client.get("/outlets/QN-TP-01").status_code == 200
    assert entries("reopen")[0].record_id == outlet.id


def test_an_outlet_with_an_unfinished_order_cannot_close(client, staff, areas):
    outlet = make_outlet("QN-TP-01", area=areas["tien_ky"])
    product = make_product()
    stock(outlet, product, 5)
    order = make_order(outlet, [(product, 2)])

    page = client.get("/admin/outlets/QN-TP-01/close").text
    assert order.number in page
    response = client.post("/admin/outlets/QN-TP-01/close", data={"reason": "Renovation"})

    assert response.status_code == 200
    assert f"still has 1 unfinished order ({order.number}): hand it over or cancel it first." in response.text
    assert outlets()[0].active and entries("close") == []


def test_an_outlet_with_stock_closes_and_keeps_it(client, staff, areas):
    outlet = make_outlet("QN-TP-01", area=areas["tien_ky"])
    stock(outlet, make_product(), 7)

    page = client.get("/admin/outlets/QN-TP-01/close").text
    assert "7 units of 1 product stay in stock here" in page
    client.post("/admin/outlets/QN-TP-01/close", data={"reason": "Tết holiday"})

    assert not outlets()[0].active
    assert "1 product on hand, 7 units." in client.get("/admin/outlets/QN-TP-01").text


# Managers


def test_staff_add_and_remove_a_manager(client, staff, areas):
    outlet = make_outlet("QN-TP-01", area=areas["tien_ky"])
    manager = make_user("manager", email="ql@example.vn")

    client.post("/admin/outlets/QN-TP-01/managers", data={"email": "QL@example.vn"})
    db.session.expire_all()
    assert [user.email for user in db.session.get(Outlet, outlet.id).managers] == ["ql@example.vn"]

    client.post(f"/admin/outlets/QN-TP-01/managers/{manager.id}/remove")
    db.session.expire_all()
    assert db.session.get(Outlet, outlet.id).managers == []
    assert [entry.action for entry in entries()] == ["assign_outlet", "assign_manager", "unassign_outlet",
                                                     "unassign_manager"]


@pytest.mark.parametrize("email, message", [
    ("nobody@example.vn", "No account has the email nobody@example.vn."),
    ("khach@example.vn", "khach@example.vn is not a manager"),
    ("ql@example.vn", "ql@example.vn already runs QN-TP-01."),
    ("not-an-email", "Invalid email address."),
], ids=["unknown", "customer", "already", "bad email"])
def test_a_bad_manager_is_refused(client, staff, areas, email, message):
    outlet = make_outlet("QN-TP-01", area=areas["tien_ky"])
    make_user("customer", email="khach@example.vn")
    make_user("manager", email="ql@example.vn", outlets=[outlet])

    response = client.post("/admin/outlets/QN-TP-01/managers", data={"email": email})

    assert response.status_code == 200 and message in response.text
    assert entries() == []


def test_staff_give_an_outlet_its_bank_account_for_transfers_all_three_fields_or_none(client, staff, areas):
    outlet = make_outlet("QN-TP-01", area=areas["tien_ky"], name="Điểm bán OCOP Tiên Phước")
    data = {"name": outlet.name, "kind": "district_point", "place": "514", "commune": "",
            "address": outlet.address, "latitude": "", "longitude": "", "phone": "", "opening_hours": "",
            "directions": "", "pickup_enabled": "y", "bank_bin": "970436", "bank_account_number": "0071000888888",
            "bank_account_name": ""}
    page = client.post("/admin/outlets/QN-TP-01/edit", data=data).text
    assert "Give the bank BIN, the account number and the holder&#39;s name, or none of them." in page
    page = client.post("/admin/outlets/QN-TP-01/edit", data=data | {"bank_bin": "97043", "bank_account_name": "HTX"}).text
    assert "A bank BIN has 6 digits" in page
    page = client.post("/admin/outlets/QN-TP-01/edit", data=data | {"bank_bin": "999999", "bank_account_name": "HTX"}).text
    assert "No bank in the NAPAS list has the BIN 999999" in page
    response = client.post("/admin/outlets/QN-TP-01/edit", data=data | {"bank_account_name": "HTX Tiên Cảnh"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.scalar(db.select(Outlet).where(Outlet.code == "QN-TP-01"))
    assert (saved.bank_bin, saved.bank_account_number, saved.bank_account_name) == ("970436", "0071000888888", "HTX Tiên Cảnh")
    assert 'value="0071000888888"' in client.get("/admin/outlets/QN-TP-01/edit").text

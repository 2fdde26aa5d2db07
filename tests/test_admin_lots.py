"""Production lots, their dated steps and the QR label sheet, from the product's admin page."""
import re
from datetime import date, timedelta

import pytest

from storefront.audit.models import AuditEntry
from storefront.audit.services import record_history
from storefront.catalog.models import TraceEvent, TraceLot
from storefront.clock import vietnam_today
from storefront.extensions import db
from tests.conftest import count_rows
from tests.factories import make_lot, make_product


def lot_data(**overrides) -> dict:
    today = vietnam_today()
    data = {"lot_code": "qn-ntv-2511-01", "produced_on": (today - timedelta(days=5)).isoformat(),
            "best_before": (today + timedelta(days=365)).isoformat(), "material_area": "Vùng chè Ngọc Linh",
            "material_place": "Tu Mơ Rông", "material_hectares": "12.5", "standards": "VietGAP, hữu cơ"}
    return {**data, **overrides}


def test_staff_record_a_lot_and_its_steps_and_shoppers_trace_it(client, staff_user):
    product = make_product("Trà sâm Ngọc Linh", stars=4)
    response = client.post(f"/admin/products/{product.code}/lots", data=lot_data())
    assert response.status_code == 302
    lot = db.session.scalar(db.select(TraceLot))
    assert (lot.lot_code, lot.material_hectares, lot.standard_list) == ("QN-NTV-2511-01", 12.5, ["VietGAP", "hữu cơ"])
    day = (vietnam_today() - timedelta(days=30)).isoformat()
    response = client.post(f"/admin/products/{product.code}/lots/{lot.lot_code}/events",
                           data={"happened_on": day, "kind": "harvest", "description": "Hái một tôm hai lá", "place": "Đồi 3"})
    assert response.status_code == 302
    trace = client.get(f"/trace/{lot.lot_code}").text
    assert "Hái một tôm hai lá" in trace and "Vùng chè Ngọc Linh" in trace

    event = db.session.scalar(db.select(TraceEvent))
    client.post(f"/admin/products/{product.code}/lots/{lot.lot_code}/events/{event.id}/remove")
    assert count_rows(TraceEvent) == 0
    assert "Hái một tôm hai lá" not in client.get(f"/trace/{lot.lot_code}").text
    entries = {e.action: e.changes for e in record_history(lot)}
    assert entries["create"]["lot_code"] == [None, "QN-NTV-2511-01"]
    assert entries["add_event"]["event"][0] is None and entries["add_event"]["event"][1]["kind"] == "harvest"
    assert entries["remove_event"]["event"][1] is None
    assert entries["remove_event"]["event"][0]["description"] == "Hái một tôm hai lá"


def test_a_lot_is_corrected_and_its_code_stays(client, staff_user):
    product = make_product()
    lot = make_lot(product, "QN-TEST-01")
    response = client.post(f"/admin/products/{product.code}/lots/{lot.lot_code}",
                           data=lot_data(lot_code="OTHER-CODE", material_area="Rừng Trà My"))
    assert response.status_code == 302
    db.session.expire_all()
    lot = db.session.get(TraceLot, lot.id)
    assert (lot.lot_code, lot.material_area) == ("QN-TEST-01", "Rừng Trà My")
    [entry] = [e for e in record_history(lot) if e.action == "update"]
    assert entry.changes["material_area"] == ["", "Rừng Trà My"]


def test_a_lot_cannot_be_moved_to_a_future_day(client, staff_user):
    product = make_product()
    lot = make_lot(product, "QN-TEST-01")
    response = client.post(f"/admin/products/{product.code}/lots/{lot.lot_code}",
                           data=lot_data(produced_on="2030-01-01", best_before=""))
    assert "The production date cannot be in the future." in response.text
    db.session.expire_all()
    assert db.session.get(TraceLot, lot.id).produced_on == date.today() - timedelta(days=20)


@pytest.mark.parametrize("overrides, message", [
    ({"lot_code": "a"}, "A lot code has 3–40 letters, digits or dashes."),
    ({"lot_code": "QN-TEST-01"}, "Lot QN-TEST-01 already exists."),
    ({"produced_on": ""}, "Enter the production date."),
    ({"produced_on": (vietnam_today() + timedelta(days=1)).isoformat()}, "The production date cannot be in the future."),
    ({"best_before": "2000-01-01"}, "Best before cannot be earlier than the production date."),
    ({"material_hectares": "-3"}, "Enter the area in hectares, 0 or more."),
    ({"material_hectares": "nhiều"}, "Not a valid float value."),
])
def test_a_bad_lot_says_why_and_saves_nothing(client, staff_user, overrides, message):
    product = make_product()
    make_lot(product, "QN-TEST-01")
    response = client.post(f"/admin/products/{product.code}/lots", data=lot_data(**overrides))
    assert response.status_code == 400 and message in response.text
    assert count_rows(TraceLot) == 1 and count_rows(AuditEntry) == 0


@pytest.mark.parametrize("data, message", [
    ({"happened_on": "", "kind": "harvest"}, "Enter the date."),
    ({"happened_on": "2025-10-01", "kind": "magic"}, "Not a valid choice"),
    ({"happened_on": "2025-10-01", "kind": "harvest"}, "This lot already has that kind of event on that day."),
])
def test_a_bad_step_says_why_and_saves_nothing(client, staff_user, data, message):
    product = make_product()
    lot = make_lot(product, "QN-TEST-01", events=[{"happened_on": date(2025, 10, 1), "kind": "harvest"}])
    response = client.post(f"/admin/products/{product.code}/lots/{lot.lot_code}/events", data=data)
    assert response.status_code == 400 and message in response.text
    assert count_rows(TraceEvent) == 1 and count_rows(AuditEntry) == 0


def test_the_label_sheet_comes_as_a_page_an_svg_and_a_pdf(client, staff_user):
    product = make_product("Rượu ngô Cải Vân")
    lot = make_lot(product, "CB-RNCV-2410-01")
    page = client.get(f"/admin/products/{product.code}/lots/{lot.lot_code}/labels", query_string={"labels": 5}).text
    assert page.count("CB-RNCV-2410-01</text>") == 5 and "Rượu ngô Cải Vân" in page
    svg = client.get(f"/admin/products/{product.code}/lots/{lot.lot_code}/labels.svg")
    assert svg.mimetype == "image/svg+xml" and svg.text.count("<path") == 24  # a full sheet by default
    pdf = client.get(f"/admin/products/{product.code}/lots/{lot.lot_code}/labels.pdf", query_string={"labels": 30})
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.data)) == 2  # 30 labels: two sheets of 24
    assert client.get(f"/admin/products/{product.code}/lots/NOPE/labels.pdf").status_code == 404
    assert client.get(f"/admin/products/OTHER/lots/{lot.lot_code}/labels.svg").status_code == 404

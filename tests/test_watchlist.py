"""The re-evaluation watchlist: what lapses soon, what lapsed, what was revoked, with the
producer's contact and the last 12 months' sales; filters, files and the scheduled mark."""
from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from storefront.catalog.services import revoke_certification
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.plans.models import ScheduledReevaluation
from tests.factories import make_outlet, make_place, make_producer, make_product
from tests.test_growth_report import sell

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def watched(app):
    producer = make_producer(name="HTX Tiên Cảnh", contact_person="Bà Lan", phone="0905 123 456")
    other = make_producer(make_place("Cao Bằng", "Trùng Khánh", "Đàm Thủy"), name="HTX Đàm Thủy")
    products = {
        "soon": make_product("Trà sâm dây", issued_days_ago=1080, code="W-SOON", producer=producer),
        "lapsed": make_product("Tiêu Tiên Phước", issued_days_ago=1200, code="W-LAPSED", producer=producer,
                               group="herbal"),
        "revoked": make_product("Rượu Ngô", issued_days_ago=100, code="W-REVOKED", producer=other),
        "fine": make_product("Nước mắm", issued_days_ago=100, code="W-FINE", producer=producer),
    }
    revoke_certification(evaluation=products["revoked"].evaluations[0], reason="Sai nhãn")
    outlet = make_outlet("QN-W1")
    sell(products["soon"], outlet, utcnow() - timedelta(days=40), 250_000, 100_000)
    sell(products["soon"], outlet, utcnow() - timedelta(days=400), 999_000, 100_000)  # over a year ago
    return products


def test_the_list_and_its_figures(watched, staff_user, client):
    page = client.get("/admin/watchlist").text
    assert "Trà sâm dây" in page and "Tiêu Tiên Phước" in page and "Rượu Ngô" in page
    assert "Nước mắm" not in page  # valid for years yet
    assert "Bà Lan" in page and "0905 123 456" in page
    rows = {row[0]: row for row in load_workbook(BytesIO(client.get("/admin/watchlist.xlsx").data)).active.iter_rows(
        min_row=2, values_only=True)}
    assert set(rows) == {"W-SOON", "W-LAPSED", "W-REVOKED"}
    assert rows["W-SOON"][3].startswith("Expires within 90 days") and rows["W-SOON"][10] == 250_000
    assert rows["W-LAPSED"][3] == "Expired, not re-certified" and rows["W-REVOKED"][3] == "Revoked"


def test_filters_by_area_group_and_status(watched, staff_user, client):
    cao_bang = make_place("Cao Bằng", "Trùng Khánh", "Đàm Thủy").parent.parent
    csv_text = client.get(f"/admin/watchlist.csv?area={cao_bang.code}").data.decode("utf-8-sig")
    assert "W-REVOKED" in csv_text and "W-SOON" not in csv_text
    assert "W-LAPSED" in client.get("/admin/watchlist?group=herbal").text
    assert "W-SOON" not in client.get("/admin/watchlist.csv?group=herbal").data.decode("utf-8-sig")
    assert "W-SOON" not in client.get("/admin/watchlist.csv?status=expired").data.decode("utf-8-sig")
    assert client.get("/admin/watchlist?status=nonsense&area=NOPE&page=-3").status_code == 200


def test_scheduling_a_reevaluation_is_kept_and_can_be_cleared(watched, staff_user, client):
    product = watched["lapsed"]
    day = date.today() + timedelta(days=20)
    response = client.post(f"/admin/watchlist/{product.id}/schedule",
                           data={"scheduled_on": day.isoformat(), "note": "Hội đồng tỉnh"})
    assert response.status_code == 302
    found = db.session.scalar(db.select(ScheduledReevaluation))
    assert (found.product_id, found.scheduled_on, found.note) == (product.id, day, "Hội đồng tỉnh")
    assert day.isoformat() in client.get("/admin/watchlist").text
    client.post(f"/admin/watchlist/{product.id}/schedule", data={"scheduled_on": "not a day"})
    db.session.expire_all()
    assert db.session.scalar(db.select(ScheduledReevaluation.scheduled_on)) == day  # a bad day changes nothing
    client.post(f"/admin/watchlist/{product.id}/schedule", data={"scheduled_on": ""})
    assert db.session.scalar(db.select(db.func.count(ScheduledReevaluation.id))) == 0
    assert client.post("/admin/watchlist/99999/schedule", data={"scheduled_on": day.isoformat()}).status_code == 404


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_only_staff_schedule(watched, login_as, client, role):
    login_as(role)
    response = client.post(f"/admin/watchlist/{watched['soon'].id}/schedule", data={"scheduled_on": "2030-01-01"})
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count(ScheduledReevaluation.id))) == 0

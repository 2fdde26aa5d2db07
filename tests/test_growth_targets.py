"""Staff set the plans' growth targets; the report holds each product to its own."""
from decimal import Decimal

import pytest

from storefront.extensions import db
from storefront.reports.models import PlanTarget
from storefront.reports.targets import TargetError, set_growth_target
from tests.factories import make_place
from tests.test_growth_pages import report_day, staff  # noqa: F401  (fixtures: the report's day, a staff login)
from tests.test_growth_report import world  # noqa: F401  (the world fixture)

TARGETS = "/admin/targets"
REPORT = "/api/v1/reports/growth"

pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


@pytest.fixture
def quang_nam(world):
    """The province of every product of the world."""
    return make_place().parent.parent


def report_targets(client) -> dict[str, tuple[float, str]]:
    rows = client.get(REPORT).get_json()["rows"]
    return {row["code"]: (row["target"], row["status"]) for row in rows}


def stored_targets() -> list[tuple[int, str, Decimal]]:
    """(year, province or "" for every province, value)."""
    db.session.expire_all()
    return sorted((t.year, t.area.name if t.area else "", t.value) for t in db.session.scalars(db.select(PlanTarget)))


def test_a_national_target_then_a_provinces_own_change_the_report(world, quang_nam, staff, client):
    assert report_targets(client)["A-MEETS"] == (1.5, "meets")  # the default: revenue exactly 1.5×

    response = client.post(TARGETS, data={"year": "2024", "province": "", "value": "1,6"})
    assert response.status_code == 302
    assert report_targets(client)["A-MEETS"] == (1.6, "below")

    client.post(TARGETS, data={"year": "2024", "province": quang_nam.code, "value": "1.4"})
    targets = report_targets(client)
    assert targets["A-MEETS"] == (1.4, "meets")  # the province's plan before the national one
    assert targets["D-NOTDUE"][0] == 1.5  # certified in 2026: no plan for that year
    page = client.get(TARGETS).text
    assert "Every province" in page and "Quảng Nam" in page and "1.60×" in page and "1.40×" in page


def test_setting_a_target_again_changes_it(world, quang_nam, staff, client):
    for value in ("1.8", "2"):
        client.post(TARGETS, data={"year": "2025", "province": quang_nam.code, "value": value})
        client.post(TARGETS, data={"year": "2025", "province": "", "value": value})
    assert stored_targets() == [(2025, "", Decimal("2.00")), (2025, "Quảng Nam", Decimal("2.00"))]


def test_a_target_is_stored_exactly_as_typed(world, staff, client):
    client.post(TARGETS, data={"year": "2024", "province": "", "value": "1,1"})
    assert stored_targets() == [(2024, "", Decimal("1.10"))]
    assert db.session.execute(db.text("SELECT hundredths FROM plan_target")).scalar() == 110  # a whole number


@pytest.mark.parametrize("fields, message", [
    ({"value": "0.9"}, "A growth target is from 1 to 10 times the baseline."),
    ({"value": "11"}, "A growth target is from 1 to 10 times the baseline."),
    ({"value": "nhiều"}, "Enter a multiple such as 1.5."),
    ({"value": ""}, "Enter a multiple such as 1.5."),
    ({"value": "nan"}, "Enter a multiple such as 1.5."),
    ({"value": "1e0"}, "Enter a multiple such as 1.5."),
    ({"value": "1.333"}, "Give the target with at most two decimals, such as 1.25."),
    ({"year": "abc"}, "Choose a year from the list."),
    ({"year": "1999"}, "The year must be from 2015 to"),
    ({"province": "NO-SUCH"}, "Choose a province from the list."),
])
def test_bad_targets_come_back_with_the_error_and_save_nothing(world, staff, client, fields, message):
    response = client.post(TARGETS, data={"year": "2024", "province": "", "value": "1.5"} | fields)
    assert response.status_code == 200
    assert message in response.text
    assert stored_targets() == []


def test_a_district_cannot_have_its_own_target(world):
    district = make_place().parent
    with pytest.raises(TargetError):
        set_growth_target(year=2024, province=district, value=Decimal("1.5"))
    assert stored_targets() == []


def test_removing_a_target_brings_back_the_default(world, staff, client):
    set_growth_target(year=2024, province=None, value=Decimal("2"))
    target_id = db.session.scalar(db.select(PlanTarget.id))
    assert client.post(f"{TARGETS}/{target_id}/remove").status_code == 302
    assert stored_targets() == []
    assert report_targets(client)["A-MEETS"] == (1.5, "meets")
    assert client.post(f"{TARGETS}/{target_id}/remove").status_code == 404


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_only_staff_set_targets(world, login_as, client, role):
    login_as(role)
    assert client.get(TARGETS).status_code == 403
    assert client.post(TARGETS, data={"year": "2024", "province": "", "value": "3"}).status_code == 403
    assert stored_targets() == []


def test_the_database_keeps_one_national_target_a_year(app):
    from sqlalchemy.exc import IntegrityError

    db.session.add_all([PlanTarget(year=2024, area_id=None, indicator="growth_ratio", value=Decimal(v)) for v in ("1.5", "2")])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()

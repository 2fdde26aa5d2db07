"""The growth targets are the growth indicator of plans (/admin/plans); the report holds each
product to its province's plan for the year it was first certified, else the national plan's."""
from decimal import Decimal

import pytest

from storefront.extensions import db
from storefront.plans.models import Plan, PlanIndicator
from tests.factories import make_place, make_plan
from tests.test_growth_pages import report_day, staff  # noqa: F401  (fixtures: the report's day, a staff login)
from tests.test_growth_report import world  # noqa: F401  (the world fixture)

PLANS = "/admin/plans"
REPORT = "/api/v1/reports/growth"

pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


@pytest.fixture
def quang_nam(world):
    """The province of every product of the world."""
    return make_place().parent.parent


def report_targets(client) -> dict[str, tuple[float, str]]:
    rows = client.get(REPORT).get_json()["rows"]
    return {row["code"]: (row["target"], row["status"]) for row in rows}


def plan_form(**fields) -> dict:
    return {"name": "Kế hoạch OCOP 2024", "province": "", "first_year": "2024", "last_year": "2024",
            "note": "", "target_growth_ratio": "1.5"} | fields


def stored_growth_targets() -> list[tuple[int, int, str, Decimal]]:
    db.session.expire_all()
    return sorted(
        (plan.first_year, plan.last_year, plan.area.name if plan.area else "", target.low)
        for plan, target in db.session.execute(
            db.select(Plan, PlanIndicator).join(PlanIndicator).where(PlanIndicator.indicator == "growth_ratio"))
    )


def test_a_national_plan_then_a_provinces_own_change_the_report(world, quang_nam, staff, client):
    assert report_targets(client)["A-MEETS"] == (1.5, "meets")  # the default: revenue exactly 1.5×

    assert client.post(f"{PLANS}/new", data=plan_form(target_growth_ratio="1,6")).status_code == 302
    assert report_targets(client)["A-MEETS"] == (1.6, "below")

    client.post(f"{PLANS}/new", data=plan_form(province=quang_nam.code, first_year="2021", last_year="2025",
                                               target_growth_ratio="1.4"))
    targets = report_targets(client)
    assert targets["A-MEETS"] == (1.4, "meets")  # the province's plan before the national one
    assert targets["D-NOTDUE"][0] == 1.5  # certified in 2026: no plan covers that year
    page = client.get(PLANS).text
    assert "The whole country" in page and "Quảng Nam" in page and "2021–2025" in page


def test_a_target_is_stored_exactly_as_typed(world, staff, client):
    client.post(f"{PLANS}/new", data=plan_form(target_growth_ratio="1,1"))
    assert stored_growth_targets() == [(2024, 2024, "", Decimal("1.10"))]
    assert db.session.execute(db.text("SELECT low_hundredths FROM plan_indicator")).scalar() == 110


@pytest.mark.parametrize("fields, message", [
    ({"target_growth_ratio": "0.9"}, "A growth target is from 1 to 10 times the baseline."),
    ({"target_growth_ratio": "11"}, "A growth target is from 1 to 10 times the baseline."),
    ({"target_growth_ratio": "1.5–2"}, "The growth target is one multiple, such as 1.5."),
    ({"target_growth_ratio": "nhiều"}, "Give a number such as 70 or a range such as 10–15"),
    ({"target_growth_ratio": "1e0"}, "Give a number such as 70 or a range such as 10–15"),
    ({"target_growth_ratio": "1.333"}, "Give a number such as 70 or a range such as 10–15"),
    ({"first_year": "abc"}, "Choose a year from the list."),
    ({"first_year": "2026", "last_year": "2024"}, "The last year cannot come before the first."),
    ({"first_year": "1999"}, "The years run from 2018 to 2035"),
    ({"province": "NO-SUCH"}, "Choose a province from the list."),
    ({"name": ""}, "Give the plan a name."),
])
def test_bad_plans_come_back_with_the_error_and_save_nothing(world, staff, client, fields, message):
    response = client.post(f"{PLANS}/new", data=plan_form(**fields))
    assert response.status_code == 200
    assert message in response.text
    assert stored_growth_targets() == []


def test_two_plans_of_an_area_cannot_both_set_the_growth_target_of_a_year(world, quang_nam, staff, client):
    make_plan(quang_nam, 2021, 2025, growth_ratio="1.5")
    response = client.post(f"{PLANS}/new", data=plan_form(province=quang_nam.code, target_growth_ratio="2"))
    assert response.status_code == 200 and "already sets the growth target for these years" in response.text
    # Without a growth target, a yearly plan beside the five-year one is fine.
    response = client.post(f"{PLANS}/new", data=plan_form(province=quang_nam.code, target_growth_ratio=""))
    assert response.status_code == 302
    assert stored_growth_targets() == [(2021, 2025, "Quảng Nam", Decimal("1.50"))]


def test_removing_a_plan_brings_back_the_default(world, staff, client):
    plan_id = make_plan(None, 2024, growth_ratio="2").id
    assert report_targets(client)["A-MEETS"] == (2.0, "below")
    assert client.post(f"{PLANS}/{plan_id}/remove").status_code == 302
    assert stored_growth_targets() == []
    assert report_targets(client)["A-MEETS"] == (1.5, "meets")
    assert client.post(f"{PLANS}/{plan_id}/remove").status_code == 404


def test_the_old_targets_page_leads_to_the_plans(world, staff, client):
    response = client.get("/admin/targets")
    assert response.status_code == 301 and response.headers["Location"].endswith(PLANS)


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_only_staff_set_targets(world, login_as, client, role):
    login_as(role)
    assert client.get(PLANS).status_code == 403
    assert client.post(f"{PLANS}/new", data=plan_form()).status_code == 403
    assert stored_growth_targets() == []

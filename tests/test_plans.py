"""The plan dashboard: each indicator's value on a hand-built province, with the edges that
decide them (a certificate renewed on the period's last day, a sales point opened or closed
mid-year), and the page, its lists, the files and the API agreeing."""
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from io import BytesIO

import pytest
from sqlalchemy import event, func, select
from openpyxl import load_workbook

from storefront.audit.models import AuditEntry
from storefront.catalog.services import revoke_certification
from storefront.extensions import db
from storefront.outlets.management import reopen_outlet
from storefront.outlets.models import StockMove
from storefront.plans.members import MemberFilters, members_page
from storefront.plans.services import indicator_months, plan_dashboard, plan_scope
from storefront.reports.models import Baseline
from tests.factories import make_area, make_outlet, make_plan, make_producer, make_product
from tests.test_growth_report import certify, local, sell

pytestmark = pytest.mark.usefixtures("in_english")

SCORE = {3: 60, 4: 80, 5: 92}


class World:
    """Cao Bằng with three districts, Bắc Kạn beside it, and a 2024 plan for Cao Bằng."""

    def __init__(self):
        self.province = make_area("Cao Bằng", "province", code="04")
        self.districts = [make_area(name, "district", self.province, code=code)
                          for code, name in (("040", "Hòa An"), ("042", "Trùng Khánh"), ("043", "Bảo Lạc"))]
        self.communes = [make_area(f"Xã {d.name}", "commune", d) for d in self.districts]
        neighbour = make_area("Bắc Kạn", "province", code="06")
        self.elsewhere = make_area("Xã Bằng Vân", "commune", make_area("Ngân Sơn", "district", neighbour, code="060"))
        self.producers = {
            "X": make_producer(self.communes[0], "HTX Hòa An", kind="cooperative", women_led=True),
            "Y": make_producer(self.communes[1], "Công ty Trùng Khánh", kind="enterprise", ethnic_minority_led=True),
            "Z": make_producer(self.communes[0], "Hộ Nông Văn Z", kind="household"),
            "W": make_producer(self.communes[2], "Tổ hợp tác Bảo Lạc", kind="cooperative_group"),
            "Q": make_producer(self.elsewhere, "HTX Bắc Kạn", kind="cooperative"),
        }
        self.products = {}

    def product(self, code, producer, *evaluations):
        product = make_product(f"Sản phẩm {code}", stars=None, code=f"CB-{code}", producer=self.producers[producer])
        for issued_on, stars, *score in evaluations:
            certify(product, issued_on, score=score[0] if score else SCORE.get(stars, 40))
        self.products[code] = product
        return product


@pytest.fixture
def world(app):
    w = World()
    w.product("A", "X", (date(2023, 3, 1), 3))                      # certified before, still valid
    w.product("B", "X", (date(2024, 5, 10), 4, 86))                 # new 4★, potential 5★
    w.product("C", "Y", (date(2024, 12, 31), 4, 75))                # new on the period's last day
    w.product("D", "Y", (date(2025, 1, 1), 5))                      # a day too late
    w.product("E", "W", (date(2024, 6, 1), 2))                      # evaluated, below 3★
    w.product("F", "Z", (date(2021, 2, 1), 3), (date(2024, 12, 31), 3))  # lapsed 1 Feb, renewed on the last day
    w.product("G", "W", (date(2021, 6, 1), 3))                      # lapsed 1 June, never renewed
    h = w.product("H", "W", (date(2024, 2, 1), 4))                  # certified, then revoked in September
    w.product("I", "W", (date(2021, 9, 1), 3), (date(2025, 1, 2), 3))  # lapsed, renewed after the period
    w.product("Q1", "Q", (date(2024, 3, 1), 4))                     # another province
    revoke_certification(evaluation=h.evaluations[0], reason="Sai nhãn", revoked_on=date(2024, 9, 1))

    w.outlets = {
        "O1": make_outlet("CB-01", area=w.communes[0]),                                   # always open
        "O2": make_outlet("CB-02", area=w.communes[1], opened_on=date(2024, 7, 1)),       # opened mid-year
        "O3": make_outlet("CB-03", area=w.communes[2], active=False, closed_on=date(2024, 6, 30)),  # closed mid-year
        "BK": make_outlet("BK-01", area=w.elsewhere),
    }
    for outlet, product, day in (("O1", "C", date(2024, 3, 1)), ("O1", "A", date(2024, 3, 1)),
                                 ("O2", "Q1", date(2024, 8, 1)), ("O3", "Q1", date(2024, 2, 1))):
        db.session.add(StockMove(outlet_id=w.outlets[outlet].id, product_id=w.products[product].id, kind="receive",
                                 on_hand_change=5, created_at=datetime.combine(day, datetime.min.time())))
    db.session.commit()
    sell(w.products["A"], w.outlets["O1"], local(date(2024, 4, 1), 9), 100_000, 60_000)   # X sells in 2024
    sell(w.products["C"], w.outlets["O1"], local(date(2025, 2, 1), 9), 100_000, 60_000)   # Y only in 2025
    w.plan = make_plan(w.province, 2024, four_star=(2, 5), certified_share=70, cooperative_share=40,
                       districts_with_outlet=3, recertified_share=50, growth_ratio="2")
    return w


def values(board) -> dict:
    return {figure.indicator.code: (figure.measure.counted, figure.measure.total) for figure in board.figures}


def test_each_indicator_on_the_hand_built_province(world):
    board = plan_dashboard(world.plan)
    assert board.day == date(2024, 12, 31)  # a past plan is read at its period's end
    found = values(board)
    assert found["certified"] == (4, 4)  # A, B, C, F: not G (lapsed), H (revoked), I (lapsed), D (2025)
    assert found["certified_new"] == (3, 3)  # B, C (last day), H (certified, revoked later)
    assert found["certified_share"] == (4, 5)  # evaluated in 2024: B, C, E, F, H; E reached only 2★
    assert (found["four_star"], found["five_star"], found["potential_five_star"]) == ((2, 2), (0, 0), (1, 1))
    assert found["recertified_share"] == (1, 3)  # F (renewed on 31 Dec) of F, G, I
    # OCOP producers on the day: X (A, B), Y (C), Z (F); W has nothing valid any more.
    assert found["cooperative_share"] == (1, 3) and found["enterprise_share"] == (1, 3)
    assert found["organised_share"] == (2, 3)
    assert found["women_led_share"] == (1, 3) and found["ethnic_minority_share"] == (1, 3)
    assert found["modern_channel_share"] == (1, 3)  # X sold in 2024; Y's sale is in 2025
    assert found["districts_with_outlet"] == (2, 3)  # Bảo Lạc's point closed in June
    assert found["outlets_other_districts"] == (2, 2)  # O1 took C from Trùng Khánh, O2 took Q1
    assert found["outlets_other_provinces"] == (1, 2)  # only O2 carries Bắc Kạn's product


def test_targets_status_progress_and_change(world):
    board = plan_dashboard(world.plan)
    four = board.figure("four_star")
    assert (four.value, four.status, four.progress) == (2, "met", 1)  # the range 2–5 starts at 2
    assert four.at_start == 0 and four.change == 2
    share = board.figure("certified_share")
    assert share.value == Fraction(80) and share.status == "met"
    cooperatives = board.figure("cooperative_share")  # 33.3% of a 40% target: within 10%? no: red
    assert cooperatives.status == "behind" and cooperatives.progress == Fraction(100, 3) / 40
    districts = board.figure("districts_with_outlet")
    assert districts.status == "behind" and districts.change == 0  # 2 at the start (O1, O3) and 2 now (O1, O2)
    assert board.figure("recertified_share").change is None  # a flow: no level at the start
    # Amber: within 10% below the target.
    world.plan.targets[[t.indicator for t in world.plan.targets].index("cooperative_share")].low = Decimal("36")
    db.session.commit()
    assert plan_dashboard(world.plan).figure("cooperative_share").status == "close"


def test_the_growth_indicator_is_the_growth_reports_verdict_on_the_plans_products(world):
    b = world.products["B"]
    db.session.add(Baseline(product_id=b.id, revenue=100_000, profit=50_000))
    db.session.commit()
    sell(b, world.outlets["O1"], local(date(2024, 8, 1), 9), 160_000, 80_000)  # 1.6× revenue and profit
    growth = plan_dashboard(world.plan).figure("growth_ratio")
    assert (growth.measure.counted, growth.measure.total, growth.status) == (0, 1, "behind")  # the plan wants 2×
    # The list behind it: B, below; none among those counted.
    listed = members_page("growth_ratio", plan_scope(world.plan), MemberFilters(), None).rows
    assert [(row.code, bool(row.counted)) for row in listed] == [("CB-B", False)]
    assert not members_page("growth_ratio", plan_scope(world.plan), MemberFilters(counted=True), None).rows
    world.plan.targets[[t.indicator for t in world.plan.targets].index("growth_ratio")].low = Decimal("1.5")
    db.session.commit()
    growth = plan_dashboard(world.plan).figure("growth_ratio")
    assert (growth.measure.counted, growth.value, growth.status) == (1, 100, "met")


def test_months_follow_the_history(world):
    months = dict(indicator_months(world.plan, "districts_with_outlet"))
    assert len(months) == 12
    assert months["2024-05"] == 2 and months["2024-06"] == 1 and months["2024-07"] == 2  # closed 30 June, opened 1 July
    certified = dict(indicator_months(world.plan, "certified"))
    assert certified["2024-01"] == 4 and certified["2024-02"] == 4  # A, F, G, I; then F lapsed and H came
    assert certified["2024-09"] == 2 and certified["2024-12"] == 4  # A, B (H revoked, I lapsed); C and F on 31 Dec


def executed_during(action) -> list[str]:
    statements = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    return statements


def test_the_dashboard_works_out_the_certified_products_once_per_day(world):
    # The window over every evaluation that finds the products certified on a day is the
    # costly part of ten indicators: once for the figures' day, once for the period's start.
    statements = executed_during(lambda: plan_dashboard(world.plan))
    assert sum("row_number()" in statement for statement in statements) == 2
    # The six producer shares are tallied in one pass over the OCOP producers.
    assert sum("producer.women_led" in statement for statement in statements) == 1
    # The growth indicator is counted by one statement, without the report's table of rows.
    growth = [statement for statement in statements if "first_certification" in statement]
    assert len(growth) == 1 and growth[0].startswith("select coalesce(sum(")
    assert not any("growth_rows" in statement for statement in statements)


def test_the_dashboard_is_kept_until_what_an_indicator_counts_changes(world):
    first = values(plan_dashboard(world.plan))
    statements = executed_during(lambda: plan_dashboard(world.plan))
    assert not any("population" in statement or "first_certification" in statement for statement in statements)
    assert values(plan_dashboard(world.plan)) == first
    # Each kind of change, one at a time, shows at once in the indicators that read it.
    sell(world.products["C"], world.outlets["O1"], local(date(2024, 6, 1), 9), 100_000, 60_000)  # Y sells in 2024
    assert values(plan_dashboard(world.plan))["modern_channel_share"] == (2, 3)
    db.session.add(StockMove(outlet_id=world.outlets["O1"].id, product_id=world.products["Q1"].id, kind="receive",
                             on_hand_change=5, created_at=datetime(2024, 3, 1)))
    db.session.commit()
    assert values(plan_dashboard(world.plan))["outlets_other_provinces"] == (2, 2)  # O1 now carries Bắc Kạn's
    revoke_certification(evaluation=world.products["A"].evaluations[0], reason="Sai nhãn", revoked_on=date(2024, 5, 1))
    assert values(plan_dashboard(world.plan))["certified"] == (3, 3)
    b = world.products["B"]
    sell(b, world.outlets["O1"], local(date(2024, 8, 1), 9), 160_000, 80_000)
    assert values(plan_dashboard(world.plan))["growth_ratio"] == (0, 0)  # no baseline: nothing to compare
    db.session.add(Baseline(product_id=b.id, revenue=100_000, profit=50_000))
    db.session.commit()
    assert values(plan_dashboard(world.plan))["growth_ratio"] == (0, 1)  # 1.6× of the plan's 2×
    baseline = db.session.scalar(select(Baseline).where(Baseline.product_id == b.id))
    baseline.revenue, baseline.profit = 80_000, 40_000
    db.session.commit()
    assert values(plan_dashboard(world.plan))["growth_ratio"] == (1, 1)  # now 2×
    growth_target = next(target for target in world.plan.targets if target.indicator == "growth_ratio")
    growth_target.low = Decimal("2.5")
    db.session.commit()
    assert values(plan_dashboard(world.plan))["growth_ratio"] == (0, 1)


def test_a_trend_chart_is_one_statement_whatever_its_months(world):
    for code in ("certified", "districts_with_outlet", "modern_channel_share"):
        statements = executed_during(lambda: indicator_months(world.plan, code))
        assert sum("population" in statement for statement in statements) == 1  # not one a month
    # The growth indicator judges the report's rows once, for every month.
    statements = executed_during(lambda: indicator_months(world.plan, "growth_ratio"))
    assert sum("first_certification" in statement for statement in statements) == 1


def test_a_trend_chart_is_kept_until_what_it_counts_changes(world):
    first = dict(indicator_months(world.plan, "certified"))
    statements = executed_during(lambda: indicator_months(world.plan, "certified"))
    assert not any("population" in statement for statement in statements)
    revoke_certification(evaluation=world.products["A"].evaluations[0], reason="Sai nhãn", revoked_on=date(2024, 5, 1))
    now = dict(indicator_months(world.plan, "certified"))
    assert now["2024-04"] == first["2024-04"] and (first["2024-09"], now["2024-09"]) == (2, 1)  # A no more from May


def test_growth_months_count_the_products_due_by_each_months_end(world):
    b = world.products["B"]  # certified 10 May 2024: due from 10 May 2025
    db.session.add(Baseline(product_id=b.id, revenue=100_000, profit=50_000))
    db.session.commit()
    sell(b, world.outlets["O1"], local(date(2024, 8, 1), 9), 220_000, 110_000)
    world.plan.last_year = 2025
    db.session.commit()
    months = dict(indicator_months(world.plan, "growth_ratio", today=date(2025, 12, 31)))
    assert months["2025-04"] is None and months["2025-05"] == 100  # none due, then B meets 2×


def test_counting_by_todays_provinces_takes_in_the_merged_ones(world):
    bac_kan = world.producers["Q"].area.parent.parent
    bac_kan.replaced_by, bac_kan.replaced_from = world.province, date(2025, 7, 1)
    db.session.commit()
    db.session.add(Baseline(product_id=world.products["Q1"].id, revenue=100_000, profit=50_000))
    db.session.commit()
    assert values(plan_dashboard(world.plan))["four_star"] == (2, 2)  # the plan's time: Cao Bằng alone
    assert values(plan_dashboard(world.plan))["growth_ratio"] == (0, 0)
    world.plan.todays_areas = True
    db.session.commit()
    found = values(plan_dashboard(world.plan))
    assert found["four_star"] == (3, 3)  # today's Cao Bằng includes Bắc Kạn
    assert found["growth_ratio"] == (0, 1)  # and the growth report's rows of Bắc Kạn's products (Q1: no sales)
    # Bắc Kạn's district is listed as today's Cao Bằng's.
    districts = members_page("districts_with_outlet", plan_scope(world.plan), MemberFilters(), None).rows
    assert {(row.name, row.detail) for row in districts} >= {("Ngân Sơn", "Cao Bằng"), ("Hòa An", "Cao Bằng")}


def test_page_list_files_and_api_agree(world, staff_user, client):
    plan = world.plan
    page = client.get(f"/admin/dashboard?plan={plan.id}")
    assert page.status_code == 200
    assert "Products at 4★" in page.text and 'class="status-met"' in page.text
    assert "<script>" not in page.text and "style=" not in page.text

    listing = client.get(f"/admin/dashboard/{plan.id}/certified_share?counted=no")
    assert listing.status_code == 200 and "Sản phẩm E" in listing.text and "Sản phẩm B" not in listing.text
    assert "<svg" in listing.text and "1 row" in listing.text

    csv_text = client.get(f"/admin/dashboard/{plan.id}/certified_share.csv").data.decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == 1 + 5
    sheet = load_workbook(BytesIO(client.get(f"/admin/dashboard/{plan.id}/cooperative_share.xlsx?counted=yes").data)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["HTX Hòa An"]

    api = client.get(f"/api/v1/plans/{plan.id}/dashboard").get_json()
    by_code = {item["code"]: item for item in api["indicators"]}
    assert by_code["certified_share"]["value"] == 80.0 and by_code["certified_share"]["of"] == 5
    assert by_code["four_star"]["target"] == {"low": 2.0, "high": 5.0} and by_code["four_star"]["status"] == "met"

    book = load_workbook(BytesIO(client.get("/admin/dashboard.xlsx?year=2024").data))
    assert len(book.sheetnames) == 1
    rows = {row[0]: row for row in book.active.iter_rows(values_only=True) if row and row[0]}
    assert float(rows["Products evaluated in the period that reached 3★+"][2]) == 80.0
    assert rows["Products at 4★"][5] == "2–5"

    national = client.get("/admin/dashboard/national?year=2024&sort=four_star&dir=desc")
    assert national.status_code == 200 and "Cao Bằng" in national.text


def test_the_plan_form_takes_ranges_and_edits(world, staff_user, client):
    plan = world.plan
    form = client.get(f"/admin/plans/{plan.id}/edit").text
    assert 'value="2–5"' in form
    response = client.post(f"/admin/plans/{plan.id}/edit", data={
        "name": plan.name, "province": "04", "first_year": "2024", "last_year": "2025", "note": "",
        "target_four_star": "10-15", "target_cooperative_share": "140",
    })
    assert response.status_code == 200 and "A share is at most 100%." in response.text
    db.session.expire_all()
    assert plan.last_year == 2024  # nothing saved
    response = client.post(f"/admin/plans/{plan.id}/edit", data={
        "name": plan.name, "province": "04", "first_year": "2024", "last_year": "2025", "note": "",
        "target_four_star": "10–15", "target_certified": "150",
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert plan.last_year == 2025
    assert {t.indicator: (t.low, t.high) for t in plan.targets} == {
        "four_star": (Decimal("10"), Decimal("15")), "certified": (Decimal("150"), None)}


@pytest.mark.parametrize("role", ["customer", "manager"])
@pytest.mark.parametrize("url", ["/admin/plans", "/admin/plans/new", "/admin/dashboard", "/admin/dashboard/national",
                                 "/admin/dashboard.xlsx", "/admin/watchlist", "/admin/watchlist.csv"])
def test_non_staff_get_403(world, login_as, client, role, url):
    login_as(role)
    assert client.get(url).status_code == 403


def test_api_errors_are_json(world, login_as, client):
    assert client.get(f"/api/v1/plans/{world.plan.id}/dashboard").get_json()["error"]["status"] == 401
    login_as("customer")
    assert client.get(f"/api/v1/plans/{world.plan.id}/dashboard").get_json()["error"]["status"] == 403


def test_unknown_plans_and_indicators_are_404(world, staff_user, client):
    assert client.get("/admin/dashboard?plan=9999").status_code == 404
    assert client.get(f"/admin/dashboard/{world.plan.id}/no_such").status_code == 404
    assert client.get("/api/v1/plans/9999/dashboard").get_json()["error"]["status"] == 404
    assert client.get(f"/admin/dashboard/{world.plan.id}/certified?page=abc&counted=maybe").status_code == 200


def test_staff_mark_a_province_taken_over_from_the_command_line(world, app):
    bac_kan = world.producers["Q"].area.parent.parent
    run = app.test_cli_runner().invoke
    result = run(args=["areas", "replace", bac_kan.code, world.province.code, "--from", "2025-07-01"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (bac_kan.replaced_by, bac_kan.replaced_from) == (world.province, date(2025, 7, 1))
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.record_type == "area", AuditEntry.record_id == bac_kan.id)) == 1
    world.plan.todays_areas = True
    db.session.commit()
    assert values(plan_dashboard(world.plan))["four_star"] == (3, 3)  # Bắc Kạn's Q1 counts in today's Cao Bằng
    for args, message in (([world.province.code, bac_kan.code], "loop"),
                          ([bac_kan.code, world.districts[0].code], "its successor must be one too"),
                          (["NOWHERE", bac_kan.code], "No area has the code NOWHERE")):
        result = run(args=["areas", "replace", *args, "--from", "2025-07-01"])
        assert result.exit_code != 0 and message in result.output


def test_reopening_an_outlet_keeps_the_months_it_was_open_before(world):
    """Reopened, an outlet counted from its reopening day alone: the months before it closed lost it."""
    before = dict(indicator_months(world.plan, "districts_with_outlet"))

    reopen_outlet(outlet=world.outlets["O3"], actor=None)

    after = dict(indicator_months(world.plan, "districts_with_outlet"))
    assert after == before and after["2024-05"] == 2 and after["2024-06"] == 1
    assert values(plan_dashboard(world.plan))["districts_with_outlet"] == (2, 3)  # the plan's day, 2024's end

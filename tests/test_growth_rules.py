"""The growth report's rules, each on products built by hand for it, checked alike on the page,
in the API, in the CSV and in the XLSX file (see ../shared/DESIGN.md, "Growth report")."""
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from storefront.catalog.services import revoke_certification
from storefront.extensions import db
from storefront.reports.models import Baseline, DeclaredRevenue
from storefront.reports.figures import Calendar, growth_rows_table, growth_verdicts
from storefront.reports.services import COMPARED, ReportFilters
from storefront.sales.models import SaleLine
from storefront.sales.services import reversal_of
from tests.factories import make_outlet, make_place, make_plan, make_producer, make_product
from tests.test_growth_pages import GrowthTable, api_rows, csv_rows, report_day, staff, xlsx_from  # noqa: F401
from tests.test_growth_report import certify, local, report, rows_by_code, sell

REPORT = "/admin/reports/growth"


def baseline(product, revenue: int, profit: int) -> None:
    db.session.add(Baseline(product_id=product.id, revenue=revenue, profit=profit))
    db.session.commit()


def declare(product, year: int, revenue: int, profit: int) -> None:
    db.session.add(DeclaredRevenue(product_id=product.id, year=year, revenue=revenue, profit=profit))
    db.session.commit()


def refund(line_source: str, when: datetime) -> None:
    """Give back the whole of the line with that source, on that day, as the shop's refunds do."""
    line = db.session.scalar(db.select(SaleLine).where(SaleLine.source == line_source))
    db.session.add(reversal_of(line, qty=line.qty, amount=line.amount, cost_amount=line.cost_amount, sold_at=when,
                               source=f"{line_source}-refund"))
    db.session.commit()


def sale(product, outlet, when: datetime, amount: int, cost: int, source: str) -> None:
    db.session.add(SaleLine(product_id=product.id, outlet_id=outlet.id, channel="in_store", qty=1, unit_price=amount,
                            amount=amount, cost_amount=cost, sold_at=when, source=source))
    db.session.commit()


@pytest.fixture
def rules(app):
    """One product per rule; comments give each product's figures."""
    outlet = make_outlet("QN-RULES")
    kon_tum = make_place(province="Kon Tum", district="Ngọc Hồi", commune="Đắk Dục")
    products = {}

    def product(code: str, *, area=None, **fields):
        products[code] = make_product(f"Sản phẩm {code}", stars=None, code=code,
                                      producer=make_producer(area) if area else None, **fields)
        return products[code]

    # Exactly 1.1× a plan target of 1.1: meets (floats would read 3,300,000 < 3,300,000.0000000005).
    exact = product("R-EXACT", area=kon_tum)
    certify(exact, date(2023, 2, 1))
    make_plan(kon_tum.parent.parent, 2023, growth_ratio=Decimal("1.1"))
    baseline(exact, 3_000_000, 1_000_000)
    sell(exact, outlet, local(date(2023, 6, 1), 9), 3_300_000, 2_200_000)

    # Revocation is not retroactive: C stays on the revoked 3★ certificate of 2023.
    revoked = product("R-REVOKED")
    certify(revoked, date(2023, 1, 10), score=60)
    revoke_certification(evaluation=revoked.evaluations[0], reason="Sai nhãn mác")
    db.session.execute(db.update(type(revoked.evaluations[0])).values(revoked_at=datetime(2024, 5, 2, 3, 0)))
    db.session.commit()
    certify(revoked, date(2024, 6, 1), score=80)
    # Its only certificate revoked: still in the report, with no stars now.
    all_revoked = product("R-GONE")
    certify(all_revoked, date(2023, 4, 1))
    revoke_certification(evaluation=all_revoked.evaluations[0], reason="Vi phạm")
    # An expired certificate.
    expired = product("R-EXPIRED")
    certify(expired, date(2021, 1, 5), score=92)

    # A refund counts in the period of the sale it reverses.
    refunds = product("R-REFUND")
    certify(refunds, date(2024, 3, 10))
    baseline(refunds, 1_000_000, 400_000)
    sale(refunds, outlet, local(date(2024, 3, 1), 9), 500_000, 300_000, "BEFORE")  # before C
    refund("BEFORE", local(date(2024, 4, 1), 9))  # refunded in year one: not in year one
    sale(refunds, outlet, local(date(2024, 5, 1), 9), 1_000_000, 600_000, "LATER-REFUNDED")
    refund("LATER-REFUNDED", local(date(2025, 6, 1), 9))  # after year one: lowers year one
    sale(refunds, outlet, local(date(2024, 7, 1), 9), 2_000_000, 1_000_000, "KEPT")

    # A baseline of zero, or a loss, cannot show growth.
    zero = product("R-ZERO")
    certify(zero, date(2024, 1, 15))
    baseline(zero, 0, 0)
    sell(zero, outlet, local(date(2024, 2, 1), 9), 900_000, 300_000)
    loss = product("R-LOSS")
    certify(loss, date(2024, 1, 15))
    baseline(loss, 1_000_000, -200_000)
    sell(loss, outlet, local(date(2024, 2, 1), 9), 2_000_000, 800_000)

    # Declarations weighted by the days of year one [2024-03-10, 2025-03-10): 297 in 2024, 68 in 2025.
    declared = product("R-DECLARED")
    certify(declared, date(2024, 3, 10))
    baseline(declared, 2_000_000, 800_000)
    declare(declared, 2024, 3_650_000, 1_460_000)
    declare(declared, 2025, 7_300_000, 2_920_000)
    sell(declared, outlet, local(date(2024, 4, 1), 9), 100_000, 50_000)  # below on the platform alone
    partial = product("R-PARTIAL")
    certify(partial, date(2024, 3, 10))
    baseline(partial, 2_000_000, 800_000)
    declare(partial, 2024, 9_000_000, 4_000_000)
    sell(partial, outlet, local(date(2024, 4, 1), 9), 100_000, 50_000)
    january = product("R-JANUARY")  # year one is 2024 alone: one declaration is all of it
    certify(january, date(2024, 1, 1))
    baseline(january, 1_000_000, 500_000)
    declare(january, 2024, 1_400_000, 700_000)
    sell(january, outlet, local(date(2024, 4, 1), 9), 5_000_000, 1_000_000)  # platform would meet

    # Stars at C beside the stars now.
    restarred = product("R-STARS")
    certify(restarred, date(2022, 5, 1), score=60)
    certify(restarred, date(2025, 5, 1), score=95)
    # 29 February: year one ends on 28 February.
    leap = product("R-LEAP")
    certify(leap, date(2024, 2, 29))
    return products


# Every output, as (code → what it says) per figure.

def outputs(client, query: str = "") -> dict[str, dict[str, dict]]:
    html = client.get(f"{REPORT}?{query}").text
    return {"page": GrowthTable(html).rows, "api": api_rows(client, query), "csv": csv_rows(client, query),
            "xlsx": xlsx_from(client, query)}


def test_a_target_is_compared_exactly(rules, staff, client):
    found = outputs(client)
    assert found["page"]["R-EXACT"]["row_status"] == "meets"
    assert found["page"]["R-EXACT"]["target"] == "1,10×" and found["page"]["R-EXACT"]["revenue_ratio"] == "1,10×"
    assert found["api"]["R-EXACT"]["status"] == "meets" and found["api"]["R-EXACT"]["target"] == 1.1
    assert found["csv"]["R-EXACT"]["Trạng thái"] == found["xlsx"]["R-EXACT"]["Trạng thái"] == "Đạt"
    assert found["csv"]["R-EXACT"]["Mục tiêu"] == "1.10"


@pytest.mark.parametrize("target", ["1.1", "1.15", "1.3", "1.01", "2.01", "3.33", "9.99", "10"])
def test_every_target_staff_can_type_is_compared_exactly(app, target):
    """Revenue and profit exactly target × baseline meet it; one đồng less does not."""
    outlet = make_outlet("QN-EXACT")
    value = Decimal(target)
    make_plan(None, 2024, growth_ratio=value)
    for code, short in (("ON", 0), ("UNDER", 1)):
        product = make_product(f"Sản phẩm {code}", stars=None, code=code)
        certify(product, date(2024, 2, 1))
        baseline(product, 3_000_000, 700_000)
        sell(product, outlet, local(date(2024, 3, 1), 9), int(value * 3_000_000) - short,
             int(value * 3_000_000) - int(value * 700_000))
    rows = rows_by_code(report())
    assert rows["ON"].status == "meets" and rows["UNDER"].status == "below"


def test_revocation_is_not_retroactive_and_certificates_show_on_the_row(rules, staff, client):
    found = outputs(client)
    api = found["api"]
    assert api["R-REVOKED"]["certified_on"] == "2023-01-10"  # the revoked certificate's day
    assert (api["R-REVOKED"]["first_stars"], api["R-REVOKED"]["stars"]) == (3, 4)
    assert api["R-REVOKED"]["certificate"] == "valid" and api["R-REVOKED"]["revoked_on"] == "2024-05-02"
    assert api["R-GONE"]["certificate"] == "revoked" and api["R-GONE"]["stars"] is None
    assert api["R-GONE"]["certified_on"] == "2023-04-01"  # revoked, yet still in the report
    assert api["R-EXPIRED"]["certificate"] == "expired" and api["R-EXPIRED"]["certified_until"] == "2024-01-05"
    page = found["page"]
    assert page["R-REVOKED"]["stars"] == "4★ còn hiệu lực đến 01/06/2027 đã có giấy chứng nhận bị thu hồi ngày 02/05/2024"
    assert page["R-REVOKED"]["first_stars"] == "3★"
    assert page["R-GONE"]["stars"].startswith("— bị thu hồi ngày")
    assert page["R-EXPIRED"]["stars"] == "5★ hết hạn ngày 05/01/2024"
    for rows in (found["csv"], found["xlsx"]):
        assert rows["R-REVOKED"]["Giấy chứng nhận hiện nay"] == "Còn hiệu lực"
        assert rows["R-GONE"]["Giấy chứng nhận hiện nay"] == "Đã thu hồi"
        assert rows["R-EXPIRED"]["Giấy chứng nhận hiện nay"] == "Hết hạn"
        assert rows["R-REVOKED"]["Hạng sao khi chứng nhận"] in (3, "3")
    assert found["csv"]["R-REVOKED"]["Ngày thu hồi"] == "2024-05-02"
    assert found["xlsx"]["R-REVOKED"]["Ngày thu hồi"] == datetime(2024, 5, 2)


def test_a_refund_counts_in_the_period_of_the_sale_it_reverses(rules, staff, client):
    found = outputs(client)
    # 2,000,000 kept; the 1,000,000 refunded after year one is out; the refund of a sale
    # made before C does not count in year one.
    assert found["api"]["R-REFUND"]["revenue"] == 2_000_000 and found["api"]["R-REFUND"]["profit"] == 1_000_000
    assert found["csv"]["R-REFUND"]["Doanh thu năm đầu"] == "2000000"
    assert found["xlsx"]["R-REFUND"]["Doanh thu năm đầu"] == 2_000_000
    assert found["page"]["R-REFUND"]["revenue"] == "2.000.000 ₫"
    ledger = db.session.execute(
        db.select(SaleLine.source, SaleLine.sold_at, SaleLine.counts_at, SaleLine.reverses_id)
        .where(SaleLine.source.like("%-refund")).order_by(SaleLine.source)
    ).all()
    # Each refund keeps its own date and links the sale it reverses.
    assert [(source, sold_at.date(), counts_at.date()) for source, sold_at, counts_at, _ in ledger] == [
        ("BEFORE-refund", date(2024, 4, 1), date(2024, 3, 1)),
        ("LATER-REFUNDED-refund", date(2025, 6, 1), date(2024, 5, 1)),
    ]
    assert all(reverses_id for *_rest, reverses_id in ledger)


def test_a_zero_or_negative_baseline_is_not_comparable(rules, staff, client):
    found = outputs(client)
    for code in ("R-ZERO", "R-LOSS"):
        assert found["api"][code]["status"] == found["page"][code]["row_status"] == "no_comparable_baseline"
        assert found["csv"][code]["Trạng thái"] == found["xlsx"][code]["Trạng thái"] == "Số liệu cơ sở không so sánh được"
    assert found["page"]["R-ZERO"]["status"] == "Không có số liệu cơ sở so sánh được"
    assert client.get("/api/v1/reports/growth").json["summary"]["overall"]["no_comparable_baseline"] == 2


def test_declared_figures_are_weighted_by_the_days_of_year_one(rules, staff, client):
    found = outputs(client)
    api = found["api"]
    # 3,650,000 × 297/365 + 7,300,000 × 68/365; 1,460,000 × 297/365 + 2,920,000 × 68/365
    assert (api["R-DECLARED"]["declared_revenue"], api["R-DECLARED"]["declared_profit"]) == (4_330_000, 1_732_000)
    assert api["R-DECLARED"]["declaration"] == "full" and api["R-DECLARED"]["basis"] == "declared"
    assert api["R-DECLARED"]["status"] == "meets"  # 2.17× declared, though 0.05× on the platform
    assert api["R-DECLARED"]["declared_revenue_ratio"] == 2.17 and api["R-DECLARED"]["revenue_ratio"] == 0.05
    assert api["R-PARTIAL"]["declaration"] == "partial" and api["R-PARTIAL"]["declared_revenue"] is None
    assert api["R-PARTIAL"]["basis"] == "platform" and api["R-PARTIAL"]["status"] == "below"
    assert api["R-PARTIAL"]["declared_years"] == [{"year": 2024, "declared": True}, {"year": 2025, "declared": False}]
    assert api["R-JANUARY"]["declaration"] == "full" and api["R-JANUARY"]["basis"] == "declared"
    assert api["R-JANUARY"]["status"] == "below"  # 1.4× declared; the platform's 5× does not count
    for rows in (found["csv"], found["xlsx"]):
        assert rows["R-DECLARED"]["Doanh thu kê khai"] in ("4330000", 4_330_000)
        assert rows["R-DECLARED"]["Cơ sở đánh giá"] == "Số liệu kê khai"
        assert rows["R-PARTIAL"]["Cơ sở đánh giá"] == "Doanh số trên sàn"
        assert rows["R-PARTIAL"]["Năm kê khai"] == "2024 (thiếu 2025)"
    page = found["page"]
    assert page["R-DECLARED"]["declared_revenue"] == "4.330.000 ₫" and page["R-DECLARED"]["basis"] == "Số liệu kê khai"
    assert page["R-DECLARED"]["row_status"] == "meets" and page["R-PARTIAL"]["basis"] == "Doanh số trên sàn"


def test_the_summary_counts_each_basis_and_a_filter_picks_one(rules, staff, client):
    overall = client.get("/api/v1/reports/growth").json["summary"]["overall"]
    assert (overall["declared"], overall["meets_declared"]) == (2, 1)  # R-DECLARED meets, R-JANUARY not
    assert overall["platform"] == overall["with_baseline"] - 2
    html = client.get(REPORT).text
    assert 'data-summary="declared">' in html and "Đánh giá trên số liệu kê khai: 2, trong đó 1 đạt mục tiêu." in html
    for query in ("basis=declared", ):
        assert sorted(outputs(client, query)["api"]) == ["R-DECLARED", "R-JANUARY"]
        assert sorted(GrowthTable(client.get(f"{REPORT}?{query}").text).rows) == ["R-DECLARED", "R-JANUARY"]
        assert sorted(csv_rows(client, query)) == sorted(xlsx_from(client, query)) == ["R-DECLARED", "R-JANUARY"]
    assert "R-DECLARED" not in api_rows(client, "basis=platform")


def test_stars_at_certification_beside_stars_now_and_a_filter_on_each(rules, staff, client):
    api = api_rows(client)
    assert (api["R-STARS"]["first_stars"], api["R-STARS"]["stars"]) == (3, 5)
    assert "R-STARS" in api_rows(client, "first_stars=3") and "R-STARS" not in api_rows(client, "first_stars=5")
    assert "R-STARS" in api_rows(client, "stars=5") and "R-STARS" not in api_rows(client, "stars=3")
    assert list(csv_rows(client, "first_stars=3&stars=5")) == ["R-STARS"]
    summary = client.get("/api/v1/reports/growth").json["summary"]
    assert {tally["key"] for tally in summary["first_stars"]} == {3, 4, 5}


def test_year_one_of_a_leap_day_ends_on_28_february(rules):
    assert rows_by_code(report(ReportFilters(product_id=rules["R-LEAP"].id)))["R-LEAP"].year_one_ends == date(2025, 2, 28)


def test_the_page_and_the_command_explain_every_rule(rules, staff, client, app):
    html = client.get(REPORT).text
    for rule in ("Ngày chứng nhận (C)", "thu hồi sau đó", "kỳ của giao dịch bán", "theo số ngày của năm đầu",
                 "không có số liệu cơ sở so sánh được", "Cơ sở đánh giá"):
        assert rule in html, rule
    help_text = app.test_cli_runner().invoke(args=["reports", "growth", "--help"]).output
    for rule in ("revoked", "period of the sale", "days of year", "no comparable baseline", "declared", "platform",
                 "--basis", "--first-stars"):
        assert rule in help_text, rule


@pytest.mark.parametrize("today", [date(2025, 2, 27), date(2025, 2, 28), date(2025, 3, 9), date(2025, 3, 10),
                                   date(2026, 6, 1)])
def test_the_verdicts_counted_without_the_rows_are_the_reports(rules, today):
    # The plan dashboard counts the report's verdicts with growth_verdicts, a statement of its
    # own: on each rule's product, on the days year one ends (29 February's on 28 February,
    # the declared product's on 10 March), and under each filter, it finds the report's.
    province = rules["R-EXACT"].province_id
    for filters in (ReportFilters(), ReportFilters(certification_years=(2024, 2025)), ReportFilters(basis="declared"),
                    ReportFilters(provinces=(province,)), ReportFilters(certification_year=2023)):
        with growth_rows_table(filters, today=today, default_target=150) as table:
            expected = {(product_id, status == "meets") for product_id, status in db.session.execute(
                select(table.c.product_id, table.c.status).where(table.c.status.in_(COMPARED)))}
        verdicts = growth_verdicts(filters, today=today, default_target=150, calendar=Calendar(db.engine.dialect.name))
        assert {(product_id, bool(meets)) for product_id, _ends, meets in db.session.execute(verdicts)} == expected
    everything = {product_id: bool(meets) for product_id, _ends, meets in db.session.execute(
        growth_verdicts(ReportFilters(), today=today, default_target=150, calendar=Calendar(db.engine.dialect.name)))}
    if today >= date(2025, 3, 10):  # the edges are in: both verdicts, and the declared product's on its declaration
        assert everything[rules["R-EXACT"].id] and everything[rules["R-DECLARED"].id]
        assert not everything[rules["R-PARTIAL"].id] and not everything[rules["R-JANUARY"].id]
        assert rules["R-ZERO"].id not in everything and rules["R-LOSS"].id not in everything
    else:
        assert rules["R-DECLARED"].id not in everything  # not yet due

"""The growth report on a small world built by hand, every figure checked exactly."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from storefront.catalog.services import record_evaluation
from storefront.extensions import db
from storefront.reports.models import Baseline, DeclaredRevenue
from storefront.clock import utc_start_of
from storefront.reports.services import ReportFilters, growth_page
from storefront.sales.models import SaleLine
from tests.factories import make_outlet, make_plan, make_product

TODAY = date(2026, 11, 23)


def certify(product, issued_on, score=80):
    record_evaluation(product=product, score=score, council_level="province", issued_on=issued_on,
                      certificate_no=f"CN-{product.code}")


def sell(product, outlet, when: datetime, amount: int, cost: int, qty: int = 1):
    db.session.add(SaleLine(product_id=product.id, outlet_id=outlet.id, channel="in_store", qty=qty,
                            unit_price=amount // max(abs(qty), 1), amount=amount, cost_amount=cost,
                            sold_at=when, source="TEST"))
    db.session.commit()


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in Vietnam, as the naive UTC the ledger stores."""
    return utc_start_of(day).replace() + (datetime(2000, 1, 1, hour, minute) - datetime(2000, 1, 1))


@pytest.fixture
def world(app):
    outlet = make_outlet("QN-TK")
    meets = make_product("Nước mắm Cửa Khe", stars=None, code="A-MEETS")
    below = make_product("Bánh tráng Đại Lộc", stars=None, code="B-BELOW")
    no_baseline = make_product("Tiêu Tiên Phước", stars=None, code="C-NOBASE")
    not_due = make_product("Trà sâm dây", stars=None, code="D-NOTDUE")
    certify(meets, date(2024, 3, 10))
    certify(below, date(2024, 6, 1))
    certify(no_baseline, date(2024, 1, 15))
    certify(not_due, date(2026, 2, 1))
    db.session.add_all([
        Baseline(product_id=meets.id, revenue=1_000_000, profit=400_000),
        Baseline(product_id=below.id, revenue=1_000_000, profit=400_000),
        Baseline(product_id=not_due.id, revenue=500_000, profit=100_000),
        DeclaredRevenue(product_id=meets.id, year=2024, revenue=9_000_000, profit=3_000_000),
    ])
    db.session.commit()
    # meets: year one is [2024-03-10, 2025-03-10) in Vietnam.
    sell(meets, outlet, local(date(2024, 3, 9), 23, 59), 5_000_000, 1_000_000)   # the day before: out
    sell(meets, outlet, local(date(2024, 3, 10), 0, 0), 1_200_000, 600_000)      # first minute: in
    sell(meets, outlet, local(date(2025, 3, 9), 23, 59), 400_000, 100_000)       # last minute: in
    sell(meets, outlet, local(date(2025, 3, 10), 0, 0), 7_000_000, 1_000_000)    # year two: out
    sell(meets, outlet, local(date(2024, 8, 1), 10), -100_000, -50_000, qty=-1)  # a refund: in
    # below: revenue 1.6× but profit only 1.25×.
    sell(below, outlet, local(date(2024, 7, 1), 9), 1_600_000, 1_100_000)
    sell(no_baseline, outlet, local(date(2024, 5, 1), 9), 800_000, 300_000)
    sell(not_due, outlet, local(date(2026, 3, 1), 9), 900_000, 300_000)
    return {"meets": meets, "below": below, "no_baseline": no_baseline, "not_due": not_due}


def report(filters=ReportFilters(), **options):
    """Every row of the report on TODAY, on one page."""
    return growth_page(filters, default_target=options.pop("default_target", Decimal("1.5")), today=TODAY,
                       per_page=1000, **options)


def rows_by_code(found):
    return {row.code: row for row in found.rows}


def test_every_figure_and_status(world):
    rows = rows_by_code(report())

    meets = rows["A-MEETS"]
    # 1.2M + 0.4M − 0.1M refunded; profit (1.2M − 0.6M) + (0.4M − 0.1M) + (−0.1M + 0.05M)
    assert (meets.revenue, meets.profit) == (1_500_000, 850_000)
    assert meets.revenue_ratio == 1.5 and meets.profit_ratio == pytest.approx(2.125)
    assert meets.status == "meets"  # exactly 1.5× counts

    below = rows["B-BELOW"]
    assert (below.revenue, below.profit) == (1_600_000, 500_000)
    assert below.status == "below"
    assert rows["C-NOBASE"].status == "no_baseline" and rows["C-NOBASE"].revenue == 800_000
    assert rows["D-NOTDUE"].status == "not_yet_due" and rows["D-NOTDUE"].revenue == 900_000
    # Year one runs into 2025, which is not declared: a partial declaration, no status from it.
    assert meets.declaration == "partial" and meets.declared_years == [(2024, True), (2025, False)]
    assert meets.declared_revenue is None and meets.basis == "platform"
    assert meets.year_one_ends == date(2025, 3, 10)


def test_the_target_is_a_plan_setting(world):
    make_plan(None, 2024, growth_ratio=Decimal("1.6"))
    rows = rows_by_code(report())
    assert rows["A-MEETS"].target == Decimal("1.6") and rows["A-MEETS"].status == "below"
    assert rows["D-NOTDUE"].target == Decimal("1.5")  # certified in 2026: no plan target, the default


def test_trailing_twelve_months_for_products_past_year_one(world):
    rows = rows_by_code(report())
    assert rows["A-MEETS"].trailing_revenue == 0  # its sales of March 2025 are older than 12 months
    assert rows["D-NOTDUE"].trailing_revenue is None


def test_summary_counts(world):
    summary = report().summary
    assert summary["overall"] == {
        "products": 4, "due": 3, "no_baseline": 1, "no_comparable_baseline": 0, "with_baseline": 2, "meets": 1,
        "declared": 0, "meets_declared": 0, "platform": 2, "meets_platform": 1, "share": 0.5,
    }
    assert summary["group"]["food"]["products"] == 4


def test_filters(world):
    only_2026 = report(ReportFilters(certification_year=2026))
    assert [row.code for row in only_2026.rows] == ["D-NOTDUE"]


def test_figures_beyond_two_billion_dong_are_exact(app):
    """Ginseng sells by the billion: baselines, declarations and ledger sums pass 2^31 đồng."""
    outlet = make_outlet("QN-NL")
    ginseng = make_product("Sâm Ngọc Linh", stars=None, code="F-GINSENG")
    certify(ginseng, date(2024, 4, 1))
    db.session.add_all([
        Baseline(product_id=ginseng.id, revenue=4_000_000_000, profit=2_500_000_000),
        DeclaredRevenue(product_id=ginseng.id, year=2024, revenue=12_000_000_000, profit=7_000_000_000),
    ])
    db.session.commit()
    sell(ginseng, outlet, local(date(2024, 5, 1), 9), 3_000_000_000, 1_200_000_000, qty=200)
    sell(ginseng, outlet, local(date(2024, 9, 1), 9), 3_000_000_000, 1_200_000_000, qty=200)

    row = rows_by_code(report())["F-GINSENG"]
    assert (row.revenue, row.profit) == (6_000_000_000, 3_600_000_000)
    assert row.baseline_revenue == 4_000_000_000 and row.declaration == "partial"
    assert row.revenue_ratio == 1.5 and row.status == "below"  # profit 1.44×


def test_declarations_of_products_filtered_out_stay_out(world):
    found = report(ReportFilters(certification_year=2026))
    assert [(row.code, row.declaration) for row in found.rows] == [("D-NOTDUE", "none")]

"""The seeds' sales history: the demo shows every growth status; synthetic sales are exact
and deterministic."""
from collections import Counter, defaultdict

from dateutil.relativedelta import relativedelta

from storefront.catalog.models import Product
from storefront.clock import vietnam_today
from storefront.outlets.models import Outlet, StockLevel, StockMove
from storefront.outlets.services import check_stock
from storefront.reports.models import Baseline, DeclaredRevenue
from decimal import Decimal

from storefront.clock import utc_start_of
from storefront.reports.services import STATUSES, ReportFilters, all_growth_rows
from storefront.sales.models import SaleLine
from storefront.seed.demo_sales import tet
from storefront.seed.synthetic import seed_synthetic
from tests.conftest import reset_database
from tests.test_sale_months import ledger_by_month, summed_months


def all_of(db, model):
    return db.session.scalars(db.select(model)).all()


def test_demo_history_shows_every_status_and_leaves_stock_alone(demo, db):
    today = vietnam_today()

    rows = list(all_growth_rows(ReportFilters(), default_target=Decimal("1.5")))
    statuses = Counter(row.status for row in rows)
    assert set(statuses) == set(STATUSES), statuses
    assert statuses["meets"] >= 5 and statuses["below"] >= 5, statuses
    assert statuses["no_baseline"] < statuses["meets"] + statuses["below"], statuses
    compared = [row for row in rows if row.status in ("meets", "below")]
    assert {row.basis for row in compared} == {"declared", "platform"}
    assert {row.declaration for row in compared} == {"full", "partial", "none"}
    assert all(row.trailing_revenue is not None for row in rows if row.status != "not_yet_due")

    lines = all_of(db, SaleLine)
    assert len(lines) == demo["sale_lines"] > 10_000
    refunds = [line for line in lines if line.amount < 0]
    assert refunds and all(refund.reverses_id and refund.counts_at < refund.sold_at for refund in refunds)
    stocked = {(level.outlet_id, level.product_id) for level in all_of(db, StockLevel)}
    assert all((line.outlet_id, line.product_id) in stocked for line in lines)
    assert {line.channel for line in lines} == {"in_store", "online"}
    refunds = [line for line in lines if line.qty < 0]
    assert refunds and all(line.amount < 0 and line.cost_amount < 0 for line in refunds)
    products = {product.id: product for product in all_of(db, Product)}
    for line in lines:
        product = products[line.product_id]
        assert (line.amount, line.cost_amount) == (product.price * line.qty, product.unit_cost * line.qty)
    assert utc_start_of(today - relativedelta(months=24)) <= min(line.sold_at for line in lines)
    assert max(line.sold_at for line in lines) < utc_start_of(today)  # history, not today's sales

    # Past sales do not move stock: the ledger of moves is only the opening stock and agrees.
    assert {move.kind for move in all_of(db, StockMove)} == {"receive"}
    assert check_stock() == []

    # Tết: the four weeks before it sell more a day than the year's average day.
    new_year = tet(today.year) if tet(today.year) < today else tet(today.year - 1)
    rush_start, rush_end = utc_start_of(new_year - relativedelta(days=28)), utc_start_of(new_year)
    last_year_start = utc_start_of(today - relativedelta(months=12))
    per_day = defaultdict(int)
    for line in lines:
        if line.sold_at >= last_year_start:
            per_day["rush" if rush_start <= line.sold_at < rush_end else "rest"] += line.amount
    assert per_day["rush"] / 28 > 1.5 * per_day["rest"] / 337

    for baseline in all_of(db, Baseline):
        assert baseline.revenue > 0 and baseline.profit <= baseline.revenue and baseline.source in ("declared", "audited")
    declared = all_of(db, DeclaredRevenue)
    assert len(declared) == demo["declared"] > 0
    assert all(2015 <= d.year < today.year and 0 < d.profit <= d.revenue for d in declared)


def ledger(db):
    return db.session.execute(
        db.select(Product.code, Outlet.code, SaleLine.channel, SaleLine.qty, SaleLine.amount,
                  SaleLine.cost_amount, SaleLine.sold_at, SaleLine.source)
        .join(Product, Product.id == SaleLine.product_id)
        .join(Outlet, Outlet.id == SaleLine.outlet_id)
        .order_by(SaleLine.source)
    ).all()


def test_synthetic_sales_are_exact_and_the_same_for_a_seed(app, db):
    result = seed_synthetic(products=300, seed=7, sales=4_321)
    first = ledger(db)
    assert len(first) == result["sale_lines"] == 4_321
    baselines = {b.product_id: b for b in all_of(db, Baseline)}
    certified = [p for p in all_of(db, Product) if p.certification_id is not None]
    assert len(baselines) == result["baselines"] and 0.7 * len(certified) < len(baselines) <= len(certified)
    assert all(b.profit <= b.revenue for b in baselines.values())
    outlets = all_of(db, Outlet)
    assert len(outlets) == result["outlets"] == 20 and all(o.code.startswith("syn7-") for o in outlets)
    # Sales start at each product's certification (its earliest 3★+ evaluation).
    certified_on = {p.code: min(e.issued_on for e in p.evaluations if e.stars >= 3) for p in certified}
    assert all(sold_at >= utc_start_of(certified_on[code]) for code, _o, _c, _q, _a, _k, sold_at, _s in first)
    statuses = Counter(row.status for row in all_growth_rows(ReportFilters(), default_target=Decimal("1.5")))
    assert statuses["meets"] and statuses["below"], statuses
    # Refunds give back an earlier sale of the product, linked to it and counted in its period.
    refunds = db.session.scalars(db.select(SaleLine).where(SaleLine.amount < 0)).all()
    assert refunds and all(
        refund.reverses.product_id == refund.product_id and refund.reverses.amount == -refund.amount
        and refund.counts_at == refund.reverses.sold_at < refund.sold_at for refund in refunds
    )

    db.session.remove()
    reset_database()
    seed_synthetic(products=300, seed=7, sales=4_321)
    assert ledger(db) == first


def test_synthetic_sales_reach_the_monthly_sums(app, db):
    """The last 12 months read them; on PostgreSQL the seed adds them up itself."""
    seed_synthetic(products=300, seed=7, sales=4_321)
    assert summed_months() == ledger_by_month() != {}


def test_cli_writes_exactly_the_lines_asked_for(app, db):
    result = app.test_cli_runner().invoke(
        args=["seed", "synthetic", "--products", "60", "--sales", "2500", "--seed", "4", "--no-index"]
    )
    assert result.exit_code == 0, result.output
    assert "2500 sale lines" in result.output
    assert db.session.scalar(db.select(db.func.count(SaleLine.id))) == 2500

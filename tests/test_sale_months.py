"""The ledger's monthly sums (SaleMonth), which the growth report's last 12 months read, hold
exactly what the ledger's lines add up to, month by Vietnamese month, whoever writes the lines:
sales, card refunds, till returns and voids, counter refunds, and lines taken out again."""
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from storefront.extensions import db
from storefront.orders.services import mark_collected, mark_paid, mark_ready, record_refund, refund_at_counter
from storefront.reports.services import ReportFilters, ReportOrder, growth_page
from storefront.sales.models import SaleLine, SaleMonth
from storefront.sales.services import SaleRequestLine, record_sale, return_goods, reversal_of, void_sale
from tests.factories import make_order, make_outlet, make_product
from tests.test_growth_report import certify, local, sell
from tests.test_returns import Shop


def vietnam_month(moment) -> date:
    return (moment + timedelta(hours=7)).date().replace(day=1)


def ledger_by_month() -> dict:
    """(product, month) → (revenue, profit), added up from the lines themselves; zeros left out."""
    sums = defaultdict(lambda: [0, 0])
    for line in db.session.scalars(db.select(SaleLine)):
        key = (line.product_id, vietnam_month(line.counts_at))
        sums[key][0] += line.amount
        sums[key][1] += line.amount - line.cost_amount
    return {key: tuple(value) for key, value in sums.items() if value != [0, 0]}


def summed_months() -> dict:
    db.session.expire_all()
    return {(row.product_id, row.month): (row.revenue, row.profit)
            for row in db.session.scalars(db.select(SaleMonth)) if (row.revenue, row.profit) != (0, 0)}


@pytest.fixture
def shop(app):
    with app.test_request_context(), force_locale("en"):
        yield Shop()


def test_sales_and_every_way_money_comes_back_reach_the_monthly_sums(shop):
    sale = shop.sell(sauce=3, tea=2)
    return_goods(sale=sale, quantities={shop.line(sale, shop.sauce).id: 1}, reason="Vỡ chai", restock=False,
                 user=shop.cashier)
    void_sale(sale=sale, reason="Khách đổi ý", restock=True, user=shop.cashier)
    card = make_order(shop.outlet, [(shop.sauce, 1), (shop.tea, 2)], payment_method="card")
    mark_paid(order=card)
    record_refund(order=card, refunded_total=100_001)
    record_refund(order=card, refunded_total=card.total)
    at_pickup = make_order(shop.outlet, [(shop.tea, 1)], payment_method="pay_at_pickup")
    mark_ready(order=at_pickup, user=shop.cashier)
    mark_collected(order=at_pickup, user=shop.cashier, payment_kind="cash")
    refund_at_counter(order=at_pickup, quantities={at_pickup.lines[0].id: 1}, reason="Hàng lỗi", restock=False,
                      user=shop.cashier, refunded_before=0)
    kept = record_sale(outlet=shop.outlet, lines=[SaleRequestLine(shop.sauce, 2)], payment_kind="cash",
                       cash_received=240_000, user=shop.cashier)

    assert summed_months() == ledger_by_month()
    # All the revenue left is the last sale's; the goods given back without restocking keep
    # their cost, which the profit shows.
    month = vietnam_month(kept.created_at)
    assert summed_months() == {(shop.sauce.id, month): (240_000, -40_000), (shop.tea.id, month): (0, -150_000)}


def test_a_refund_counts_in_the_month_of_the_sale_it_reverses(app):
    outlet = make_outlet("QN-M")
    product = make_product("Mật ong Trà My", code="MO-01")
    # 23:30 on 31 May in Vietnam is still May, though it is 16:30 UTC; 00:30 on 1 June is June.
    sell(product, outlet, local(date(2025, 5, 31), 23, 30), 500_000, 200_000)
    sell(product, outlet, local(date(2025, 6, 1), 0, 30), 300_000, 100_000)
    may_sale = db.session.scalar(db.select(SaleLine).order_by(SaleLine.id))
    db.session.add(reversal_of(may_sale, qty=1, amount=500_000, cost_amount=200_000,
                               sold_at=local(date(2025, 8, 3), 10), source="REFUND"))
    db.session.commit()
    assert summed_months() == ledger_by_month() == {(product.id, date(2025, 6, 1)): (300_000, 200_000)}


def test_lines_taken_out_of_the_ledger_leave_the_monthly_sums(app):
    outlet = make_outlet("QN-D")
    product = make_product("Miến Tiên Phước", code="MI-01")
    sell(product, outlet, local(date(2025, 3, 4), 9), 100_000, 40_000)
    sell(product, outlet, local(date(2025, 3, 5), 9), 250_000, 90_000)
    db.session.execute(db.delete(SaleLine).where(SaleLine.amount == 100_000))
    db.session.commit()
    assert summed_months() == ledger_by_month() == {(product.id, date(2025, 3, 1)): (250_000, 160_000)}


TODAY = date(2026, 11, 23)  # the last 12 months are [2025-11-23, 2026-11-23) in Vietnam


@pytest.fixture
def edges(app):
    """Products past year one whose lines sit on every edge of the last 12 months."""
    outlet = make_outlet("QN-E")
    products = {}
    for code in ("E-START", "E-END", "E-REFUND", "E-MIDDLE"):
        products[code] = make_product(f"Sản phẩm {code}", stars=None, code=code)
        certify(products[code], date(2023, 1, 10))
    start, end = products["E-START"], products["E-END"]
    sell(start, outlet, local(date(2025, 11, 22), 23, 59), 9_000_000, 1_000_000)  # the minute before: out
    sell(start, outlet, local(date(2025, 11, 23), 0, 0), 1_000_000, 400_000)      # the first minute: in
    sell(start, outlet, local(date(2025, 11, 30), 23, 59), 20_000, 5_000)         # the partial first month: in
    sell(start, outlet, local(date(2025, 12, 1), 0, 0), 300_000, 100_000)         # the first whole month: in
    sell(end, outlet, local(date(2026, 10, 31), 23, 59), 70_000, 10_000)          # the last whole month: in
    sell(end, outlet, local(date(2026, 11, 1), 0, 0), 400_000, 100_000)           # the partial last month: in
    sell(end, outlet, local(date(2026, 11, 22), 23, 59), 50_000, 20_000)          # the last minute: in
    sell(end, outlet, local(date(2026, 11, 23), 0, 0), 8_000_000, 1_000_000)      # today: out
    refunded = products["E-REFUND"]
    sell(refunded, outlet, local(date(2025, 10, 20), 9), 600_000, 200_000)   # before the period
    sell(refunded, outlet, local(date(2025, 11, 25), 9), 800_000, 300_000)   # in its partial first month
    sell(refunded, outlet, local(date(2026, 3, 1), 9), 2_000_000, 500_000)
    before, first_month, march = db.session.scalars(
        db.select(SaleLine).where(SaleLine.product_id == refunded.id).order_by(SaleLine.id)).all()
    for line in (before, first_month, march):  # each given back within the period: counts at the sale
        db.session.add(reversal_of(line, qty=1, amount=line.amount // 2, cost_amount=0,
                                   sold_at=local(date(2026, 6, 2), 9), source="REFUND"))
    db.session.commit()
    sell(products["E-MIDDLE"], outlet, local(date(2026, 5, 15), 9), 3_000_000, 1_000_000)
    return products


def trailing(order: ReportOrder) -> dict:
    page = growth_page(ReportFilters(), default_target=Decimal("1.5"), order=order, today=TODAY)
    return {row.code: (row.trailing_revenue, row.trailing_profit) for row in page.rows}


def test_the_last_12_months_read_from_monthly_sums_equal_the_ledgers_lines(edges):
    expected = {
        "E-START": (1_320_000, 815_000),
        "E-END": (520_000, 390_000),
        "E-REFUND": (1_400_000, 600_000),  # half of each kept; the refunds took no cost back
        "E-MIDDLE": (3_000_000, 2_000_000),
    }
    # Sorted by a last-12-months figure, the database sums the period for every row, through
    # SaleMonth; in any other order only the page's rows are summed, from the ledger's lines.
    assert trailing(ReportOrder("trailing_revenue", descending=True)) == expected
    assert trailing(ReportOrder("trailing_profit")) == expected
    assert trailing(ReportOrder("code")) == expected
    page = growth_page(ReportFilters(), default_target=Decimal("1.5"), order=ReportOrder("trailing_revenue", True),
                       today=TODAY)
    assert [row.code for row in page.rows] == ["E-MIDDLE", "E-REFUND", "E-START", "E-END"]


def test_a_period_starting_early_in_its_month_subtracts_the_days_before_it(app):
    """[2025-11-05, 2026-11-05): the first month is read from its monthly sum less its first
    four days, which must leave out exactly the lines before the period."""
    today = date(2026, 11, 5)
    outlet = make_outlet("QN-F")
    product = make_product("Sản phẩm E-EARLY", stars=None, code="E-EARLY")
    certify(product, date(2023, 1, 10))
    sell(product, outlet, local(date(2025, 11, 1), 0, 0), 7_000_000, 1_000_000)    # the month's first day: out
    sell(product, outlet, local(date(2025, 11, 4), 23, 59), 9_000_000, 2_000_000)  # the minute before: out
    sell(product, outlet, local(date(2025, 11, 5), 0, 0), 1_000_000, 400_000)      # the first minute: in
    sell(product, outlet, local(date(2025, 11, 30), 23, 59), 20_000, 5_000)        # the first month's last: in
    sell(product, outlet, local(date(2026, 11, 4), 23, 59), 50_000, 20_000)        # the last minute: in
    sell(product, outlet, local(date(2026, 11, 5), 0, 0), 8_000_000, 1_000_000)    # today: out
    expected = {"E-EARLY": (1_070_000, 645_000)}
    for order in (ReportOrder("trailing_revenue", descending=True), ReportOrder("code")):
        page = growth_page(ReportFilters(), default_target=Decimal("1.5"), order=order, today=today)
        assert {row.code: (row.trailing_revenue, row.trailing_profit) for row in page.rows} == expected

"""Till history: a day's receipts and the end-of-day cash report, as a manager reads them."""
from datetime import timedelta

import pytest

from storefront.clock import utcnow, vietnam_today
from storefront.extensions import db as _db
from storefront.orders.services import counter_order_totals, mark_collected, mark_ready, refund_at_counter
from storefront.outlets.services import assign_outlets
from storefront.sales.services import SaleRequestLine, record_sale, till_day_totals, void_sale
from tests.factories import make_order, make_outlet, make_product, make_user, stock

pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


@pytest.fixture
def world(db, login_as):
    """Outlet A's manager signed in; today two cash sales (one voided) and a card sale, and a
    cash sale yesterday."""
    a, b = make_outlet("QN-A"), make_outlet("QN-B")
    sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000)
    stock(a, sauce, 20)
    stock(b, sauce, 5)
    user = login_as("manager")
    assign_outlets(user=user, codes=["QN-A"])
    sell = lambda qty, kind, outlet=a: record_sale(outlet=outlet, lines=[SaleRequestLine(sauce, qty)],  # noqa: E731
                                                   payment_kind=kind, user=user, cash_received=None if kind != "cash" else qty * 150_000)
    yesterday = sell(4, "cash")
    yesterday.created_at = utcnow() - timedelta(days=1)
    _db.session.commit()
    kept, card = sell(2, "cash"), sell(1, "card")
    void_sale(sale=sell(1, "cash"), reason="rung up twice", restock=True, user=user)
    sell(3, "cash", outlet=b)  # another outlet's drawer
    return a, kept, card


def test_the_days_totals_per_payment_kind(world):
    a, _kept, _card = world
    totals = {total.payment_kind: total for total in till_day_totals(a, vietnam_today())}
    assert (totals["cash"].receipts, totals["cash"].taken, totals["cash"].given_back, totals["cash"].net) == \
        (3, 450_000, -150_000, 300_000)
    assert (totals["card"].receipts, totals["card"].net) == (1, 150_000)
    assert (totals["transfer"].receipts, totals["transfer"].net) == (0, 0)


def test_the_page_lists_todays_receipts_with_a_reprint_link_and_compares_counted_cash(client, world):
    _a, kept, card = world
    page = client.get("/manage/QN-A/pos/day?counted=290000").text
    assert "4 receipts" in page and kept.number in page and card.number in page
    assert f"/manage/QN-A/receipts/{kept.number}" in page
    assert "Cash expected" in page and "300.000" in page and "10.000\xa0₫ short" in page
    assert "The drawer matches the till." in client.get("/manage/QN-A/pos/day?counted=300000").text


def test_another_day_shows_its_own_receipts(client, world):
    yesterday = (vietnam_today() - timedelta(days=1)).isoformat()
    page = client.get(f"/manage/QN-A/pos/day?day={yesterday}").text
    assert "1 receipt" in page and "600.000" in page


@pytest.mark.parametrize("query", ["day=tomorrow", "day=0001-01-01", "day=9999-12-31", "counted=-5", "counted=1e99",
                                   "day=2025-02-30", "page=99999"])
def test_bad_query_values_fall_back_instead_of_failing(client, world, query):
    response = client.get(f"/manage/QN-A/pos/day?{query}")
    assert response.status_code == 200 and "End-of-day report" in response.text


def test_another_outlets_till_history_is_refused(client, world):
    assert client.get("/manage/QN-B/pos/day").status_code == 403


@pytest.fixture
def pickup_orders(world):
    """At A today: a pickup order of 2 paid in cash, one of them brought back for cash; one paid
    by card at the counter; and one at B. A staff member at the counter, so the manager's own
    page views stay theirs."""
    a = world[0]
    b = _db.session.scalar(_db.select(type(a)).where(type(a).code == "QN-B"))
    sauce = world[1].lines[0].product
    cashier = make_user("staff")
    paid_in = {}
    for outlet, kind, qty in ((a, "cash", 2), (a, "card", 1), (b, "cash", 1)):
        order = make_order(outlet, [(sauce, qty)])
        mark_ready(order=order, user=cashier)
        mark_collected(order=order, user=cashier, payment_kind=kind)
        paid_in[outlet.code, kind] = order
    cash_order = paid_in["QN-A", "cash"]
    refund_at_counter(order=cash_order, quantities={cash_order.lines[0].id: 1}, reason="Nắp hỏng", restock=True,
                      user=cashier, refunded_before=0)
    return paid_in


def test_pickup_orders_paid_and_refunded_at_the_counter_count_in_the_days_cash(client, world, pickup_orders):
    """Before, the report read till receipts alone: the drawer held the order's cash and the
    page called it a surplus."""
    a = world[0]
    totals = {total.payment_kind: total for total in counter_order_totals(a, vietnam_today())}
    page = client.get("/manage/QN-A/pos/day?counted=450000").text

    assert (totals["cash"].receipts, totals["cash"].taken, totals["cash"].given_back) == (1, 300_000, -150_000)
    assert (totals["card"].receipts, totals["card"].taken, totals["card"].given_back) == (1, 150_000, 0)
    assert (totals["transfer"].receipts, totals["transfer"].net) == (0, 0)
    assert "Online orders paid or refunded at the counter" in page
    # The till's 300,000 in cash and the orders' 150,000 net: what the drawer holds.
    assert "The drawer matches the till." in page
    assert counter_order_totals(a, vietnam_today() - timedelta(days=1))[0].receipts == 0

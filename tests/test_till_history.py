"""Till history: a day's receipts and the end-of-day cash report, as a manager reads them."""
from datetime import timedelta

import pytest

from storefront.clock import utcnow, vietnam_today
from storefront.extensions import db as _db
from storefront.outlets.services import assign_outlets
from storefront.sales.services import SaleRequestLine, record_sale, till_day_totals, void_sale
from tests.factories import make_outlet, make_product, stock

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

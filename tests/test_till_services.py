"""The till through its services, without HTTP: a sale takes its stock and writes its ledger
lines in one transaction or not at all; returns and voids write negative lines linked to the
lines they give back; the receipts list and the day's figures read what was written."""
from datetime import timedelta

import pytest
from flask_babel import force_locale

from storefront.catalog.services import update_product
from storefront.clock import utc_start_of, vietnam_today
from storefront.outlets.models import StockLevel, StockMove
from storefront.outlets.services import OutOfStock
from storefront.sales.models import PosSale, SaleLine
from storefront.sales.services import (
    SaleError,
    SaleRequestLine,
    check_cart_quantity,
    find_pos_item,
    price_cart,
    record_sale,
    return_goods,
    till_day_totals,
    till_receipts,
    todays_sales,
    void_sale,
)
from tests.factories import Shop, make_user


class World(Shop):
    def __init__(self):
        super().__init__({("a", "sauce"): 10, ("a", "liquor"): 2, ("b", "sauce"): 5})
        self.cashier = make_user("manager", outlets=[self.a])

    def sell(self, *lines, kind="card", cash=None, outlet=None):
        """A sale of (product, qty) pairs at A unless told."""
        return record_sale(outlet=outlet or self.a, lines=[SaleRequestLine(p, q) for p, q in lines],
                           payment_kind=kind, user=self.cashier, cash_received=cash)


@pytest.fixture
def world(app, db):
    with app.test_request_context(), force_locale("en"):  # the refusals read English
        yield World()


def on_hand(db, outlet, product) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(StockLevel.on_hand).where(
        StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id))


def written(db) -> tuple:
    """Everything a sale may write: the levels, and how many moves, ledger lines and receipts."""
    db.session.expire_all()
    levels = db.session.execute(db.select(StockLevel.id, StockLevel.on_hand).order_by(StockLevel.id)).all()
    return levels, [db.session.scalar(db.select(db.func.count()).select_from(model))
                    for model in (StockMove, SaleLine, PosSale)]


def ledger(db, sale_or_record) -> list[tuple]:
    """(product code, qty, amount, cost, code of the product of the line it reverses) per line."""
    db.session.expire_all()
    lines = db.session.scalars(db.select(SaleLine).where(SaleLine.pos_sale_id == sale_or_record.id)
                               .order_by(SaleLine.product_id)).all()
    return [(line.product.code, line.qty, line.amount, line.cost_amount,
             line.reverses.product.code if line.reverses else None) for line in lines]


# --- Recording a sale ----------------------------------------------------------------------------

def test_a_sale_takes_its_stock_and_writes_its_ledger_lines(db, world):
    sale = world.sell((world.sauce, 3), (world.liquor, 1), kind="cash", cash=700_000)

    assert (sale.kind, sale.total, sale.change_due) == ("sale", 650_000, 50_000)
    assert ledger(db, sale) == [("NM-01", 3, 450_000, 270_000, None), ("RN-01", 1, 200_000, 120_000, None)]
    assert (on_hand(db, world.a, world.sauce), on_hand(db, world.a, world.liquor)) == (7, 1)
    assert on_hand(db, world.b, world.sauce) == 5  # only the till's outlet sells
    moves = db.session.execute(db.select(StockMove.on_hand_change, StockMove.reference)
                               .where(StockMove.kind == "sale").order_by(StockMove.product_id)).all()
    assert moves == [(-3, sale.number), (-1, sale.number)]


def test_the_same_product_scanned_twice_is_one_line(db, world):
    sale = world.sell((world.sauce, 2), (world.sauce, 3))
    assert ledger(db, sale) == [("NM-01", 5, 750_000, 450_000, None)]
    assert on_hand(db, world.a, world.sauce) == 5


def test_a_sale_short_of_stock_on_one_line_writes_nothing_at_all(db, world):
    before = written(db)
    # The sauce line comes first and would fit; the liquor line is one short.
    with pytest.raises(OutOfStock, match="Only 2 of Rượu Ngô Cải Vân available at Điểm OCOP Tiên Phước; 3 asked."):
        world.sell((world.sauce, 4), (world.liquor, 3))
    assert written(db) == before
    assert on_hand(db, world.a, world.sauce) == 10


def test_stock_at_another_outlet_does_not_make_a_sale_here(db, world):
    with pytest.raises(OutOfStock):
        world.sell((world.sauce, 11))  # 10 here, 5 at B
    assert on_hand(db, world.a, world.sauce) == 10


@pytest.mark.parametrize("kind, cash, message", [
    ("cash", None, "The cash received is less than the total."),
    ("cash", 149_999, "The cash received is less than the total."),
    ("cheque", None, "Choose cash, card or bank transfer."),
])
def test_a_sale_without_enough_cash_or_a_known_payment_kind_writes_nothing(db, world, kind, cash, message):
    before = written(db)
    with pytest.raises(SaleError, match=message):
        world.sell((world.sauce, 1), kind=kind, cash=cash)
    assert written(db) == before


def test_an_empty_sale_or_a_product_no_longer_sellable_is_refused(db, world):
    before = written(db)
    with pytest.raises(SaleError, match="Add at least one product to the sale."):
        world.sell()
    update_product(world.liquor, active=False)
    with pytest.raises(SaleError, match="Rượu Ngô Cải Vân has no valid OCOP certificate and cannot be sold."):
        world.sell((world.sauce, 1), (world.liquor, 1))
    assert written(db) == before


def test_a_card_sale_keeps_no_cash_received(world):
    sale = world.sell((world.sauce, 1), kind="card", cash=500_000)
    assert (sale.cash_received, sale.change_due) == (None, 0)


# --- The sale being rung up --------------------------------------------------------------------

def test_the_till_finds_a_product_by_its_code_as_typed_with_what_is_available_here(world):
    item = find_pos_item(world.b, " nm-01 ")
    assert (item.product.code, item.available) == ("NM-01", 5)
    assert find_pos_item(world.a, "XX-99") is None


def test_a_line_is_refused_past_what_is_available_here_counting_what_is_on_the_sale(world):
    item = find_pos_item(world.a, "RN-01")
    check_cart_quantity(item, 2)
    with pytest.raises(SaleError, match="Only 2 of Rượu Ngô Cải Vân available here."):
        check_cart_quantity(item, 3)
    with pytest.raises(SaleError, match="and 1 are already on this sale."):
        check_cart_quantity(item, 2, in_cart=1)


def test_the_sale_being_rung_up_is_priced_at_todays_prices_in_the_order_scanned(world):
    update_product(world.sauce, price=160_000)
    cart = price_cart(world.a, [(world.liquor.id, 1), (world.sauce.id, 2)])
    assert [(line.product.code, line.amount) for line in cart.lines] == [("RN-01", 200_000), ("NM-01", 320_000)]
    assert (cart.total, cart.item_count) == (520_000, 3)


# --- Returns and voids ---------------------------------------------------------------------------

def line_of(sale, product) -> SaleLine:
    return next(line for line in sale.lines if line.product_id == product.id)


def test_a_return_restocked_writes_negative_lines_linked_to_those_it_gives_back(db, world):
    sale = world.sell((world.sauce, 3), (world.liquor, 2))
    record = return_goods(sale=sale, quantities={line_of(sale, world.sauce).id: 2, line_of(sale, world.liquor).id: 0},
                          reason="  Khách   đổi ý ", restock=True, user=world.cashier)

    assert (record.kind, record.total, record.reason, record.restocked) == ("return", -300_000, "Khách đổi ý", True)
    assert ledger(db, record) == [("NM-01", -2, -300_000, -180_000, "NM-01")]
    assert db.session.scalar(db.select(SaleLine.reverses_id).where(SaleLine.pos_sale_id == record.id)) == \
        line_of(sale, world.sauce).id
    assert on_hand(db, world.a, world.sauce) == 9  # 10 − 3 + 2


def test_a_void_not_restocked_gives_back_the_money_but_not_the_stock_or_the_cost(db, world):
    sale = world.sell((world.sauce, 3), (world.liquor, 1))
    void = void_sale(sale=sale, reason="Hàng vỡ", restock=False, user=world.cashier)

    assert (void.kind, void.total, void.restocked) == ("void", -650_000, False)
    assert ledger(db, void) == [("NM-01", -3, -450_000, 0, "NM-01"), ("RN-01", -1, -200_000, 0, "RN-01")]
    assert (on_hand(db, world.a, world.sauce), on_hand(db, world.a, world.liquor)) == (7, 1)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_return_or_void_without_a_reason_is_refused_and_writes_nothing(db, world, reason):
    sale = world.sell((world.sauce, 3))
    before = written(db)
    with pytest.raises(SaleError, match="Give the reason for the return."):
        return_goods(sale=sale, quantities={line_of(sale, world.sauce).id: 1}, reason=reason, restock=True,
                     user=world.cashier)
    with pytest.raises(SaleError, match="Give the reason for the return."):
        void_sale(sale=sale, reason=reason, restock=True, user=world.cashier)
    assert written(db) == before


def test_a_void_after_a_return_gives_back_only_what_is_left(db, world):
    sale = world.sell((world.sauce, 3))
    return_goods(sale=sale, quantities={line_of(sale, world.sauce).id: 1}, reason="Đổi ý", restock=True,
                 user=world.cashier)
    void = void_sale(sale=sale, reason="Nhập nhầm", restock=True, user=world.cashier)

    assert void.total == -300_000 and ledger(db, void) == [("NM-01", -2, -300_000, -180_000, "NM-01")]
    assert on_hand(db, world.a, world.sauce) == 10
    assert db.session.scalar(db.select(db.func.sum(SaleLine.amount))) == 0


# --- Receipts and the day's figures --------------------------------------------------------------

def test_the_receipts_list_holds_this_outlets_sales_returns_and_voids_newest_first(db, world):
    first = world.sell((world.sauce, 1))
    second = world.sell((world.sauce, 2), kind="transfer")
    void = void_sale(sale=first, reason="Nhập nhầm", restock=True, user=world.cashier)
    world.sell((world.sauce, 1), outlet=world.b)  # another outlet's

    receipts = till_receipts(world.a)
    assert [sale.number for sale in receipts.items] == [void.number, second.number, first.number]
    assert receipts.total == 3


def test_the_receipts_list_narrows_to_a_number_as_typed_and_to_one_day(db, world):
    yesterday = vietnam_today() - timedelta(days=1)
    old = world.sell((world.sauce, 1))
    old.created_at = utc_start_of(yesterday) + timedelta(hours=23)  # 23:00 in Vietnam
    db.session.commit()
    today = world.sell((world.sauce, 1))

    typed = today.number[-8:].lower()  # read off a slip, typed in lower case
    assert [sale.number for sale in till_receipts(world.a, number=typed).items] == [today.number]
    assert [sale.number for sale in till_receipts(world.a, day=vietnam_today()).items] == [today.number]
    assert [sale.number for sale in till_receipts(world.a, day=yesterday).items] == [old.number]
    assert till_receipts(world.a, number="NO-SUCH").items == []


def test_the_days_totals_per_payment_kind_net_what_was_given_back(world):
    world.sell((world.sauce, 2), kind="cash", cash=300_000)
    voided = world.sell((world.sauce, 1), kind="cash", cash=150_000)
    void_sale(sale=voided, reason="Nhập nhầm", restock=True, user=world.cashier)
    world.sell((world.liquor, 1), kind="card")
    world.sell((world.sauce, 1), kind="cash", cash=150_000, outlet=world.b)  # another drawer

    totals = {total.payment_kind: (total.receipts, total.taken, total.given_back, total.net)
              for total in till_day_totals(world.a, vietnam_today())}
    assert totals == {"cash": (3, 450_000, -150_000, 300_000), "card": (1, 200_000, 0, 200_000),
                      "transfer": (0, 0, 0, 0)}


def test_todays_sales_count_sales_not_returns_and_net_units_and_money(world):
    sale = world.sell((world.sauce, 3), (world.liquor, 1))
    world.sell((world.sauce, 1))
    return_goods(sale=sale, quantities={line_of(sale, world.sauce).id: 1}, reason="Đổi ý", restock=True,
                 user=world.cashier)

    today = todays_sales(world.a)
    assert (today.sales, today.units, today.total) == (2, 4, 650_000 + 150_000 - 150_000)
    assert todays_sales(world.b).sales == 0

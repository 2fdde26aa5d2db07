"""Money given back reaches the sales ledger: card refunds shared by what each line has left,
till returns and voids, and counter refunds of orders paid at pickup — each a negative sale
line linked to the line it reverses, with its stock moves, checked in the ledger, in stock and
with `flask stock check`."""
import pytest
from flask_babel import force_locale

from storefront.extensions import db
from storefront.orders.models import Order
from storefront.orders.services import (
    OrderError,
    mark_collected,
    mark_paid,
    mark_ready,
    record_refund,
    refund_at_counter,
)
from storefront.outlets.models import StockLevel, StockMove
from storefront.outlets.services import assign_outlets
from storefront.sales.models import PosSale, SaleLine
from storefront.sales.services import (
    SaleAlreadyRecorded,
    SaleError,
    SaleRequestLine,
    record_sale,
    return_goods,
    void_sale,
)
from tests.factories import make_order, make_outlet, make_product, make_user, stock

pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


@pytest.fixture(autouse=True)
def messages_in_english(app):
    """The services' refusals, read outside a request, in English too."""
    with app.test_request_context(), force_locale("en"):
        yield


class Shop:
    def __init__(self):
        self.outlet = make_outlet("QN-A", name="Điểm OCOP Tiên Phước")
        self.other = make_outlet("QN-B")
        self.sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=120_000, unit_cost=70_000)
        self.tea = make_product("Trà sâm dây Ngọc Linh", code="TS-01", price=80_000, unit_cost=50_000)
        stock(self.outlet, self.sauce, 10)
        stock(self.outlet, self.tea, 10)
        self.cashier = make_user("manager", outlets=[self.outlet])

    def sell(self, sauce=3, tea=2, payment_kind="card") -> PosSale:
        return record_sale(outlet=self.outlet, lines=[SaleRequestLine(self.sauce, sauce), SaleRequestLine(self.tea, tea)],
                           payment_kind=payment_kind, user=self.cashier)

    def line(self, sale: PosSale, product) -> SaleLine:
        return next(line for line in sale.lines if line.product_id == product.id)


@pytest.fixture
def shop(app):
    return Shop()


def ledger(product) -> list[tuple[int, int, int]]:
    """(qty, amount, cost) of every sale line of the product."""
    db.session.expire_all()
    return db.session.execute(
        db.select(SaleLine.qty, SaleLine.amount, SaleLine.cost_amount)
        .where(SaleLine.product_id == product.id).order_by(SaleLine.id)
    ).all()


def totals(product) -> tuple[int, int, int]:
    rows = ledger(product)
    return tuple(sum(row[i] for row in rows) for i in range(3))


def on_hand(outlet, product) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(StockLevel.on_hand).where(
        StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id))


def stock_check_is_clean(app) -> bool:
    result = app.test_cli_runner().invoke(args=["stock", "check"])
    return result.exit_code == 0 and result.output.startswith("OK")


def everything() -> tuple:
    db.session.expire_all()
    return tuple(db.session.scalar(db.select(db.func.count()).select_from(model)) for model in (SaleLine, StockMove, PosSale))


# --- Card refunds ----------------------------------------------------------------------------

def test_a_partial_refund_then_the_rest_brings_every_product_to_exactly_zero(shop):
    order = make_order(shop.outlet, [(shop.sauce, 1), (shop.tea, 2)], payment_method="card")  # 120,000 + 160,000
    mark_paid(order=order)
    record_refund(order=order, refunded_total=100_001)
    record_refund(order=order, refunded_total=order.total)
    # Shared by what each line had left, not by its original amount: no đồng moves between products.
    assert totals(shop.sauce)[1] == 0 and totals(shop.tea)[1] == 0
    refunds = db.session.scalars(db.select(SaleLine).where(SaleLine.amount < 0)).all()
    assert len(refunds) == 4 and all(refund.reverses is not None for refund in refunds)
    assert all(refund.reverses.product_id == refund.product_id and refund.counts_at == refund.reverses.sold_at
               for refund in refunds)


def test_a_refund_of_an_order_never_sold_writes_no_ledger_line(shop):
    """Paid after its stock was gone: no sale was recognised, so there is nothing to reverse."""
    order = make_order(shop.outlet, [(shop.sauce, 1)], payment_method="card")
    db.session.execute(db.delete(SaleLine))
    order.status, order.paid_at = "paid", order.created_at
    db.session.commit()
    assert record_refund(order=order, refunded_total=order.total)
    assert ledger(shop.sauce) == [] and db.session.get(Order, order.id).refunded_amount == order.total


# --- Till returns and voids --------------------------------------------------------------------

def test_a_return_restocked_reverses_revenue_cost_and_stock(shop, app):
    sale = shop.sell()
    record = return_goods(sale=sale, quantities={shop.line(sale, shop.sauce).id: 1}, reason="Khách đổi ý",
                          restock=True, user=shop.cashier)
    assert record.kind == "return" and record.total == -120_000 and record.reverses_sale_id == sale.id
    assert ledger(shop.sauce) == [(3, 360_000, 210_000), (-1, -120_000, -70_000)]
    returned = db.session.scalar(db.select(SaleLine).where(SaleLine.amount < 0))
    assert returned.reverses_id == shop.line(sale, shop.sauce).id and returned.pos_sale_id == record.id
    assert returned.counts_at == shop.line(sale, shop.sauce).sold_at  # counts in the sale's period
    assert on_hand(shop.outlet, shop.sauce) == 8  # 10 − 3 + 1
    move = db.session.scalar(db.select(StockMove).where(StockMove.kind == "return"))
    assert (move.on_hand_change, move.reason, move.reference) == (1, "Khách đổi ý", record.number)
    assert stock_check_is_clean(app)


def test_a_return_not_restocked_keeps_its_cost_and_moves_no_stock(shop, app):
    sale = shop.sell()
    return_goods(sale=sale, quantities={shop.line(sale, shop.tea).id: 2}, reason="Chai bị vỡ", restock=False,
                 user=shop.cashier)
    # The goods are lost: revenue back to zero, their cost stays a cost.
    assert totals(shop.tea) == (0, 0, 100_000)
    assert on_hand(shop.outlet, shop.tea) == 8
    assert db.session.scalar(db.select(db.func.count()).select_from(StockMove).where(StockMove.kind == "return")) == 0
    assert stock_check_is_clean(app)


def test_returns_in_steps_then_a_void_give_back_everything_exactly_once(shop, app):
    sale = shop.sell(sauce=3, tea=2)
    sauce_line = shop.line(sale, shop.sauce)
    return_goods(sale=sale, quantities={sauce_line.id: 1}, reason="Đổi ý", restock=True, user=shop.cashier)
    void = void_sale(sale=sale, reason="Nhập nhầm", restock=True, user=shop.cashier)
    assert void.kind == "void" and void.total == -(2 * 120_000 + 2 * 80_000)
    assert totals(shop.sauce) == (0, 0, 0) and totals(shop.tea) == (0, 0, 0)
    assert on_hand(shop.outlet, shop.sauce) == 10 and on_hand(shop.outlet, shop.tea) == 10
    before = everything()
    with pytest.raises(SaleError, match="already given back"):
        void_sale(sale=sale, reason="Lần nữa", restock=True, user=shop.cashier)
    with pytest.raises(SaleError, match="Only 0 of"):
        return_goods(sale=sale, quantities={sauce_line.id: 1}, reason="Lần nữa", restock=True, user=shop.cashier)
    assert everything() == before
    assert stock_check_is_clean(app)


@pytest.mark.parametrize("quantities, reason, message", [
    (lambda line: {line.id: 4}, "Đổi ý", "Only 3 of"),
    (lambda line: {line.id: 0}, "Đổi ý", "at least one item"),
    (lambda line: {999_999: 1}, "Đổi ý", "not on this page"),
    (lambda line: {line.id: 1}, "   ", "reason"),
])
def test_a_refused_return_saves_nothing(shop, quantities, reason, message):
    sale = shop.sell()
    before = everything()
    with pytest.raises(SaleError, match=message):
        return_goods(sale=sale, quantities=quantities(shop.line(sale, shop.sauce)), reason=reason, restock=True,
                     user=shop.cashier)
    assert everything() == before


def test_a_return_sent_twice_gives_back_once_and_a_return_is_not_returned(shop):
    sale = shop.sell()
    line = shop.line(sale, shop.sauce)
    first = return_goods(sale=sale, quantities={line.id: 1}, reason="Đổi ý", restock=True, user=shop.cashier,
                         number="QN-A-RETURN-1")
    with pytest.raises(SaleAlreadyRecorded) as again:
        return_goods(sale=sale, quantities={line.id: 1}, reason="Đổi ý", restock=True, user=shop.cashier,
                     number="QN-A-RETURN-1")
    assert again.value.sale.id == first.id and totals(shop.sauce)[0] == 2
    with pytest.raises(SaleError, match="not a return"):
        void_sale(sale=first, reason="?", restock=True, user=shop.cashier)


# --- Through the manager's pages -----------------------------------------------------------------

@pytest.fixture
def manager(shop, login_as):
    user = login_as("manager")
    assign_outlets(user=user, codes=["QN-A"])
    return user


def receipt_form_fields(client, sale) -> dict:
    """What the receipt's return form posts untouched: its number and each line at 0."""
    html = client.get(f"/manage/QN-A/receipts/{sale.number}").text
    number = html.split('name="number" type="hidden" value="', 1)[1].split('"', 1)[0]
    fields = {"number": number}
    for index, line in enumerate(sale.lines):
        fields[f"lines-{index}-line_id"] = str(line.id)
        fields[f"lines-{index}-qty"] = "0"
    return fields


def test_a_manager_returns_items_from_the_receipt(shop, manager, client, app):
    sale = shop.sell()
    page = client.get(f"/manage/QN-A/receipts/{sale.number}").text
    assert "Return some items" in page and "Void the whole sale" in page
    fields = receipt_form_fields(client, sale)
    fields[f"lines-{[line.id for line in sale.lines].index(shop.line(sale, shop.tea).id)}-qty"] = "2"
    response = client.post(f"/manage/QN-A/receipts/{sale.number}/return", data=fields | {"reason": "Khách trả", "restock": "y"})
    assert response.status_code == 302
    record = db.session.scalar(db.select(PosSale).where(PosSale.kind == "return"))
    assert response.location.endswith(f"/manage/QN-A/receipts/{record.number}")
    returned = client.get(response.location).text
    assert "Return receipt" in returned and "Khách trả" in returned and sale.number in returned
    assert "160.000" in returned or "160,000" in returned
    assert totals(shop.tea)[1] == 0 and on_hand(shop.outlet, shop.tea) == 10
    # Sent again (a double click): the same return, nothing more.
    again = client.post(f"/manage/QN-A/receipts/{sale.number}/return", data=fields | {"reason": "Khách trả", "restock": "y"})
    assert again.status_code == 302 and again.location == response.location
    assert totals(shop.tea)[1] == 0
    listed = client.get("/manage/QN-A/pos/sales").text
    assert sale.number in listed and record.number in listed
    assert record.number in client.get(f"/manage/QN-A/pos/sales?number={record.number[-8:]}").text
    assert stock_check_is_clean(app)


def test_a_manager_voids_a_sale(shop, manager, client, app):
    sale = shop.sell()
    number = receipt_form_fields(client, sale)["number"]
    response = client.post(f"/manage/QN-A/receipts/{sale.number}/void", data={"number": number, "reason": "Nhập nhầm"})
    assert response.status_code == 302
    assert totals(shop.sauce)[1] == totals(shop.tea)[1] == 0
    # Not restocked (the box was left unticked): the goods stay out of stock, their cost a loss.
    assert on_hand(shop.outlet, shop.sauce) == 7 and totals(shop.sauce)[2] == 210_000
    page = client.get(f"/manage/QN-A/receipts/{sale.number}").text
    assert "Everything on this sale was given back." in page and "Void the whole sale" not in page
    assert stock_check_is_clean(app)


@pytest.mark.parametrize("change, message", [
    ({"reason": ""}, "Give the reason."),
    ({"qty": "5"}, "Only 3 of"),
    ({"qty": "abc"}, "Enter a whole number of 0 or more."),
    ({"qty": "-1"}, "Enter a whole number of 0 or more."),
    ({"qty": "0"}, "at least one item"),
    ({"line_id": "x"}, "reload it"),
])
def test_a_bad_return_form_comes_back_with_the_error_and_saves_nothing(shop, manager, client, change, message):
    sale = shop.sell()
    fields = receipt_form_fields(client, sale) | {"reason": "Đổi ý", "restock": "y"}
    index = [line.id for line in sale.lines].index(shop.line(sale, shop.sauce).id)
    fields[f"lines-{index}-qty"] = change.get("qty", "1")
    if "line_id" in change:
        fields[f"lines-{index}-line_id"] = change["line_id"]
    if "reason" in change:
        fields["reason"] = change["reason"]
    before = everything()
    response = client.post(f"/manage/QN-A/receipts/{sale.number}/return", data=fields)
    assert response.status_code == 200 and message in response.text
    assert everything() == before


def test_receipts_of_other_outlets_are_not_theirs(shop, manager, client):
    stock(shop.other, shop.sauce, 1)
    elsewhere = record_sale(outlet=shop.other, lines=[SaleRequestLine(shop.sauce, 1)], payment_kind="card",
                            user=make_user("staff"))
    assert client.get(f"/manage/QN-B/receipts/{elsewhere.number}").status_code == 403
    assert client.post(f"/manage/QN-B/receipts/{elsewhere.number}/void", data={"reason": "x"}).status_code == 403
    assert client.post(f"/manage/QN-A/receipts/{elsewhere.number}/void", data={"reason": "x"}).status_code == 403
    assert client.get("/manage/QN-A/receipts/NO-SUCH").status_code == 404
    assert client.post("/manage/QN-A/receipts/NO-SUCH/return", data={"reason": "x"}).status_code == 404
    assert totals(shop.sauce)[0] == 1


# --- Counter refunds of orders paid at pickup ------------------------------------------------------

@pytest.fixture
def collected(shop):
    order = make_order(shop.outlet, [(shop.sauce, 2), (shop.tea, 1)])
    mark_ready(order=order, user=shop.cashier)
    mark_collected(order=order, user=shop.cashier, payment_kind="cash")
    return order


def test_a_counter_refund_reaches_the_ledger_and_the_stock(shop, collected, app):
    sauce_line = next(line for line in collected.lines if line.product_id == shop.sauce.id)
    tea_line = next(line for line in collected.lines if line.product_id == shop.tea.id)
    refunded = refund_at_counter(order=collected, quantities={sauce_line.id: 1}, reason="Hỏng nắp", restock=True,
                                 user=shop.cashier, refunded_before=0)
    assert refunded == 120_000 and collected.status == "partly_refunded" and collected.refunded_amount == 120_000
    assert ledger(shop.sauce)[-1] == (-1, -120_000, -70_000) and on_hand(shop.outlet, shop.sauce) == 9
    refund = db.session.scalar(db.select(SaleLine).where(SaleLine.amount < 0))
    assert refund.order_id == collected.id and refund.reverses.order_id == collected.id
    assert refund.counts_at == refund.reverses.sold_at
    with pytest.raises(OrderError, match="refunded meanwhile"):  # a page showing 0 refunded is out of date
        refund_at_counter(order=collected, quantities={tea_line.id: 1}, reason="x", restock=True, user=shop.cashier,
                          refunded_before=0)
    refund_at_counter(order=collected, quantities={sauce_line.id: 1, tea_line.id: 1}, reason="Khách trả hết",
                      restock=False, user=shop.cashier, refunded_before=120_000)
    assert collected.status == "refunded" and collected.refunded_amount == collected.total
    assert totals(shop.sauce)[1] == totals(shop.tea)[1] == 0
    assert on_hand(shop.outlet, shop.tea) == 9  # not restocked
    assert stock_check_is_clean(app)
    with pytest.raises(OrderError, match="Only handed-over orders"):
        refund_at_counter(order=collected, quantities={sauce_line.id: 1}, reason="x", restock=True, user=shop.cashier,
                          refunded_before=collected.refunded_amount)


def test_a_card_order_or_one_not_collected_is_not_refunded_at_the_counter(shop):
    card = make_order(shop.outlet, [(shop.sauce, 1)], payment_method="card")
    mark_paid(order=card)
    waiting = make_order(shop.outlet, [(shop.sauce, 1)])
    for order in (card, waiting):
        with pytest.raises(OrderError, match="Only handed-over orders"):
            refund_at_counter(order=order, quantities={order.lines[0].id: 1}, reason="x", restock=True,
                              user=shop.cashier, refunded_before=0)


def counter_fields(order, quantities: dict, **extra) -> dict:
    fields = {"refunded_before": str(order.refunded_amount), "reason": "Hỏng", "restock": "y", **extra}
    for index, line in enumerate(order.lines):
        fields[f"lines-{index}-line_id"] = str(line.id)
        fields[f"lines-{index}-qty"] = str(quantities.get(line.product_id, 0))
    return fields


def test_a_manager_refunds_at_the_counter_from_the_order_page(shop, collected, manager, client, app):
    page = client.get(f"/manage/QN-A/orders/{collected.number}").text
    assert "Refund at the counter" in page
    response = client.post(f"/manage/QN-A/orders/{collected.number}/counter-refund",
                           data=counter_fields(collected, {shop.tea.id: 1}))
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "was refunded at the counter" in page and "Partly refunded" in page
    assert totals(shop.tea)[1] == 0 and on_hand(shop.outlet, shop.tea) == 10
    # The same form again (a double click) is out of date: nothing more.
    again = client.post(f"/manage/QN-A/orders/{collected.number}/counter-refund",
                        data=counter_fields(collected, {shop.tea.id: 1}) | {"refunded_before": "0"})
    assert again.status_code == 200 and "refunded meanwhile" in again.text
    assert stock_check_is_clean(app)


def test_the_order_history_tells_payments_and_counter_refunds_in_each_readers_language(shop, collected, manager,
                                                                                      client):
    """They were written in English with the amount unformatted ("refunded at the counter: 120000
    VND"), and the customer read the outlet's reason and what it did with the goods."""
    sauce_line = next(line for line in collected.lines if line.product_id == shop.sauce.id)
    refund_at_counter(order=collected, quantities={sauce_line.id: 1}, reason="Nắp hỏng", restock=True,
                      user=shop.cashier, refunded_before=0)
    client.set_cookie("lang", "vi")
    outlets_page = client.get(f"/manage/QN-A/orders/{collected.number}").text
    customers_page = client.get(f"/orders/{collected.number}?key={collected.access_token}").text

    assert "trả tại điểm bán bằng tiền mặt" in outlets_page
    assert "Đã hoàn 120.000 ₫ tại quầy, hàng đã nhập lại kho: Nắp hỏng" in outlets_page
    assert "Đã hoàn 120.000 ₫ tại quầy" in customers_page and "trả tại điểm bán bằng tiền mặt" in customers_page
    assert "Nắp hỏng" not in customers_page and "VND" not in outlets_page + customers_page


@pytest.mark.parametrize("change, message", [
    ({"reason": ""}, "Give the reason."),
    ({"qty": "3"}, "Only 2 of"),
    ({"qty": "two"}, "Enter a whole number of 0 or more."),
    ({"qty": "0"}, "at least one item"),
])
def test_a_bad_counter_refund_comes_back_with_the_error(shop, collected, manager, client, change, message):
    fields = counter_fields(collected, {shop.sauce.id: change.get("qty", "1")})
    if "reason" in change:
        fields["reason"] = change["reason"]
    before = everything()
    response = client.post(f"/manage/QN-A/orders/{collected.number}/counter-refund", data=fields)
    assert response.status_code == 200 and message in response.text
    assert everything() == before and db.session.get(Order, collected.id).refunded_amount == 0


def test_another_outlets_manager_cannot_refund_at_the_counter(shop, collected, login_as, client):
    user = login_as("manager", email="other@example.vn")
    assign_outlets(user=user, codes=["QN-B"])
    response = client.post(f"/manage/QN-A/orders/{collected.number}/counter-refund",
                           data=counter_fields(collected, {shop.sauce.id: 1}))
    assert response.status_code == 403 and totals(shop.sauce)[1] == 240_000


def test_todays_figures_net_a_return_without_counting_it_as_a_sale(shop, manager, client):
    sale = shop.sell(sauce=3, tea=2)  # 360,000 + 160,000
    return_goods(sale=sale, quantities={shop.line(sale, shop.sauce).id: 1}, reason="Đổi ý", restock=True,
                 user=shop.cashier)
    stats = client.get("/manage/QN-A/").text.split('class="stat-value">')[1:4]
    assert [stat.split("<", 1)[0] for stat in stats] == ["1", "4", "400.000\xa0₫"]  # as vnd() writes it

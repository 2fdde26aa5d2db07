"""The point of sale and its receipt, through HTTP as a sales-point manager uses them."""
import time

import pytest

from storefront.accounts.services import LOGGED_IN_AT
from storefront.catalog.services import revoke_certification
from storefront.i18n import vnd
from storefront.outlets.models import StockLevel, StockMove
from storefront.outlets.services import adjust_stock, assign_outlets
from storefront.sales.models import PosSale, SaleLine
from storefront.sales import services as sales_services
from storefront.sales.services import (
    SaleAlreadyRecorded,
    SaleError,
    SaleRequestLine,
    find_sale,
    record_sale,
)
from tests.conftest import PASSWORD
from tests.factories import Shop, make_outlet, make_product, stock


pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


class World(Shop):
    def __init__(self):
        super().__init__({("a", "sauce"): 10, ("a", "liquor"): 5}, a={"phone": "0235 3 888 999"})
        self.tea = make_product("Trà sâm dây Ngọc Linh", code="TS-01", price=85_000, unit_cost=40_000)
        stock(self.b, self.tea, 8)  # sold at B only


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def manager(world, login_as):
    """Signed in as the manager of outlet A only."""
    user = login_as("manager")
    assign_outlets(user=user, codes=["QN-A"])
    return user


def on_hand(db, outlet, product) -> int:
    db.session.expire_all()
    return db.session.scalar(
        db.select(StockLevel.on_hand).where(
            StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id
        )
    )


def ledger(db) -> tuple:
    """Everything a sale writes: levels, moves, sale lines and sales."""
    db.session.expire_all()
    levels = db.session.execute(
        db.select(StockLevel.id, StockLevel.on_hand, StockLevel.reserved).order_by(StockLevel.id)
    ).all()
    counts = [db.session.scalar(db.select(db.func.count(model.id))) for model in (StockMove, SaleLine, PosSale)]
    return levels, counts


def add(client, product_code: str, qty="1", outlet="QN-A"):
    return client.post(f"/manage/{outlet}/pos/lines", data={"product_code": product_code, "qty": qty})


def sale_number(client, outlet="QN-A") -> str:
    with client.session_transaction() as session:
        return session["pos_carts"][outlet]["number"]


def complete(client, total: int, payment_kind="cash", cash: str | None = None, outlet="QN-A", **extra):
    data = {"sale_number": sale_number(client, outlet), "expected_total": str(total),
            "payment_kind": payment_kind, "complete": "1", **extra}
    if cash is not None:
        data["cash_received"] = cash
    return client.post(f"/manage/{outlet}/pos/complete", data=data)


def test_a_cash_sale_lowers_stock_writes_the_ledger_and_shows_the_change(client, manager, world, db):
    assert add(client, "NM-01", "2").status_code == 302
    assert add(client, "rn-01", "1").status_code == 302  # codes typed in lower case work
    page = client.get("/manage/QN-A/pos").text
    assert "Nước mắm Cửa Khe" in page and vnd(300_000) in page and vnd(500_000) in page

    response = complete(client, 500_000, cash="600.000")
    assert response.status_code == 302
    number = sale_number_from(response)
    assert on_hand(db, world.a, world.sauce) == 8 and on_hand(db, world.a, world.liquor) == 4

    sale = db.session.scalar(db.select(PosSale).where(PosSale.number == number))
    assert (sale.payment_kind, sale.total, sale.cash_received) == ("cash", 500_000, 600_000)
    assert sale.user_id == manager.id
    lines = {line.product.code: line for line in db.session.scalars(db.select(SaleLine))}
    assert set(lines) == {"NM-01", "RN-01"}
    assert all(line.channel == "in_store" and line.outlet_id == world.a.id and line.pos_sale_id == sale.id
               for line in lines.values())
    assert (lines["NM-01"].qty, lines["NM-01"].amount, lines["NM-01"].cost_amount) == (2, 300_000, 180_000)
    assert (lines["RN-01"].qty, lines["RN-01"].amount, lines["RN-01"].cost_amount) == (1, 200_000, 120_000)

    receipt = client.get(response.location)
    assert receipt.status_code == 200
    for text in ("Điểm OCOP Tiên Phước", "1 Đường Chính, QN-A", "0235 3 888 999", number,
                 "Nước mắm Cửa Khe", "Cash", vnd(600_000), "Change due", vnd(100_000), manager.email):
        assert text in receipt.text, text
    assert "data-print" in receipt.text and "css/pos.css" in receipt.text  # the print styles
    # The till is empty again for the next customer.
    assert "Nothing on this sale yet" in client.get("/manage/QN-A/pos").text


def test_the_till_names_products_in_the_managers_language(client, manager, world, db):
    ginseng = make_product("Sâm Ngọc Linh", code="SNL-02", name_en="Ngọc Linh ginseng", price=3_000_000)
    stock(world.a, ginseng, 2)
    assert "Added 2 × Ngọc Linh ginseng." in client.get(add(client, "SNL-02", "2").location).text
    response = add(client, "SNL-02", "1")
    assert response.status_code == 200 and "Ngọc Linh ginseng" in response.text and "Sâm Ngọc Linh" not in response.text


def sale_number_from(response) -> str:
    return response.location.rsplit("/", 1)[-1]


@pytest.mark.parametrize("kind, label", [("card", "Card"), ("transfer", "Bank transfer")])
def test_card_and_transfer_sales_have_no_change(client, manager, world, db, kind, label):
    add(client, "NM-01", "1")
    response = complete(client, 150_000, payment_kind=kind, cash="900000")
    receipt = client.get(response.location).text
    assert label in receipt and "Change due" not in receipt and "Cash received" not in receipt
    sale = db.session.scalar(db.select(PosSale))
    assert sale.payment_kind == kind and sale.cash_received is None and sale.change_due == 0
    assert on_hand(db, world.a, world.sauce) == 9


def test_a_sale_of_billions_of_dong_is_recorded_exactly(client, manager, world, db):
    """300 roots of Ngọc Linh ginseng: 3.6 billion ₫, past a 32-bit integer."""
    ginseng = make_product("Sâm Ngọc Linh", code="SNL-01", price=12_000_000, unit_cost=7_000_000)
    stock(world.a, ginseng, 300)
    add(client, "SNL-01", "300")
    response = complete(client, 3_600_000_000, payment_kind="transfer")
    assert response.status_code == 302
    sale = db.session.scalar(db.select(PosSale))
    line = db.session.scalar(db.select(SaleLine))
    assert sale.total == 3_600_000_000
    assert (line.amount, line.cost_amount) == (3_600_000_000, 2_100_000_000)
    assert vnd(3_600_000_000) in client.get(response.location).text


@pytest.mark.parametrize("cash, message", [
    ("100000", "The cash received is less than the total."),
    ("", "Enter the cash received."),
    ("abc", "Enter a whole number of đồng"),
])
def test_cash_short_of_the_total_is_refused_and_nothing_changes(client, manager, world, db, cash, message):
    add(client, "NM-01", "2")
    before = ledger(db)
    response = complete(client, 300_000, cash=cash)
    assert response.status_code == 200 and message in response.text
    assert ledger(db) == before
    assert "Nước mắm Cửa Khe" in response.text  # the sale is still there to fix


def test_the_change_is_shown_before_completing_without_javascript(client, manager, world, db):
    add(client, "NM-01", "1")
    before = ledger(db)
    page = complete(client, 150_000, cash="200 000", preview="1")
    assert "Change due" in page.text and vnd(50_000) in page.text
    short = complete(client, 150_000, cash="100000", preview="1")
    assert "Short by" in short.text and vnd(50_000) in short.text
    assert ledger(db) == before


def test_more_than_available_cannot_be_added(client, manager, world, db):
    response = add(client, "RN-01", "6")
    assert "Only 5 of Rượu Ngô Cải Vân available here." in response.text
    add(client, "RN-01", "4")
    again = add(client, "RN-01", "2")
    assert "Only 5 of Rượu Ngô Cải Vân available here, and 4 are already on this sale." in again.text
    plus = client.post(f"/manage/QN-A/pos/lines/{world.liquor.id}", data={"qty": "6"})
    assert "Only 5 of Rượu Ngô Cải Vân available here." in plus.text
    with client.session_transaction() as session:
        assert session["pos_carts"]["QN-A"]["lines"] == [[world.liquor.id, 4]]


def test_selling_more_than_available_at_completion_is_refused_and_nothing_changes(client, manager, world, db):
    add(client, "NM-01", "1")
    add(client, "RN-01", "4")
    adjust_stock(outlet=world.a, product=world.liquor, change=-3, reason="breakage", user=None)  # meanwhile
    before = ledger(db)
    response = complete(client, 950_000, cash="1000000")
    assert response.status_code == 200
    assert "Only 2 of Rượu Ngô Cải Vân left here; nothing was sold." in response.text
    assert ledger(db) == before
    assert "Only 2 available" in response.text  # the line says what to fix


@pytest.mark.parametrize("certificate", ["expired", "below 3 stars", "never evaluated"])
def test_a_product_without_a_valid_certificate_cannot_be_sold(client, manager, world, db, certificate):
    product = {
        "expired": lambda: make_product("Bánh tráng Đại Lộc", code="BT-01", issued_days_ago=37 * 31),
        "below 3 stars": lambda: make_product("Bánh tráng Đại Lộc", code="BT-01", stars=2),
        "never evaluated": lambda: make_product("Bánh tráng Đại Lộc", code="BT-01", stars=None),
    }[certificate]()
    stock(world.a, product, 5)
    response = add(client, "BT-01", "1")
    assert "Bánh tráng Đại Lộc has no valid OCOP certificate and cannot be sold." in response.text
    assert "Bánh tráng" not in client.get("/manage/QN-A/pos?q=banh trang").text.split("Add by code")[0]
    before = ledger(db)
    with pytest.raises(SaleError):
        record_sale(outlet=world.a, lines=[SaleRequestLine(product, 1)], payment_kind="card", user=manager)
    assert ledger(db) == before


def test_a_certificate_revoked_while_the_sale_is_open_stops_it(client, manager, world, db):
    add(client, "NM-01", "1")
    revoke_certification(evaluation=world.sauce.certification, reason="Failed inspection")
    before = ledger(db)
    response = complete(client, 150_000, payment_kind="card")
    assert "Nước mắm Cửa Khe has no valid OCOP certificate and cannot be sold." in response.text
    assert ledger(db) == before


@pytest.mark.parametrize("qty", ["abc", "0", "-1", "1.5", "", str(10**9), "9" * 200])
def test_bad_quantities_are_refused(client, manager, world, db, qty):
    def refused(response) -> bool:
        return response.status_code == 200 and (
            "Enter a whole number of 1 or more." in response.text
            or "Only 10 of Nước mắm Cửa Khe available here." in response.text
        )

    assert refused(add(client, "NM-01", qty))
    add(client, "NM-01", "2")
    assert refused(client.post(f"/manage/QN-A/pos/lines/{world.sauce.id}", data={"qty": qty}))
    with client.session_transaction() as session:
        assert session["pos_carts"]["QN-A"]["lines"] == [[world.sauce.id, 2]]


def test_lines_can_be_changed_removed_and_cleared(client, manager, world):
    add(client, "NM-01", "1")
    add(client, "RN-01", "1")
    client.post(f"/manage/QN-A/pos/lines/{world.sauce.id}", data={"qty": "3"})
    page = client.get("/manage/QN-A/pos").text
    assert vnd(450_000) in page and vnd(650_000) in page
    client.post(f"/manage/QN-A/pos/lines/{world.sauce.id}/remove")
    page = client.get("/manage/QN-A/pos").text
    assert "Nước mắm Cửa Khe" not in page and vnd(200_000) in page
    client.post("/manage/QN-A/pos/clear")
    assert "Nothing on this sale yet" in client.get("/manage/QN-A/pos").text


def test_an_empty_sale_cannot_be_completed(client, manager, world, db):
    add(client, "NM-01", "1")
    client.post(f"/manage/QN-A/pos/lines/{world.sauce.id}/remove")
    before = ledger(db)
    response = complete(client, 0, payment_kind="card")
    assert "There is nothing on this sale yet." in response.text
    assert ledger(db) == before


def test_a_sale_changed_since_its_total_was_read_is_not_completed(client, manager, world, db):
    add(client, "NM-01", "1")
    before = ledger(db)
    response = complete(client, 100_000, payment_kind="card")  # the cashier saw another total
    assert "This sale changed" in response.text
    assert ledger(db) == before
    assert complete(client, 150_000, payment_kind="card").status_code == 302


@pytest.mark.parametrize("query", ["ruou ngo", "RƯỢU NGÔ", "ngo cai", "rn-01"])
def test_search_finds_sellable_products_in_stock_here(client, manager, world, query):
    make_product("Rượu cần Tây Giang", code="RC-01")  # certified but not stocked here
    stock(world.b, make_product("Rượu Bàu Đá", code="RB-01"), 4)  # in stock at another outlet
    stock(world.a, make_product("Rượu nếp than", code="RX-01", issued_days_ago=37 * 31), 3)  # expired
    results = client.get("/manage/QN-A/pos", query_string={"q": query}).text.split("Add by code")[0]
    assert "Rượu Ngô Cải Vân" in results
    for absent in ("Rượu cần Tây Giang", "Rượu Bàu Đá", "Rượu nếp than", "Nước mắm Cửa Khe"):
        assert absent not in results


def test_search_results_add_to_the_sale_without_javascript(client, manager, world):
    results = client.get("/manage/QN-A/pos?q=nuoc+mam").text
    assert 'name="product_code" value="NM-01"' in results and "10 available" in results
    response = client.post("/manage/QN-A/pos/lines", data={"product_code": "NM-01", "qty": "2", "q": "nuoc mam"})
    assert response.status_code == 302 and response.location.endswith("/manage/QN-A/pos?q=nuoc+mam")
    assert "Added 2 × Nước mắm Cửa Khe." in client.get(response.location).text


def test_an_unknown_code_is_refused(client, manager, world):
    response = add(client, "NOPE-99", "1")
    assert "No product has the code NOPE-99." in response.text


def test_a_product_not_stocked_here_is_refused(client, manager, world):
    assert "Trà sâm dây Ngọc Linh is out of stock here." in add(client, "TS-01", "1").text


def test_double_posting_the_complete_form_makes_one_sale(client, manager, world, db):
    add(client, "NM-01", "3")
    data = {"sale_number": sale_number(client), "expected_total": "450000",
            "payment_kind": "cash", "cash_received": "500000", "complete": "1"}
    first = client.post("/manage/QN-A/pos/complete", data=data)
    second = client.post("/manage/QN-A/pos/complete", data=data)
    assert first.status_code == second.status_code == 302
    assert second.location == first.location  # the same receipt
    assert db.session.scalar(db.select(db.func.count(PosSale.id))) == 1
    assert db.session.scalar(db.select(db.func.count(SaleLine.id))) == 1
    assert on_hand(db, world.a, world.sauce) == 7


def test_a_sale_number_is_recorded_once(world, manager, db):
    line = [SaleRequestLine(world.sauce, 2)]
    first = record_sale(outlet=world.a, lines=line, payment_kind="card", user=manager, number="QN-A-TEST-1")
    with pytest.raises(SaleAlreadyRecorded) as repeat:
        record_sale(outlet=world.a, lines=line, payment_kind="card", user=manager, number="QN-A-TEST-1")
    assert repeat.value.sale.id == first.id
    assert on_hand(db, world.a, world.sauce) == 8


def test_two_requests_racing_with_one_sale_number_sell_once(world, manager, db, monkeypatch):
    """Both passed the look-up before either committed: the unique number stops the second."""
    line = [SaleRequestLine(world.sauce, 2)]
    first = record_sale(outlet=world.a, lines=line, payment_kind="card", user=manager, number="QN-A-TEST-1")
    looked_up = []

    def find_sale_before_the_first_commits(number):
        looked_up.append(number)
        return None if len(looked_up) == 1 else find_sale(number)

    monkeypatch.setattr(sales_services, "find_sale", find_sale_before_the_first_commits)
    before = ledger(db)
    with pytest.raises(SaleAlreadyRecorded) as repeat:
        record_sale(outlet=world.a, lines=line, payment_kind="card", user=manager, number="QN-A-TEST-1")
    assert repeat.value.sale.id == first.id and len(looked_up) == 2  # the second look-up, after the clash
    assert ledger(db) == before


def test_each_outlet_has_its_own_sale(client, world, login_as):
    login_as("staff")
    add(client, "NM-01", "1", outlet="QN-A")
    assert "Nothing on this sale yet" in client.get("/manage/QN-B/pos").text
    assert "Nước mắm Cửa Khe" in client.get("/manage/QN-A/pos").text


def test_another_outlets_manager_gets_403_and_nothing_changes(client, world, db, login_as):
    other = make_outlet("QN-C")
    stock(other, world.sauce, 4)
    sale = record_sale(outlet=other, lines=[SaleRequestLine(world.sauce, 1)], payment_kind="card",
                       user=login_as("staff", email="staff@example.vn"))
    client.post("/logout")
    manager = login_as("manager")
    assign_outlets(user=manager, codes=["QN-A"])
    before = ledger(db)
    assert client.get("/manage/QN-C/pos").status_code == 403
    assert add(client, "NM-01", "1", outlet="QN-C").status_code == 403
    assert client.post("/manage/QN-C/pos/complete", data={"payment_kind": "card"}).status_code == 403
    assert client.get(f"/manage/QN-C/receipts/{sale.number}").status_code == 403
    assert client.get(f"/manage/QN-A/receipts/{sale.number}").status_code == 403
    assert client.get("/manage/QN-A/receipts/QN-A-000000-NOPE").status_code == 404
    assert ledger(db) == before


def test_staff_following_a_receipt_under_another_outlet_land_on_the_right_one(client, world, login_as):
    staff = login_as("staff")
    sale = record_sale(outlet=world.a, lines=[SaleRequestLine(world.sauce, 1)], payment_kind="card", user=staff)
    response = client.get(f"/manage/QN-B/receipts/{sale.number}")
    assert response.status_code == 302 and response.location.endswith(f"/manage/QN-A/receipts/{sale.number}")


@pytest.mark.parametrize("role, status", [("customer", 403), (None, 302)])
def test_customers_and_visitors_cannot_reach_the_till(client, world, login_as, role, status):
    if role:
        login_as(role)
    assert client.get("/manage/QN-A/pos").status_code == status
    assert add(client, "NM-01").status_code == status


def test_a_line_sent_after_the_login_session_ended_brings_the_manager_back_to_the_till(client, manager):
    """Before, the login led on to the line's own address, which answers a POST only: 405."""
    add(client, "NM-01", "2")
    with client.session_transaction() as session:
        session[LOGGED_IN_AT] = int(time.time() - 9 * 3600)  # past the back office's 8 hours

    refused = client.post("/manage/QN-A/pos/lines", data={"product_code": "RV-01", "qty": "1"},
                          headers={"Referer": "http://localhost/manage/QN-A/pos"})
    login_page = client.get(refused.location)
    logged_in = client.post(refused.location, data={"email": manager.email, "password": PASSWORD})
    till = client.get(logged_in.location)

    assert refused.location == "/login?next=%2Fmanage%2FQN-A%2Fpos"
    assert "Your login session had ended, so nothing was changed." in login_page.text
    assert logged_in.location == "/manage/QN-A/pos"
    assert till.status_code == 200
    assert "2 × 150.000" in till.text  # the sale as it was
    assert "RV-01" not in till.text

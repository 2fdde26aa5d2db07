"""The sales-point manager's stock workspace, through HTTP as a manager would use it."""
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart


from storefront.clock import utcnow
from storefront.orders.services import cancel_order
from storefront.outlets import services as outlet_services
from storefront.outlets.models import StockLevel, StockMove
from storefront.outlets.services import assign_outlets, move_stock
from storefront.sales.models import SaleLine
from storefront.sales.services import SaleRequestLine, record_sale
from storefront.spreadsheets import escape_cell, unescape_cell
from storefront.transactions import transaction
from tests.factories import make_lot, make_order, make_outlet, make_product, stock


pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


class World:
    def __init__(self):
        self.a = make_outlet("QN-A", name="Điểm OCOP Tiên Phước")
        self.b = make_outlet("QN-B", name="Điểm OCOP Hội An")
        self.closed = make_outlet("QN-X", name="Điểm đã đóng", active=False)
        self.sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000)
        self.liquor = make_product("Rượu Ngô Cải Vân", code="RN-01", price=200_000)
        stock(self.a, self.sauce, 20)
        stock(self.a, self.liquor, 3)  # at or below the default threshold of 5: low
        stock(self.b, self.sauce, 7)


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def manager(world, login_as):
    """Signed in as the manager of outlet A only."""
    user = login_as("manager")
    assign_outlets(user=user, codes=["QN-A"])
    return user


def levels(db) -> dict[tuple[str, str], tuple[int, int]]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(StockLevel))
    return {(row.outlet.code, row.product.code): (row.on_hand, row.reserved) for row in rows}


def move_count(db) -> int:
    return db.session.scalar(db.select(db.func.count(StockMove.id)))


def on_hand(db, outlet_code: str, product_code: str) -> int:
    return levels(db)[(outlet_code, product_code)][0]


def receive_data(*lines: tuple[str, str, str]) -> dict[str, str]:
    data = {}
    for index, (code, qty, lot) in enumerate(lines):
        data |= {f"lines-{index}-product_code": code, f"lines-{index}-qty": qty, f"lines-{index}-lot_code": lot}
    return data


def upload(client, content: bytes, filename: str, outlet: str = "QN-A"):
    return client.post(
        f"/manage/{outlet}/stock-take",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


SEALED_COUNTS = re.compile(r'name="counts" type="hidden" value="([^"]+)"')


def count(client, content: bytes, filename: str, outlet: str = "QN-A"):
    """Upload a stock-take, then confirm the preview it shows."""
    preview = upload(client, content, filename, outlet)
    assert preview.status_code == 200 and SEALED_COUNTS.search(preview.text), preview.text
    return client.post(f"/manage/{outlet}/stock-take/confirm", data={"counts": SEALED_COUNTS.search(preview.text)[1]})


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Landing and dashboard ---------------------------------------------------------------


def test_a_manager_of_one_outlet_lands_on_its_dashboard(client, manager):
    response = client.get("/manage/")
    assert response.status_code == 302 and response.location.endswith("/manage/QN-A/")


def test_staff_choose_among_every_outlet(client, world, login_as):
    login_as("staff")
    page = client.get("/manage/").text
    assert "Điểm OCOP Tiên Phước" in page and "Điểm OCOP Hội An" in page


def test_dashboard_shows_stock_and_highlights_low_rows(client, manager):
    page = client.get("/manage/QN-A/").text
    assert "Nước mắm Cửa Khe" in page and "Rượu Ngô Cải Vân" in page
    liquor_row = page[page.index("Rượu Ngô Cải Vân") - 300: page.index("Rượu Ngô Cải Vân")]
    assert 'class="low-stock"' in liquor_row
    sauce_row = page[page.index("Nước mắm Cửa Khe") - 300: page.index("Nước mắm Cửa Khe")]
    assert "low-stock" not in sauce_row
    for link in ("/manage/QN-A/pos", "/manage/QN-A/receive", "/manage/QN-A/adjust", "/manage/QN-A/stock-take",
                 "/manage/QN-A/transfer", "/manage/QN-A/products/NM-01/history"):
        assert link in page


@pytest.mark.parametrize("query", ["ruou ngo", "Rượu", "rn-01", "RN-01"])
def test_stock_search_ignores_diacritics_and_case(client, manager, query):
    page = client.get("/manage/QN-A/", query_string={"q": query}).text
    assert "Rượu Ngô Cải Vân" in page and "Nước mắm Cửa Khe" not in page


def test_low_stock_filter(client, manager):
    page = client.get("/manage/QN-A/?low=1").text
    assert "Rượu Ngô Cải Vân" in page and "Nước mắm Cửa Khe" not in page


def test_stock_table_is_paginated(client, manager, monkeypatch):
    monkeypatch.setattr(outlet_services, "STOCK_PER_PAGE", 1)
    first = client.get("/manage/QN-A/").text
    assert "Page 1 of 2" in first and "Nước mắm Cửa Khe" in first and "Rượu Ngô Cải Vân" not in first
    second = client.get("/manage/QN-A/?page=2").text
    assert "Rượu Ngô Cải Vân" in second and "Nước mắm Cửa Khe" not in second
    assert client.get("/manage/QN-A/?page=abc").status_code == 200


def test_dashboard_counts_todays_sales_only(client, manager, world, db):
    record_sale(outlet=world.a, lines=[SaleRequestLine(world.sauce, 2)], payment_kind="card", user=manager)
    db.session.add(SaleLine(
        product=world.sauce, outlet_id=world.a.id, channel="in_store", qty=9, unit_price=111_000,
        amount=999_000, cost_amount=0, source="OLD-SALE", sold_at=utcnow() - timedelta(days=2),
    ))
    db.session.commit()
    page = client.get("/manage/QN-A/").text
    assert "300.000" in page  # 2 × 150.000 ₫ today
    assert "999.000" not in page and "1.299.000" not in page


# --- Receiving ---------------------------------------------------------------------------


def test_receive_several_lines_with_lots(client, manager, world, db):
    make_lot(world.sauce, "QN-NM-2411")
    response = client.post("/manage/QN-A/receive", data={
        **receive_data(("NM-01", "12", "qn-nm-2411"), ("rn-01", "4", ""), ("", "", "")),
        "reference": "PN-0042",
    })
    assert response.status_code == 302
    assert on_hand(db, "QN-A", "NM-01") == 32 and on_hand(db, "QN-A", "RN-01") == 7
    assert "Received 2 lines, 16 units" in client.get(response.location).text
    history = client.get("/manage/QN-A/products/NM-01/history").text
    assert "QN-NM-2411" in history and "PN-0042" in history and "+12" in history


def test_a_delivery_reference_used_before_is_confirmed_before_receiving_again(client, manager, db):
    delivery = {**receive_data(("NM-01", "12", "")), "reference": "PN-0042"}
    assert client.post("/manage/QN-A/receive", data=delivery).status_code == 302
    response = client.post("/manage/QN-A/receive", data=delivery)
    assert "Goods were already received under PN-0042" in response.text
    assert "another delivery under the same reference" in response.text and on_hand(db, "QN-A", "NM-01") == 32
    response = client.post("/manage/QN-A/receive", data={**delivery, "reuse_reference": "y"})
    assert response.status_code == 302 and on_hand(db, "QN-A", "NM-01") == 44
    elsewhere = client.post("/manage/QN-A/receive", data={**receive_data(("NM-01", "1", "")), "reference": "PN-0043"})
    assert elsewhere.status_code == 302


@pytest.mark.parametrize("q, codes", [
    ("nuoc mam", ["NM-01"]),
    ("Rượu ngô", ["RN-01"]),
    ("rn-0", ["RN-01"]),
    ("01", ["NM-01", "RN-01"]),
    ("  ", []),
    ("%", []),
])
def test_the_product_picker_finds_names_with_or_without_diacritics_and_codes(client, manager, q, codes):
    products = client.get("/manage/QN-A/products/pick", query_string={"q": q}).get_json()["products"]
    assert [product["code"] for product in products] == codes


def test_the_picker_says_what_this_outlet_holds(client, manager, world):
    make_product("Nước mắm nhĩ", code="NM-02")
    products = client.get("/manage/QN-A/products/pick?q=NM-01").get_json()["products"]
    assert products[0] == {"code": "NM-01", "name": "Nước mắm Cửa Khe", "unit": products[0]["unit"], "on_hand": 20}
    assert client.get("/manage/QN-B/products/pick?q=nm").status_code == 403


@pytest.mark.parametrize("line, message", [
    (("NM-01", "0", ""), "Enter a whole number from 1 to 1,000,000."),
    (("NM-01", "-1", ""), "Enter a whole number from 1 to 1,000,000."),
    (("NM-01", "abc", ""), "Enter a whole number from 1 to 1,000,000."),
    (("NM-01", "1.5", ""), "Enter a whole number from 1 to 1,000,000."),
    (("NM-01", str(10**9), ""), "Enter a whole number from 1 to 1,000,000."),
    (("NOPE-99", "3", ""), "Unknown product code NOPE-99."),
    (("NM-01", "", ""), "Enter a quantity."),
    (("", "3", ""), "Enter a product code."),
    (("NM-01", "3", "lot code!"), "A lot code has 3–40 letters, digits or dashes."),
    (("NM-01", "3", "lot-nope"), "Unknown lot code LOT-NOPE: check the label, or leave it empty."),
])
def test_a_bad_receive_line_saves_nothing(client, manager, db, line, message):
    before, moves = levels(db), move_count(db)
    response = client.post("/manage/QN-A/receive", data=receive_data(("RN-01", "5", ""), line))
    assert response.status_code == 200
    assert message in response.text
    assert 'value="RN-01"' in response.text  # the typed lines stay
    assert levels(db) == before and move_count(db) == moves


def test_a_lot_of_another_product_is_refused(client, manager, world, db):
    make_lot(world.liquor, "QN-RN-01")
    moves = move_count(db)
    response = client.post("/manage/QN-A/receive", data=receive_data(("NM-01", "5", "QN-RN-01")))
    assert "Lot QN-RN-01 belongs to another product." in response.text
    assert move_count(db) == moves


def test_an_empty_receipt_is_refused(client, manager, db):
    moves = move_count(db)
    response = client.post("/manage/QN-A/receive", data=receive_data(("", "", "")))
    assert "Fill in at least one line." in response.text and move_count(db) == moves


def test_more_receive_rows_keep_what_was_typed(client, manager, db):
    assert client.get("/manage/QN-A/receive?rows=8").text.count('name="lines-7-qty"') == 1
    moves = move_count(db)
    page = client.post("/manage/QN-A/receive", data={**receive_data(("NM-01", "7", "")), "more_rows": "1"}).text
    assert 'name="lines-5-qty"' in page and 'value="NM-01"' in page
    assert move_count(db) == moves


# --- Adjusting ---------------------------------------------------------------------------


def test_adjust_with_a_reason(client, manager, db):
    response = client.post("/manage/QN-A/adjust", data={"product_code": "NM-01", "change": "-2", "reason": "Vỡ 2 chai"})
    assert response.status_code == 302 and response.location.endswith("/manage/QN-A/products/NM-01/history")
    assert on_hand(db, "QN-A", "NM-01") == 18
    history = client.get(response.location).text
    assert "Vỡ 2 chai" in history and "-2" in history and "Adjustment" in history
    assert ">18<" in client.get("/manage/QN-A/?q=NM-01").text


@pytest.mark.parametrize("data, message", [
    ({"product_code": "NM-01", "change": "0", "reason": "x"}, "A change of 0 changes nothing."),
    ({"product_code": "NM-01", "change": "abc", "reason": "x"}, "Enter the change as a whole number"),
    ({"product_code": "NM-01", "change": str(10**9), "reason": "x"}, "Enter the change as a whole number"),
    ({"product_code": "NM-01", "change": "-1", "reason": "   "}, "Give a reason for the adjustment."),
    ({"product_code": "NOPE-99", "change": "1", "reason": "x"}, "Unknown product code NOPE-99."),
    ({"product_code": "NM-01", "change": "-21", "reason": "mất"}, "Only 20 of Nước mắm Cửa Khe available"),
])
def test_a_bad_adjustment_changes_nothing(client, manager, db, data, message):
    before, moves = levels(db), move_count(db)
    response = client.post("/manage/QN-A/adjust", data=data)
    assert response.status_code == 200 and message in response.text
    assert levels(db) == before and move_count(db) == moves


@pytest.mark.parametrize("language, message", [
    ("vi", "Tại Điểm OCOP Tiên Phước chỉ còn 20 Nước mắm Cửa Khe, không đủ 21 như yêu cầu."),
    ("en", "Only 20 of Cua Khe fish sauce available at Điểm OCOP Tiên Phước; 21 asked."),
])
def test_a_refused_adjustment_is_explained_in_the_managers_language(client, manager, world, db, language, message):
    world.sauce.name_en = "Cua Khe fish sauce"
    db.session.commit()
    client.set_cookie("lang", language)
    response = client.post("/manage/QN-A/adjust", data={"product_code": "NM-01", "change": "-21", "reason": "mất"})
    assert response.status_code == 200 and message in response.text


@pytest.mark.parametrize("path, data, message", [
    ("/manage/QN-A/adjust", {"product_code": "NM-01", "change": "-2", "reason": "Vỡ"}, "Adjusted Cua Khe fish sauce by -2."),
    ("/manage/QN-A/transfer", {"product_code": "NM-01", "qty": "2", "destination": "QN-B"},
     "Sent 2 × Cua Khe fish sauce to Điểm OCOP Hội An."),
])
def test_adjust_and_transfer_confirmations_name_the_product_in_the_managers_language(
        client, manager, world, db, path, data, message):
    world.sauce.name_en = "Cua Khe fish sauce"
    db.session.commit()
    response = client.post(path, data=data, follow_redirects=True)
    assert message in response.text


@pytest.mark.parametrize("path, data", [
    ("/manage/QN-A/adjust", {"product_code": "NM-01", "change": "-20", "reason": "mất"}),
    ("/manage/QN-A/transfer", {"product_code": "NM-01", "qty": "20", "destination": "QN-B"}),
])
def test_taking_what_orders_hold_says_how_much_is_reserved_and_how_much_can_be_taken(
        client, manager, world, db, path, data):
    with transaction():
        move_stock(outlet=world.a, product=world.sauce, kind="reserve", reserved_change=1, reference="OC-0005")
    before, moves = levels(db), move_count(db)
    response = client.post(path, data=data)
    assert response.status_code == 200
    assert ("Nước mắm Cửa Khe: 1 of the 20 on hand is reserved for orders, so at most 19 can be taken "
            "(20 asked).") in response.text
    assert levels(db) == before and move_count(db) == moves

    client.set_cookie("lang", "vi")
    response = client.post(path, data=data)
    assert "1 trong số 20 đang có được giữ cho đơn hàng, nên chỉ lấy được tối đa 19 (yêu cầu 20)." in response.text


# --- Transfers ---------------------------------------------------------------------------


def test_transfer_to_another_outlet(client, manager, db):
    page = client.get("/manage/QN-A/transfer?product=NM-01").text
    assert 'value="QN-B"' in page and 'value="QN-A"' not in page and 'value="QN-X"' not in page
    response = client.post("/manage/QN-A/transfer", data={"product_code": "NM-01", "qty": "5", "destination": "QN-B"})
    assert response.status_code == 302
    assert on_hand(db, "QN-A", "NM-01") == 15 and on_hand(db, "QN-B", "NM-01") == 12
    assert "Transfer out" in client.get("/manage/QN-A/products/NM-01/history").text


@pytest.mark.parametrize("data, message", [
    ({"product_code": "NM-01", "qty": "5", "destination": "QN-A"}, "Not a valid choice"),
    ({"product_code": "NM-01", "qty": "5", "destination": "QN-X"}, "Not a valid choice"),
    ({"product_code": "NM-01", "qty": "5", "destination": "NOWHERE"}, "Not a valid choice"),
    ({"product_code": "NM-01", "qty": "5", "destination": ""}, "Choose the outlet to send to."),
    ({"product_code": "NM-01", "qty": "0", "destination": "QN-B"}, "Enter a whole number from 1 to 1,000,000."),
    ({"product_code": "NOPE-99", "qty": "1", "destination": "QN-B"}, "Unknown product code NOPE-99."),
    ({"product_code": "NM-01", "qty": "21", "destination": "QN-B"}, "Only 20 of Nước mắm Cửa Khe available"),
])
def test_a_bad_transfer_changes_nothing(client, manager, db, data, message):
    before, moves = levels(db), move_count(db)
    response = client.post("/manage/QN-A/transfer", data=data)
    assert response.status_code == 200 and message in response.text
    assert levels(db) == before and move_count(db) == moves


# --- Stock-take --------------------------------------------------------------------------


def test_stock_take_from_csv_with_bom(client, manager, db):
    content = "\ufeffproduct_code,counted\nNM-01,17\nRN-01,3\n".encode()
    response = count(client, content, "dem-kho.csv")
    assert response.status_code == 302
    assert on_hand(db, "QN-A", "NM-01") == 17 and on_hand(db, "QN-A", "RN-01") == 3
    assert "2 products counted, 1 changed" in client.get(response.location).text
    assert "Stock-take" in client.get("/manage/QN-A/products/NM-01/history").text


def test_the_history_shows_reasons_the_code_wrote_in_the_readers_language(client, manager, world, db):
    count(client, b"product_code,counted\nNM-01,17\n", "count.csv")
    with transaction():
        move_stock(outlet=world.a, product=world.sauce, kind="return", on_hand_change=1,
                   reason="refunded and returned", reference="OC-0004")
        move_stock(outlet=world.a, product=world.sauce, kind="adjust", on_hand_change=-1, reason="stock-take lẻ")

    client.set_cookie("lang", "vi")
    history = client.get("/manage/QN-A/products/NM-01/history").text
    assert 'data-label="Lý do">kiểm kê<' in history
    assert 'data-label="Lý do">hoàn tiền và nhập lại kho<' in history
    assert 'data-label="Lý do">stock-take lẻ<' in history  # typed by a person: as typed
    assert ">stock-take<" not in history and ">refunded and returned<" not in history


def test_stock_take_reads_semicolons_from_vietnamese_spreadsheets(client, manager, db):
    response = count(client, b"product_code;counted\nNM-01;4\n", "count.CSV")
    assert response.status_code == 302 and on_hand(db, "QN-A", "NM-01") == 4


def test_stock_take_from_xlsx(client, manager, db):
    response = count(client, xlsx([["product_code", "counted"], ["NM-01", 25], ["RN-01", 0.0]]), "count.xlsx")
    assert response.status_code == 302
    assert on_hand(db, "QN-A", "NM-01") == 25 and on_hand(db, "QN-A", "RN-01") == 0


@pytest.mark.parametrize("lines, message", [
    ("NM-01,17\nNOPE-99,3\n", "Line 3: unknown product code NOPE-99."),
    ("NM-01,abc\n", "Line 2: “abc” is not a whole number."),
    ("NM-01,1.5\n", "Line 2: “1.5” is not a whole number."),
    ("NM-01,-1\n", "Line 2: the counted quantity cannot be negative."),
    ("NM-01,\n", "Line 2: the counted quantity is empty."),
    (f"NM-01,{10**9}\n", "Line 2: the counted quantity cannot be more than 1,000,000."),
    ("NM-01,5\nRN-01,1\nnm-01,6\n", "Line 4: product nm-01 is already counted on line 2."),
    (",5\n", "Line 2: the product code is empty."),
])
def test_a_bad_csv_line_rejects_the_whole_file(client, manager, db, lines, message):
    before, moves = levels(db), move_count(db)
    response = upload(client, ("product_code,counted\n" + lines).encode(), "count.csv")
    assert response.status_code == 200
    assert message in response.text and "Nothing was saved" in response.text
    assert levels(db) == before and move_count(db) == moves


@pytest.mark.parametrize("content, filename, message", [
    (b"code,qty\nNM-01,5\n", "count.csv", "Line 1: the header row must name the columns product_code, counted; missing: product_code, counted."),
    (b"", "count.csv", "The file is empty."),
    (b"product_code,counted\n", "count.csv", "The file has a header but no lines to count."),
    ("product_code,counted\nNM-01,5\n".encode("utf-16"), "count.csv", "The file is not UTF-8 text."),
    (b"product_code,counted\nNM-01,5\n", "count.txt", "Upload a CSV or XLSX file."),
    (b"PK\x03\x04 not really a workbook", "count.xlsx", "The file could not be read as an XLSX workbook."),
    (b"product_code,counted\n" + b"X,1\n" * 5_001, "count.csv", "The file has more than 5,000 lines"),
])
def test_a_bad_stock_take_file_is_refused(client, manager, db, content, filename, message):
    before, moves = levels(db), move_count(db)
    response = upload(client, content, filename)
    assert response.status_code == 200 and message in response.text
    assert levels(db) == before and move_count(db) == moves


def test_a_file_over_2_mb_is_refused(client, manager, db):
    moves = move_count(db)
    content = b"product_code,counted\n" + b"NM-01,5\n" * 300_000
    # Encoded up front: the test client would otherwise spool it to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), "count.csv")})
    response = client.post("/manage/QN-A/stock-take", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert "The file is larger than 2 MB." in response.text and move_count(db) == moves


def test_a_bad_xlsx_line_names_its_row(client, manager, db):
    before, moves = levels(db), move_count(db)
    content = xlsx([["product_code", "counted"], ["NM-01", 25], ["RN-01", "nhiều"]])
    response = upload(client, content, "count.xlsx")
    assert "Line 3: “nhiều” is not a whole number." in response.text
    assert levels(db) == before and move_count(db) == moves


def test_counting_below_what_is_reserved_offers_no_apply_and_names_the_orders(client, manager, world, db):
    order = make_order(world.a, [(world.sauce, 6)])
    before, moves = levels(db), move_count(db)
    preview = upload(client, b"product_code,counted\nRN-01,1\nNM-01,5\n", "count.csv")
    assert "Below the 6 reserved for orders" in preview.text
    assert "Apply the count" not in preview.text and not SEALED_COUNTS.search(preview.text)
    assert (f"Nước mắm Cửa Khe: counted 5 but 6 are reserved for order {order.number}. "
            "Cancel that order or hand it over, then upload the count again.") in preview.text
    assert "Fix these lines" not in preview.text
    assert levels(db) == before and move_count(db) == moves

    client.set_cookie("lang", "vi")
    preview = upload(client, b"product_code,counted\nRN-01,1\nNM-01,5\n", "count.csv")
    assert f"Nước mắm Cửa Khe: đếm được 5 nhưng có 6 đang được giữ cho đơn hàng {order.number}." in preview.text

    cancel_order(order=order, user=manager)  # what the message says to do
    assert count(client, b"product_code,counted\nRN-01,1\nNM-01,5\n", "count.csv").status_code == 302
    assert on_hand(db, "QN-A", "NM-01") == 5


def test_an_order_placed_after_the_preview_refuses_the_count_and_says_why(client, manager, world, db):
    preview = upload(client, b"product_code,counted\nNM-01,5\n", "count.csv")
    with transaction():
        move_stock(outlet=world.a, product=world.sauce, kind="reserve", reserved_change=6, reference="OC-0002")
    before, moves = levels(db), move_count(db)
    response = client.post("/manage/QN-A/stock-take/confirm", data={"counts": SEALED_COUNTS.search(preview.text)[1]})
    assert "Nothing was saved:" in response.text and "Fix these lines" not in response.text
    assert "counted 5 but 6 are reserved for order OC-0002. Cancel that order" in response.text
    assert levels(db) == before and move_count(db) == moves


def test_a_stock_take_shows_its_differences_and_saves_nothing_until_confirmed(client, manager, db):
    before, moves = levels(db), move_count(db)
    preview = upload(client, b"product_code,counted\nNM-01,17\nRN-01,3\n", "count.csv")
    assert "Applying it changes 1 of them" in preview.text
    assert "Nước mắm Cửa Khe" in preview.text and "-3" in preview.text and "Rượu" not in preview.text
    assert levels(db) == before and move_count(db) == moves


def test_a_stale_stock_take_preview_is_refused(client, manager, world, db):
    preview = upload(client, b"product_code,counted\nNM-01,17\n", "count.csv")
    stock(world.a, world.sauce, 2)  # a delivery lands between the preview and the confirmation
    before, moves = levels(db), move_count(db)
    response = client.post("/manage/QN-A/stock-take/confirm", data={"counts": SEALED_COUNTS.search(preview.text)[1]})
    assert "changed since the preview (now 22)" in response.text
    assert levels(db) == before and move_count(db) == moves


@pytest.mark.parametrize("counts", ["", "not-a-token", "W1tdXQ.bad.signature"])
def test_a_forged_stock_take_confirmation_changes_nothing(client, manager, db, counts):
    before, moves = levels(db), move_count(db)
    response = client.post("/manage/QN-A/stock-take/confirm", data={"counts": counts})
    assert response.status_code == 302 and response.location.endswith("/manage/QN-A/stock-take")
    assert "no longer valid" in client.get(response.location).text
    assert levels(db) == before and move_count(db) == moves


def test_the_count_sheet_lists_this_outlets_stock_and_escapes_formulas(client, manager, world):
    sneaky = make_product("=cmd()", code="EVIL-01")
    stock(world.a, sneaky, 2)
    sheet = client.get("/manage/QN-A/stock-take/template.csv")
    assert sheet.headers["Content-Disposition"].startswith("attachment")
    text = sheet.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "product_code,counted,product_name,unit"
    assert "NM-01,20,Nước mắm Cửa Khe,chai 500 ml" in text
    assert "'=cmd()" in text and ",=cmd()" not in text

    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/manage/QN-A/stock-take/template.xlsx").data))
    cells = {row[0]: row for row in workbook.active.iter_rows(values_only=True)}
    assert cells["EVIL-01"][2] == "'=cmd()"
    assert cells["NM-01"][1] == 20


def test_the_count_sheet_uploads_back_unchanged(client, manager, db):
    sheet = client.get("/manage/QN-A/stock-take/template.xlsx").data
    moves = move_count(db)
    assert count(client, sheet, "back.xlsx").status_code == 302
    assert move_count(db) == moves  # everything counted as on record: no change


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_escape_cell_neutralises_formulas(value):
    assert escape_cell(value) == "'" + value
    assert unescape_cell(escape_cell(value)) == value
    assert escape_cell("Nước mắm") == "Nước mắm"
    assert escape_cell(-5) == -5


# --- History and threshold ---------------------------------------------------------------


def test_history_is_newest_first_and_paginated(client, manager, world, db, monkeypatch):
    monkeypatch.setattr(outlet_services, "MOVES_PER_PAGE", 2)
    for qty in (1, 2, 3):
        stock(world.a, world.sauce, qty)
    first = client.get("/manage/QN-A/products/NM-01/history").text
    assert first.index("+3") < first.index("+2") and "+20" not in first and "Page 1 of 2" in first
    assert "+20" in client.get("/manage/QN-A/products/NM-01/history?page=2").text


def test_set_the_low_stock_threshold(client, manager, db):
    response = client.post("/manage/QN-A/products/NM-01/history", data={"threshold": "25"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(StockLevel.low_stock_threshold).join(StockLevel.product)
                             .where(StockLevel.outlet.has(code="QN-A"), StockLevel.product.has(code="NM-01"))) == 25
    page = client.get("/manage/QN-A/").text
    assert 'class="low-stock"' in page[page.index("Nước mắm Cửa Khe") - 300: page.index("Nước mắm Cửa Khe")]


@pytest.mark.parametrize("threshold", ["-1", "abc", str(10**9), ""])
def test_a_bad_threshold_is_refused(client, manager, threshold):
    response = client.post("/manage/QN-A/products/NM-01/history", data={"threshold": threshold})
    assert response.status_code == 200 and "Enter a whole number from 0 to 1,000,000." in response.text


def test_unknown_product_or_outlet_is_404(client, manager):
    assert client.get("/manage/QN-A/products/NOPE-99/history").status_code == 404
    assert client.get("/manage/NOWHERE/").status_code == 404


# --- Who may do what ---------------------------------------------------------------------

B_ROUTES = [
    ("get", "/manage/QN-B/", None),
    ("get", "/manage/QN-B/receive", None),
    ("post", "/manage/QN-B/receive", receive_data(("NM-01", "5", ""))),
    ("get", "/manage/QN-B/adjust", None),
    ("post", "/manage/QN-B/adjust", {"product_code": "NM-01", "change": "-1", "reason": "x"}),
    ("get", "/manage/QN-B/transfer", None),
    ("post", "/manage/QN-B/transfer", {"product_code": "NM-01", "qty": "1", "destination": "QN-A"}),
    ("get", "/manage/QN-B/stock-take", None),
    ("post", "/manage/QN-B/stock-take", "upload"),
    ("post", "/manage/QN-B/stock-take/confirm", {"counts": "x"}),
    ("get", "/manage/QN-B/products/pick?q=nm", None),
    ("get", "/manage/QN-B/stock-take/template.csv", None),
    ("get", "/manage/QN-B/stock-take/template.xlsx", None),
    ("get", "/manage/QN-B/products/NM-01/history", None),
    ("post", "/manage/QN-B/products/NM-01/history", {"threshold": "1"}),
]


def request_route(client, method, url, data):
    if data == "upload":
        return upload(client, b"product_code,counted\nNM-01,0\n", "count.csv", outlet="QN-B")
    return getattr(client, method)(url, data=data)


def test_a_manager_cannot_touch_another_outlet(client, manager, db):
    before, moves = levels(db), move_count(db)
    for method, url, data in B_ROUTES:
        assert request_route(client, method, url, data).status_code == 403, f"{method} {url}"
    assert levels(db) == before and move_count(db) == moves


def test_a_customer_is_refused(client, world, login_as, db):
    login_as("customer")
    moves = move_count(db)
    for method, url, data in B_ROUTES + [("get", "/manage/", None), ("get", "/manage/QN-A/", None)]:
        assert request_route(client, method, url, data).status_code == 403, f"{method} {url}"
    assert move_count(db) == moves


def test_anonymous_visitors_are_sent_to_login(client, world, db):
    moves = move_count(db)
    for method, url, data in B_ROUTES + [("get", "/manage/", None)]:
        response = request_route(client, method, url, data)
        assert response.status_code == 302 and "/login" in response.location, f"{method} {url}"
    assert move_count(db) == moves


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_can_run_any_outlet(client, world, login_as, db, role):
    login_as(role)
    assert client.get("/manage/QN-B/").status_code == 200
    response = client.post("/manage/QN-B/adjust", data={"product_code": "NM-01", "change": "3", "reason": "tìm thấy"})
    assert response.status_code == 302 and on_hand(db, "QN-B", "NM-01") == 10

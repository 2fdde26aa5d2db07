"""English mode is English, the leftovers: notes the code writes into an order's history, product
names and words in the admin's files, API errors and the public pages read in the visitor's
language (names of products, outlets and producers are data and stay as registered)."""
import csv
import io
import re
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from storefront.extensions import db
from storefront.orders.models import OrderEvent
from storefront.orders.services import cancel_order
from storefront.outlets.services import assign_outlets
from tests.factories import make_lot, make_order, make_outlet, make_product, stock
from tests.test_plans import world  # noqa: F401 (a fixture)
from tests.test_watchlist import watched  # noqa: F401 (a fixture)


@pytest.fixture
def sauce(app):
    return make_product("Nước mắm Cửa Khe", code="NM-01", name_en="Cua Khe fish sauce", unit="chai 500 ml",
                        unit_en="500 ml bottle")


@pytest.fixture
def outlet(sauce):
    outlet = make_outlet("QN-A", name="Điểm OCOP Tiên Phước")
    stock(outlet, sauce, 10)
    return outlet


def order_link(order) -> str:
    return f"/orders/{order.number}?key={order.access_token}"


# Order history notes


def test_the_customers_cancel_note_reads_in_the_page_language(client, outlet, sauce):
    order = make_order(outlet, [(sauce, 1)])
    client.get(order_link(order))
    client.post(f"/orders/{order.number}/cancel")
    vietnamese = client.get(order_link(order)).text
    assert "khách hàng đã hủy đơn" in vietnamese and "cancelled by the customer" not in vietnamese
    client.set_cookie("lang", "en")
    english = client.get(order_link(order)).text
    assert "cancelled by the customer" in english and "khách hàng đã hủy đơn" not in english


def test_stored_notes_written_by_the_code_are_translated_and_typed_notes_are_not(client, outlet, sauce):
    order = make_order(outlet, [(sauce, 1)])
    order.events.append(OrderEvent(status="paid", note="transfer received"))
    order.events.append(OrderEvent(status="payment_failed", note="payment cancelled"))
    order.events.append(OrderEvent(status="shipped", note="Giao hàng tiết kiệm GHTK123"))
    db.session.commit()
    page = client.get(order_link(order)).text
    assert "đã nhận chuyển khoản" in page and "transfer received" not in page
    assert "đã hủy thanh toán" in page and "payment cancelled" not in page
    assert "Giao hàng tiết kiệm GHTK123" in page



def test_the_managers_order_page_reads_the_note_in_its_language(client, login_as, outlet, sauce):
    order = make_order(outlet, [(sauce, 1)])
    cancel_order(order=order, note="cancelled by the customer")
    assign_outlets(user=login_as("manager"), codes=[outlet.code])
    assert "khách hàng đã hủy đơn" in client.get(f"/manage/{outlet.code}/orders/{order.number}").text
    client.set_cookie("lang", "en")
    assert "cancelled by the customer" in client.get(f"/manage/{outlet.code}/orders/{order.number}").text


# Growth files


def growth_csv(client) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get("/admin/reports/growth.csv").data.decode("utf-8-sig"))))


def test_english_growth_files_name_products_in_english(client, login_as, sauce):
    wine = make_product("Rượu Ngô Cải Vân", code="RN-01", group="beverage")
    login_as("staff")
    vietnamese = {row[0]: row[1] for row in growth_csv(client)[1:]}
    assert vietnamese == {"NM-01": "Nước mắm Cửa Khe", "RN-01": "Rượu Ngô Cải Vân"}
    client.set_cookie("lang", "en")
    english = {row[0]: row[1] for row in growth_csv(client)[1:]}
    assert english == {"NM-01": "Cua Khe fish sauce", "RN-01": "Rượu Ngô Cải Vân"}  # no English name: as registered
    sheet = load_workbook(io.BytesIO(client.get("/admin/reports/growth.xlsx").data)).active
    assert {sheet.cell(row, 2).value for row in (2, 3)} == {"Cua Khe fish sauce", "Rượu Ngô Cải Vân"}
    assert wine.name_en is None


# Watchlist and plan member files


def file_rows(client, url: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get(url).data.decode("utf-8-sig"))))


def test_watchlist_files_speak_the_visitors_language(watched, staff_user, client):
    watched["soon"].name_en = "Ginseng vine tea"
    db.session.commit()
    english = file_rows(client, "/admin/watchlist.csv")
    assert english[0][:4] == ["Code", "Product", "District", "Status"]
    assert {row[0]: row[1] for row in english[1:]} == {
        "W-SOON": "Ginseng vine tea", "W-LAPSED": "Tiêu Tiên Phước", "W-REVOKED": "Rượu Ngô"}
    assert load_workbook(io.BytesIO(client.get("/admin/watchlist.xlsx").data)).active.title == "Re-evaluation watchlist"

    client.set_cookie("lang", "vi")
    vietnamese = file_rows(client, "/admin/watchlist.csv")
    assert vietnamese[0][:4] == ["Mã", "Sản phẩm", "Huyện", "Trạng thái"]
    assert {row[0]: row[1] for row in vietnamese[1:]}["W-SOON"] == "Trà sâm dây"
    sheet = load_workbook(io.BytesIO(client.get("/admin/watchlist.xlsx").data)).active
    assert sheet.title == "Danh sách cần đánh giá lại" and sheet.cell(2, 2).value == "Trà sâm dây"


def test_plan_member_files_speak_the_visitors_language(world, staff_user, client):
    world.products["B"].name_en = "Product B"
    db.session.commit()
    url = f"/admin/dashboard/{world.plan.id}/four_star"
    english = file_rows(client, f"{url}.csv")
    assert english[0] == ["Code", "Name", "District", "Group", "Counted"]
    assert {row[0]: (row[1], row[4]) for row in english[1:]}["CB-B"] == ("Product B", "yes")
    assert load_workbook(io.BytesIO(client.get(f"{url}.xlsx").data)).active.title == "Products"

    client.set_cookie("lang", "vi")
    vietnamese = file_rows(client, f"{url}.csv")
    assert vietnamese[0][:2] == ["Mã", "Tên"]
    assert {row[0]: (row[1], row[4]) for row in vietnamese[1:]}["CB-B"] == ("Sản phẩm B", "có")
    sheet = load_workbook(io.BytesIO(client.get(f"{url}.xlsx").data)).active
    assert sheet.title == "Sản phẩm"
    producers = load_workbook(io.BytesIO(client.get(f"/admin/dashboard/{world.plan.id}/cooperative_share.xlsx").data))
    assert producers.active.title == "Chủ thể"


# API errors


@pytest.mark.parametrize("url, english, vietnamese", [
    ("/api/v1/products/khong-co", "No certified product with slug 'khong-co'.",
     "Không có sản phẩm đã được chứng nhận nào có slug 'khong-co'."),
    ("/api/v1/products?per_page=0", "per_page must be a whole number from 1 to",
     "per_page phải là một số nguyên từ 1 đến"),
    ("/api/v1/search", "Give a search query in q.", "Hãy nhập từ khóa tìm kiếm vào tham số q."),
    ("/api/v1/outlets/NOPE/stock", "No open sales point with code 'NOPE'.",
     "Không có điểm bán đang hoạt động nào có mã 'NOPE'."),
    ("/api/v1/reports/growth", "Log in as programme staff to read the growth report.",
     "Hãy đăng nhập bằng tài khoản cán bộ chương trình để xem báo cáo tăng trưởng."),

    # Werkzeug's own errors, whose English description the app replaces with its message
    ("/api/v1/nothing", "We could not find that page.", "Không tìm thấy trang bạn yêu cầu."),
])
def test_api_errors_speak_the_requests_language(app, client, url, english, vietnamese):
    separator = "&" if "?" in url else "?"
    for asked in (client.get(f"{url}{separator}lang=en"), client.get(url, headers={"Accept-Language": "en-GB,en"})):
        assert english in asked.json["error"]["message"]
    assert vietnamese in client.get(url).json["error"]["message"]
    assert vietnamese in client.get(f"{url}{separator}lang=vi", headers={"Accept-Language": "en"}).json["error"]["message"]


def test_werkzeugs_errors_on_the_api_speak_the_requests_language(client):
    refused = client.post("/api/v1/products", headers={"Accept-Language": "en"})
    assert refused.status_code == 405 and refused.json["error"]["message"] == "That action is not allowed here."
    too_large = client.post("/stripe/webhook", data=b"x" * (32 * 1024 * 1024 + 1))
    assert too_large.status_code == 413 and too_large.json["error"]["message"] == "Tệp tải lên quá lớn."


def test_an_unknown_api_language_is_refused_in_the_language_the_request_can_read(client):
    response = client.get("/api/v1/products?lang=fr", headers={"Accept-Language": "en"})
    assert response.status_code == 400 and response.json["error"]["message"] == "lang must be one of: vi, en."
    assert client.get("/api/v1/products?lang=fr").json["error"]["message"] == "lang phải là một trong các giá trị: vi, en."


# Public and customer pages read in English


VIETNAMESE_LETTERS = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.I)
# Names the pages quote on purpose: data (products, places, people) and Vietnamese terms in English text.
QUOTED = ("Nước mắm Cửa Khe", "Điểm OCOP Tiên Phước", "Tiên Phước", "Tiên Cảnh", "Quảng Nam", "HTX Nông nghiệp",
          "Đường Chính", "Nguyễn Văn An", "Lê Lợi", "Trần Phú, Hội An", "Ngọc Linh", "/QĐ-", "NĐ-CP", "đồng", "“Mỗi xã một sản phẩm”")


class ReadableText(HTMLParser):
    """The text a visitor reads or hears: text nodes and the attributes shown or spoken."""
    SHOWN_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder", "content", "value", "data-label")

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag, attrs):
        self.in_code += tag in ("script", "style")
        self.texts += [value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        self.in_code -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.in_code:
            self.texts.append(data)


def vietnamese_ui_words(page: str) -> list[str]:
    parser = ReadableText()
    parser.feed(page)
    found = []
    for text in parser.texts:
        for quoted in QUOTED:
            text = text.replace(quoted, "")
        if VIETNAMESE_LETTERS.search(text):
            found.append(text.strip())
    return found


def test_public_and_customer_pages_in_english_have_no_vietnamese_words(client, login_as, outlet, sauce):
    lot = make_lot(sauce)
    client.set_cookie("lang", "en")
    customer = login_as("customer")
    orders = [make_order(outlet, [(sauce, 1)], user=customer),
              make_order(outlet, [(sauce, 1)], user=customer, fulfilment="delivery", delivery_address="12 Lê Lợi",
                         payment_method="pay_on_delivery")]
    cancel_order(order=orders[0], note="cancelled by the customer")
    client.post(f"/cart/add/{sauce.id}", data={"qty": 1})
    urls = ["/", "/products", f"/products/{sauce.slug}", "/search?q=fish", "/search?q=zzzz", "/outlets",
            f"/outlets/{outlet.code}", f"/trace/{lot.lot_code}", "/policies/returns", "/policies/privacy",
            "/policies/terms", "/policies/ocop", "/no-such-page", "/cart", "/checkout", "/orders", "/account",
            "/account/password"] + [order_link(order) for order in orders]
    found = {url: vietnamese_ui_words(client.get(url).text) for url in urls}
    client.post("/logout")
    found |= {url: vietnamese_ui_words(client.get(url).text) for url in ("/login", "/register", "/password/forgot")}
    assert {url: words for url, words in found.items() if words} == {}


# WTForms' own messages, which WTForms ships in English and some thirty languages, not Vietnamese

def test_wtforms_own_messages_read_in_vietnamese(client, login_as):
    client.set_cookie("lang", "vi")
    login = client.post("/login", data={"email": "", "password": ""}).text
    register = client.post("/register", data={"name": "Lan", "email": "not-an-email", "password": "x",
                                              "confirm": "x"}).text

    assert "Vui lòng điền mục này." in login and "This field is required." not in login
    assert "Địa chỉ email không hợp lệ." in register and "Invalid email address." not in register


def test_every_form_takes_its_messages_from_the_shops_catalogue(app):
    from flask_wtf import FlaskForm

    from storefront.form_fields import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    strays = sorted(f"{form.__module__}.{form.__name__}" for form in subclasses(FlaskForm)
                    if form.__module__.startswith("storefront.") and not issubclass(form, Form))
    assert strays == [], "derive these from storefront.form_fields.Form"


def test_pickup_and_delivery_reservations_read_apart_in_vietnamese(client, outlet, sauce):
    """Both read "Đã giữ hàng, trả tiền khi nhận": a pickup customer could think the parcel comes."""
    client.set_cookie("lang", "vi")
    pickup = make_order(outlet, [(sauce, 1)])
    delivery = make_order(outlet, [(sauce, 1)], payment_method="pay_on_delivery", fulfilment="delivery",
                          delivery_address="12 Lê Lợi, Tam Kỳ, Quảng Nam")

    assert "Đã giữ hàng, trả tiền tại điểm bán" in client.get(order_link(pickup)).text
    assert "Đã giữ hàng, trả tiền khi giao hàng" in client.get(order_link(delivery)).text

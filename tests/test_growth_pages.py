"""The growth report as staff and programs see it: the page, its charts, the CSV and XLSX
files, the JSON API and the CLI, all showing the same figures for the hand-built world."""
import csv
import io
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
from sqlalchemy import event

from storefront.extensions import db as _db
from storefront.i18n import vnd
from storefront.reports import services as report_services
from storefront.reports.models import Baseline
from storefront.reports.services import STATUSES, monthly_sales
from storefront.sales.models import SaleLine
from tests.factories import make_outlet, make_place, make_producer, make_product
from tests.test_growth_report import TODAY, certify, local, sell, world  # noqa: F401  (the world fixture)

REPORT = "/admin/reports/growth"

# Every figure of the hand-built world (see tests/test_growth_report.py), ratios as shown.
EXPECTED = {
    "A-MEETS": {
        "baseline_revenue": 1_000_000, "baseline_profit": 400_000, "revenue": 1_500_000, "profit": 850_000,
        "declared_revenue": None, "declared_profit": None,  # 2024 only: a partial declaration
        "revenue_ratio": Decimal("1.50"), "profit_ratio": Decimal("2.13"),  # 2.125 rounds up
        "trailing_revenue": 0, "trailing_profit": 0,
        "trailing_revenue_ratio": Decimal("0.00"), "trailing_profit_ratio": Decimal("0.00"), "status": "meets",
    },
    "B-BELOW": {
        "baseline_revenue": 1_000_000, "baseline_profit": 400_000, "revenue": 1_600_000, "profit": 500_000,
        "declared_revenue": None, "declared_profit": None,
        "revenue_ratio": Decimal("1.60"), "profit_ratio": Decimal("1.25"),
        "trailing_revenue": 0, "trailing_profit": 0,
        "trailing_revenue_ratio": Decimal("0.00"), "trailing_profit_ratio": Decimal("0.00"), "status": "below",
    },
    "C-NOBASE": {
        "baseline_revenue": None, "baseline_profit": None, "revenue": 800_000, "profit": 500_000,
        "declared_revenue": None, "declared_profit": None, "revenue_ratio": None, "profit_ratio": None,
        "trailing_revenue": 0, "trailing_profit": 0,
        "trailing_revenue_ratio": None, "trailing_profit_ratio": None, "status": "no_baseline",
    },
    "D-NOTDUE": {
        "baseline_revenue": 500_000, "baseline_profit": 100_000, "revenue": 900_000, "profit": 600_000,
        "declared_revenue": None, "declared_profit": None,
        "revenue_ratio": Decimal("1.80"), "profit_ratio": Decimal("6.00"),
        "trailing_revenue": None, "trailing_profit": None,
        "trailing_revenue_ratio": None, "trailing_profit_ratio": None, "status": "not_yet_due",
    },
}
YEAR_ONE_FIGURES = {
    "baseline_revenue": "Doanh thu cơ sở", "baseline_profit": "Lợi nhuận cơ sở",
    "revenue": "Doanh thu năm đầu", "profit": "Lợi nhuận năm đầu",
    "declared_revenue": "Doanh thu kê khai", "declared_profit": "Lợi nhuận kê khai",
    "revenue_ratio": "Tỷ lệ doanh thu", "profit_ratio": "Tỷ lệ lợi nhuận",
}
TRAILING_FIGURES = {
    "trailing_revenue": "Doanh thu 12 tháng gần nhất", "trailing_profit": "Lợi nhuận 12 tháng gần nhất",
    "trailing_revenue_ratio": "Tỷ lệ doanh thu 12 tháng gần nhất",
    "trailing_profit_ratio": "Tỷ lệ lợi nhuận 12 tháng gần nhất",
}
STATUS_WORDS = {"meets": "Đạt", "below": "Chưa đạt", "not_yet_due": "Chưa đến hạn", "no_baseline": "Chưa có số liệu cơ sở",
                "no_comparable_baseline": "Số liệu cơ sở không so sánh được"}


@pytest.fixture(autouse=True)
def report_day(monkeypatch):
    """The report runs on TODAY, whatever the real date."""
    monkeypatch.setattr(report_services, "vietnam_today", lambda: TODAY)


@pytest.fixture
def staff(login_as):
    return login_as("staff")


@pytest.fixture
def hoi_an_product(world):
    """A fifth product in another district, of another group, star level, year and producer
    kind, whose name a spreadsheet would run as a formula."""
    hoi_an = make_place(district="Hội An", commune="Cẩm Thanh")
    product = make_product("=HYPERLINK(\"http://x\") Nón lá", stars=None, code="E-HOIAN", group="handicraft",
                           producer=make_producer(hoi_an, name="Công ty Nón lá Hội An", kind="enterprise"))
    certify(product, date(2025, 5, 1), score=92)
    _db.session.add(Baseline(product_id=product.id, revenue=2_000_000, profit=1_000_000))
    _db.session.commit()
    sell(product, make_outlet("QN-HA"), local(date(2025, 6, 1), 9), 3_100_000, 1_000_000)
    return product


# Reading what each output shows.

class GrowthTable(HTMLParser):
    """The report table's rows in page order: {code: {column: text, "row_status": status}}."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.code = self.column = None
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-code" in attrs:
            self.code = attrs["data-code"]
            self.rows[self.code] = {"row_status": attrs["data-status"]}
        elif tag in ("td", "th") and self.code and "data-column" in attrs:
            self.column, self.text = attrs["data-column"], []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.column:
            self.rows[self.code][self.column] = " ".join("".join(self.text).split())
            self.column = None
        elif tag == "tr":
            self.code = None

    def handle_data(self, data):
        if self.column:
            self.text.append(data)


def page_table(client, query: str = "") -> dict[str, dict[str, str]]:
    response = client.get(f"{REPORT}?{query}")
    assert response.status_code == 200
    return GrowthTable(response.text).rows


def shown_on_page(value) -> str:
    """How the Vietnamese page writes a figure: 1.500.000 ₫, 1,50×, a dash when missing."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return str(value).replace(".", ",") + "×"
    return " ".join(vnd(value).split())


def csv_rows(client, query: str = "") -> dict[str, dict[str, str]]:
    response = client.get(f"{REPORT}.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())  # the BOM: Excel reads it as UTF-8
    return {row["Mã sản phẩm"]: row for row in csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))}


def xlsx_rows(data: bytes) -> dict[str, dict[str, object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header, *rows = sheet.iter_rows(values_only=True)
    return {row[0]: dict(zip(header, row)) for row in rows}


def xlsx_from(client, query: str = "") -> dict[str, dict[str, object]]:
    response = client.get(f"{REPORT}.xlsx?{query}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    return xlsx_rows(response.data)


def api_rows(client, query: str = "") -> dict[str, dict]:
    response = client.get(f"/api/v1/reports/growth?{query}")
    assert response.status_code == 200, response.text
    return {row["code"]: row for row in response.json["rows"]}


# The same figures everywhere.

def test_page_api_csv_and_xlsx_show_the_same_figures(world, staff, client):
    page = page_table(client)
    trailing_page = page_table(client, "view=trailing")
    api, from_csv, from_xlsx = api_rows(client), csv_rows(client), xlsx_from(client)
    assert list(page) == list(api) == list(from_csv) == list(from_xlsx) == list(EXPECTED)

    for code, expected in EXPECTED.items():
        for figure, header in (YEAR_ONE_FIGURES | TRAILING_FIGURES).items():
            value = expected[figure]
            where = f"{code} {figure}"
            assert api[code][figure] == (float(value) if isinstance(value, Decimal) else value), where
            assert from_csv[code][header] == ("" if value is None else str(value)), where
            cell = from_xlsx[code][header]
            assert cell == (float(value) if isinstance(value, Decimal) else value), where
            assert cell is None or isinstance(cell, (int, float)), where  # numbers are numbers
            if figure in YEAR_ONE_FIGURES:
                if not (code == "A-MEETS" and figure == "declared_revenue"):  # see below
                    assert page[code][figure] == shown_on_page(value), where
            elif code in trailing_page:
                assert trailing_page[code][figure] == shown_on_page(value), where
        assert page[code]["row_status"] == api[code]["status"] == expected["status"]
        assert from_csv[code]["Trạng thái"] == from_xlsx[code]["Trạng thái"] == STATUS_WORDS[expected["status"]]

    # Year one runs into 2025, which is not declared: shown as such, and no status from it.
    assert page["A-MEETS"]["declared_revenue"] == "Kê khai một phần 2024 đã kê khai, 2025 còn thiếu"
    assert from_csv["A-MEETS"]["Kê khai"] == "Một phần" and from_csv["A-MEETS"]["Năm kê khai"] == "2024 (thiếu 2025)"
    assert api["A-MEETS"]["declaration"] == "partial" and api["A-MEETS"]["basis"] == "platform"
    assert from_csv["A-MEETS"]["Ngày chứng nhận"] == "2024-03-10" and from_csv["A-MEETS"]["Mục tiêu"] == "1.50"
    assert from_xlsx["A-MEETS"]["Ngày chứng nhận"] == datetime(2024, 3, 10)  # a date cell
    assert from_xlsx["A-MEETS"]["Ngày hết năm đầu"] == datetime(2025, 3, 10)
    assert page["A-MEETS"]["certified_on"].startswith("10/03/2024")
    assert "10/03/2025" in page["A-MEETS"]["certified_on"]
    assert api["A-MEETS"]["certified_on"] == "2024-03-10" and api["A-MEETS"]["year_one_ends"] == "2025-03-10"


def test_the_trailing_view_lists_products_past_year_one(world, staff, client):
    assert list(page_table(client, "view=trailing")) == ["A-MEETS", "B-BELOW", "C-NOBASE"]


def test_summary_at_the_top(world, staff, client):
    html = client.get(REPORT).text
    for name, count in (("products", 4), ("due", 3), ("with_baseline", 2), ("meets", 1)):
        assert f'data-summary="{name}">{count}<' in html
    assert "50%" in html  # one of the two due products with a baseline meets the target
    body = client.get("/api/v1/reports/growth").json
    counts = {"products": 4, "due": 3, "no_baseline": 1, "no_comparable_baseline": 0, "with_baseline": 2, "meets": 1,
              "declared": 0, "meets_declared": 0, "platform": 2, "meets_platform": 1, "share": 0.5}
    assert body["summary"]["overall"] == counts
    assert body["summary"]["stars"] == [{"key": 4, **counts}]
    assert body["summary"]["first_stars"] == [{"key": 4, **counts}]
    assert body["summary"]["district"][0]["key"] == "Tiên Phước"


def test_the_ratio_chart_marks_the_target(world, staff, client):
    html = client.get(REPORT).text
    assert '<svg class="chart ratio-histogram"' in html and 'class="target-line"' in html
    assert '<title id="ratio-chart-title">' in html and '<desc id="ratio-chart-desc">' in html
    table = html.split('<svg class="chart', 1)[1].split("</svg>", 1)[1].split("</figure>", 1)[0]  # beside the chart
    bucket = table.split("1,5–2×", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", bucket) == ["2", "0"]  # A's and B's revenue


# Filters and order.

@pytest.mark.parametrize("query, codes", [
    ("area={district}", ["E-HOIAN"]),
    ("area={province}", ["A-MEETS", "B-BELOW", "C-NOBASE", "D-NOTDUE", "E-HOIAN"]),
    ("group=handicraft", ["E-HOIAN"]),
    ("stars=5", ["E-HOIAN"]),
    ("stars=4&year=2024", ["A-MEETS", "B-BELOW", "C-NOBASE"]),
    ("first_stars=5", ["E-HOIAN"]),
    ("basis=platform&group=handicraft", ["E-HOIAN"]),
    ("basis=declared", []),
    ("year=2025", ["E-HOIAN"]),
    ("kind=enterprise", ["E-HOIAN"]),
])
def test_filters_narrow_the_page_the_files_and_the_api(hoi_an_product, staff, client, query, codes):
    district = hoi_an_product.district
    query = query.format(district=district.code, province=district.parent.code)
    assert list(page_table(client, query)) == codes
    assert list(csv_rows(client, query)) == codes
    assert list(xlsx_from(client, query)) == codes
    assert list(api_rows(client, query)) == codes


def test_bad_filter_values_are_ignored_with_a_notice(world, staff, client):
    response = client.get(f"{REPORT}?area=NOWHERE&group=x&stars=9&first_stars=2&year=abc&kind=y&basis=z&sort=evil&dir=up"
                          "&page=-3&view=z")
    assert response.status_code == 200
    assert response.text.count('class="flash flash-warning"') == 9  # one per bad filter or order; page and view fall back quietly
    assert list(GrowthTable(response.text).rows) == list(EXPECTED)
    assert client.get(f"{REPORT}.csv?stars=9").status_code == 200


@pytest.mark.parametrize("query, word", [("stars=9", " 9"), ("first_stars=6", " 6"), ("basis=x", "basis"),
                                         ("sort=price", "sort column"), ("dir=up", "direction"),
                                         ("per_page=0", "per_page"), ("page=x", "page")])
def test_the_api_refuses_bad_filter_values(world, staff, client, in_english, query, word):
    response = client.get(f"/api/v1/reports/growth?{query}")
    assert response.status_code == 400 and word in response.json["error"]["message"]


def fold(text: str) -> str:
    """Names as the report sorts them: marks dropped, đ as d, lower case (punctuation kept)."""
    return unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d")).encode("ascii", "ignore").decode().lower()


def test_every_column_sorts_both_ways(hoi_an_product, staff, client):
    rows = api_rows(client)  # raw values, in code order
    named = {
        "name": lambda row: fold(row["name"]),
        "district": lambda row: fold(row["district"]),
        "status": lambda row: STATUSES.index(row["status"]),
    }
    for column in report_services.SORT_COLUMNS:
        key = named.get(column, lambda row, column=column: row[column])
        present = [code for code, row in rows.items() if key(row) is not None]
        missing = [code for code, row in rows.items() if key(row) is None]
        ascending = sorted(present, key=lambda code: key(rows[code])) + missing
        descending = sorted(present, key=lambda code: key(rows[code]), reverse=True) + missing
        assert list(page_table(client, f"sort={column}&dir=asc")) == ascending, column
        assert list(page_table(client, f"sort={column}&dir=desc")) == descending, column
        assert list(api_rows(client, f"sort={column}&dir=desc")) == descending, column
    assert list(page_table(client, "sort=revenue&dir=desc"))[:2] == ["E-HOIAN", "B-BELOW"]
    assert list(page_table(client, "sort=revenue_ratio&dir=asc"))[-1] == "C-NOBASE"  # no ratio: last


def test_sorting_keeps_the_filters(hoi_an_product, staff, client):
    html = client.get(f"{REPORT}?group=food&view=trailing").text
    assert 'href="/admin/reports/growth?group=food&amp;view=trailing&amp;sort=name&amp;dir=asc"' in html


def test_long_reports_are_paged_but_files_hold_every_row(world, staff, client, monkeypatch):
    from storefront.admin.reports import routes as report_pages

    monkeypatch.setattr(report_pages, "ROWS_PER_PAGE", 3)
    assert list(page_table(client)) == ["A-MEETS", "B-BELOW", "C-NOBASE"]
    assert list(page_table(client, "page=2")) == ["D-NOTDUE"]
    assert list(page_table(client, "page=2&sort=revenue&dir=desc")) == ["C-NOBASE"]  # sorted before paging
    assert len(csv_rows(client)) == 4
    assert [row["code"] for row in client.get("/api/v1/reports/growth?per_page=3&page=2").json["rows"]] == ["D-NOTDUE"]


# Files.

def test_a_name_that_looks_like_a_formula_is_escaped(hoi_an_product, staff, client):
    escaped = "'=HYPERLINK(\"http://x\") Nón lá"
    assert csv_rows(client)["E-HOIAN"]["Tên sản phẩm"] == escaped
    cell = openpyxl.load_workbook(io.BytesIO(client.get(f"{REPORT}.xlsx").data)).active["B6"]
    assert cell.value == escaped and cell.data_type == "s"  # text, not a formula


def test_the_xlsx_cells_have_number_and_date_formats(world, staff, client):
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{REPORT}.xlsx").data)).active
    header = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2])}
    assert row["Doanh thu năm đầu"].number_format == "#,##0"
    assert row["Tỷ lệ doanh thu"].number_format == "0.00"
    assert row["Ngày chứng nhận"].is_date


def test_the_cli_writes_the_same_file(world, app, tmp_path):
    out = tmp_path / "growth.xlsx"
    result = app.test_cli_runner().invoke(args=["reports", "growth", "--format", "xlsx", "--out", str(out), "--year", "2024"])
    assert result.exit_code == 0, result.output
    rows = xlsx_rows(out.read_bytes())
    assert list(rows) == ["A-MEETS", "B-BELOW", "C-NOBASE"]
    assert rows["A-MEETS"]["Tỷ lệ lợi nhuận"] == 2.13

    csv_out = tmp_path / "growth.csv"
    assert app.test_cli_runner().invoke(args=["reports", "growth", "--format", "csv", "--out", str(csv_out)]).exit_code == 0
    assert csv_out.read_bytes().startswith("\ufeffMã sản phẩm".encode())

    refused_out = tmp_path / "refused.xlsx"
    refused = app.test_cli_runner().invoke(args=["reports", "growth", "--out", str(refused_out), "--stars", "9"])
    assert refused.exit_code == 2 and " 9" in refused.output and not refused_out.exists()


# One product's chart.

def test_a_products_chart_marks_its_certification_and_baseline(world, staff, client):
    response = client.get(f"{REPORT}/A-MEETS")
    assert response.status_code == 200
    html = response.text
    assert '<svg class="chart monthly-chart"' in html and '<title id="monthly-chart-title">' in html
    assert 'class="cert-marker"' in html and 'class="year-one-marker"' in html
    assert html.count('class="baseline-line"') == 2  # revenue ÷ 12 and profit ÷ 12
    table = html.split('class="monthly-table"', 1)[1]
    march = table.split('data-month="2024-03"', 1)[1].split("</tr>", 1)[0]
    assert " ".join(vnd(6_200_000).split()) in " ".join(march.split())  # 5.0M on the 9th + 1.2M on the 10th
    assert 'data-month="2023-03"' in table and 'data-month="2026-11"' in table  # a year before, up to today


def test_a_chart_escapes_the_products_name(hoi_an_product, staff, client):
    html = client.get(f"{REPORT}/E-HOIAN").text
    assert "=HYPERLINK(&#34;http://x&#34;) Nón lá" in html.split('<svg class="chart', 1)[1]
    assert '"http://x")' not in html.split('<svg class="chart', 1)[1].split("</svg>", 1)[0]


@pytest.mark.parametrize("code", ["NOPE", "F-NEVER"])
def test_unknown_or_never_certified_products_have_no_chart(world, staff, client, code):
    make_product("Chưa đánh giá", stars=None, code="F-NEVER")
    assert client.get(f"{REPORT}/{code}").status_code == 404


def test_monthly_sales_count_by_the_vietnamese_month(app):
    outlet = make_outlet("QN-TK")
    product = make_product("Nước mắm Cửa Khe", stars=4)
    sell(product, outlet, datetime(2024, 3, 31, 16, 59), 50_000, 20_000)  # 23:59 on 31 March in Vietnam
    sell(product, outlet, datetime(2024, 3, 31, 20, 0), 100_000, 60_000)  # 03:00 on 1 April in Vietnam
    sell(product, outlet, datetime(2024, 5, 31, 17, 0), 7_000, 1_000)  # 1 June: after the range
    assert monthly_sales(product.id, date(2024, 3, 15), date(2024, 5, 2)) == [
        ("2024-03", 50_000, 30_000),
        ("2024-04", 100_000, 40_000),
        ("2024-05", 0, 0),
    ]


# Who may see it.

@pytest.mark.parametrize("path", [REPORT, f"{REPORT}.csv", f"{REPORT}.xlsx", f"{REPORT}/A-MEETS"])
@pytest.mark.parametrize("role", ["customer", "manager"])
def test_only_staff_see_the_report(world, login_as, client, path, role):
    login_as(role)
    assert client.get(path).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(REPORT)
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("role, status", [(None, 401), ("customer", 403), ("manager", 403), ("admin", 200)])
def test_the_api_answers_in_json_for_every_role(login_as, client, role, status):
    if role:
        login_as(role)
    response = client.get("/api/v1/reports/growth")
    assert response.status_code == status and response.is_json
    if status != 200:
        assert response.json["error"]["message"]


def test_the_api_is_documented(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/reports/growth"]["get"]
    assert {"401", "403", "200"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} == {
        "area", "areas", "group", "stars", "first_stars", "year", "kind", "basis", "sort", "dir", "page", "per_page",
        "lang"}  # refused unless vi or en, as on every API route: now documented
    for rule in ("revoked later", "period of the sale it reverses", "weigh each calendar year", "no_comparable_baseline"):
        assert rule in operation["description"]
    assert "GrowthRow" in document["components"]["schemas"]


# Cost: SQL statements per report, whatever the size of the ledger.

def statements_for(client, path: str) -> int:
    executed = []

    def count(*_args):
        executed.append(1)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    return len(executed)


def add_products_with_sales(count: int, sales_each: int) -> None:
    outlet = make_outlet(f"QN-BULK-{count}")
    producer = make_producer()
    for n in range(count):
        product = make_product(f"Sản phẩm {n}", stars=None, code=f"BULK-{count}-{n:03d}", producer=producer)
        certify(product, date(2024, 1, 1 + n % 28))
        _db.session.add(Baseline(product_id=product.id, revenue=1_000_000, profit=300_000))
        _db.session.add_all(
            SaleLine(product_id=product.id, outlet_id=outlet.id, channel="in_store", qty=1, unit_price=10_000,
                     amount=10_000, cost_amount=6_000, sold_at=datetime(2024, 1 + s % 12, 5 + s % 20, 3), source="BULK")
            for s in range(sales_each)
        )
    _db.session.commit()


def test_the_number_of_queries_does_not_grow_with_products_or_sales(app, staff, client):
    add_products_with_sales(3, 1)
    small = {path: statements_for(client, path) for path in (REPORT, f"{REPORT}.xlsx", "/api/v1/reports/growth")}
    add_products_with_sales(27, 40)
    large = {path: statements_for(client, path) for path in (REPORT, f"{REPORT}.xlsx", "/api/v1/reports/growth")}
    assert len(api_rows(client)) == 30
    assert large == small


def test_a_merged_province_counts_with_its_successor_by_todays_areas(world, staff, client, tmp_path):
    """Quảng Nam (the world's products) merged into Đà Nẵng in July 2025: by the areas of
    their time Đà Nẵng has its own product only; by today's, Quảng Nam's too."""
    hai_chau = make_place("Đà Nẵng", "Hải Châu", "Thạch Thang")
    da_nang, quang_nam = hai_chau.parent.parent, world["meets"].province
    product = make_product("Bánh khô mè", stars=None, code="F-DANANG",
                           producer=make_producer(hai_chau, name="Cơ sở Bánh khô mè Bà Liên"))
    certify(product, date(2024, 2, 1))
    quang_nam.replaced_by, quang_nam.replaced_from = da_nang, date(2025, 7, 1)
    _db.session.commit()
    assert list(api_rows(client, f"area={da_nang.code}")) == ["F-DANANG"]
    everything = ["A-MEETS", "B-BELOW", "C-NOBASE", "D-NOTDUE", "F-DANANG"]
    today = f"area={da_nang.code}&areas=today"
    assert list(api_rows(client, today)) == everything
    assert list(page_table(client, today)) == everything and list(csv_rows(client, today)) == everything
    assert 'value="today" selected' in client.get(f"{REPORT}?{today}").text
    # Quảng Nam by today's areas is Đà Nẵng too; a district ignores the switch.
    assert list(api_rows(client, f"area={quang_nam.code}&areas=today")) == everything
    assert list(api_rows(client, f"area={hai_chau.parent.code}&areas=today")) == ["F-DANANG"]
    out = tmp_path / "growth.csv"
    result = client.application.test_cli_runner().invoke(args=[
        "reports", "growth", "--format", "csv", "--out", str(out), "--area", da_nang.code, "--areas", "today"])
    assert result.exit_code == 0 and "Wrote 5 products" in result.output

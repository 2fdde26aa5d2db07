"""Staff enter baselines and declared revenue by hand or by file; a bad file changes nothing."""
import csv
import io
import sqlite3
from datetime import datetime, timedelta

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import func, insert, select

from storefront.admin.imports.routes import imported_message
from storefront.catalog.models import Evaluation, Product
from storefront.catalog.services import products_by_code
from storefront.clock import vietnam_today
from storefront.manage.services import MAX_COUNT_LINES, parse_stock_take
from storefront.imports import ImportResult
from storefront.reports.models import Baseline, DeclaredRevenue
from storefront.reports.services import year_one_years
from storefront.spreadsheets import FileRejected
from tests.factories import make_place, make_producer, make_product

THIS_YEAR = vietnam_today().year


@pytest.fixture
def products(app):
    """Two certified products (one 600 days ago, so the year the report reads is over) and
    one never certified."""
    return {
        "fish_sauce": make_product("Nước mắm Cửa Khe", code="QN-NMCK-01", issued_days_ago=600),
        "tea": make_product("Trà sâm dây Ngọc Linh", code="QN-TSD-01"),
        "uncertified": make_product("Bánh tráng Đại Lộc", code="QN-BT-09", stars=None),
    }


@pytest.fixture
def staff(login_as, in_english):
    return login_as("staff")


def baselines(db):
    db.session.expire_all()
    return {b.product.code: (b.revenue, b.profit, b.source, b.note)
            for b in db.session.scalars(db.select(Baseline))}


def declarations(db):
    db.session.expire_all()
    return {(d.product.code, d.year): (d.revenue, d.profit, d.note)
            for d in db.session.scalars(db.select(DeclaredRevenue))}


# --- Entering one product at a time ------------------------------------------------------------


def test_list_shows_certified_products_and_searches_without_diacritics(client, products, staff):
    page = client.get("/admin/baselines").text
    assert "Nước mắm Cửa Khe" in page and "Trà sâm dây Ngọc Linh" in page
    assert "Bánh tráng Đại Lộc" not in page  # never certified: not in the growth report

    found = client.get("/admin/baselines?q=nuoc+mam").text
    assert "Nước mắm Cửa Khe" in found and "Trà sâm dây" not in found
    assert "Trà sâm dây Ngọc Linh" in client.get("/admin/baselines?q=tsd-01").text


def test_baseline_is_created_then_updated_never_duplicated(client, db, products, staff):
    response = client.post("/admin/baselines/QN-NMCK-01", data={
        "revenue": "1.500.000", "profit": "-200000", "source": "audited", "note": "BCTC 2023"})
    assert response.status_code == 302
    assert "Baseline created" in client.get(response.location).text
    assert baselines(db) == {"QN-NMCK-01": (1_500_000, -200_000, "audited", "BCTC 2023")}

    form = client.get("/admin/baselines/QN-NMCK-01").text
    assert 'value="1.500.000"' in form  # the form opens with what is on record

    client.post("/admin/baselines/QN-NMCK-01",
                data={"revenue": "2000000", "profit": "600000", "source": "declared", "note": ""})
    assert baselines(db) == {"QN-NMCK-01": (2_000_000, 600_000, "declared", "")}
    listing = client.get("/admin/baselines").text
    assert "2.000.000" in listing and "600.000" in listing
    assert "Trà sâm dây Ngọc Linh" in client.get("/admin/baselines?without=1").text
    assert "Nước mắm Cửa Khe" not in client.get("/admin/baselines?without=1").text


@pytest.mark.parametrize("data, message", [
    ({"revenue": "1,5", "profit": "0", "source": "declared"}, "Enter a whole number of đồng"),
    ({"revenue": "1500000.50", "profit": "0", "source": "declared"}, "Enter a whole number of đồng"),
    ({"revenue": "", "profit": "0", "source": "declared"}, "Enter an amount in đồng."),
    ({"profit": "0", "source": "declared"}, "Enter an amount in đồng."),
    ({"revenue": "-5", "profit": "-10", "source": "declared"}, "Revenue cannot be negative."),
    ({"revenue": "1000000", "profit": "1000001", "source": "declared"}, "Profit cannot be more than revenue."),
    ({"revenue": "1000000", "profit": "0", "source": "guessed"}, "The source must be one of: declared, audited."),
    ({"revenue": "1000000000000001", "profit": "0", "source": "declared"}, "Revenue cannot be more than"),
    ({"revenue": "1000000", "profit": "0", "source": "declared", "note": "x" * 256}, "Field cannot be longer than 255"),
])
def test_bad_baseline_reshows_the_form_with_the_error(client, db, products, staff, data, message):
    response = client.post("/admin/baselines/QN-NMCK-01", data=data)
    assert response.status_code == 200
    assert message in response.text
    assert baselines(db) == {}


def test_declared_revenue_by_year_created_then_updated(client, db, products, staff):
    form = client.get("/admin/declared/QN-NMCK-01").text
    # The form starts at the year the growth report reads.
    report_year = year_one_years(products["fish_sauce"].evaluations[0].issued_on)[0]
    assert f'<option selected value="{report_year}">' in form

    for revenue in ("90.000.000", "95000000"):
        response = client.post("/admin/declared/QN-NMCK-01", data={
            "year": str(THIS_YEAR - 1), "revenue": revenue, "profit": "20000000", "note": "Báo cáo năm"})
        assert response.status_code == 302
    client.post("/admin/declared/QN-NMCK-01", data={"year": "2019", "revenue": "1000", "profit": "-5000", "note": ""})
    assert declarations(db) == {
        ("QN-NMCK-01", THIS_YEAR - 1): (95_000_000, 20_000_000, "Báo cáo năm"),
        ("QN-NMCK-01", 2019): (1_000, -5_000, ""),
    }
    page = client.get("/admin/declared").text
    assert "95.000.000" in page and "2019" in page


@pytest.mark.parametrize("year, message", [
    ("2014", "The year must be from 2015 to"),
    (str(THIS_YEAR + 1), "The year must be from 2015 to"),
    ("next", "Choose a year from the list."),
])
def test_bad_declared_year_is_refused(client, db, products, staff, year, message):
    response = client.post("/admin/declared/QN-NMCK-01", data={"year": year, "revenue": "1000", "profit": "0"})
    assert response.status_code == 200 and message in response.text
    assert declarations(db) == {}


def test_unknown_product_is_404(client, products, staff):
    assert client.get("/admin/baselines/NO-SUCH").status_code == 404
    assert client.post("/admin/declared/NO-SUCH", data={"year": "2024"}).status_code == 404


# --- Files ---------------------------------------------------------------------------------------


def csv_file(rows: list[list[object]], name: str = "figures.csv") -> dict:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return {"file": (io.BytesIO(buffer.getvalue().encode("utf-8")), name)}


def xlsx_file(rows: list[list[object]], name: str = "figures.xlsx") -> dict:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return {"file": (buffer, name)}


BASELINE_HEADER = ["product_code", "revenue", "profit", "source", "note"]
DECLARED_HEADER = ["product_code", "year", "revenue", "profit", "note"]


def test_baseline_csv_import_creates_then_reimport_updates(client, db, products, staff):
    rows = [BASELINE_HEADER,
            ["QN-NMCK-01", "1.200.000", "300000", "audited", "=SUM(A1)"],
            ["qn-tsd-01", "800000", "-50000", "", ""],
            ["QN-BT-09", "", "", "", ""]]  # a line left without figures
    response = client.post("/admin/baselines/import", data=csv_file(rows))
    assert response.status_code == 302
    flashed = client.get(response.location).text
    assert "2 created, 0 updated" in flashed and "1 line without figures" in flashed
    assert baselines(db) == {"QN-NMCK-01": (1_200_000, 300_000, "audited", "=SUM(A1)"),
                             "QN-TSD-01": (800_000, -50_000, "declared", "")}

    rows[1][1] = "1300000"
    response = client.post("/admin/baselines/import", data=csv_file(rows))
    assert "0 created, 2 updated" in client.get(response.location).text
    assert baselines(db)["QN-NMCK-01"][0] == 1_300_000
    assert len(baselines(db)) == 2


def test_xlsx_imports_with_numbers_as_numbers(client, db, products, staff):
    rows = [["Product_Code", "Revenue", "Profit", "Source", "Note", "product_name"],
            ["QN-NMCK-01", 2_500_000, 700_000.0, "Declared", None, "Nước mắm"]]
    response = client.post("/admin/baselines/import", data=xlsx_file(rows))
    assert response.status_code == 302
    assert baselines(db) == {"QN-NMCK-01": (2_500_000, 700_000, "declared", "")}

    declared = [DECLARED_HEADER, ["QN-NMCK-01", 2024.0, 90_000_000, 15_000_000, "Tự khai"],
                ["QN-NMCK-01", 2025, 120_000_000, 30_000_000, None]]
    assert client.post("/admin/declared/import", data=xlsx_file(declared)).status_code == 302
    assert declarations(db) == {("QN-NMCK-01", 2024): (90_000_000, 15_000_000, "Tự khai"),
                                ("QN-NMCK-01", 2025): (120_000_000, 30_000_000, "")}


def test_a_date_in_a_money_column_is_echoed_as_a_date(client, db, products, staff):
    rows = [BASELINE_HEADER, ["QN-NMCK-01", datetime(2025, 1, 1), 50, "declared", None]]
    response = client.post("/admin/baselines/import", data=xlsx_file(rows))
    assert "Line 2, column revenue: “2025-01-01” is not a whole number of đồng." in response.text
    assert baselines(db) == {}


def test_declared_reimport_updates_the_same_product_and_year(client, db, products, staff):
    rows = [DECLARED_HEADER, ["QN-TSD-01", "2024", "5000000", "1000000", ""]]
    client.post("/admin/declared/import", data=csv_file(rows))
    rows[1][2] = "6000000"
    response = client.post("/admin/declared/import", data=csv_file(rows))
    assert "0 created, 1 updated" in client.get(response.location).text
    assert declarations(db) == {("QN-TSD-01", 2024): (6_000_000, 1_000_000, "")}


GOOD_LINE = ["QN-NMCK-01", "1000000", "200000", "declared", ""]


@pytest.mark.parametrize("bad_line, message", [
    (["NO-SUCH", "1000", "100", "declared", ""], "Line 3: unknown product code NO-SUCH."),
    (["QN-TSD-01", "1000,5", "100", "declared", ""], "Line 3, column revenue: “1000,5” is not a whole number"),
    (["QN-TSD-01", "1000", "12.5", "declared", ""], "Line 3, column profit: “12.5” is not a whole number"),
    (["QN-TSD-01", "1000", "", "declared", ""], "Line 3, column profit: the cell is empty"),
    (["QN-TSD-01", "-1000", "-2000", "declared", ""], "Line 3: Revenue cannot be negative."),
    (["QN-TSD-01", "1000", "1001", "declared", ""], "Line 3: Profit cannot be more than revenue."),
    (["QN-TSD-01", "1000", "100", "estimated", ""], "Line 3: The source must be one of: declared, audited."),
    (["QN-NMCK-01", "2000", "100", "audited", ""], "Line 3: product QN-NMCK-01 is already on line 2."),
    (["", "2000", "100", "audited", ""], "Line 3: the product code is empty."),
    (["QN-TSD-01", "1000", "100", "declared", "x" * 256], "Line 3: The note is longer than 255 characters."),
])
def test_a_bad_baseline_line_refuses_the_whole_file(client, db, products, staff, bad_line, message):
    response = client.post("/admin/baselines/import", data=csv_file([BASELINE_HEADER, GOOD_LINE, bad_line]))
    assert response.status_code == 200
    assert "Nothing was saved" in response.text and message in response.text
    assert baselines(db) == {}


@pytest.mark.parametrize("bad_line, message", [
    (["QN-TSD-01", "2014", "1000", "100", ""], "Line 3: The year must be from 2015 to"),
    (["QN-TSD-01", str(THIS_YEAR + 1), "1000", "100", ""], "Line 3: The year must be from 2015 to"),
    (["QN-TSD-01", "năm ngoái", "1000", "100", ""], "Line 3, column year: “nămngoái” is not a whole number"),
    (["QN-NMCK-01", "2024", "1000", "100", ""], "Line 3: product QN-NMCK-01 for 2024 is already on line 2."),
    (["QN-TSD-01", "2024", "1000", "5000", ""], "Line 3: Profit cannot be more than revenue."),
])
def test_a_bad_declared_line_refuses_the_whole_file(client, db, products, staff, bad_line, message):
    rows = [DECLARED_HEADER, ["QN-NMCK-01", "2024", "1000000", "200000", ""], bad_line]
    response = client.post("/admin/declared/import", data=csv_file(rows))
    assert response.status_code == 200 and message in response.text
    assert declarations(db) == {}


@pytest.mark.parametrize("upload, message", [
    (csv_file([["product_code", "revenue", "source"], GOOD_LINE]),
     "Line 1: the header row must name the columns product_code, revenue, profit, source, note; missing: profit."),
    (csv_file([BASELINE_HEADER, ["QN-NMCK-01", "", "", "", ""]]), "The file has no lines with figures."),
    (csv_file([[*BASELINE_HEADER, "profit_2024"], [*GOOD_LINE, "300000"]]),
     "Line 1: the file has columns the template does not: profit_2024."),
    (csv_file([BASELINE_HEADER, GOOD_LINE], name="figures.txt"), "Upload a CSV or XLSX file."),
    ({"file": (io.BytesIO(b"not a workbook"), "figures.xlsx")}, "could not be read as an XLSX workbook"),
    ({"file": (io.BytesIO("product_code;revenue\n".encode("utf-16")), "figures.csv")}, "not UTF-8"),
    ({}, "Choose a file to upload."),
])
def test_unreadable_files_are_refused_with_a_reason(client, db, products, staff, upload, message):
    response = client.post("/admin/baselines/import", data=upload)
    assert response.status_code == 200 and message in response.text
    assert baselines(db) == {}


def test_figures_beyond_32_bits_are_kept(client, db, products, staff):
    client.post("/admin/baselines/QN-NMCK-01", data={
        "revenue": "5.000.000.000", "profit": "-3.000.000.000", "source": "audited", "note": ""})
    rows = [BASELINE_HEADER, ["QN-TSD-01", "5000000000", "2500000000", "", ""]]
    assert client.post("/admin/baselines/import", data=csv_file(rows)).status_code == 302
    assert baselines(db) == {"QN-NMCK-01": (5_000_000_000, -3_000_000_000, "audited", ""),
                             "QN-TSD-01": (5_000_000_000, 2_500_000_000, "declared", "")}


def test_the_import_pages_state_their_limits(client, staff):
    for url in ("/admin/baselines/import", "/admin/declared/import"):
        assert "At most 16 MB and 100,000 lines." in client.get(url).text


BULK_PRODUCTS = MAX_COUNT_LINES + 1_000


@pytest.fixture
def many_certified(db):
    """The codes of more certified products than a stock-take may count, inserted in bulk (one
    by one through the factories would take minutes)."""
    commune = make_place()
    producer = make_producer(commune)
    codes = [f"QN-BULK-{n:05d}" for n in range(BULK_PRODUCTS)]
    db.session.execute(insert(Product), [
        {"code": code, "slug": code.lower(), "name_vi": f"Sản phẩm {code}", "group": "food",
         "producer_id": producer.id, "unit": "hộp", "price": 100_000, "unit_cost": 60_000,
         "province_id": commune.parent.parent_id, "district_id": commune.parent_id}
        for code in codes
    ])
    issued_on = vietnam_today() - timedelta(days=30)
    db.session.execute(insert(Evaluation), [
        {"product_id": product_id, "score": 80, "stars": 4, "council_level": "province",
         "issued_on": issued_on, "expires_on": Evaluation.expiry_for(issued_on)}
        for product_id in db.session.scalars(select(Product.id).where(Product.code.startswith("QN-BULK-")))
    ])
    db.session.commit()
    return codes


def baseline_count(db) -> int:
    return db.session.scalar(select(func.count(Baseline.id)))


def test_a_file_for_every_certified_product_imports_then_updates(client, db, many_certified, staff):
    template = client.get("/admin/baselines/template.csv").data.decode("utf-8-sig")
    header, *lines = csv.reader(io.StringIO(template))
    assert len(lines) == BULK_PRODUCTS
    rows = [header, *([code, "1.500.000", "300000", *rest] for code, _revenue, _profit, *rest in lines)]
    response = client.post("/admin/baselines/import", data=csv_file(rows))
    assert response.status_code == 302
    assert f"{BULK_PRODUCTS:,} created, 0 updated" in client.get(response.location).text
    assert baseline_count(db) == BULK_PRODUCTS

    rows[-1][1] = "2.000.000"
    response = client.post("/admin/baselines/import", data=csv_file(rows))
    assert f"0 created, {BULK_PRODUCTS:,} updated" in client.get(response.location).text
    assert baseline_count(db) == BULK_PRODUCTS
    last = db.session.scalar(select(Baseline.revenue).join(Product).where(Product.code == many_certified[-1]))
    assert last == 2_000_000


def test_import_counts_are_grouped_the_way_each_language_writes_numbers(app):
    result = ImportResult(created=100_000, updated=2_500, skipped=1_234)
    with force_locale("vi"):
        assert imported_message(result) == (
            "Đã nhập tệp: tạo mới 100.000, cập nhật 2.500. 1.234 dòng không có số liệu được giữ nguyên."
        )
    with force_locale("en"):
        assert imported_message(result) == (
            "File imported: 100,000 created, 2,500 updated. 1,234 lines without figures were left as they were."
        )


def test_products_are_found_by_more_codes_than_a_query_may_bind(db, many_certified):
    if db.engine.dialect.name == "sqlite":  # SQLite binds 32,766 values unless built otherwise, as here
        sqlite = db.session.connection().connection.driver_connection
        sqlite.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)
    unknown = {f"QN-NONE-{n:05d}" for n in range(70_000)}  # more than PostgreSQL's 65,535 too
    assert set(products_by_code(unknown | set(many_certified))) == set(many_certified)


def test_a_stock_take_of_as_many_lines_is_still_refused(many_certified):
    lines = "".join(f"{code},1\n" for code in many_certified)
    with force_locale("en"), pytest.raises(FileRejected, match="The file has more than 5,000 lines"):
        parse_stock_take(filename="count.csv", data=("product_code,counted\n" + lines).encode())


def test_templates_list_certified_products_and_round_trip(client, db, products, staff):
    client.post("/admin/baselines/QN-NMCK-01", data={"revenue": "1000000", "profit": "100000",
                                                     "source": "audited", "note": "=risky"})
    text = client.get("/admin/baselines/template.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [*BASELINE_HEADER, "product_name"]
    assert rows[1:] == [["QN-NMCK-01", "1000000", "100000", "audited", "'=risky", "Nước mắm Cửa Khe"],
                        ["QN-TSD-01", "", "", "", "", "Trà sâm dây Ngọc Linh"]]

    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/admin/baselines/template.xlsx").data))
    sheet_rows = list(workbook.active.iter_rows(values_only=True))
    assert sheet_rows[1][:3] == ("QN-NMCK-01", 1_000_000, 100_000)  # numbers stay numbers

    # Uploading the template unchanged changes nothing and duplicates nothing.
    response = client.post("/admin/baselines/import", data={"file": (io.BytesIO(text.encode("utf-8-sig")), "t.csv")})
    assert "0 created, 1 updated" in client.get(response.location).text
    assert baselines(db) == {"QN-NMCK-01": (1_000_000, 100_000, "audited", "=risky")}


def test_declared_template_offers_the_year_the_report_reads(client, products, staff):
    text = client.get("/admin/declared/template.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [*DECLARED_HEADER, "product_name"]
    years = [year for year in year_one_years(products["fish_sauce"].evaluations[0].issued_on) if year < THIS_YEAR]
    assert years  # every calendar year of year one that is over
    for report_year in years:
        assert ["QN-NMCK-01", str(report_year), "", "", "", "Nước mắm Cửa Khe"] in rows
    assert not any(row[0] == "QN-TSD-01" for row in rows[1:])  # its report year is not over yet


# --- Who may ------------------------------------------------------------------------------------

PAGES = ["/admin/baselines", "/admin/baselines/QN-NMCK-01", "/admin/baselines/import",
         "/admin/baselines/template.csv", "/admin/declared", "/admin/declared/QN-NMCK-01",
         "/admin/declared/import", "/admin/declared/template.xlsx"]


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_only_staff_may(client, db, products, login_as, in_english, role):
    login_as(role)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    response = client.post("/admin/baselines/QN-NMCK-01", data={"revenue": "1", "profit": "0", "source": "declared"})
    assert response.status_code == 403
    response = client.post("/admin/declared/import", data=csv_file([DECLARED_HEADER, ["QN-NMCK-01", "2024", "1", "0", ""]]))
    assert response.status_code == 403
    assert baselines(db) == {} and declarations(db) == {}


def test_visitors_are_sent_to_log_in(client, products):
    response = client.get("/admin/baselines")
    assert response.status_code == 302 and "/login" in response.location

"""Bulk imports of producers, products and evaluations: all or nothing, naming every bad line,
counting what they did, idempotent, in either header language, audited, searchable at once."""
import io
from datetime import date, timedelta

import openpyxl
import pytest
from flask_babel import force_locale

from storefront.audit.models import AuditEntry
from storefront.catalog.imports import import_evaluations, import_producers, import_products
from storefront.catalog.filters import ProductFilters
from storefront.catalog.models import Evaluation, Producer, Product
from storefront.extensions import db
from storefront.imports import ImportResult
from storefront.search.queries import search_products
from storefront.spreadsheets import FileRejected, csv_bytes, xlsx_bytes
from tests.factories import make_area, make_product

pytestmark = pytest.mark.usefixtures("in_english")

PRODUCERS_VI = ["Số đăng ký", "Tên chủ thể", "Loại hình", "Mã xã", "Điện thoại", "Nữ làm chủ"]
PRODUCERS_EN = ["registration_no", "name", "kind", "commune_code", "phone", "women_led"]
PRODUCTS_EN = ["code", "name_vi", "group", "producer_registration_no", "unit", "price", "unit_cost"]
EVALUATIONS_VI = ["Mã sản phẩm", "Điểm", "Cấp đánh giá", "Ngày cấp", "Số giấy chứng nhận"]


@pytest.fixture
def communes(db):
    quang_nam = make_area("Quảng Nam", "province", code="49")
    tien_phuoc = make_area("Tiên Phước", "district", quang_nam, code="514")
    return {"tien_ky": make_area("Tiên Kỳ", "commune", tien_phuoc, code="20560"),
            "quang_nam": quang_nam, "tien_phuoc": tien_phuoc}


@pytest.fixture
def staff(login_as):
    return login_as("staff")


def upload(client, kind: str, rows, name="file.csv"):
    data = csv_bytes(rows) if name.endswith(".csv") else xlsx_bytes(rows, title="x")
    return client.post(f"/admin/imports/{kind}", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def run(importer, rows, name="file.csv", actor=None) -> ImportResult:
    data = csv_bytes(rows) if name.endswith(".csv") else xlsx_bytes(rows, title="x")
    return importer(filename=name, data=data, actor=actor)


def problems(importer, rows) -> list[str]:
    with force_locale("en"), pytest.raises(FileRejected) as refused:
        run(importer, rows)
    return refused.value.problems


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def producer_file(header=PRODUCERS_VI):
    return [header,
            ["HTX-001", "HTX Nông nghiệp Tiên Kỳ", "Hợp tác xã", "20560", "0235 388 1234", "có"],
            ["HKD-002", "Cơ sở bánh tráng Bà Lan", "household", "20560", "", "không"]]


# Templates


@pytest.mark.parametrize("kind, language, first", [
    ("producers", "vi", "Số đăng ký"), ("producers", "en", "registration_no"),
    ("products", "vi", "Mã sản phẩm"), ("products", "en", "code"),
    ("evaluations", "vi", "Mã sản phẩm"), ("evaluations", "en", "product_code"),
])
def test_each_import_has_templates_in_both_languages(client, staff, kind, language, first):
    as_csv = client.get(f"/admin/imports/{kind}/template-{language}.csv")
    as_xlsx = client.get(f"/admin/imports/{kind}/template-{language}.xlsx")

    assert as_csv.status_code == as_xlsx.status_code == 200
    assert as_csv.data.decode("utf-8-sig").splitlines()[0].split(",")[0] == first
    header = next(openpyxl.load_workbook(io.BytesIO(as_xlsx.data)).active.iter_rows(values_only=True))
    assert header[0] == first
    assert client.get(f"/admin/imports/{kind}/template-fr.csv").status_code == 404


@pytest.mark.parametrize("kind", ["producers", "products", "evaluations"])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_template_column_is_known_to_its_import(client, staff, kind, language):
    template = client.get(f"/admin/imports/{kind}/template-{language}.xlsx").data
    header = next(openpyxl.load_workbook(io.BytesIO(template)).active.iter_rows(values_only=True))
    response = client.post(f"/admin/imports/{kind}", data={"file": (io.BytesIO(csv_bytes([header])), "x.csv")})
    assert "The file has a header but no lines." in response.text and "template does not" not in response.text


def test_a_column_the_template_does_not_have_refuses_the_file(app, products):
    rows = evaluation_file()
    rows[0] = [*rows[0], "revocation_reason"]
    assert problems(import_evaluations, rows) == [
        "Line 1: the file has columns the template does not: revocation_reason. The columns are "
        "product_code / Mã sản phẩm, score / Điểm, council_level / Cấp đánh giá, issued_on / Ngày cấp, "
        "decision_no / Số quyết định, certificate_no / Số giấy chứng nhận, revoked_on / Ngày thu hồi, "
        "revoked_reason / Lý do thu hồi."]
    assert count(Evaluation) == 0


def test_the_imports_page_lists_the_three(client, staff):
    page = client.get("/admin/imports").text
    for kind in ("producers", "products", "evaluations"):
        assert f'href="/admin/imports/{kind}"' in page


# Producers


def test_producers_import_reports_counts_and_is_idempotent(client, staff, communes):
    response = upload(client, "producers", producer_file(), name="chu-the.xlsx")

    assert "File imported: 2 created, 0 updated." in response.text
    cooperative = db.session.scalar(db.select(Producer).where(Producer.registration_no == "HTX-001"))
    assert (cooperative.kind, cooperative.area_id, cooperative.women_led) == ("cooperative", communes["tien_ky"].id, True)
    again = upload(client, "producers", producer_file(), name="chu-the.xlsx")
    assert "File imported: 0 created, 0 updated. 2 lines matched what was already saved." in again.text
    assert count(Producer) == 2
    created = audit("import_create")
    assert len(created) == 2 and {entry.user_id for entry in created} == {staff.id}
    assert created[0].changes["registration_no"] == [None, "HTX-001"]


def test_a_changed_line_updates_only_that_producer_and_logs_before_and_after(app, communes):
    run(import_producers, producer_file())
    changed = producer_file(PRODUCERS_EN)
    changed[2][1] = "Cơ sở bánh tráng Bà Lan Tiên Phước"

    result = run(import_producers, changed)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    [entry] = audit("import_update")
    assert entry.changes == {"name": ["Cơ sở bánh tráng Bà Lan", "Cơ sở bánh tráng Bà Lan Tiên Phước"]}


def test_an_optional_column_left_out_keeps_its_values(app, communes):
    run(import_producers, producer_file())
    without_phone = [[cell for at, cell in enumerate(row) if at != 4] for row in producer_file()]
    assert run(import_producers, without_phone).unchanged == 2
    assert db.session.scalar(db.select(Producer.phone).where(Producer.registration_no == "HTX-001")) == "0235 388 1234"


def test_a_bad_producer_file_names_every_bad_line_and_saves_nothing(client, staff, communes):
    rows = [PRODUCERS_EN + ["email"],
            ["HTX-001", "Good one", "cooperative", "20560", "", "no", ""],
            ["", "No number", "cooperative", "20560", "", "no", ""],
            ["HTX-003", "Bad kind", "corporation", "20560", "", "no", ""],
            ["HTX-004", "Unknown place", "enterprise", "99999", "", "no", ""],
            ["HTX-005", "A province", "enterprise", "49", "", "maybe", "not-an-email"],
            ["HTX-001", "Twice", "cooperative", "20560", "", "no", ""]]

    response = upload(client, "producers", rows)

    assert "Nothing was saved." in response.text
    found = [line for line in (
        "Line 3, column registration_no: the cell is empty.",
        "Line 4, column kind: “corporation” is not one of: cooperative, cooperative_group, enterprise, household.",
        "Line 5, column commune_code: no commune or district has the code 99999.",
        "Line 6, column commune_code: 49 is a province: give the commune&#39;s code.",
        "Line 6, column women_led: write yes or no (có or không).",
        "Line 6, column email: “not-an-email” is not an email address.",
        "Line 7: Registration number HTX-001 is already on line 2.",
    ) if line in response.text]
    assert len(found) == 7, found
    assert count(Producer) == 0 and count(AuditEntry) == 0


@pytest.mark.parametrize("name, data, message", [
    ("producers.txt", b"a,b", "Upload a CSV or XLSX file."),
    ("producers.csv", b"", "The file is empty."),
    ("producers.csv", "Số đăng ký,Tên chủ thể\n".encode(), "missing: kind / Loại hình, commune_code / Mã xã"),
    ("producers.csv", ",".join(PRODUCERS_EN).encode(), "The file has a header but no lines."),
    ("producers.xlsx", b"PK\x03\x04 not really", "The file could not be read as an XLSX workbook."),
], ids=["not a spreadsheet", "empty", "missing columns", "header only", "broken xlsx"])
def test_a_file_that_is_not_an_import_is_refused(client, staff, communes, name, data, message):
    response = client.post("/admin/imports/producers", data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert message in response.text
    assert count(Producer) == 0


def test_a_very_bad_file_shows_the_first_hundred_problems_and_counts_the_rest(client, staff, communes):
    rows = [PRODUCERS_EN] + [[f"R-{n}", "Name", "cooperative", "00000", "", "no"] for n in range(150)]
    response = upload(client, "producers", rows)
    assert response.text.count("no commune or district has the code 00000") == 100
    assert "…and 50 more problems." in response.text


# Products


@pytest.fixture
def producers(app, communes):
    run(import_producers, producer_file())


def product_file():
    return [PRODUCTS_EN,
            ["TK-TRA-01", "Trà xanh Tiên Kỳ", "Đồ uống", "HTX-001", "hộp 100 g", "120.000", "60000"],
            ["BL-BT-01", "Bánh tráng Bà Lan", "food", "HKD-002", "gói 500 g", "45,000", "20000"]]


def test_products_import_places_them_and_the_search_finds_them_at_once(app, producers, communes):
    result = run(import_products, product_file(), name="san-pham.xlsx")

    assert (result.created, result.updated) == (2, 0)
    tea = db.session.scalar(db.select(Product).where(Product.code == "TK-TRA-01"))
    assert (tea.group, tea.price, tea.unit_cost, tea.slug) == ("beverage", 120_000, 60_000, "tra-xanh-tien-ky")
    assert (tea.province_id, tea.district_id) == (communes["quang_nam"].id, communes["tien_phuoc"].id)
    staff_search = ProductFilters(q="tra xanh tien ky", include_uncertified=True)
    assert [p.code for p in search_products(staff_search, per_page=10).products] == ["TK-TRA-01"]

    renamed = product_file()
    renamed[1][1] = "Trà xanh núi Tiên Kỳ"
    again = run(import_products, renamed)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert [p.code for p in search_products(ProductFilters(q="tra nui", include_uncertified=True), per_page=10).products] == ["TK-TRA-01"]
    assert run(import_products, renamed) == ImportResult(created=0, updated=0, unchanged=2)


def test_a_new_product_whose_name_is_taken_gets_the_code_in_its_slug(app, producers):
    make_product("Trà xanh Tiên Kỳ")
    run(import_products, product_file())
    assert db.session.scalar(db.select(Product.slug).where(Product.code == "TK-TRA-01")) == "tra-xanh-tien-ky-tk-tra-01"


@pytest.mark.parametrize("cells, message", [
    ({0: "TK 01"}, "Line 2, column code: A product code has 2–30 letters, digits or dashes."),
    ({1: ""}, "Line 2, column name_vi: the cell is empty."),
    ({2: "snacks"}, "Line 2, column group: “snacks” is not one of"),
    ({3: "NOPE"}, "Line 2, column producer_registration_no: no producer has the registration number NOPE."),
    ({5: "12,5"}, "Line 2, column price: “12,5” is not a whole number of đồng."),
    ({6: "-1"}, "Line 2, column unit_cost: -1 is not between 0 and 2,000,000,000 đồng."),
    ({4: "x" * 61}, "Line 2, column unit: longer than 60 characters."),
], ids=["space in code", "no name", "group", "producer", "price", "negative cost", "long unit"])
def test_a_bad_product_line_is_named(app, producers, cells, message):
    rows = product_file()
    for at, value in cells.items():
        rows[1][at] = value
    found = problems(import_products, rows)
    assert any(problem.startswith(message) for problem in found), found
    assert count(Product) == 0


# Evaluations


@pytest.fixture
def products(app, producers):
    run(import_products, product_file())


def evaluation_file(issued=None):
    issued = issued or (date.today() - timedelta(days=40))
    return [EVALUATIONS_VI,
            ["TK-TRA-01", "75,5", "tỉnh", issued.strftime("%d/%m/%Y"), "GCN-49-001"],
            ["BL-BT-01", "45", "Hội đồng cấp huyện", issued.isoformat(), ""]]


def test_evaluations_set_stars_and_certify_the_product_the_shop_shows(client, products):
    result = run(import_evaluations, evaluation_file(), name="danh-gia.xlsx")

    assert (result.created, result.updated) == (2, 0)
    tea = db.session.scalar(db.select(Product).where(Product.code == "TK-TRA-01"))
    biscuit = db.session.scalar(db.select(Product).where(Product.code == "BL-BT-01"))
    assert (tea.certified_stars, tea.certification.certificate_no, tea.certification.council_level) == (4, "GCN-49-001", "province")
    assert tea.certified_until == Evaluation.expiry_for(date.today() - timedelta(days=40))
    assert biscuit.certification is None and biscuit.evaluations[0].stars == 2
    assert [p.code for p in search_products(ProductFilters(q="tra xanh"), per_page=10).products] == ["TK-TRA-01"]
    assert "Trà xanh Tiên Kỳ" in client.get("/products").text

    assert run(import_evaluations, evaluation_file()) == ImportResult(created=0, updated=0, unchanged=2)
    assert count(Evaluation) == 2


def test_a_rescored_evaluation_updates_its_stars_and_the_product(app, products):
    run(import_evaluations, evaluation_file())
    rescored = evaluation_file()
    rescored[1][1] = "91"

    result = run(import_evaluations, rescored)

    assert (result.created, result.updated) == (0, 1)
    db.session.expire_all()
    assert db.session.scalar(db.select(Product.certified_stars).where(Product.code == "TK-TRA-01")) == 5
    [entry] = audit("import_update")
    assert entry.changes == {"score": [75.5, 91.0], "stars": [4, 5]}


def test_a_revocation_in_the_file_takes_the_badge_away(app, products):
    run(import_evaluations, evaluation_file())
    revoked = [row + extra for row, extra in zip(evaluation_file(), [["Ngày thu hồi", "Lý do thu hồi"],
                                                                    [date.today().isoformat(), "Fake labels"], ["", ""]])]

    assert run(import_evaluations, revoked).updated == 1
    db.session.expire_all()
    tea = db.session.scalar(db.select(Product).where(Product.code == "TK-TRA-01"))
    assert tea.certification is None and tea.evaluations[0].revoked_reason == "Fake labels"
    assert search_products(ProductFilters(q="tra xanh"), per_page=10).products == []
    assert run(import_evaluations, revoked).unchanged == 2


@pytest.mark.parametrize("cells, message", [
    ({0: "NOPE"}, "Line 2, column Mã sản phẩm: no product has the code NOPE."),
    ({1: "101"}, "Line 2, column Điểm: a score is from 0 to 100."),
    ({1: "tám mươi"}, "Line 2, column Điểm: “tám mươi” is not a number."),
    ({2: "xã"}, "Line 2, column Cấp đánh giá: “xã” is not one of: central, district, province."),
    ({3: "31/02/2024"}, "Line 2, column Ngày cấp: “31/02/2024” is not a date"),
    ({3: "01/01/2099"}, "Line 2, column Ngày cấp: The issue date must be from 2018 to today."),
    ({3: "01/01/1900"}, "Line 2, column Ngày cấp: The issue date must be from 2018 to today."),
    ({1: "40", 4: "GCN-1"}, "Line 2, column Số giấy chứng nhận: a product rated below 3★ gets no certificate."),
], ids=["product", "score", "score in words", "council", "no such day", "future", "before the programme",
     "certificate below 3 stars"])
def test_a_bad_evaluation_line_is_named(app, products, cells, message):
    rows = evaluation_file()
    for at, value in cells.items():
        rows[1][at] = value
    found = problems(import_evaluations, rows)
    assert any(problem.startswith(message) for problem in found), found
    assert count(Evaluation) == 0


def test_a_certificate_number_on_another_product_is_refused(app, products):
    rows = evaluation_file()
    rows[2][1:] = ["80", "tỉnh", rows[2][3], "gcn-49-001"]  # the tea's certificate, on the biscuits
    assert problems(import_evaluations, rows) == [
        "Line 3, column Số giấy chứng nhận: Certificate number GCN-49-001 is already on another product, TK-TRA-01."]
    assert count(Evaluation) == 0

    run(import_evaluations, evaluation_file())
    later = [EVALUATIONS_VI, ["BL-BT-01", "80", "tỉnh", date.today().isoformat(), "GCN-49-001"]]
    assert problems(import_evaluations, later) == [
        "Line 2, column Số giấy chứng nhận: Certificate number GCN-49-001 is already on another product, TK-TRA-01."]
    assert count(Evaluation) == 2


def test_the_same_evaluation_twice_in_a_file_is_refused(app, products):
    rows = evaluation_file()
    rows.append(list(rows[1]))
    [problem] = problems(import_evaluations, rows)
    assert problem.startswith("Line 4: The evaluation of TK-TRA-01 on")
    assert "is already on line 2." in problem


def test_renaming_a_producer_by_import_reindexes_its_products(app, products):
    renamed = producer_file()
    renamed[1][1] = "HTX Chè Đặc Sản Tiên Kỳ"

    assert run(import_producers, renamed).updated == 1

    found = search_products(ProductFilters(q="che dac san", include_uncertified=True), per_page=10).products
    assert [product.code for product in found] == ["TK-TRA-01"]

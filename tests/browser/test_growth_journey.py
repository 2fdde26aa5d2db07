"""Programme staff open the growth report, narrow it to one district, read one product's
monthly chart and download the table as XLSX; the file holds what the page showed."""
import re
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import expect

from storefront.accounts.services import create_user
from storefront.extensions import db
from storefront.i18n import vnd
from storefront.reports import services as report_services
from storefront.reports.models import Baseline
from tests.factories import make_outlet, make_place, make_producer, make_product
from tests.test_growth_report import TODAY, certify, local, sell

pytestmark = pytest.mark.browser

PASSWORD = "can-bo-ocop-quang-nam"
FIGURES = ("baseline_revenue", "baseline_profit", "revenue", "profit", "revenue_ratio", "profit_ratio")
# The officer reads the shop in English, so the file is in English too.
HEADERS = {
    "baseline_revenue": "Baseline revenue", "baseline_profit": "Baseline profit",
    "revenue": "Year-one revenue", "profit": "Year-one profit",
    "revenue_ratio": "Revenue ratio", "profit_ratio": "Profit ratio",
}
STATUS_WORDS = {"meets": "Meets", "below": "Below"}


def build_two_districts() -> None:
    """Two products in Tiên Phước (one meets the target, one does not) and one in Hội An."""
    outlet = make_outlet("QN-TP")
    meets = make_product("Nước mắm Cửa Khe", stars=None, code="A-MEETS")
    below = make_product("Bánh tráng Đại Lộc", stars=None, code="B-BELOW")
    hoi_an = make_product("Nón lá Hội An", stars=None, code="E-HOIAN", group="handicraft",
                          producer=make_producer(make_place(district="Hội An", commune="Cẩm Thanh"), name="HTX Nón lá"))
    for product, certified_on in ((meets, date(2024, 3, 10)), (below, date(2024, 6, 1)), (hoi_an, date(2024, 5, 1))):
        certify(product, certified_on)
        db.session.add(Baseline(product_id=product.id, revenue=1_000_000, profit=400_000))
    db.session.commit()
    sell(meets, outlet, local(date(2024, 3, 10), 8), 1_200_000, 600_000)
    sell(meets, outlet, local(date(2024, 9, 1), 8), 400_000, 100_000)
    sell(below, outlet, local(date(2024, 7, 1), 9), 1_600_000, 1_100_000)
    sell(hoi_an, outlet, local(date(2024, 6, 1), 9), 2_000_000, 900_000)


def shown_ratio(value: float) -> str:
    return f"{value:.2f}×"  # the English page: 1.60×


def test_filter_by_district_read_a_chart_and_download_the_xlsx(live_app, page, monkeypatch, tmp_path):
    monkeypatch.setattr(report_services, "vietnam_today", lambda: TODAY)
    build_two_districts()
    create_user(email="canbo@ocop.quangnam.vn", password=PASSWORD, role="staff")
    base = live_app.config["LIVE_URL"]
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(base + "/lang/en?next=/login")
    page.get_by_label("Email").fill("canbo@ocop.quangnam.vn")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.goto(base + "/admin/reports/growth")
    rows = page.locator("tr[data-code]")
    expect(rows).to_have_count(3)
    page.get_by_label("Area").select_option(label="Tiên Phước")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"area="))
    expect(rows).to_have_count(2)
    expect(page.locator("[data-summary=meets]")).to_have_text("1")
    shown = {
        row.get_attribute("data-code"): {
            "status": row.get_attribute("data-status"),
            **{figure: row.locator(f"[data-column={figure}]").inner_text().strip() for figure in FIGURES},
        }
        for row in rows.all()
    }
    assert list(shown) == ["A-MEETS", "B-BELOW"]
    assert shown["A-MEETS"]["revenue_ratio"] == "1.60×" and shown["B-BELOW"]["profit_ratio"] == "1.25×"

    page.get_by_role("link", name="Nước mắm Cửa Khe").click()
    expect(page).to_have_url(base + "/admin/reports/growth/A-MEETS")
    chart = page.locator("svg.monthly-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_text("Monthly revenue and profit of Nước mắm Cửa Khe")
    expect(chart.locator(".cert-marker")).to_have_count(1)
    expect(chart.locator(".bar-revenue").first).to_be_attached()
    page.get_by_text("The chart's figures as a table").click()
    expect(page.locator("tr[data-month='2024-09']")).to_contain_text("400.000")

    page.go_back()
    expect(rows).to_have_count(2)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX").click()
    download = download_info.value
    assert download.suggested_filename == "growth-report-20261123.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    header, *lines = sheet.iter_rows(values_only=True)
    in_file = {line[0]: dict(zip(header, line)) for line in lines}
    assert list(in_file) == list(shown)  # the same rows in the same order
    for code, on_page in shown.items():
        for figure in FIGURES:
            value = in_file[code][HEADERS[figure]]
            assert isinstance(value, (int, float)), (code, figure)
            expected = shown_ratio(value) if figure.endswith("ratio") else vnd(value)
            assert on_page[figure].split() == expected.split(), (code, figure)
        assert in_file[code]["Status"] == STATUS_WORDS[on_page["status"]]

"""The growth report as files and JSON, with the same figures as the page.

The files are Vietnamese documents whatever the language of the page: fixed Vietnamese
headers and status words, group and producer names in Vietnamese. Money is whole đồng,
ratios are rounded to two decimals exactly as the page shows them, dates are dates. Files are
written as the rows are read from the database, so their size does not weigh on memory.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import BinaryIO

from flask import url_for
from flask_babel import force_locale

from storefront.catalog.labels import PRODUCER_KIND_LABELS, group_label
from storefront.reports.services import (
    GrowthPage,
    GrowthRow,
    ReportFilters,
    ReportOrder,
    filter_args,
    rounded_ratio,
    shown_ratio,
)
from storefront.spreadsheets import csv_chunks, write_xlsx

STATUS_WORDS = {
    "meets": "Đạt",
    "below": "Chưa đạt",
    "not_yet_due": "Chưa đến hạn",
    "no_baseline": "Chưa có số liệu cơ sở",
    "no_comparable_baseline": "Số liệu cơ sở không so sánh được",
}
BASIS_WORDS = {"declared": "Số liệu kê khai", "platform": "Doanh số trên sàn"}
DECLARATION_WORDS = {"full": "Đầy đủ", "partial": "Một phần", "none": "Chưa kê khai"}
CERTIFICATE_WORDS = {"valid": "Còn hiệu lực", "expired": "Hết hạn", "revoked": "Đã thu hồi"}


def declared_years_text(row: GrowthRow) -> str:
    """'2024, 2025', or '2024 (thiếu 2025)' when a year of year one is not declared."""
    declared = [str(year) for year, present in row.declared_years if present]
    missing = [str(year) for year, present in row.declared_years if not present]
    if not declared:
        return ""
    return ", ".join(declared) + (f" (thiếu {', '.join(missing)})" if missing else "")


@lru_cache(maxsize=None)
def vietnamese_name(kind: str, key: str) -> str:
    """A group's or a kind of producer's name as the files write it (looked up once per process)."""
    with force_locale("vi"):
        return group_label(key) if kind == "group" else str(PRODUCER_KIND_LABELS.get(key, key))


@dataclass(frozen=True)
class ExportColumn:
    header: str
    value: Callable[[GrowthRow], object]
    kind: str = "text"  # text, whole (a count or a year), money, ratio or date


COLUMNS = (
    ExportColumn("Mã sản phẩm", lambda r: r.code),
    ExportColumn("Tên sản phẩm", lambda r: r.name),
    ExportColumn("Tỉnh", lambda r: r.province),
    ExportColumn("Huyện", lambda r: r.district),
    ExportColumn("Nhóm", lambda r: vietnamese_name("group", r.group)),
    ExportColumn("Loại chủ thể", lambda r: vietnamese_name("kind", r.producer_kind)),
    ExportColumn("Hạng sao hiện nay", lambda r: r.stars, "whole"),
    ExportColumn("Hạng sao khi chứng nhận", lambda r: r.first_stars, "whole"),
    ExportColumn("Ngày chứng nhận", lambda r: r.certified_on, "date"),
    ExportColumn("Ngày hết năm đầu", lambda r: r.year_one_ends, "date"),
    ExportColumn("Giấy chứng nhận hiện nay", lambda r: CERTIFICATE_WORDS[r.certificate]),
    ExportColumn("Hiệu lực đến", lambda r: r.certified_until, "date"),
    ExportColumn("Ngày thu hồi", lambda r: r.revoked_on, "date"),
    ExportColumn("Doanh thu cơ sở", lambda r: r.baseline_revenue, "money"),
    ExportColumn("Lợi nhuận cơ sở", lambda r: r.baseline_profit, "money"),
    ExportColumn("Doanh thu năm đầu", lambda r: r.revenue, "money"),
    ExportColumn("Lợi nhuận năm đầu", lambda r: r.profit, "money"),
    ExportColumn("Tỷ lệ doanh thu", lambda r: rounded_ratio(r.revenue, r.baseline_revenue), "ratio"),
    ExportColumn("Tỷ lệ lợi nhuận", lambda r: rounded_ratio(r.profit, r.baseline_profit), "ratio"),
    ExportColumn("Kê khai", lambda r: DECLARATION_WORDS[r.declaration]),
    ExportColumn("Năm kê khai", declared_years_text),
    ExportColumn("Doanh thu kê khai", lambda r: r.declared_revenue, "money"),
    ExportColumn("Lợi nhuận kê khai", lambda r: r.declared_profit, "money"),
    ExportColumn("Tỷ lệ doanh thu kê khai", lambda r: rounded_ratio(r.declared_revenue, r.baseline_revenue), "ratio"),
    ExportColumn("Tỷ lệ lợi nhuận kê khai", lambda r: rounded_ratio(r.declared_profit, r.baseline_profit), "ratio"),
    ExportColumn("Cơ sở đánh giá", lambda r: BASIS_WORDS[r.basis]),
    ExportColumn("Mục tiêu", lambda r: r.target, "ratio"),
    ExportColumn("Trạng thái", lambda r: STATUS_WORDS[r.status]),
    ExportColumn("Doanh thu 12 tháng gần nhất", lambda r: r.trailing_revenue, "money"),
    ExportColumn("Lợi nhuận 12 tháng gần nhất", lambda r: r.trailing_profit, "money"),
    ExportColumn("Tỷ lệ doanh thu 12 tháng gần nhất", lambda r: rounded_ratio(r.trailing_revenue, r.baseline_revenue), "ratio"),
    ExportColumn("Tỷ lệ lợi nhuận 12 tháng gần nhất", lambda r: rounded_ratio(r.trailing_profit, r.baseline_profit), "ratio"),
)

XLSX_FORMATS = {"whole": "0", "money": "#,##0", "ratio": "0.00", "date": "dd/mm/yyyy"}


def table(rows: Iterable[GrowthRow]) -> Iterator[list[object]]:
    """The header, then one list of typed values per row, in COLUMNS order (names in Vietnamese)."""
    with force_locale("vi"):
        yield [column.header for column in COLUMNS]
        for row in rows:
            yield [column.value(row) for column in COLUMNS]


def growth_csv(rows: Iterable[GrowthRow]) -> Iterator[bytes]:
    """Plain integers, ratios with a dot, ISO dates; a chunk at a time."""
    return csv_chunks(table(rows))


def write_growth_xlsx(file: BinaryIO, rows: Iterable[GrowthRow]) -> None:
    """Numbers and dates as typed cells with display formats; the header row and the code and
    name columns stay in view."""
    write_xlsx(
        file,
        table(rows),
        title="Tăng trưởng",
        bold_header=True,
        column_widths=[max(12, len(column.header) + 2) for column in COLUMNS],
        number_formats=[XLSX_FORMATS.get(column.kind) for column in COLUMNS],
        freeze_panes="C2",
    )


def json_ratio(shown) -> float | None:
    """A ratio for JSON: the two decimals every output shows, as a number."""
    return float(shown) if shown is not None else None


def growth_row_json(row: GrowthRow) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "province": row.province,
        "district": row.district,
        "group": row.group,
        "producer_kind": row.producer_kind,
        "stars": row.stars,
        "first_stars": row.first_stars,
        "certified_on": row.certified_on.isoformat(),
        "year_one_ends": row.year_one_ends.isoformat(),
        "certificate": row.certificate,
        "certified_until": row.certified_until.isoformat() if row.certified_until else None,
        "revoked_on": row.revoked_on.isoformat() if row.revoked_on else None,
        "target": json_ratio(row.target),
        "baseline_revenue": row.baseline_revenue,
        "baseline_profit": row.baseline_profit,
        "revenue": row.revenue,
        "profit": row.profit,
        "revenue_ratio": json_ratio(rounded_ratio(row.revenue, row.baseline_revenue)),
        "profit_ratio": json_ratio(rounded_ratio(row.profit, row.baseline_profit)),
        "declaration": row.declaration,
        "declared_years": [{"year": year, "declared": present} for year, present in row.declared_years],
        "declared_revenue": row.declared_revenue,
        "declared_profit": row.declared_profit,
        "declared_revenue_ratio": json_ratio(rounded_ratio(row.declared_revenue, row.baseline_revenue)),
        "declared_profit_ratio": json_ratio(rounded_ratio(row.declared_profit, row.baseline_profit)),
        "basis": row.basis,
        "status": row.status,
        "trailing_revenue": row.trailing_revenue,
        "trailing_profit": row.trailing_profit,
        "trailing_revenue_ratio": json_ratio(rounded_ratio(row.trailing_revenue, row.baseline_revenue)),
        "trailing_profit_ratio": json_ratio(rounded_ratio(row.trailing_profit, row.baseline_profit)),
        "chart_url": url_for("admin.growth_product", product_code=row.code, _external=True),
    }


def summary_json(summary: dict) -> dict:
    """Tallies as lists (JSON object keys must be text; stars are numbers)."""
    return {
        "overall": summary["overall"],
        **{
            dimension: [{"key": key, **tally} for key, tally in summary[dimension].items()]
            for dimension in ("district", "group", "stars", "first_stars")
        },
    }


def histogram_json(page: GrowthPage) -> list[dict]:
    return [
        {"from": json_ratio(shown_ratio(Fraction(bucket.low, 100))) if bucket.low is not None else None,
         "below": json_ratio(shown_ratio(Fraction(bucket.high, 100))) if bucket.high is not None else None,
         "revenue": bucket.revenue, "profit": bucket.profit}
        for bucket in page.histogram
    ]


def report_json(page: GrowthPage, filters: ReportFilters, order: ReportOrder, per_page: int) -> dict:
    return {
        "today": page.today.isoformat(),
        "default_target": json_ratio(page.default_target),
        "filters": filter_args(filters),
        "sort": order.column,
        "dir": "desc" if order.descending else "asc",
        "page": page.page,
        "per_page": per_page,
        "pages": page.pages,
        "total": page.total,
        "summary": summary_json(page.summary),
        "histogram": histogram_json(page),
        "rows": [growth_row_json(row) for row in page.rows],
    }

"""The growth report as files and JSON, with the same figures as the page.

The files are Vietnamese documents whatever the language of the page: fixed Vietnamese
headers and status words, group and producer names in Vietnamese. Money is whole đồng,
ratios are rounded to two decimals exactly as the page shows them, dates are dates.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask import url_for
from flask_babel import force_locale

from storefront.catalog.labels import PRODUCER_KIND_LABELS, group_label
from storefront.reports.services import GrowthReport, GrowthRow, ReportFilters, filter_args
from storefront.spreadsheets import csv_bytes, xlsx_bytes

STATUS_WORDS = {
    "meets": "Đạt",
    "below": "Chưa đạt",
    "not_yet_due": "Chưa đến hạn",
    "no_baseline": "Chưa có số liệu cơ sở",
}

TWO_PLACES = Decimal("0.01")


def shown_ratio(value: float | None) -> Decimal | None:
    """A ratio as every output shows it: two decimals, halves rounded up (1.005 → 1.01)."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


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
    ExportColumn("Nhóm", lambda r: group_label(r.group)),
    ExportColumn("Loại chủ thể", lambda r: str(PRODUCER_KIND_LABELS.get(r.producer_kind, r.producer_kind))),
    ExportColumn("Hạng sao", lambda r: r.stars, "whole"),
    ExportColumn("Ngày chứng nhận", lambda r: r.certified_on, "date"),
    ExportColumn("Ngày hết năm đầu", lambda r: r.year_one_ends, "date"),
    ExportColumn("Doanh thu cơ sở", lambda r: r.baseline_revenue, "money"),
    ExportColumn("Lợi nhuận cơ sở", lambda r: r.baseline_profit, "money"),
    ExportColumn("Doanh thu năm đầu", lambda r: r.revenue, "money"),
    ExportColumn("Lợi nhuận năm đầu", lambda r: r.profit, "money"),
    ExportColumn("Năm kê khai", lambda r: r.declared_year, "whole"),
    ExportColumn("Doanh thu kê khai", lambda r: r.declared_revenue, "money"),
    ExportColumn("Lợi nhuận kê khai", lambda r: r.declared_profit, "money"),
    ExportColumn("Tỷ lệ doanh thu", lambda r: shown_ratio(r.revenue_ratio), "ratio"),
    ExportColumn("Tỷ lệ lợi nhuận", lambda r: shown_ratio(r.profit_ratio), "ratio"),
    ExportColumn("Mục tiêu", lambda r: shown_ratio(r.target), "ratio"),
    ExportColumn("Trạng thái", lambda r: STATUS_WORDS[r.status]),
    ExportColumn("Doanh thu 12 tháng gần nhất", lambda r: r.trailing_revenue, "money"),
    ExportColumn("Lợi nhuận 12 tháng gần nhất", lambda r: r.trailing_profit, "money"),
    ExportColumn("Tỷ lệ doanh thu 12 tháng gần nhất", lambda r: shown_ratio(r.trailing_revenue_ratio), "ratio"),
    ExportColumn("Tỷ lệ lợi nhuận 12 tháng gần nhất", lambda r: shown_ratio(r.trailing_profit_ratio), "ratio"),
)

XLSX_FORMATS = {"whole": "0", "money": "#,##0", "ratio": "0.00", "date": "dd/mm/yyyy"}


def table(rows: list[GrowthRow]) -> list[list[object]]:
    """The header, then one list of typed values per row, in COLUMNS order (names in Vietnamese)."""
    with force_locale("vi"):
        return [[column.header for column in COLUMNS], *([column.value(row) for column in COLUMNS] for row in rows)]


def growth_csv(rows: list[GrowthRow]) -> bytes:
    """Plain integers, ratios with a dot, ISO dates."""
    return csv_bytes(table(rows))


def growth_xlsx(rows: list[GrowthRow]) -> bytes:
    """Numbers and dates as typed cells with display formats; the header row and the code and
    name columns stay in view."""
    return xlsx_bytes(
        table(rows),
        title="Tăng trưởng",
        bold_header=True,
        column_widths=[max(12, len(column.header) + 2) for column in COLUMNS],
        number_formats=[XLSX_FORMATS.get(column.kind) for column in COLUMNS],
        freeze_panes="C2",
    )


def json_ratio(value: float | None) -> float | None:
    return float(shown_ratio(value)) if value is not None else None


def growth_row_json(row: GrowthRow) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "province": row.province,
        "district": row.district,
        "group": row.group,
        "producer_kind": row.producer_kind,
        "stars": row.stars,
        "certified_on": row.certified_on.isoformat(),
        "year_one_ends": row.year_one_ends.isoformat(),
        "target": row.target,
        "baseline_revenue": row.baseline_revenue,
        "baseline_profit": row.baseline_profit,
        "revenue": row.revenue,
        "profit": row.profit,
        "declared_year": row.declared_year,
        "declared_revenue": row.declared_revenue,
        "declared_profit": row.declared_profit,
        "revenue_ratio": json_ratio(row.revenue_ratio),
        "profit_ratio": json_ratio(row.profit_ratio),
        "status": row.status,
        "trailing_revenue": row.trailing_revenue,
        "trailing_profit": row.trailing_profit,
        "trailing_revenue_ratio": json_ratio(row.trailing_revenue_ratio),
        "trailing_profit_ratio": json_ratio(row.trailing_profit_ratio),
        "chart_url": url_for("admin.growth_product", product_code=row.code, _external=True),
    }


def summary_json(summary: dict) -> dict:
    """Tallies as lists (JSON object keys must be text; stars are numbers)."""
    return {
        "overall": summary["overall"],
        **{
            dimension: [{"key": key, **tally} for key, tally in summary[dimension].items()]
            for dimension in ("district", "group", "stars")
        },
    }


def report_json(report: GrowthReport, rows: list[GrowthRow], filters: ReportFilters,
                       sort: str, descending: bool) -> dict:
    return {
        "today": report.today.isoformat(),
        "default_target": report.default_target,
        "filters": filter_args(filters),
        "sort": sort,
        "dir": "desc" if descending else "asc",
        "summary": summary_json(report.summary),
        "rows": [growth_row_json(row) for row in rows],
    }

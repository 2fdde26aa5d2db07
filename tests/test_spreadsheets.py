"""The XLSX and CSV writers of storefront.spreadsheets, read back as a spreadsheet would."""
import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from storefront.spreadsheets import csv_bytes, csv_chunks, xlsx_bytes

ROWS = [
    ["code", "name", "amount", "ratio", "day", *[f"c{n}" for n in range(25)]],
    ["P-1", "=cmd|' /C calc'!A0", 1_500_000, Decimal("1.50"), date(2024, 2, 29), *range(25)],
    ["P-2", "Nước mắm\x07 <Cửa Khe> & “x”", None, 2.125, datetime(2025, 1, 1, 12, 0), *range(25)],
]


def test_xlsx_cells_keep_their_types_and_text_that_would_run_is_quoted():
    data = xlsx_bytes(ROWS, title="Sheet <1>", bold_header=True, number_formats=[None, None, "#,##0", "0.00"],
                      freeze_panes="C2", column_widths=[12, 30])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ROWS[0] and sheet.title == "Sheet <1>"
    assert rows[1][:5] == ["P-1", "'=cmd|' /C calc'!A0", 1_500_000, 1.5, datetime(2024, 2, 29)]
    assert rows[2][:5] == ["P-2", "Nước mắm <Cửa Khe> & “x”", None, 2.125, datetime(2025, 1, 1, 12, 0)]
    assert rows[2][-1] == 24 and sheet.cell(row=1, column=30).column_letter == "AD"
    assert sheet["C2"].number_format == "#,##0" and sheet["E2"].is_date and sheet["A1"].font.b
    assert sheet.freeze_panes == "C2" and sheet.column_dimensions["B"].width == 30


def test_csv_is_written_a_chunk_at_a_time_with_the_same_cells():
    many = [ROWS[0]] + [ROWS[1]] * 2500
    chunks = list(csv_chunks(many))
    assert len(chunks) > 3 and b"".join(chunks) == csv_bytes(many)
    read = list(csv.reader(io.StringIO(csv_bytes(ROWS).decode("utf-8-sig"))))
    assert read[1][:5] == ["P-1", "'=cmd|' /C calc'!A0", "1500000", "1.50", "2024-02-29"]


def test_xlsx_header_gets_filter_buttons_over_every_row_and_columns_fit_their_text():
    rows = [["Mã", "Tên sản phẩm", "Doanh thu"]] + [[f"P-{n}", "Nước mắm cá cơm Cửa Khe loại đặc biệt", n] for n in range(120)]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(rows, title="growth", bold_header=True))).active
    assert sheet.auto_filter.ref == "A1:C121"
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[1] > 30 and 8 <= widths[0] < 15 and widths[2] >= len("Doanh thu")


def test_xlsx_without_header_has_no_filter_and_csv_starts_with_a_byte_order_mark():
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(ROWS[1:], title="plain"))).active
    assert not sheet.auto_filter.ref
    assert csv_bytes(ROWS).startswith("\ufeff".encode())

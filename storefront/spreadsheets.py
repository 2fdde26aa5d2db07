"""Tables as files, in and out: stock-takes, the growth report's comparison figures, the
catalogue imports and their templates, the growth report itself.

In: an uploaded CSV (UTF-8, `,` or `;` between columns) or the first worksheet of an XLSX, as
numbered non-blank rows, or FileRejected with every reason, worded for the user; cells read as
amounts, numbers and dates the way Vietnamese and English spreadsheets write them.
Out: rows as CSV or XLSX bytes, any text a spreadsheet would run as a formula quoted first.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

import openpyxl
from flask_babel import format_number, gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from storefront.search.analysis import plain_words

MEGABYTE = 1024 * 1024
MIMETYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Spreadsheet programs run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GROUPED_NUMBER = re.compile(r"[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3})*")
DAY_FIRST = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")

Rows = list[tuple[int, list[object]]]  # (line number in the file, cells), blank lines left out
Problems = list[tuple[int, str]]  # (line, message for the user)


class FileRejected(ValueError):
    """The whole file is refused; each problem names its line."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def refuse_if(problems: Problems) -> None:
    """Refuse the file if anything is wrong with it, the problems in line order."""
    if problems:
        raise FileRejected([message for _line, message in sorted(problems, key=lambda problem: problem[0])])


# --- Formulas --------------------------------------------------------------------------------


def escape_cell(value: object) -> object:
    """Text that a spreadsheet would read as a formula gets a leading quote; numbers stay."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """Undo escape_cell, for a file of ours that comes back filled in."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text


# --- Reading an upload -----------------------------------------------------------------------


def read_rows(*, filename: str, data: bytes, max_bytes: int, max_lines: int) -> Rows:
    """The file's non-blank rows, the header first. Refused if larger than max_bytes, neither
    CSV nor XLSX, unreadable, empty, or with more than max_lines lines under the header."""
    if len(data) > max_bytes:
        raise FileRejected([_("The file is larger than %(size)d MB.", size=max_bytes // MEGABYTE)])
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "csv":
        rows = read_csv_rows(data, max_lines)
    elif extension == "xlsx":
        rows = read_xlsx_rows(data, max_lines)
    else:
        raise FileRejected([_("Upload a CSV or XLSX file.")])
    if not rows:
        raise FileRejected([_("The file is empty.")])
    if len(rows) > max_lines + 1:
        raise FileRejected([_("The file has more than %(max)s lines; split it.", max=format_number(max_lines))])
    return rows


def read_csv_rows(data: bytes, max_lines: int) -> Rows:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected([_("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”.")])
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Vietnamese use ";" between columns (the comma is the decimal mark).
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return filled_rows(((reader.line_num, cells) for cells in reader), max_lines)
    except csv.Error as error:
        raise FileRejected([_("Line %(line)d: %(problem)s", line=reader.line_num, problem=str(error))])


def read_xlsx_rows(data: bytes, max_lines: int) -> Rows:
    """The first worksheet; rows are numbered as the spreadsheet shows them."""
    try:
        # openpyxl warns about styles and extensions it ignores; they do not matter here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return filled_rows(enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1), max_lines)
            finally:
                workbook.close()
    except Exception:  # a damaged or disguised file can fail in many ways inside openpyxl
        raise FileRejected([_("The file could not be read as an XLSX workbook.")])


def filled_rows(numbered_rows: Iterable[tuple[int, Sequence[object]]], max_lines: int) -> Rows:
    """Non-blank rows, stopping one past the limit so an oversized file is caught early."""
    rows: Rows = []
    for number, cells in numbered_rows:
        if not is_blank(cells):
            rows.append((number, list(cells)))
            if len(rows) > max_lines + 1:
                break
    return rows


def is_blank(cells: Sequence[object]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def header_key(name: object) -> str:
    """A column name as headers are matched: any case, with or without tone marks, words joined
    by "_" ("Số đăng ký" and "so dang ky" → so_dang_ky; "Product Code" → product_code)."""
    return "_".join(plain_words(str(name or "")))


def column_positions(line: int, header: list[object], *, columns: Sequence[str],
                     optional: Sequence[str] = (), aliases: Mapping[str, Sequence[str]] = {}) -> dict[str, int]:
    """Where each named column is, found by its name or one of its `aliases` (its header in
    another language) as header_key matches them; the optional ones may be missing and other
    columns are ignored."""
    keys = [header_key(cell) for cell in header]
    positions = {}
    for column in columns:
        names = {header_key(name) for name in (column, *aliases.get(column, ()))}
        found = next((index for index, key in enumerate(keys) if key in names), None)
        if found is not None:
            positions[column] = found
    missing = [" / ".join((column, *aliases.get(column, ()))) for column in columns
               if column not in positions and column not in optional]
    if missing:
        raise FileRejected([
            _("Line %(line)d: the header row must name the columns %(columns)s; missing: %(missing)s.",
              line=line, columns=", ".join(columns), missing=", ".join(missing))
        ])
    return positions


def cell_text(cells: list[object], index: int) -> str:
    """A cell as trimmed text; empty if the row is shorter."""
    value = cells[index] if index < len(cells) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number in a spreadsheet: 1001, not 1001.0
    return "" if value is None else str(value).strip()


def on_line(number: int, problem: str) -> str:
    return _("Line %(line)d: %(problem)s", line=number, problem=problem)


def in_column(number: int, column: str, problem: str) -> str:
    return _("Line %(line)d, column %(column)s: %(problem)s.", line=number, column=column, problem=problem)


# --- Reading cells ---------------------------------------------------------------------------
# Each returns the value, or the problem with it as text for the user.


def parse_amount(value: object) -> int | str:
    """Whole đồng from a cell or a form: 1500000, 1.500.000, 1,500,000 and 1 500 000 read the
    same (VND has no decimals, so a dot or comma between groups of three only groups)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = "" if value is None else re.sub(r"\s", "", str(value))
    if not text:
        return _("the cell is empty")
    sign, digits = (text[0], text[1:]) if text[0] in "+-" else ("", text)
    if GROUPED_NUMBER.fullmatch(digits):
        digits = digits.replace(".", "").replace(",", "")
    if not digits.isascii() or not digits.isdigit():
        return _("“%(value)s” is not a whole number of đồng", value=text[:20])
    return int(sign + digits)


def parse_decimal(value: object) -> float | str:
    """A number such as a score: 72.5, or 72,5 as Vietnamese write it."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = "" if value is None else str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return _("“%(value)s” is not a number", value=text[:20])
    if number != number or number in (float("inf"), float("-inf")):
        return _("“%(value)s” is not a number", value=text[:20])
    return number


def parse_day(value: object) -> date | str:
    """A date cell, or text as 2024-03-15 or 15/03/2024 (day first, as in Vietnam)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = "" if value is None else str(value).strip()
    try:
        if found := DAY_FIRST.fullmatch(text):
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        return _("“%(value)s” is not a date such as 2024-03-15 or 15/03/2024", value=text[:20])


# --- Writing a download ----------------------------------------------------------------------


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """Numbers as written, None as an empty cell, dates in ISO form."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([escape_cell(cell) for cell in row] for row in rows)
    # The BOM makes Excel read the Vietnamese names as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: Iterable[Sequence[object]], *, title: str, bold_header: bool = False,
               column_widths: Sequence[int] = (), number_formats: Sequence[str | None] = (),
               freeze_panes: str | None = None) -> bytes:
    """One worksheet; numbers and dates stay typed cells. Optionally the first row in bold,
    column widths in characters, a display format per column for the rows under the first
    (None: as it comes), and the cell above and left of which the panes freeze ("C2")."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append([xlsx_value(cell) for cell in row])
    if bold_header:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    for index, width in enumerate(column_widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for index, number_format in enumerate(number_formats, start=1):
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    if freeze_panes:
        sheet.freeze_panes = freeze_panes
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_value(value: object) -> object:
    if isinstance(value, str):
        # Control characters cannot be stored in XLSX; a stray one in a name must not break the
        # file. Stripped first, so that what is left is what gets checked for a formula.
        return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value

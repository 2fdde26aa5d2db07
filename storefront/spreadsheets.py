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
import itertools
import re
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import BinaryIO

import openpyxl
from flask import Response, stream_with_context
from flask_babel import format_number, gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

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
        rows = read_xlsx_rows(data, max_lines, max_bytes)
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


# An XLSX is a zip of XML parts. A few hundred bytes can unpack to gigabytes of whitespace or
# one enormous shared string, and a single cell at row 50,000,000 makes openpyxl walk every
# empty row before it: the archive is checked before openpyxl opens it, and reading stops at
# the line limit. Real workbooks pack their XML about 5-30 times; a tightly packed part larger
# than a megabyte is a bomb, not a spreadsheet.
XLSX_MAX_RATIO = 100
XLSX_UNPACKED_PER_PACKED = 10  # unpacked parts together: at most ten times the upload limit
XLSX_MAX_COLUMNS = 100  # our files have a few dozen columns; cells further right are ignored


def read_xlsx_rows(data: bytes, max_lines: int, max_bytes: int) -> Rows:
    """The first worksheet; rows are numbered as the spreadsheet shows them. Blank lines count
    towards the line limit while reading, with room for as many blank lines as filled ones."""
    check_xlsx_archive(data, max_unpacked=XLSX_UNPACKED_PER_PACKED * max_bytes)
    last_line = 2 * max_lines + 1
    too_long = FileRejected([_("The file has more than %(max)s lines; split it.", max=format_number(max_lines))])
    try:
        # openpyxl warns about styles and extensions it ignores; they do not matter here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                if (sheet.max_row or 0) > last_line:  # the sheet's own declared dimensions
                    raise too_long
                columns = min(sheet.max_column or XLSX_MAX_COLUMNS, XLSX_MAX_COLUMNS)
                lines = sheet.iter_rows(max_row=last_line + 1, max_col=columns, values_only=True)
                rows = filled_rows(enumerate(lines, start=1), max_lines, last_line=last_line)
            finally:
                workbook.close()
    except FileRejected:
        raise
    except Exception:  # a damaged or disguised file can fail in many ways inside openpyxl
        raise FileRejected([_("The file could not be read as an XLSX workbook.")])
    if rows and rows[-1][0] > last_line:
        raise too_long
    return rows


def check_xlsx_archive(data: bytes, *, max_unpacked: int) -> None:
    """Refuse a workbook whose parts unpack too large or are packed too tightly, from the sizes
    the archive declares (Python's zipfile never unpacks more than a part declares)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRejected([_("The file could not be read as an XLSX workbook.")])
    if any(part.file_size > MEGABYTE and part.file_size > XLSX_MAX_RATIO * part.compress_size for part in parts):
        raise FileRejected([_("The workbook is packed far more tightly than a spreadsheet can be; "
                              "save it again from your spreadsheet program.")])
    if sum(part.file_size for part in parts) > max_unpacked:
        raise FileRejected([_("The workbook unpacks to more than %(size)d MB; split it into smaller files.",
                              size=max_unpacked // MEGABYTE)])


def filled_rows(numbered_rows: Iterable[tuple[int, Sequence[object]]], max_lines: int,
                last_line: int | None = None) -> Rows:
    """Non-blank rows, stopping one past the limit so an oversized file is caught early; also
    at the first line past `last_line`, which is then returned whatever it holds."""
    rows: Rows = []
    for number, cells in numbered_rows:
        if last_line is not None and number > last_line:
            rows.append((number, list(cells)))
            break
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
                     optional: Sequence[str] = (), aliases: Mapping[str, Sequence[str]] = {},
                     others: Sequence[str] | None = None) -> dict[str, int]:
    """Where each named column is, found by its name or one of its `aliases` (its header in
    another language) as header_key matches them; the optional ones may be missing. Other
    columns are ignored if named in `others` (or whatever they are, when it is None); any other
    refuses the file, as a misspelt optional column would otherwise be dropped unnoticed."""
    keys = [header_key(cell) for cell in header]
    positions = {}
    for column in columns:
        names = {header_key(name) for name in (column, *aliases.get(column, ()))}
        found = next((index for index, key in enumerate(keys) if key in names), None)
        if found is not None:
            positions[column] = found
    if others is not None:
        known = set(positions.values()) | {index for index, key in enumerate(keys)
                                           if not key or key in {header_key(name) for name in others}}
        unknown = [cell_text(header, index) for index in range(len(keys)) if index not in known]
        if unknown:
            raise FileRejected([
                _("Line %(line)d: the file has columns the template does not: %(unknown)s. The columns are %(columns)s.",
                  line=line, unknown=", ".join(unknown),
                  columns=", ".join(" / ".join((column, *aliases.get(column, ()))) for column in columns))
            ])
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
    # A date cell is echoed as the date it is, not as text with its spaces taken out.
    if isinstance(value, datetime) and value.time() == time.min:
        value = value.date()
    if isinstance(value, date):
        return _("“%(value)s” is not a whole number of đồng", value=str(value))
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

CSV_CHUNK_ROWS = 1000


def csv_chunks(rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """CSV as UTF-8 with a byte-order mark (Excel then reads the Vietnamese names right), a
    thousand rows at a time, as the rows come: numbers as written, None as an empty cell,
    dates in ISO form."""
    yield "\ufeff".encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for number, row in enumerate(rows, start=1):
        writer.writerow([escape_cell(cell) for cell in row])
        if number % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    return b"".join(csv_chunks(rows))


def csv_download(chunks: Iterable[str | bytes], filename: str) -> Response:
    """A CSV file streamed as its rows are read."""
    return Response(stream_with_context(chunks), mimetype=MIMETYPES["csv"], headers=attachment(filename))


def xlsx_download(write: Callable[[BinaryIO], None], filename: str) -> Response:
    """A workbook is a zip, whose directory comes last: `write` puts it in a temporary file as
    the rows come, and it is sent from there."""
    file = tempfile.TemporaryFile()
    write(file)
    size = file.tell()
    file.seek(0)
    return Response(file_chunks(file), mimetype=MIMETYPES["xlsx"],
                    headers=attachment(filename) | {"Content-Length": str(size)})


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename={filename}"}


def file_chunks(file: BinaryIO, size: int = 64 * 1024) -> Iterator[bytes]:
    """A file sent a block at a time (a workbook written to a temporary file first, its zip
    directory coming last), closed (and so deleted, if temporary) once sent."""
    with file:
        while block := file.read(size):
            yield block


# XLSX is written here rather than with openpyxl, which stays the reader: for 20,000 rows of 32
# typed cells openpyxl's write-only mode took 4.5 s of CPU and XlsxWriter's constant-memory mode
# 2.9 s, this 0.55 s, and the growth report's files must hold 100,000 rows in under 10 s
# (bench/RESULTS.md). A workbook of one sheet needs only these parts; cells are typed (numbers,
# dates) and text is inline, so nothing is held back until the end.
XLSX_WIDTH_SAMPLE_ROWS = 50  # rows read ahead to size columns that have no width given
XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 8, 60
XLSX_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system, as its leap-year bug has it
XLSX_STYLES = {None: 0, "bold": 1, "date": 2}  # then one per number format, from 3
XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'styles" Target="styles.xml"/></Relationships>'
    ),
}


def xlsx_styles(number_formats: list[str]) -> str:
    """Style 0 plain, 1 bold, 2 a date (Excel's built-in format 14), then one per number format
    (custom format ids start at 164)."""
    formats = "".join(f'<numFmt numFmtId="{164 + n}" formatCode="{xml_text(code)}"/>'
                      for n, code in enumerate(number_formats))
    cell_formats = "".join(f'<xf numFmtId="{164 + n}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                           for n in range(len(number_formats)))
    formats = f'<numFmts count="{len(number_formats)}">{formats}</numFmts>' if number_formats else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'{formats}'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{3 + len(number_formats)}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        f'<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>{cell_formats}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def xml_text(value: str) -> str:
    """Text as XML character data (callers drop what XML cannot hold at all first)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def column_letters(count: int) -> list[str]:
    return [get_column_letter(index) for index in range(1, count + 1)]


def xlsx_cell(reference: str, value: object, style: int) -> str:
    kind = type(value)
    if value is None:
        return ""
    if kind is int or kind is Decimal:
        return f'<c r="{reference}" s="{style}"><v>{value}</v></c>'
    if kind is str:
        text = xml_text(escape_cell(ILLEGAL_CHARACTERS_RE.sub("", value)))
        return f'<c r="{reference}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if kind is date:  # a date is a number that only its format shows as a date
        return f'<c r="{reference}" s="{style or XLSX_STYLES["date"]}"><v>{(value - XLSX_EPOCH).days}</v></c>'
    if kind is datetime:
        serial = (value - datetime.combine(XLSX_EPOCH, time.min)) / timedelta(days=1)
        return f'<c r="{reference}" s="{style or XLSX_STYLES["date"]}"><v>{serial!r}</v></c>'
    if kind is float:
        return f'<c r="{reference}" s="{style}"><v>{value!r}</v></c>'
    if kind is bool:
        return xlsx_cell(reference, int(value), style)
    return xlsx_cell(reference, str(value), style)


def write_xlsx(file: BinaryIO, rows: Iterable[Sequence[object]], *, title: str, bold_header: bool = False,
               column_widths: Sequence[int] = (), number_formats: Sequence[str | None] = (),
               freeze_panes: str | None = None) -> None:
    """One worksheet into `file`, written as the rows come (memory stays flat); numbers and dates
    stay typed cells. Optionally the first row in bold as a header (it then gets filter buttons),
    column widths in characters (else sized to the first rows' text), a display format per column
    for the rows under the first (None: as it comes), and the cell above and left of which the
    panes freeze ("C2")."""
    formats = sorted({code for code in number_formats if code})
    column_styles = [3 + formats.index(code) if code else 0 for code in number_formats]
    rows = iter(rows)
    if not column_widths:
        first_rows = list(itertools.islice(rows, XLSX_WIDTH_SAMPLE_ROWS))
        column_widths = fitting_widths(first_rows)
        rows = itertools.chain(first_rows, rows)
    title = xml_text(ILLEGAL_CHARACTERS_RE.sub("", title[:31]))
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in XLSX_PARTS.items():
            archive.writestr(name, content)
        archive.writestr("xl/styles.xml", xlsx_styles(formats))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(xlsx_sheet_start(column_widths, freeze_panes).encode())
            letters: list[str] = []
            chunk: list[str] = []
            for number, row in enumerate(rows, start=1):
                if len(letters) < len(row):
                    letters = column_letters(len(row))
                if number == 1:
                    styles = [XLSX_STYLES["bold" if bold_header else None]] * len(row)
                else:
                    styles = column_styles + [0] * (len(row) - len(column_styles))
                cells = "".join(xlsx_cell(f"{letters[index]}{number}", value, styles[index])
                                for index, value in enumerate(row))
                chunk.append(f'<row r="{number}">{cells}</row>')
                if len(chunk) == CSV_CHUNK_ROWS:
                    sheet.write("".join(chunk).encode())
                    chunk.clear()
            # The header's filter buttons span every row written (known only now: the sheet
            # is written first, then the workbook that names the filtered range).
            filtered = f"A1:{letters[-1]}{number}" if bold_header and letters else None
            ending = f'<autoFilter ref="{filtered}"/>' if filtered else ""
            sheet.write(("".join(chunk) + f"</sheetData>{ending}</worksheet>").encode())
        archive.writestr("xl/workbook.xml", xlsx_workbook(title, filtered))


def xlsx_workbook(title: str, filtered: str | None) -> str:
    defined = (f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
               f"'{title.replace(chr(39), chr(39) * 2)}'!{absolute_range(filtered)}</definedName></definedNames>"
               if filtered else "")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets>{defined}</workbook>'
    )


def absolute_range(cells: str) -> str:
    """"A1:K20" as "$A$1:$K$20"."""
    return ":".join("$" + "$".join(re.fullmatch(r"([A-Z]+)([0-9]+)", cell).groups()) for cell in cells.split(":"))


def fitting_widths(rows: Sequence[Sequence[object]]) -> list[int]:
    """Column widths in characters that fit the given rows' text (and a header's filter
    button), between XLSX_MIN_WIDTH and XLSX_MAX_WIDTH."""
    widths: list[int] = []
    for row in rows:
        widths.extend([0] * (len(row) - len(widths)))
        for index, value in enumerate(row):
            shown = value.isoformat() if isinstance(value, date) else str(value if value is not None else "")
            widths[index] = max(widths[index], len(shown) + 3)
    return [min(max(width, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH) for width in widths]


def xlsx_sheet_start(column_widths: Sequence[int], freeze_panes: str | None) -> str:
    view = ""
    if freeze_panes:
        column, row = coordinate_from_string(freeze_panes)
        split_columns, split_rows = column_index_from_string(column) - 1, row - 1
        view = (
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane xSplit="{split_columns}" ySplit="{split_rows}" topLeftCell="{freeze_panes}" '
            'activePane="bottomRight" state="frozen"/></sheetView></sheetViews>'
        )
    widths = "".join(f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
                     for index, width in enumerate(column_widths, start=1))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'{view}{f"<cols>{widths}</cols>" if widths else ""}<sheetData>'
    )


def xlsx_bytes(rows: Iterable[Sequence[object]], **options) -> bytes:
    """write_xlsx into memory, for small files (templates, stock-takes)."""
    buffer = io.BytesIO()
    write_xlsx(buffer, rows, **options)
    return buffer.getvalue()

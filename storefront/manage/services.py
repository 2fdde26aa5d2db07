"""The sales-point manager's use cases: reading an outlet's stock, today's sales, and
stock-take files in and out. Stock itself only changes through storefront.outlets.services.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

import openpyxl
from flask_babel import format_number, gettext as _
from flask_sqlalchemy.pagination import Pagination
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func
from sqlalchemy.orm import contains_eager, selectinload

from storefront.clock import VIETNAM
from storefront.catalog.models import Product, TraceLot, vietnam_today
from storefront.catalog.services import slugify
from storefront.extensions import db
from storefront.outlets.models import Outlet, StockLevel, StockMove
from storefront.outlets.services import MAX_QTY
from storefront.sales.models import SaleLine

STOCK_PER_PAGE = 50
MOVES_PER_PAGE = 50
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_COUNT_LINES = 5_000
STOCK_TAKE_COLUMNS = ("product_code", "counted")
# Spreadsheet programs run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """Text that a spreadsheet would read as a formula gets a leading quote; numbers stay."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def products_by_code(codes: set[str]) -> dict[str, Product]:
    """Products keyed by the codes as typed; a code also matches in upper case (one query)."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    found = {
        product.code: product
        for product in db.session.scalars(
            db.select(Product).where(Product.code.in_(codes | {code.upper() for code in codes}))
        )
    }
    matches = {code: found.get(code) or found.get(code.upper()) for code in codes}
    return {code: product for code, product in matches.items() if product is not None}


def find_product_by_code(code: str) -> Product | None:
    code = code.strip()[:30]
    return products_by_code({code}).get(code)


def lot_owners(lot_codes: set[str]) -> dict[str, int]:
    """Registered trace lots among these codes, with the product each belongs to."""
    if not lot_codes:
        return {}
    rows = db.session.execute(
        db.select(TraceLot.lot_code, TraceLot.product_id).where(TraceLot.lot_code.in_(lot_codes))
    )
    return {lot_code: product_id for lot_code, product_id in rows}


def stock_page(outlet: Outlet, *, q: str = "", low_only: bool = False, page: int | None = None) -> Pagination:
    """This outlet's stock levels, searched by product code or name with or without diacritics."""
    statement = (
        db.select(StockLevel)
        .join(StockLevel.product)
        .options(contains_eager(StockLevel.product))
        .where(StockLevel.outlet_id == outlet.id)
        .order_by(Product.name_vi, Product.code)
    )
    if q:
        # The slug is the name folded the same way (no tone marks, đ→d), so SQL can match it.
        matches = [Product.code.icontains(q, autoescape=True)]
        if folded := slugify(q):
            matches.append(Product.slug.contains(folded))
        statement = statement.where(db.or_(*matches))
    if low_only:
        statement = statement.where(
            StockLevel.on_hand - StockLevel.reserved <= StockLevel.low_stock_threshold
        )
    return db.paginate(statement, page=page, per_page=STOCK_PER_PAGE, error_out=False)


def move_history(outlet: Outlet, product: Product, *, page: int | None = None) -> Pagination:
    """The ledger of one product at one outlet, newest first."""
    statement = (
        db.select(StockMove)
        .where(StockMove.outlet_id == outlet.id, StockMove.product_id == product.id)
        .options(selectinload(StockMove.user))
        .order_by(StockMove.id.desc())
    )
    return db.paginate(statement, page=page, per_page=MOVES_PER_PAGE, error_out=False)


def other_active_outlets(outlet: Outlet) -> list[Outlet]:
    """Where this outlet may send stock: any active sales point but itself."""
    return list(
        db.session.scalars(
            db.select(Outlet).where(Outlet.active.is_(True), Outlet.id != outlet.id).order_by(Outlet.code)
        )
    )


@dataclass
class DaySales:
    sales: int
    units: int
    total: int


def local_day_bounds_utc(day) -> tuple[datetime, datetime]:
    """A Vietnamese calendar day as the naive-UTC range sale times are stored in."""
    start = datetime.combine(day, time.min, tzinfo=VIETNAM).astimezone(timezone.utc).replace(tzinfo=None)
    return start, start + timedelta(days=1)


def todays_sales(outlet: Outlet) -> DaySales:
    start, end = local_day_bounds_utc(vietnam_today())
    sales, units, total = db.session.execute(
        db.select(
            func.count(func.distinct(SaleLine.source)),
            func.coalesce(func.sum(SaleLine.qty), 0),
            func.coalesce(func.sum(SaleLine.amount), 0),
        ).where(SaleLine.outlet_id == outlet.id, SaleLine.sold_at >= start, SaleLine.sold_at < end)
    ).one()
    return DaySales(sales=sales, units=units, total=total)


# --- Stock-take files --------------------------------------------------------------------


class StockTakeError(ValueError):
    """The whole file is refused; each problem names its line."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


Rows = list[tuple[int, list[object]]]  # (line number in the file, cells), blank lines left out


def filled_rows(numbered_rows) -> Rows:
    """Non-blank rows, stopping one past the limit so an oversized file is caught early."""
    rows: Rows = []
    for number, cells in numbered_rows:
        if not is_blank(cells):
            rows.append((number, list(cells)))
            if len(rows) > MAX_COUNT_LINES + 1:
                break
    return rows


def is_blank(cells) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def read_csv_rows(data: bytes) -> Rows:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StockTakeError([_("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”.")])
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Vietnamese use ";" between columns (the comma is the decimal mark).
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return filled_rows((reader.line_num, cells) for cells in reader)
    except csv.Error as error:
        raise StockTakeError([_("Line %(line)d: %(problem)s", line=reader.line_num, problem=str(error))])


def read_xlsx_rows(data: bytes) -> Rows:
    """The first worksheet; rows are numbered as the spreadsheet shows them."""
    try:
        # openpyxl warns about styles and extensions it ignores; they do not matter here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return filled_rows(enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1))
            finally:
                workbook.close()
    except Exception:  # a damaged or disguised file can fail in many ways inside openpyxl
        raise StockTakeError([_("The file could not be read as an XLSX workbook.")])


def parse_counted(value: object) -> int | str:
    """The counted quantity, or the problem with it."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = "" if value is None else str(value).strip()
        if not text:
            return _("the counted quantity is empty")
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            return _("“%(value)s” is not a whole number", value=text[:20])
        number = int(text)
    if number < 0:
        return _("the counted quantity cannot be negative")
    if number > MAX_QTY:
        return _("the counted quantity cannot be more than %(max)s", max=format_number(MAX_QTY))
    return number


def parse_stock_take(*, filename: str, data: bytes) -> list[tuple[Product, int]]:
    """A stock-take file (CSV or XLSX, header `product_code,counted`) as (product, counted)
    pairs. All or nothing: any bad line raises StockTakeError listing every problem by line."""
    header, *lines = read_rows(filename=filename, data=data)
    code_at, counted_at = stock_take_columns(*header)
    problems, counts = check_count_lines(lines, code_at=code_at, counted_at=counted_at)
    if not counts and not problems:
        raise StockTakeError([_("The file has a header but no lines to count.")])
    products = products_by_code({code for _line, code, _counted in counts})
    problems += [
        (number, _("Line %(line)d: unknown product code %(code)s.", line=number, code=code))
        for number, code, _counted in counts
        if code not in products
    ]
    if problems:
        raise StockTakeError([message for _line, message in sorted(problems, key=lambda problem: problem[0])])
    return [(products[code], counted) for _line, code, counted in counts]


def read_rows(*, filename: str, data: bytes) -> Rows:
    if len(data) > MAX_UPLOAD_BYTES:
        raise StockTakeError([_("The file is larger than %(size)d MB.", size=MAX_UPLOAD_BYTES // (1024 * 1024))])
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "csv":
        rows = read_csv_rows(data)
    elif extension == "xlsx":
        rows = read_xlsx_rows(data)
    else:
        raise StockTakeError([_("Upload a CSV or XLSX file.")])
    if not rows:
        raise StockTakeError([_("The file is empty.")])
    if len(rows) > MAX_COUNT_LINES + 1:
        raise StockTakeError([
            _("The file has more than %(max)s lines; split it.", max=format_number(MAX_COUNT_LINES))
        ])
    return rows


def stock_take_columns(line: int, header: list[object]) -> tuple[int, int]:
    """Where product_code and counted are; other columns (name, unit…) are ignored."""
    names = [cell_text(header, index).lower() for index in range(len(header))]
    missing = [column for column in STOCK_TAKE_COLUMNS if column not in names]
    if missing:
        raise StockTakeError([
            _("Line %(line)d: the header row must name the columns %(columns)s; missing: %(missing)s.",
              line=line, columns=", ".join(STOCK_TAKE_COLUMNS), missing=", ".join(missing))
        ])
    return names.index("product_code"), names.index("counted")


def check_count_lines(
    lines: Rows, *, code_at: int, counted_at: int
) -> tuple[list[tuple[int, str]], list[tuple[int, str, int]]]:
    """Problems (line, message) and well-formed counts (line, code, counted)."""
    problems: list[tuple[int, str]] = []
    counts: list[tuple[int, str, int]] = []
    first_seen: dict[str, int] = {}
    for number, cells in lines:
        code = cell_text(cells, code_at)[:30]
        counted = parse_counted(cells[counted_at] if counted_at < len(cells) else None)
        if not code:
            problems.append((number, _("Line %(line)d: the product code is empty.", line=number)))
        elif code.upper() in first_seen:
            problems.append((number, _(
                "Line %(line)d: product %(code)s is already counted on line %(first)d.",
                line=number, code=code, first=first_seen[code.upper()],
            )))
        else:
            first_seen[code.upper()] = number
        if isinstance(counted, str):
            problems.append((number, _("Line %(line)d: %(problem)s.", line=number, problem=counted)))
        elif code:
            counts.append((number, code, counted))
    return problems, counts


def cell_text(cells: list[object], index: int) -> str:
    value = cells[index] if index < len(cells) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number in a spreadsheet: 1001, not 1001.0
    return "" if value is None else str(value).strip()


def stock_take_rows(outlet: Outlet) -> list[list[object]]:
    """A stock-take sheet to fill in: the header, then every product held here with its
    current count, name and unit (extra columns are ignored when the file comes back)."""
    levels = db.session.execute(
        db.select(Product.code, StockLevel.on_hand, Product.name_vi, Product.unit)
        .join(StockLevel, StockLevel.product_id == Product.id)
        .where(StockLevel.outlet_id == outlet.id)
        .order_by(Product.code)
    )
    header = [*STOCK_TAKE_COLUMNS, "product_name", "unit"]
    return [header, *([escape_cell(cell) for cell in row] for row in levels)]


def stock_take_csv(outlet: Outlet) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(stock_take_rows(outlet))
    # The BOM makes Excel read the Vietnamese names as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def stock_take_xlsx(outlet: Outlet) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "stock-take"
    for row in stock_take_rows(outlet):
        # Control characters cannot be stored in XLSX; a stray one in a name must not break the sheet.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

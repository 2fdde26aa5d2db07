"""Getting the growth report's comparison figures in: pre-OCOP baselines and declared revenue,
one product at a time from the admin forms or a whole CSV/XLSX file at once.

A file is all or nothing: every line is checked first and any bad line refuses the whole
file, each problem naming its line. Saving upserts — one baseline per product, one
declaration per product and year — so importing the same file twice changes nothing new.
A file may list every certified product in the country: ~16,000 today, 100,000 at bench scale.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import format_number, gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.catalog.services import code_or_name_matches, products_by_code
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.imports import ImportResult, write_rows
from storefront.lookups import rows_where_in
from storefront.reports.models import BASELINE_SOURCES, Baseline, DeclaredRevenue
from storefront.reports.figures import first_certifications
from storefront.reports.services import year_one_years
from storefront.spreadsheets import (
    MEGABYTE,
    FileRejected,
    Problems,
    cell_text,
    column_positions,
    in_column,
    on_line,
    parse_amount,
    read_rows,
    refuse_if,
    unescape_cell,
)
from storefront.transactions import once_more_if_raced

BASELINE_COLUMNS = ("product_code", "revenue", "profit", "source", "note")
DECLARED_COLUMNS = ("product_code", "year", "revenue", "profit", "note")
OPTIONAL_COLUMNS = ("source", "note")  # a file may leave these out: declared, no note
HELPER_COLUMN = "product_name"  # in the templates to help fill them in; ignored on upload
# Every certified product nationally, with room to spare. A filled-in template line, with the
# product's name, is about 85 bytes: 100,000 of them make 8.5 MB.
MAX_FILE_LINES = 100_000
MAX_FILE_BYTES = 16 * MEGABYTE
FIRST_YEAR = 2015
# A quadrillion đồng: far beyond any product's revenue, so more is a typo (the columns are
# 64-bit and would hold it).
MAX_AMOUNT = 10**15
NOTE_LENGTH = 255
PER_PAGE = 50


class FigureError(ValueError):
    """Figures that break a rule; the message is meant for the user."""


# --- Rules shared by the forms, the files and the services ---------------------------------


def revenue_problem(revenue: int) -> str | None:
    if revenue < 0:
        return _("Revenue cannot be negative.")
    if revenue > MAX_AMOUNT:
        return _("Revenue cannot be more than %(max)s đồng.", max=format_number(MAX_AMOUNT))
    return None


def profit_problem(profit: int, revenue: int | None) -> str | None:
    """A loss is allowed; a profit above the revenue it came from is not."""
    if revenue is not None and profit > revenue:
        return _("Profit cannot be more than revenue.")
    if profit < -MAX_AMOUNT:
        return _("A loss cannot be more than %(max)s đồng.", max=format_number(MAX_AMOUNT))
    return None


def year_problem(year: int) -> str | None:
    last = vietnam_today().year
    if not FIRST_YEAR <= year <= last:
        return _("The year must be from %(first)d to %(last)d.", first=FIRST_YEAR, last=last)
    return None


def check_figures(*, revenue: int, profit: int, note: str, source: str | None = None,
                  year: int | None = None) -> None:
    problems = [revenue_problem(revenue), profit_problem(profit, revenue)]
    if year is not None:
        problems.append(year_problem(year))
    if source is not None and source not in BASELINE_SOURCES:
        problems.append(source_problem())
    if len(note) > NOTE_LENGTH:
        problems.append(note_problem())
    found = [problem for problem in problems if problem]
    if found:
        raise FigureError(" ".join(found))


def source_problem() -> str:
    return _("The source must be one of: %(sources)s.", sources=", ".join(BASELINE_SOURCES))


def note_problem() -> str:
    return _("The note is longer than %(n)d characters.", n=NOTE_LENGTH)


# --- One at a time (the admin forms) --------------------------------------------------------


@dataclass(frozen=True)
class BaselineEntry:
    product: Product
    revenue: int
    profit: int
    source: str = "declared"
    note: str = ""


@dataclass(frozen=True)
class DeclaredEntry:
    product: Product
    year: int
    revenue: int
    profit: int
    note: str = ""


def save_baseline(*, product: Product, revenue: int, profit: int, source: str, note: str = "") -> bool:
    """Create or update the product's baseline; True when it is new."""
    entry = BaselineEntry(product=product, revenue=revenue, profit=profit, source=source, note=note)
    return save_baselines([entry]).created == 1


def save_declared_revenue(*, product: Product, year: int, revenue: int, profit: int, note: str = "") -> bool:
    """Create or update what the producer declared for that year; True when it is new."""
    entry = DeclaredEntry(product=product, year=year, revenue=revenue, profit=profit, note=note)
    return save_declarations([entry]).created == 1


def save_baselines(entries: list[BaselineEntry]) -> ImportResult:
    for entry in entries:
        check_figures(revenue=entry.revenue, profit=entry.profit, source=entry.source, note=entry.note)

    def upsert() -> ImportResult:
        existing = dict(rows_where_in(select(Baseline.product_id, Baseline.id), Baseline.product_id,
                                      {entry.product.id for entry in entries}))
        rows = [
            {"product_id": entry.product.id, "revenue": entry.revenue, "profit": entry.profit,
             "source": entry.source, "note": entry.note}
            for entry in entries
        ]
        return write_rows(Baseline, rows, lambda row: existing.get(row["product_id"]))

    return once_more_if_raced(upsert)


def save_declarations(entries: list[DeclaredEntry]) -> ImportResult:
    for entry in entries:
        check_figures(revenue=entry.revenue, profit=entry.profit, year=entry.year, note=entry.note)

    def upsert() -> ImportResult:
        existing = {
            (product_id, year): row_id
            for product_id, year, row_id in rows_where_in(
                select(DeclaredRevenue.product_id, DeclaredRevenue.year, DeclaredRevenue.id),
                DeclaredRevenue.product_id, {entry.product.id for entry in entries},
            )
        }
        rows = [
            {"product_id": entry.product.id, "year": entry.year, "revenue": entry.revenue,
             "profit": entry.profit, "note": entry.note}
            for entry in entries
        ]
        return write_rows(DeclaredRevenue, rows, lambda row: existing.get((row["product_id"], row["year"])))

    return once_more_if_raced(upsert)


# --- Whole files -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileLine:
    number: int
    product: Product | None  # None: the code is unknown (already a problem)
    cells: dict[str, object]  # by column name; a missing optional column reads as empty

    def text(self, column: str) -> str:
        return cell_text([self.cells.get(column)], 0)


def import_baselines(*, filename: str, data: bytes) -> ImportResult:
    entries, skipped = parse_baseline_file(filename=filename, data=data)
    result = save_baselines(entries)
    return ImportResult(created=result.created, updated=result.updated, skipped=skipped)


def import_declarations(*, filename: str, data: bytes) -> ImportResult:
    entries, skipped = parse_declared_file(filename=filename, data=data)
    result = save_declarations(entries)
    return ImportResult(created=result.created, updated=result.updated, skipped=skipped)


def parse_baseline_file(*, filename: str, data: bytes) -> tuple[list[BaselineEntry], int]:
    """Checked baselines, and how many lines were left without figures. Raises FileRejected."""
    lines, skipped, problems = read_figure_lines(filename, data, BASELINE_COLUMNS)
    entries: list[BaselineEntry] = []
    first_seen: dict[int, int] = {}
    for line in lines:
        figures = line_figures(line, problems)
        source = line.text("source").lower() or "declared"
        if source not in BASELINE_SOURCES:
            problems.append((line.number, on_line(line.number, source_problem())))
        if line.product is None:
            continue
        if line.product.id in first_seen:
            problems.append((line.number, _("Line %(line)d: product %(code)s is already on line %(first)d.",
                                            line=line.number, code=line.product.code,
                                            first=first_seen[line.product.id])))
            continue
        first_seen[line.product.id] = line.number
        if figures is not None:
            entries.append(BaselineEntry(line.product, figures.revenue, figures.profit, source, figures.note))
    refuse_if(problems)
    return entries, skipped


def parse_declared_file(*, filename: str, data: bytes) -> tuple[list[DeclaredEntry], int]:
    """Checked declarations, and how many lines were left without figures. Raises FileRejected."""
    lines, skipped, problems = read_figure_lines(filename, data, DECLARED_COLUMNS)
    entries: list[DeclaredEntry] = []
    first_seen: dict[tuple[int, int], int] = {}
    for line in lines:
        figures = line_figures(line, problems)
        year = parse_amount(line.cells["year"])
        if isinstance(year, str):
            problems.append((line.number, _("Line %(line)d, column year: %(problem)s.",
                                            line=line.number, problem=year)))
            continue
        if problem := year_problem(year):
            problems.append((line.number, on_line(line.number, problem)))
            continue
        if line.product is None:
            continue
        key = (line.product.id, year)
        if key in first_seen:
            problems.append((line.number, _(
                "Line %(line)d: product %(code)s for %(year)d is already on line %(first)d.",
                line=line.number, code=line.product.code, year=year, first=first_seen[key],
            )))
            continue
        first_seen[key] = line.number
        if figures is not None:
            entries.append(DeclaredEntry(line.product, year, figures.revenue, figures.profit, figures.note))
    refuse_if(problems)
    return entries, skipped


def read_figure_lines(filename: str, data: bytes, columns: tuple[str, ...]) -> tuple[list[FileLine], int, Problems]:
    """The lines with figures, how many lines had none (the templates list every certified
    product; not all get filled in), and the problems found so far: unknown or empty codes."""
    header, *rows = read_rows(filename=filename, data=data, max_bytes=MAX_FILE_BYTES, max_lines=MAX_FILE_LINES)
    positions = column_positions(*header, columns=columns, optional=OPTIONAL_COLUMNS, others=(HELPER_COLUMN,))
    figure_columns = [c for c in columns if c not in ("product_code", "year") and c in positions]
    filled = []
    for number, row in rows:
        cells = {column: row[at] if at < len(row) else None for column, at in positions.items()}
        if any(cell_text(row, positions[column]) for column in figure_columns):
            filled.append(FileLine(number, None, cells))
    if not filled:
        raise FileRejected([_("The file has no lines with figures.")])
    products = products_by_code({line.text("product_code")[:30] for line in filled})
    problems: Problems = []
    lines = []
    for line in filled:
        code = line.text("product_code")[:30]
        if not code:
            problems.append((line.number, _("Line %(line)d: the product code is empty.", line=line.number)))
        elif code not in products:
            problems.append((line.number, _("Line %(line)d: unknown product code %(code)s.",
                                            line=line.number, code=code)))
        lines.append(FileLine(line.number, products.get(code), line.cells))
    return lines, len(rows) - len(filled), problems


@dataclass(frozen=True)
class Figures:
    revenue: int
    profit: int
    note: str


def line_figures(line: FileLine, problems: Problems) -> Figures | None:
    """Revenue, profit and note of one line, or None after adding its problems."""
    found: list[str] = []
    values: dict[str, int] = {}
    for column in ("revenue", "profit"):
        value = parse_amount(line.cells[column])
        if isinstance(value, str):
            found.append(in_column(line.number, column, value))
        else:
            values[column] = value
    if "revenue" in values and (problem := revenue_problem(values["revenue"])):
        found.append(on_line(line.number, problem))
    if "profit" in values and (problem := profit_problem(values["profit"], values.get("revenue"))):
        found.append(on_line(line.number, problem))
    note = unescape_cell(line.text("note"))
    if len(note) > NOTE_LENGTH:
        found.append(on_line(line.number, note_problem()))
    problems.extend((line.number, message) for message in found)
    return None if found else Figures(values["revenue"], values["profit"], note)


# --- Templates to fill in --------------------------------------------------------------------


def baseline_template_rows() -> list[Sequence[object]]:
    """Every certified product (first certified 3★+, as in the growth report) with its
    current baseline, if any, ready to fill in and upload again."""
    first = first_certifications()
    rows = db.session.execute(
        select(Product.code, Baseline.revenue, Baseline.profit, Baseline.source, Baseline.note, Product.name_vi)
        .join(first, first.c.product_id == Product.id)
        .outerjoin(Baseline, Baseline.product_id == Product.id)
        .order_by(Product.code)
    )
    return [[*BASELINE_COLUMNS, HELPER_COLUMN], *rows]


def declared_template_rows() -> list[Sequence[object]]:
    """Every declaration on record, and for each certified product an empty line for each
    calendar year of its year one (the years the growth report weighs, see year_one_years)
    that is over and not declared yet."""
    first = first_certifications()
    declared = db.session.execute(
        select(Product.code, DeclaredRevenue.year, DeclaredRevenue.revenue, DeclaredRevenue.profit,
               DeclaredRevenue.note, Product.name_vi)
        .join(Product, Product.id == DeclaredRevenue.product_id)
    ).all()
    have = {(code, year) for code, year, *_rest in declared}
    last_year = vietnam_today().year - 1
    wanted = [
        (code, year, None, None, None, name)
        for code, name, certified_on in db.session.execute(
            select(Product.code, Product.name_vi, first.c.certified_on).join(first, first.c.product_id == Product.id)
        )
        for year in year_one_years(certified_on)
        if FIRST_YEAR <= year <= last_year and (code, year) not in have
    ]
    rows = sorted([*declared, *wanted], key=lambda row: (row[0], row[1]))
    return [[*DECLARED_COLUMNS, HELPER_COLUMN], *rows]


# --- The admin lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CertifiedProduct:
    product: Product
    certified_on: date | None  # the first 3★+ certificate; None if it never had one
    baseline: Baseline | None
    declarations: list[DeclaredRevenue]

    @property
    def report_years(self) -> tuple[int, ...]:
        """The calendar years whose declarations the growth report weighs over year one."""
        return year_one_years(self.certified_on) if self.certified_on else ()


def certified_products_page(*, q: str = "", without_baseline: bool = False, page: int | None = None) -> Pagination:
    """Certified products (those in the growth report), searched by code or by name with or
    without diacritics, each with its baseline and declarations: four queries per page."""
    first = first_certifications()
    statement = select(Product).join(first, first.c.product_id == Product.id).order_by(Product.code)
    if q:
        statement = statement.where(code_or_name_matches(q))
    if without_baseline:
        statement = statement.where(~select(Baseline.id).where(Baseline.product_id == Product.id).exists())
    pages = db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)
    pages.items = with_figures(pages.items)
    return pages


def certified_product(code: str) -> CertifiedProduct | None:
    """Any product by its exact code (a baseline may be entered before certification)."""
    product = db.session.scalar(select(Product).where(Product.code == code))
    return with_figures([product])[0] if product else None


def with_figures(products: list[Product]) -> list[CertifiedProduct]:
    ids = [product.id for product in products]
    first = first_certifications()
    certified_on = dict(db.session.execute(
        select(first.c.product_id, first.c.certified_on).where(first.c.product_id.in_(ids))
    ).all())
    baselines = {b.product_id: b for b in db.session.scalars(select(Baseline).where(Baseline.product_id.in_(ids)))}
    declarations: dict[int, list[DeclaredRevenue]] = {}
    for declared in db.session.scalars(
        select(DeclaredRevenue).where(DeclaredRevenue.product_id.in_(ids)).order_by(DeclaredRevenue.year.desc())
    ):
        declarations.setdefault(declared.product_id, []).append(declared)
    return [
        CertifiedProduct(product, certified_on.get(product.id), baselines.get(product.id),
                         declarations.get(product.id, []))
        for product in products
    ]

"""The sales-point manager's use cases: reading an outlet's stock, today's sales, and
stock-take files in and out. Stock itself only changes through storefront.outlets.services.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_number, gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func
from sqlalchemy.orm import contains_eager, selectinload

from storefront.catalog.models import Product, TraceLot
from storefront.catalog.services import slugify
from storefront.clock import utc_start_of, vietnam_today
from storefront.extensions import db
from storefront.lookups import scalars_where_in
from storefront.outlets.models import Outlet, StockLevel, StockMove
from storefront.outlets.services import MAX_QTY
from storefront.sales.models import SaleLine
from storefront.spreadsheets import (
    MEGABYTE,
    FileRejected,
    Problems,
    Rows,
    cell_text,
    column_positions,
    csv_bytes,
    read_rows,
    refuse_if,
    xlsx_bytes,
)

STOCK_PER_PAGE = 50
MOVES_PER_PAGE = 50
# One outlet's count: a few thousand products at most.
MAX_UPLOAD_BYTES = 2 * MEGABYTE
MAX_COUNT_LINES = 5_000
STOCK_TAKE_COLUMNS = ("product_code", "counted")


def products_by_code(codes: set[str]) -> dict[str, Product]:
    """Products keyed by the codes as typed; a code also matches in upper case."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    found = {
        product.code: product
        for product in scalars_where_in(db.select(Product), Product.code, codes | {code.upper() for code in codes})
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
        statement = statement.where(StockLevel.is_low)
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
    start = utc_start_of(day)
    return start, start + timedelta(days=1)


def todays_sales(outlet: Outlet) -> DaySales:
    start, end = local_day_bounds_utc(vietnam_today())
    sales, units, total = db.session.execute(
        db.select(
            # Returns and refunds are not sales; their negative lines still net the units and revenue.
            func.count(func.distinct(case((SaleLine.reverses_id.is_(None), SaleLine.source)))),
            func.coalesce(func.sum(SaleLine.qty), 0),
            func.coalesce(func.sum(SaleLine.amount), 0),
        ).where(SaleLine.outlet_id == outlet.id, SaleLine.sold_at >= start, SaleLine.sold_at < end)
    ).one()
    return DaySales(sales=sales, units=units, total=total)


# --- Stock-take files --------------------------------------------------------------------


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
    pairs. All or nothing: any bad line raises FileRejected listing every problem by line."""
    header, *lines = read_rows(filename=filename, data=data, max_bytes=MAX_UPLOAD_BYTES, max_lines=MAX_COUNT_LINES)
    positions = column_positions(*header, columns=STOCK_TAKE_COLUMNS)
    problems, counts = check_count_lines(lines, code_at=positions["product_code"], counted_at=positions["counted"])
    if not counts and not problems:
        raise FileRejected([_("The file has a header but no lines to count.")])
    products = products_by_code({code for _line, code, _counted in counts})
    problems += [
        (number, _("Line %(line)d: unknown product code %(code)s.", line=number, code=code))
        for number, code, _counted in counts
        if code not in products
    ]
    refuse_if(problems)
    return [(products[code], counted) for _line, code, counted in counts]


def check_count_lines(lines: Rows, *, code_at: int, counted_at: int) -> tuple[Problems, list[tuple[int, str, int]]]:
    """Problems (line, message) and well-formed counts (line, code, counted)."""
    problems: Problems = []
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


def stock_take_rows(outlet: Outlet) -> list[Sequence[object]]:
    """A stock-take sheet to fill in: the header, then every product held here with its
    current count, name and unit (extra columns are ignored when the file comes back)."""
    levels = db.session.execute(
        db.select(Product.code, StockLevel.on_hand, Product.name_vi, Product.unit)
        .join(StockLevel, StockLevel.product_id == Product.id)
        .where(StockLevel.outlet_id == outlet.id)
        .order_by(Product.code)
    )
    return [[*STOCK_TAKE_COLUMNS, "product_name", "unit"], *levels]


def stock_take_csv(outlet: Outlet) -> bytes:
    return csv_bytes(stock_take_rows(outlet))


def stock_take_xlsx(outlet: Outlet) -> bytes:
    return xlsx_bytes(stock_take_rows(outlet), title="stock-take")


# A stock-take is applied in two steps: the upload shows what it would change, then the manager
# confirms. The counts and the on hand the preview showed travel, signed, in the confirm form
# (nothing kept in a session), so confirming applies exactly what was shown or nothing.
STOCK_TAKE_PREVIEW_SECONDS = 3600


@dataclass
class CountPreview:
    product: Product
    on_hand: int
    reserved: int
    counted: int

    @property
    def change(self) -> int:
        return self.counted - self.on_hand


def preview_stock_take(outlet: Outlet, counts: list[tuple[Product, int]]) -> list[CountPreview]:
    """Each counted product with the stock on record here (0 where none is held), in the file's order."""
    levels = {
        level.product_id: level
        for level in scalars_where_in(db.select(StockLevel).where(StockLevel.outlet_id == outlet.id),
                                      StockLevel.product_id, {product.id for product, _counted in counts})
    }
    return [
        CountPreview(product=product, counted=counted,
                     on_hand=levels[product.id].on_hand if product.id in levels else 0,
                     reserved=levels[product.id].reserved if product.id in levels else 0)
        for product, counted in counts
    ]


def stock_take_serializer(outlet: Outlet) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"stock-take:{outlet.id}")


def seal_stock_take(outlet: Outlet, preview: list[CountPreview], reference: str) -> str:
    """The preview as a signed token for the confirm form."""
    return stock_take_serializer(outlet).dumps(
        {"ref": reference, "rows": [[row.product.id, row.counted, row.on_hand] for row in preview]}
    )


def open_stock_take(outlet: Outlet, token: str) -> tuple[list[tuple[Product, int]], dict[int, int], str] | None:
    """(counts, on hand expected per product id, reference) from a token this outlet's preview
    signed within the hour; None when it is not one (tampered, another outlet's, too old)."""
    try:
        sealed = stock_take_serializer(outlet).loads(token, max_age=STOCK_TAKE_PREVIEW_SECONDS)
        rows = [(int(product_id), int(counted), int(on_hand)) for product_id, counted, on_hand in sealed["rows"]]
        reference = str(sealed["ref"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    products = {product.id: product for product in scalars_where_in(db.select(Product), Product.id,
                                                                      {row[0] for row in rows})}
    if len(products) != len({row[0] for row in rows}):
        return None
    return ([(products[product_id], counted) for product_id, counted, _on_hand in rows],
            {product_id: on_hand for product_id, _counted, on_hand in rows}, reference)


PICKER_SUGGESTIONS = 8


def pick_products(outlet: Outlet, q: str) -> list[dict]:
    """Up to PICKER_SUGGESTIONS products for the stock forms' product picker: the code (exact
    first) or the name, with or without diacritics, each with what this outlet holds."""
    q = " ".join(q.split())[:100]
    folded = slugify(q)
    if not q:
        return []
    matches = [Product.code.icontains(q, autoescape=True)]
    if folded:
        matches.append(Product.slug.contains(folded))
    rows = db.session.execute(
        db.select(Product, StockLevel.on_hand)
        .outerjoin(StockLevel, (StockLevel.product_id == Product.id) & (StockLevel.outlet_id == outlet.id))
        .where(db.or_(*matches))
        .order_by(case((func.upper(Product.code) == q.upper(), 0), else_=1), StockLevel.on_hand.is_(None),
                  Product.name_vi, Product.code)
        .limit(PICKER_SUGGESTIONS)
    )
    return [{"code": product.code, "name": product.name_vi, "unit": product.unit, "on_hand": on_hand or 0}
            for product, on_hand in rows]


def reference_first_received(outlet: Outlet, reference: str) -> datetime | None:
    """When goods were first received here under this delivery reference, if ever."""
    if not reference:
        return None
    return db.session.scalar(
        db.select(func.min(StockMove.created_at))
        .where(StockMove.outlet_id == outlet.id, StockMove.kind == "receive", StockMove.reference == reference)
    )

"""The sales-point manager's stock-take files in and out: the sheet to fill in, reading it
back, and the signed preview confirmed before the counts apply. Stock itself is read and
changed through storefront.outlets.services.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import format_number, gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from storefront.catalog.models import Product
from storefront.catalog.services import products_by_code, products_by_id
from storefront.outlets.models import Outlet
from storefront.outlets.services import MAX_QTY, count_below_reserved, levels_at, stock_count_rows
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

# One outlet's count: a few thousand products at most.
MAX_UPLOAD_BYTES = 2 * MEGABYTE
MAX_COUNT_LINES = 5_000
STOCK_TAKE_COLUMNS = ("product_code", "counted")


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
    return [[*STOCK_TAKE_COLUMNS, "product_name", "unit"], *stock_count_rows(outlet)]


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
    levels = levels_at(outlet, {product.id for product, _counted in counts})
    return [
        CountPreview(product=product, counted=counted,
                     on_hand=levels[product.id].on_hand if product.id in levels else 0,
                     reserved=levels[product.id].reserved if product.id in levels else 0)
        for product, counted in counts
    ]


def stock_take_blocks(outlet: Outlet, preview: list[CountPreview]) -> list[str]:
    """Why applying this count would be refused (count_stock checks the same): products counted
    below what orders hold here. The preview offers no Apply while there are any."""
    return [count_below_reserved(outlet, row.product, row.counted, row.reserved)
            for row in preview if row.counted < row.reserved]


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
    products = products_by_id({row[0] for row in rows})
    if len(products) != len({row[0] for row in rows}):
        return None
    return ([(products[product_id], counted) for product_id, counted, _on_hand in rows],
            {product_id: on_hand for product_id, _counted, on_hand in rows}, reference)

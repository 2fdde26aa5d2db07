"""Recording sales: the stock leaves and the sales ledger grows in one transaction.

The till (storefront.till) reads products as an outlet can sell them (`PosItem`),
prices the sale being rung up (`price_cart`) and completes it with `record_sale`; goods come
back with `return_goods` (some lines) or `void_sale` (all that is left).

Every row of the sales ledger, the till's and the online orders', is made by `sale_line`.
Money given back is a negative line linked to the line it reverses (`reversal_of`), for till
sales as for online orders: it keeps its own date, and counts in the period of that sale.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from storefront.accounts.models import User
from storefront.catalog.models import Product
from storefront.catalog.services import find_product_by_code
from storefront.clock import utc_start_of, utcnow, vietnam_today
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.outlets.models import Outlet
from storefront.outlets.services import (
    REFERENCE_LENGTH,
    StockError,
    check_quantity,
    in_stock_matching,
    move_stock,
    stock_here,
)
from storefront.sales.models import PAYMENT_KINDS, PosSale, SaleLine
from storefront.transactions import transaction

# Crockford's base32: no I, L, O or U, so a number read aloud or retyped is not misread.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_TOKEN_LENGTH = 8  # 40 bits: repeats within one outlet's day are out of reach


class SaleError(StockError):
    pass


class CashShort(SaleError):
    """Less cash than the total: the till shows it at the amount, which the cashier corrects."""


class SaleAlreadyRecorded(Exception):
    """The sale with this number was completed before (a double submission): nothing new written."""

    def __init__(self, sale: PosSale):
        self.sale = sale
        super().__init__(f"Sale {sale.number} was already recorded.")


@dataclass
class SaleRequestLine:
    product: Product
    qty: int


@dataclass
class PosItem:
    """A product as one outlet's till sees it."""

    product: Product
    available: int


@dataclass
class CartLine:
    item: PosItem
    qty: int

    @property
    def product(self) -> Product:
        return self.item.product

    @property
    def amount(self) -> int:
        return self.product.price * self.qty


@dataclass
class PricedCart:
    lines: list[CartLine]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.qty for line in self.lines)


def new_sale_number(outlet: Outlet) -> str:
    """'QN-TP-01-250314-7K3M9QXD': fits PosSale.number (30) whatever the outlet code's length."""
    token = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_TOKEN_LENGTH))
    return f"{outlet.code[:10]}-{vietnam_today():%y%m%d}-{token}"


def pos_items(outlet: Outlet, product_ids: list[int]) -> dict[int, PosItem]:
    """These products with what is available at the outlet, sellable or not, in one query."""
    return {product.id: PosItem(product, available) for product, available in stock_here(outlet, product_ids)}


def find_pos_item(outlet: Outlet, product_code: str) -> PosItem | None:
    """By code as typed or scanned; codes are upper case, cashiers may not type them so."""
    product = find_product_by_code(product_code)
    return pos_items(outlet, [product.id]).get(product.id) if product else None


def search_pos_items(outlet: Outlet, text: str, *, limit: int) -> tuple[list[PosItem], int]:
    """Sellable products in stock here found by code or name (see outlets' in_stock_matching),
    the first `limit` of them, and how many there are."""
    ids, total = in_stock_matching(outlet, text, limit=limit)
    items = pos_items(outlet, ids)
    return [items[product_id] for product_id in ids], total


def check_cart_quantity(item: PosItem, qty: int, *, in_cart: int = 0) -> None:
    """Whether `qty` of the item (besides `in_cart` already on the sale) can go on the sale."""
    name = item.product.name(current_language())
    if not item.product.is_sellable:
        raise SaleError(_l("%(name)s has no valid OCOP certificate and cannot be sold.", name=name))
    if qty < 1:
        raise SaleError(_l("Enter a whole number of 1 or more."))
    if item.available < 1:
        raise SaleError(_l("%(name)s is out of stock here.", name=name))
    if in_cart + qty > item.available:
        if in_cart:
            raise SaleError(
                _l(
                    "Only %(available)d of %(name)s available here, and %(in_cart)d are already on this sale.",
                    available=item.available, name=name, in_cart=in_cart,
                )
            )
        raise SaleError(
            _l("Only %(available)d of %(name)s available here.", available=item.available, name=name)
        )


def price_cart(outlet: Outlet, quantities: list[tuple[int, int]]) -> PricedCart:
    """The sale being rung up, (product id, qty) in the order scanned, at today's prices."""
    items = pos_items(outlet, [product_id for product_id, _ in quantities])
    return PricedCart(
        [CartLine(items[product_id], qty) for product_id, qty in quantities if product_id in items]
    )


def find_sale(number: str) -> PosSale | None:
    """A sale with what its receipt shows: lines and products, outlet, staff."""
    return db.session.scalar(
        db.select(PosSale)
        .where(PosSale.number == number[:30])
        .options(
            selectinload(PosSale.lines).selectinload(SaleLine.product),
            selectinload(PosSale.outlet),
            selectinload(PosSale.user),
            selectinload(PosSale.reverses_sale),
            selectinload(PosSale.returns),
        )
    )


RECEIPTS_PER_PAGE = 30


def till_receipts(outlet: Outlet, *, number: str = "", day: date | None = None, page: int | None = None) -> Pagination:
    """The outlet's till receipts (sales, returns, voids), newest first; `number` narrows them
    to those whose number contains it, as typed or read off a slip, `day` to one Vietnamese day."""
    statement = (
        db.select(PosSale)
        .where(PosSale.outlet_id == outlet.id)
        .options(selectinload(PosSale.user), selectinload(PosSale.reverses_sale))
        .order_by(PosSale.created_at.desc(), PosSale.id.desc())
    )
    if typed := number.strip().upper()[:30]:
        statement = statement.where(PosSale.number.contains(typed, autoescape=True))
    if day is not None:
        statement = statement.where(*made_on(day))
    return db.paginate(statement, page=page, per_page=RECEIPTS_PER_PAGE, error_out=False)


def made_on(day: date) -> tuple:
    return PosSale.created_at >= utc_start_of(day), PosSale.created_at < utc_start_of(day + timedelta(days=1))


@dataclass
class DaySales:
    sales: int
    units: int
    total: int


def todays_sales(outlet: Outlet) -> DaySales:
    """The outlet's sales today (Vietnamese day), online and in store, from the ledger."""
    today = vietnam_today()
    start, end = utc_start_of(today), utc_start_of(today + timedelta(days=1))
    sales, units, total = db.session.execute(
        db.select(
            # Returns and refunds are not sales; their negative lines still net the units and revenue.
            func.count(func.distinct(case((SaleLine.reverses_id.is_(None), SaleLine.source)))),
            func.coalesce(func.sum(SaleLine.qty), 0),
            func.coalesce(func.sum(SaleLine.amount), 0),
        ).where(SaleLine.outlet_id == outlet.id, SaleLine.sold_at >= start, SaleLine.sold_at < end)
    ).one()
    return DaySales(sales=sales, units=units, total=total)


@dataclass
class TillTotal:
    """One payment kind's takings on a day: sales in, money given back out (returns, voids)."""
    payment_kind: str
    receipts: int
    taken: int
    given_back: int

    @property
    def net(self) -> int:
        return self.taken + self.given_back


def till_day_totals(outlet: Outlet, day: date) -> list[TillTotal]:
    """The end-of-day report: per payment kind (every kind, also without receipts), in
    PAYMENT_KINDS order, summed in SQL."""
    rows = db.session.execute(
        db.select(PosSale.payment_kind, func.count(),
                  func.coalesce(func.sum(case((PosSale.total > 0, PosSale.total), else_=0)), 0),
                  func.coalesce(func.sum(case((PosSale.total < 0, PosSale.total), else_=0)), 0))
        .where(PosSale.outlet_id == outlet.id, *made_on(day))
        .group_by(PosSale.payment_kind)
    )
    found = {kind: TillTotal(kind, count, int(taken), int(given_back)) for kind, count, taken, given_back in rows}
    return [found.get(kind) or TillTotal(kind, 0, 0, 0) for kind in PAYMENT_KINDS]


def merge_lines(lines: list[SaleRequestLine]) -> list[SaleRequestLine]:
    """The same product scanned twice is one line of the summed quantity."""
    merged: dict[int, SaleRequestLine] = {}
    for line in lines:
        check_quantity(line.qty)
        if line.product.id in merged:
            merged[line.product.id].qty += line.qty
        else:
            merged[line.product.id] = SaleRequestLine(line.product, line.qty)
    return sorted(merged.values(), key=lambda line: line.product.id)


def record_sale(
    *,
    outlet: Outlet,
    lines: list[SaleRequestLine],
    payment_kind: str,
    user: User,
    cash_received: int | None = None,
    number: str | None = None,
) -> PosSale:
    """An in-store sale: stock falls and sale lines are written, all or nothing.

    `number` makes it idempotent: the till allocates it when the sale starts, so a second
    submission of the same sale (a double click, a resent form) raises SaleAlreadyRecorded
    instead of selling twice; the unique number settles two submissions that race.
    """
    number = number or new_sale_number(outlet)
    if (existing := find_sale(number)) is not None:
        raise SaleAlreadyRecorded(existing)
    if not lines:
        raise SaleError(_l("Add at least one product to the sale."))
    if payment_kind not in PAYMENT_KINDS:
        raise SaleError(_l("Choose cash, card or bank transfer."))
    lines = merge_lines(lines)
    for line in lines:
        if not line.product.is_sellable:
            raise SaleError(
                _l("%(name)s has no valid OCOP certificate and cannot be sold.",
                   name=line.product.name(current_language()))
            )
    total = sum(line.product.price * line.qty for line in lines)
    if payment_kind == "cash":
        if cash_received is None or cash_received < total:
            raise CashShort(_l("The cash received is less than the total."))
    else:
        cash_received = None
    sale = PosSale(
        number=number, outlet=outlet, user=user, payment_kind=payment_kind,
        total=total, cash_received=cash_received, created_at=utcnow(),
    )
    try:
        with transaction():
            db.session.add(sale)
            for line in lines:
                move_stock(
                    outlet=outlet, product=line.product, kind="sale", on_hand_change=-line.qty,
                    reference=sale.number, user=user,
                )
                db.session.add(
                    sale_line(
                        product_id=line.product.id, outlet_id=outlet.id, channel="in_store", qty=line.qty,
                        unit_price=line.product.price, amount=line.product.price * line.qty,
                        cost_amount=line.product.unit_cost * line.qty, sold_at=sale.created_at,
                        source=sale.number, pos_sale=sale,
                    )
                )
    except IntegrityError:
        # Another request committed this very number first: that one is the sale.
        if (existing := find_sale(number)) is None:
            raise
        raise SaleAlreadyRecorded(existing) from None
    return sale


# Giving money back ---------------------------------------------------------------------------

REASON_LENGTH = PosSale.reason.type.length


@dataclass(frozen=True)
class LineLeft:
    """What a sale line still has to give back, after the reversals made of it so far."""

    qty: int
    amount: int


def left_to_reverse(lines: Iterable[SaleLine]) -> dict[int, LineLeft]:
    """Each line's quantity and amount less those of the lines reversing it, in one query."""
    lines = list(lines)
    reversed_so_far = {
        line_id: (qty, amount)
        for line_id, qty, amount in db.session.execute(
            db.select(SaleLine.reverses_id, func.sum(SaleLine.qty), func.sum(SaleLine.amount))
            .where(SaleLine.reverses_id.in_([line.id for line in lines]))
            .group_by(SaleLine.reverses_id)
        )
    } if lines else {}
    return {
        line.id: LineLeft(line.qty + int(reversed_so_far.get(line.id, (0, 0))[0]),
                          line.amount + int(reversed_so_far.get(line.id, (0, 0))[1]))
        for line in lines
    }


def sale_line(*, product_id: int, outlet_id: int, channel: str, qty: int, unit_price: int, amount: int,
              cost_amount: int, sold_at: datetime, source: str, order_id: int | None = None,
              pos_sale: PosSale | None = None, reverses: SaleLine | None = None) -> SaleLine:
    """A row of the sales ledger, for online orders and the till alike: `qty` units sold for
    `amount` đồng that cost `cost_amount`. With `reverses` they are given back instead: the
    row's figures are negative, it links to that line and counts in that line's period."""
    sign = -1 if reverses is not None else 1
    return SaleLine(
        product_id=product_id, outlet_id=outlet_id, channel=channel, qty=sign * qty, unit_price=unit_price,
        amount=sign * amount, cost_amount=sign * cost_amount, sold_at=sold_at,
        counts_at=reverses.counts_at if reverses is not None else sold_at,
        reverses_id=reverses.id if reverses is not None else None,
        source=source[:SaleLine.source.type.length], pos_sale=pos_sale, order_id=order_id,
    )


def reversal_of(line: SaleLine, *, qty: int, amount: int, cost_amount: int, sold_at: datetime, source: str,
                pos_sale: PosSale | None = None) -> SaleLine:
    """A negative line giving back `qty` units and `amount` đồng of `line` (and `cost_amount` of
    its cost, when the goods are back in stock): dated now, it counts in the sale's period."""
    return sale_line(
        product_id=line.product_id, outlet_id=line.outlet_id, channel=line.channel, qty=qty,
        unit_price=line.unit_price, amount=amount, cost_amount=cost_amount, sold_at=sold_at, source=source,
        order_id=line.order_id, pos_sale=pos_sale, reverses=line,
    )


def order_refunds_made_on(outlet: Outlet, day: date) -> dict[int, int]:
    """What the ledger gave back of online orders at this outlet on that day (negative), by order."""
    rows = db.session.execute(
        db.select(SaleLine.order_id, func.sum(SaleLine.amount))
        .where(SaleLine.outlet_id == outlet.id, SaleLine.order_id.is_not(None), SaleLine.reverses_id.is_not(None),
               SaleLine.sold_at >= utc_start_of(day), SaleLine.sold_at < utc_start_of(day + timedelta(days=1)))
        .group_by(SaleLine.order_id)
    )
    return {order_id: int(amount) for order_id, amount in rows}  # PostgreSQL sums bigints as numeric


def order_sale_lines(order_id: int) -> list[SaleLine]:
    """The ledger lines of an online order's sale, by product (none if it was never sold: paid
    after its stock was gone)."""
    return list(db.session.scalars(
        db.select(SaleLine)
        .where(SaleLine.order_id == order_id, SaleLine.reverses_id.is_(None), SaleLine.amount > 0)
        .order_by(SaleLine.product_id)
    ))


def give_back_line(line: SaleLine, left: LineLeft, qty: int) -> tuple[int, int]:
    """The amount and cost that `qty` units of the line give back. The last units take all the
    amount left, so a line given back in several steps ends at exactly zero."""
    amount = left.amount if qty == left.qty else min(line.unit_price * qty, left.amount)
    return amount, line.cost_amount // line.qty * qty


def sale_lines_left(sale: PosSale) -> list[tuple[SaleLine, LineLeft]]:
    """The sale's own lines, with what each still has to give back."""
    lines = [line for line in sale.lines if line.reverses_id is None]
    left = left_to_reverse(lines)
    return [(line, left[line.id]) for line in lines]


def return_goods(*, sale: PosSale, quantities: dict[int, int], reason: str, restock: bool, user: User,
                 number: str | None = None) -> PosSale:
    """Give back some goods of a till sale: `quantities` maps lines of the sale (by id) to how
    many units come back. The return is a till receipt of its own (negative amounts), its
    sale lines each reverse one of the sale's, and restocked goods go back on hand; all in
    one transaction. `number` makes it idempotent as for record_sale."""
    return give_back(sale=sale, quantities=quantities, kind="return", reason=reason, restock=restock,
                     user=user, number=number)


def void_sale(*, sale: PosSale, reason: str, restock: bool, user: User, number: str | None = None) -> PosSale:
    """Give back everything that is left of a till sale (rung up by mistake, or all returned)."""
    return give_back(sale=sale, quantities=None, kind="void", reason=reason, restock=restock, user=user,
                     number=number)


def give_back(*, sale: PosSale, quantities: dict[int, int] | None, kind: str, reason: str, restock: bool,
              user: User, number: str | None) -> PosSale:
    number = number or new_sale_number(sale.outlet)
    if (existing := find_sale(number)) is not None:
        raise SaleAlreadyRecorded(existing)
    reason = " ".join(reason.split())
    if not reason:
        raise SaleError(_l("Give the reason for the return."))
    if len(reason) > REASON_LENGTH:
        raise SaleError(_l("Keep the reason under %(max)d characters.", max=REASON_LENGTH))
    if sale.kind != "sale":
        raise SaleError(_l("Only a sale can be returned, not a return."))
    now = utcnow()
    try:
        with transaction():
            # Two returns of one sale at once: the second waits here, then sees what the first gave back.
            db.session.refresh(sale, with_for_update=True)
            wanted = returned_quantities(sale, quantities)
            total = 0
            record = PosSale(
                number=number, outlet_id=sale.outlet_id, user=user, kind=kind, reverses_sale=sale,
                reason=reason, restocked=restock, payment_kind=sale.payment_kind, total=0, created_at=now,
            )
            db.session.add(record)
            for line, left, qty in sorted(wanted, key=lambda item: item[0].product_id):  # lock order
                amount, cost = give_back_line(line, left, qty)
                total += amount
                db.session.add(reversal_of(line, qty=qty, amount=amount, cost_amount=cost if restock else 0,
                                           sold_at=now, source=number, pos_sale=record))
                if restock:
                    move_stock(outlet=sale.outlet, product=line.product, kind="return", on_hand_change=qty,
                               reason=reason, reference=number[:REFERENCE_LENGTH], user=user)
            record.total = -total
    except IntegrityError:
        if (existing := find_sale(number)) is None:
            raise
        raise SaleAlreadyRecorded(existing) from None
    return record


def returned_quantities(sale: PosSale, quantities: dict[int, int] | None) -> list[tuple[SaleLine, LineLeft, int]]:
    """(line, what it has left, units coming back) for each line that gives something back;
    None: everything left."""
    lines = sale_lines_left(sale)
    if quantities is None:
        wanted = [(line, left, left.qty) for line, left in lines if left.qty > 0]
        if not wanted:
            raise SaleError(_l("Everything on this sale was already given back."))
        return wanted
    language = current_language()
    return units_coming_back(quantities, {line.id: (line, left, line.product.name(language)) for line, left in lines})


def units_coming_back(quantities: dict[int, int],
                      lines: dict[int, tuple[SaleLine | None, LineLeft, str]]) -> list[tuple[SaleLine, LineLeft, int]]:
    """(sale line, what it has left, units) for each entry of `quantities` (a line's id → the
    units coming back) that gives something back. `lines` are those that may: id → its sale
    line (None if it was never sold), what that has left, the name to show. Refused when a
    line is not among them or has fewer units left, or when nothing comes back at all."""
    wanted = []
    for line_id, qty in quantities.items():
        if line_id not in lines:
            raise SaleError(_l("That line is not on this page; reload it and try again."))
        if qty == 0:
            continue
        check_quantity(qty)
        sale_line, left, name = lines[line_id]
        if sale_line is None or qty > left.qty:
            raise SaleError(_l("Only %(left)d of %(name)s can still come back.", left=left.qty, name=name))
        wanted.append((sale_line, left, qty))
    if not wanted:
        raise SaleError(_l("Enter how many of at least one item come back."))
    return wanted

"""Recording sales: the stock leaves and the sales ledger grows in one transaction.

The till (storefront.manage.pos) reads products as an outlet can sell them (`PosItem`),
prices the sale being rung up (`price_cart`) and completes it with `record_sale`.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from storefront.accounts.models import User
from storefront.catalog.listing import ProductFilters, visibility_conditions
from storefront.catalog.models import Product
from storefront.catalog.services import slugify
from storefront.clock import utcnow, vietnam_today
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.outlets.models import Outlet, StockLevel
from storefront.outlets.services import StockError, check_quantity, move_stock
from storefront.sales.models import PAYMENT_KINDS, PosSale, SaleLine
from storefront.transactions import transaction

# Crockford's base32: no I, L, O or U, so a number read aloud or retyped is not misread.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_TOKEN_LENGTH = 8  # 40 bits: repeats within one outlet's day are out of reach


class SaleError(StockError):
    pass


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


def available_at(outlet: Outlet):
    """available = on_hand − reserved at this outlet; 0 where the outlet never had the product."""
    level = and_(StockLevel.product_id == Product.id, StockLevel.outlet_id == outlet.id)
    return StockLevel.on_hand - StockLevel.reserved, level


def pos_items(outlet: Outlet, product_ids: list[int]) -> dict[int, PosItem]:
    """These products with what is available at the outlet, sellable or not, in one query."""
    if not product_ids:
        return {}
    available, level = available_at(outlet)
    rows = db.session.execute(
        db.select(Product, available.label("available"))
        .outerjoin(StockLevel, level)
        .where(Product.id.in_(product_ids))
        .options(selectinload(Product.certification))
    )
    return {product.id: PosItem(product, qty or 0) for product, qty in rows}


def find_pos_item(outlet: Outlet, product_code: str) -> PosItem | None:
    """By code as typed or scanned; codes are upper case, cashiers may not type them so."""
    typed = product_code.strip()[:30]
    product_id = db.session.scalar(db.select(Product.id).where(Product.code.in_({typed, typed.upper()})))
    return pos_items(outlet, [product_id]).get(product_id) if product_id else None


def search_pos_items(outlet: Outlet, text: str, *, limit: int) -> tuple[list[PosItem], int]:
    """Sellable products in stock here whose code is the text, or whose name has a word
    starting with each word typed, tone marks optional: "nuoc mam" finds "Nước mắm".

    The slug is the name folded the same way (no tone marks, đ→d, words joined by "-"),
    so SQL matches word starts on it; the index would rank the whole catalogue instead.
    """
    typed = text.strip()[:30]
    if not typed:
        return [], 0
    by_code = Product.code.in_({typed, typed.upper()})
    words = [word for word in slugify(text).split("-") if word]
    by_name = and_(
        *(or_(Product.slug.startswith(word), Product.slug.contains(f"-{word}")) for word in words)
    ) if words else false()
    available, level = available_at(outlet)
    matches = (
        db.select(Product.id)
        .join(StockLevel, level)
        .where(
            *visibility_conditions(ProductFilters()),
            Product.group != "tourism",
            available > 0,
            or_(by_code, by_name),
        )
    )
    total = db.session.scalar(db.select(func.count()).select_from(matches.subquery()))
    ids = db.session.scalars(
        matches.order_by(case((by_code, 0), else_=1), Product.name_vi, Product.id).limit(limit)
    ).all()
    items = pos_items(outlet, list(ids))
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
        )
    )


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
            raise SaleError(_l("The cash received is less than the total."))
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
                    SaleLine(
                        product=line.product, outlet_id=outlet.id, channel="in_store", qty=line.qty,
                        unit_price=line.product.price, amount=line.product.price * line.qty,
                        cost_amount=line.product.unit_cost * line.qty, source=sale.number,
                        pos_sale=sale, sold_at=sale.created_at,
                    )
                )
    except IntegrityError:
        # Another request committed this very number first: that one is the sale.
        if (existing := find_sale(number)) is None:
            raise
        raise SaleAlreadyRecorded(existing) from None
    return sale

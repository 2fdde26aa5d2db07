"""The stock ledger. Every change to a level writes its move in the same transaction.

Levels change through one conditional UPDATE (`… WHERE on_hand + :d >= reserved + :r …`),
so two checkouts racing for the last units cannot both win, on PostgreSQL as on SQLite.
Multi-line operations touch levels in (outlet, product) order so they never deadlock.
Public functions that end in a commit are one transaction each; `move_stock` joins the
caller's transaction so other domains (POS sales, orders) can combine it with their rows.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_number, lazy_gettext as _l, ngettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, bindparam, case, false, func, or_, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from storefront.accounts.models import User
from storefront.audit.services import record_change
from storefront.catalog.models import Product
from storefront.catalog.services import code_or_name_matches, slugify
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.lookups import scalars_where_in
from storefront.outlets.directory import with_places
from storefront.outlets.models import Outlet, StockLevel, StockMove
from storefront.transactions import transaction

MAX_QTY = 1_000_000
REFERENCE_LENGTH = StockMove.reference.type.length


class StockError(ValueError):
    """A stock change that was refused; the message is meant for the user."""


class OutOfStock(StockError):
    def __init__(self, product: Product, outlet: Outlet, available: int, wanted: int, reserved: int = 0):
        self.product, self.outlet, self.available, self.wanted = product, outlet, available, wanted
        self.reserved = reserved
        super().__init__(self.message())

    def message(self) -> str:
        return _l(
            "Only %(available)d of %(product)s available at %(outlet)s; %(wanted)d asked.",
            available=self.available, product=self.product.name(current_language()), outlet=self.outlet.name,
            wanted=self.wanted,
        )


class TakingReserved(OutOfStock):
    """The refusal a manager taking stock out sees: the pages show on hand, so it says how much
    of it orders hold and how much can be taken."""

    def message(self) -> str:
        return ngettext(
            "%(product)s: %(num)d of the %(on_hand)d on hand is reserved for orders, so at most %(available)d "
            "can be taken (%(wanted)d asked).",
            "%(product)s: %(num)d of the %(on_hand)d on hand are reserved for orders, so at most %(available)d "
            "can be taken (%(wanted)d asked).",
            self.reserved, product=self.product.name(current_language()), on_hand=self.available + self.reserved,
            available=self.available, wanted=self.wanted,
        )


def taking_reserved(error: OutOfStock) -> OutOfStock:
    """A manager's adjustment or transfer refused: the error that says orders hold part of the stock."""
    if not error.reserved:
        return error
    return TakingReserved(error.product, error.outlet, error.available, error.wanted, error.reserved)


def check_quantity(qty: int, *, allow_zero: bool = False) -> None:
    if not isinstance(qty, int) or isinstance(qty, bool):
        raise StockError(_l("A quantity is a whole number."))
    if qty < 0 or (qty == 0 and not allow_zero) or qty > MAX_QTY:
        raise StockError(_l("A quantity is a whole number from 1 to %(max)s.", max=format_number(MAX_QTY)))


def ensure_level(outlet_id: int, product_id: int) -> None:
    """Create the (outlet, product) level at zero if missing, safely under concurrency."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(StockLevel)
        .values(outlet_id=outlet_id, product_id=product_id, on_hand=0, reserved=0, low_stock_threshold=5)
        .on_conflict_do_nothing(index_elements=["outlet_id", "product_id"])
    )


def find_level(outlet: Outlet, product: Product) -> StockLevel | None:
    return db.session.scalar(
        db.select(StockLevel).where(
            StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id
        )
    )


def apply_change(outlet: Outlet, product: Product, on_hand_change: int, reserved_change: int):
    """The one conditional UPDATE that keeps on hand, reserved and available from going negative."""
    return db.session.execute(
        update(StockLevel)
        .where(
            StockLevel.outlet_id == outlet.id,
            StockLevel.product_id == product.id,
            StockLevel.reserved + reserved_change >= 0,
            StockLevel.on_hand + on_hand_change >= StockLevel.reserved + reserved_change,
        )
        .values(
            on_hand=StockLevel.on_hand + on_hand_change,
            reserved=StockLevel.reserved + reserved_change,
        )
        # Not flushing the moves written before it: they go in one INSERT at the next flush.
        .execution_options(synchronize_session=False, autoflush=False)
    )


def move_stock(
    *,
    outlet: Outlet,
    product: Product,
    kind: str,
    on_hand_change: int = 0,
    reserved_change: int = 0,
    reason: str = "",
    lot_code: str | None = None,
    reference: str = "",
    user: User | None = None,
) -> StockMove:
    """Apply one change and write its move, inside the caller's transaction (no commit).

    Refused with OutOfStock when it would leave on hand, reserved or available below zero.
    """
    result = apply_change(outlet, product, on_hand_change, reserved_change)
    if result.rowcount == 0 and find_level(outlet, product) is None:
        ensure_level(outlet.id, product.id)  # the first move of this product here
        result = apply_change(outlet, product, on_hand_change, reserved_change)
    if result.rowcount != 1:
        level = db.session.execute(
            db.select(StockLevel.reserved, StockLevel.available).where(
                StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id
            )
        ).one()
        if level.reserved + reserved_change < 0:
            # Releasing or handing over more than was reserved: not a shortage of stock.
            raise StockError(
                _l(
                    "Only %(reserved)d of %(product)s reserved at %(outlet)s; %(wanted)d asked.",
                    reserved=level.reserved, product=product.name(current_language()),
                    outlet=outlet.name, wanted=-reserved_change,
                )
            )
        # What the change takes from the available quantity.
        wanted = reserved_change - on_hand_change
        raise OutOfStock(product, outlet, level.available, wanted, level.reserved)
    move = StockMove(
        outlet_id=outlet.id,
        product_id=product.id,
        kind=kind,
        on_hand_change=on_hand_change,
        reserved_change=reserved_change,
        reason=reason,
        lot_code=lot_code,
        reference=reference,
        user_id=user.id if user else None,
    )
    db.session.add(move)
    return move


def in_lock_order(lines: list[tuple[Product, int]]) -> list[tuple[Product, int]]:
    return sorted(lines, key=lambda line: line[0].id)


@dataclass
class ReceiptLine:
    product: Product
    qty: int
    lot_code: str | None = None


def receive_stock(*, outlet: Outlet, lines: list[ReceiptLine], user: User | None, reference: str = "") -> list[StockMove]:
    if not lines:
        raise StockError(_l("Add at least one line to receive."))
    for line in lines:
        check_quantity(line.qty)
    with transaction():
        return [
            move_stock(
                outlet=outlet, product=line.product, kind="receive", on_hand_change=line.qty,
                lot_code=line.lot_code or None, reference=reference, user=user,
            )
            for line in sorted(lines, key=lambda line: line.product.id)
        ]


def adjust_stock(*, outlet: Outlet, product: Product, change: int, reason: str, user: User | None) -> StockMove:
    """Correct on-hand stock (breakage, samples, found goods): a reason is required."""
    if not reason.strip():
        raise StockError(_l("An adjustment needs a reason."))
    # Not abs(change): it fails on a string with a TypeError and lets True through as 1.
    check_quantity(-change if isinstance(change, int) and change < 0 else change)
    with transaction():
        try:
            move = move_stock(
                outlet=outlet, product=product, kind="adjust", on_hand_change=change,
                reason=reason.strip(), user=user,
            )
        except OutOfStock as error:
            raise taking_reserved(error) from error
        audit_level_change(outlet, product, change, action="adjust", reason=move.reason, user=user)
        return move


def count_stock(*, outlet: Outlet, counts: list[tuple[Product, int]], user: User | None, reference: str = "",
                expected: Mapping[int, int] | None = None) -> list[StockMove]:
    """A stock-take: on hand becomes what was counted. All lines or none. With `expected`
    (product id: the on hand a preview showed), a level that moved since refuses the count."""
    if not counts:
        raise StockError(_l("The count has no lines."))
    seen: set[int] = set()
    for product, _counted in counts:
        if product.id in seen:
            raise StockError(
                _l("%(product)s is counted twice; keep one line per product.",
                   product=product.name(current_language()))
            )
        seen.add(product.id)
    moves = []
    with transaction():
        for product, counted in in_lock_order(counts):
            check_quantity(counted, allow_zero=True)
            ensure_level(outlet.id, product.id)
            level = db.session.execute(
                db.select(StockLevel)
                .where(StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id)
                .with_for_update()
            ).scalar_one()
            db.session.refresh(level)
            if expected is not None and expected.get(product.id, 0) != level.on_hand:
                raise StockError(
                    _l("The stock of %(product)s changed since the preview (now %(on_hand)d); upload the count again.",
                       product=product.name(current_language()), on_hand=level.on_hand)
                )
            if counted < level.reserved:
                raise StockError(count_below_reserved(outlet, product, counted, level.reserved))
            if counted != level.on_hand:
                change = counted - level.on_hand
                moves.append(
                    move_stock(
                        outlet=outlet, product=product, kind="count",
                        on_hand_change=change, reason="stock-take",
                        reference=reference, user=user,
                    )
                )
                audit_level_change(outlet, product, change, action="count",
                                   reason=" ".join(("stock-take", reference)).strip(), user=user)
    return moves


def count_below_reserved(outlet: Outlet, product: Product, counted: int, reserved: int) -> str:
    """Why a count below what orders hold here cannot apply, and what to do about it: on hand
    may not drop below reserved, so those orders must be cancelled or handed over first."""
    orders = orders_holding(outlet, product)
    return ngettext(
        "%(product)s: counted %(counted)d but %(reserved)d are reserved for order %(orders)s. "
        "Cancel that order or hand it over, then upload the count again.",
        "%(product)s: counted %(counted)d but %(reserved)d are reserved for orders %(orders)s. "
        "Cancel those orders or hand them over, then upload the count again.",
        len(orders), product=product.name(current_language()), counted=counted, reserved=reserved,
        orders=", ".join(orders),
    )


def orders_holding(outlet: Outlet, product: Product) -> list[str]:
    """The numbers of the orders still holding some of this product here, read from the ledger:
    an order's reserve, release and sale moves carry its number as their reference."""
    return list(db.session.scalars(
        db.select(StockMove.reference)
        .where(StockMove.outlet_id == outlet.id, StockMove.product_id == product.id, StockMove.reference != "")
        .group_by(StockMove.reference)
        .having(func.sum(StockMove.reserved_change) > 0)
        .order_by(StockMove.reference)
    ))


def audit_level_change(outlet: Outlet, product: Product, change: int, *, action: str, reason: str,
                       user: User | None) -> None:
    """Log a change a person made to a level (adjustments and counts; the other moves are sales,
    orders and deliveries, which have their own records), in the move's transaction."""
    level = db.session.execute(
        db.select(StockLevel).where(StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id)
    ).scalar_one()
    db.session.refresh(level)  # the level changed through a bulk UPDATE
    record_change(actor=user, record=level, action=action,
                  before={"on_hand": level.on_hand - change, "reason": None},
                  after={"on_hand": level.on_hand, "reason": reason},
                  label=f"{product.name_vi} · {outlet.code}")


def transfer_stock(
    *, source: Outlet, destination: Outlet, product: Product, qty: int, user: User | None, reason: str = ""
) -> tuple[StockMove, StockMove]:
    if source.id == destination.id:
        raise StockError(_l("Choose another outlet to transfer to."))
    check_quantity(qty)
    reference = f"TRF-{source.code}-{destination.code}"[:REFERENCE_LENGTH]
    legs = sorted(
        [(source, "transfer_out", -qty), (destination, "transfer_in", qty)], key=lambda leg: leg[0].id
    )
    with transaction():
        try:
            moves = {
                kind: move_stock(
                    outlet=outlet, product=product, kind=kind, on_hand_change=change,
                    reason=reason, reference=reference, user=user,
                )
                for outlet, kind, change in legs
            }
        except OutOfStock as error:
            raise taking_reserved(error) from error
    return moves["transfer_out"], moves["transfer_in"]


def return_stock(*, outlet: Outlet, product: Product, qty: int, reason: str, reference: str = "", user: User | None = None) -> StockMove:
    """Goods coming back from a customer go on hand again."""
    check_quantity(qty)
    with transaction():
        return move_stock(
            outlet=outlet, product=product, kind="return", on_hand_change=qty,
            reason=reason, reference=reference, user=user,
        )


def set_low_stock_threshold(*, outlet: Outlet, product: Product, threshold: int) -> None:
    check_quantity(threshold, allow_zero=True)
    with transaction():
        ensure_level(outlet.id, product.id)
        db.session.execute(
            update(StockLevel)
            .where(StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id)
            .values(low_stock_threshold=threshold)
        )


@dataclass
class LevelDifference:
    outlet_code: str
    product_code: str
    on_hand: int
    on_hand_from_moves: int
    reserved: int
    reserved_from_moves: int


def check_stock() -> list[LevelDifference]:
    """Recompute every level from the ledger and list where the two disagree.

    A level row that is missing although its moves add up to something is a difference too
    (the level reads as zero), so the pairs come from both tables.
    """
    ledger = (
        db.select(
            StockMove.outlet_id,
            StockMove.product_id,
            func.sum(StockMove.on_hand_change).label("on_hand"),
            func.sum(StockMove.reserved_change).label("reserved"),
        )
        .group_by(StockMove.outlet_id, StockMove.product_id)
        .cte("ledger")
    )
    pairs = union(
        db.select(StockLevel.outlet_id, StockLevel.product_id),
        db.select(ledger.c.outlet_id, ledger.c.product_id),
    ).subquery("pairs")
    on_hand, reserved = func.coalesce(StockLevel.on_hand, 0), func.coalesce(StockLevel.reserved, 0)
    on_hand_from_moves = func.coalesce(ledger.c.on_hand, 0)
    reserved_from_moves = func.coalesce(ledger.c.reserved, 0)
    rows = db.session.execute(
        db.select(Outlet.code, Product.code, on_hand, on_hand_from_moves, reserved, reserved_from_moves)
        .select_from(pairs)
        .join(Outlet, Outlet.id == pairs.c.outlet_id)
        .join(Product, Product.id == pairs.c.product_id)
        .outerjoin(
            StockLevel,
            (StockLevel.outlet_id == pairs.c.outlet_id) & (StockLevel.product_id == pairs.c.product_id),
        )
        .outerjoin(
            ledger, (ledger.c.outlet_id == pairs.c.outlet_id) & (ledger.c.product_id == pairs.c.product_id)
        )
        .where((on_hand != on_hand_from_moves) | (reserved != reserved_from_moves))
        .order_by(Outlet.code, Product.code)
    )
    return [LevelDifference(*row) for row in rows]


class OutletError(ValueError):
    """An outlet operation that was refused; the message is lazy, so pages show it in the
    visitor's language and `flask users create` in English."""


# --- Who runs which outlet ---------------------------------------------------------------------
# A link is audited on both sides: the manager's page and the outlet's page each show it.


def manager_emails(outlet: Outlet) -> list[str]:
    return sorted(user.email for user in outlet.managers)


def outlet_codes(user: User) -> list[str]:
    return sorted(outlet.code for outlet in user.outlets)


def link_manager(*, outlet: Outlet, user: User, actor: User | None, linked: bool) -> None:
    """Add or remove one link and audit it, in the caller's transaction."""
    before_codes, before_emails = outlet_codes(user), manager_emails(outlet)
    if linked:
        user.outlets.append(outlet)
    else:
        user.outlets.remove(outlet)
    record_change(actor=actor, record=user, action="assign_outlet" if linked else "unassign_outlet",
                  before={"outlets": before_codes}, after={"outlets": outlet_codes(user)}, label=user.email)
    record_change(actor=actor, record=outlet, action="assign_manager" if linked else "unassign_manager",
                  before={"managers": before_emails}, after={"managers": manager_emails(outlet)})


def assign_outlets(*, user: User, codes: list[str], actor: User | None = None) -> list[Outlet]:
    """Link a manager to the outlets they run, by code, and commit (with the user if new).

    All or nothing: an unknown code links none. Only managers are linked: staff and admins
    already run every outlet, and customers run none.
    """
    codes = sorted({code.strip() for code in codes if code.strip()})
    with transaction():
        if codes and user.role != "manager":
            raise OutletError(_l("Only managers are linked to outlets; this account's role is %(role)s.",
                                 role=user.role))
        outlets = list(db.session.scalars(db.select(Outlet).where(Outlet.code.in_(codes)).order_by(Outlet.code)))
        unknown = sorted(set(codes) - {outlet.code for outlet in outlets})
        if unknown:
            raise OutletError(_l("Unknown outlet code: %(codes)s.", codes=", ".join(unknown)))
        for outlet in outlets:
            if outlet not in user.outlets:
                link_manager(outlet=outlet, user=user, actor=actor, linked=True)
    return outlets


def assign_manager(*, outlet: Outlet, user: User, actor: User | None) -> None:
    """`user` runs `outlet` from now on (a manager account: staff and admins run every outlet)."""
    if user.role != "manager":
        raise OutletError(_l("%(email)s is not a manager: change the account's role to manager first.",
                             email=user.email))
    if outlet in user.outlets:
        raise OutletError(_l("%(email)s already runs %(outlet)s.", email=user.email, outlet=outlet.code))
    with transaction():
        link_manager(outlet=outlet, user=user, actor=actor, linked=True)


def unassign_manager(*, outlet: Outlet, user: User, actor: User | None, commit: bool = True) -> None:
    """`user` no longer runs `outlet`; commit=False leaves it to the caller's transaction."""
    if outlet not in user.outlets:
        return
    if not commit:
        link_manager(outlet=outlet, user=user, actor=actor, linked=False)
        return
    with transaction():
        link_manager(outlet=outlet, user=user, actor=actor, linked=False)


# --- Reading stock --------------------------------------------------------------------------

STOCK_PER_PAGE = 50
MOVES_PER_PAGE = 50
PICKER_SUGGESTIONS = 8


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
        statement = statement.where(code_or_name_matches(q))
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


def levels_at(outlet: Outlet, product_ids: set[int]) -> dict[int, StockLevel]:
    """The outlet's levels of these products, by product id (none where it holds none)."""
    return {
        level.product_id: level
        for level in scalars_where_in(db.select(StockLevel).where(StockLevel.outlet_id == outlet.id),
                                      StockLevel.product_id, product_ids)
    }


def stock_count_rows(outlet: Outlet) -> list[tuple[str, int, str, str]]:
    """(code, on hand, name, unit) of every product held here, by code: a stock-take sheet's lines."""
    return [tuple(row) for row in db.session.execute(
        db.select(Product.code, StockLevel.on_hand, Product.name_vi, Product.unit)
        .join(StockLevel, StockLevel.product_id == Product.id)
        .where(StockLevel.outlet_id == outlet.id)
        .order_by(Product.code)
    )]


def stock_here(outlet: Outlet, product_ids: list[int]) -> list[tuple[Product, int]]:
    """These products, with their certification, and what is available of each at the outlet
    (0 where it never had the product), in one query."""
    if not product_ids:
        return []
    rows = db.session.execute(
        db.select(Product, StockLevel.available)
        .outerjoin(StockLevel, (StockLevel.product_id == Product.id) & (StockLevel.outlet_id == outlet.id))
        .where(Product.id.in_(product_ids))
        .options(selectinload(Product.certification))
    )
    return [(product, available or 0) for product, available in rows]


def in_stock_matching(outlet: Outlet, text: str, *, limit: int) -> tuple[list[int], int]:
    """The ids of the first `limit` sellable products available here whose code is the text,
    or whose name has a word starting with each word typed, tone marks optional ("nuoc mam"
    finds "Nước mắm"); the code's match first, then by name. And how many match in all.

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
    matches = (
        db.select(Product.id)
        .join(StockLevel, (StockLevel.product_id == Product.id) & (StockLevel.outlet_id == outlet.id))
        .where(Product.is_sellable, StockLevel.available > 0, or_(by_code, by_name))
    )
    total = db.session.scalar(db.select(func.count()).select_from(matches.subquery()))
    ids = db.session.scalars(
        matches.order_by(case((by_code, 0), else_=1), Product.name_vi, Product.id).limit(limit)
    ).all()
    return list(ids), total


def pick_products(outlet: Outlet, q: str) -> list[dict]:
    """Up to PICKER_SUGGESTIONS products for the stock forms' product picker: the code (exact
    first) or the name, with or without diacritics, each with what this outlet holds."""
    q = " ".join(q.split())[:100]
    if not q:
        return []
    rows = db.session.execute(
        db.select(Product, StockLevel.on_hand)
        .outerjoin(StockLevel, (StockLevel.product_id == Product.id) & (StockLevel.outlet_id == outlet.id))
        .where(code_or_name_matches(q))
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


def all_outlets() -> list[Outlet]:
    """Every outlet, active or closed, by code."""
    return list(db.session.scalars(db.select(Outlet).order_by(Outlet.code)))


def outlet_by_code(code: str) -> Outlet | None:
    return db.session.scalar(db.select(Outlet).where(Outlet.code == code[:20]))


def other_active_outlets(outlet: Outlet) -> list[Outlet]:
    """Where this outlet may send stock: any active sales point but itself."""
    return list(
        db.session.scalars(
            db.select(Outlet).where(Outlet.active.is_(True), Outlet.id != outlet.id).order_by(Outlet.code)
        )
    )


# The cart's statements, built once: building one and its cache key anew on each request cost
# more than running it. A cart holds at most a few dozen products (orders.cart.MAX_CART_LINES).
LARGEST_STOCK = (
    db.select(StockLevel.product_id, func.max(StockLevel.available))
    .join(Outlet, Outlet.id == StockLevel.outlet_id)
    .where(StockLevel.product_id.in_(bindparam("product_ids", expanding=True)), Outlet.active.is_(True))
    .group_by(StockLevel.product_id)
)
SUPPLIES = with_places(
    db.select(Outlet, StockLevel.product_id, StockLevel.available)
    .join(StockLevel, StockLevel.outlet_id == Outlet.id)
    .where(Outlet.active.is_(True), StockLevel.product_id.in_(bindparam("product_ids", expanding=True))),
    loader=joinedload,
)


def largest_stock(product_ids: list[int]) -> dict[int, int]:
    """For each product, the most available at any single active outlet (0 when none has it)."""
    rows = db.session.execute(LARGEST_STOCK, {"product_ids": list(product_ids)})
    found = dict(rows.tuples().all())
    return {product_id: max(found.get(product_id, 0), 0) for product_id in product_ids}


@dataclass
class SupplyingOutlet:
    outlet: Outlet
    available: dict[int, int]  # product id → available there, for every product asked about


@dataclass
class Availability:
    largest: dict[int, int]  # product id → the most available at any single active outlet (0: none)
    suppliers: list[SupplyingOutlet]  # outlets with every product in the wanted quantity, most stock first


def find_availability(quantities: dict[int, int]) -> Availability:
    """Where these products (by id, with the wanted quantities) can be had: one query for every
    active outlet's levels of them, with the outlets and their places (a cart's lines times the
    outlets, a few hundred rows at most), worked out here. A checkout reads it on every request,
    so it is one round trip rather than one per question."""
    held: dict[int, dict[int, int]] = {}
    outlets: dict[int, Outlet] = {}
    if quantities:
        rows = db.session.execute(SUPPLIES, {"product_ids": list(quantities)})
        for outlet, product_id, available in rows:
            outlets[outlet.id] = outlet
            held.setdefault(outlet.id, {})[product_id] = available
    largest = {product_id: max([0, *(have.get(product_id, 0) for have in held.values())]) for product_id in quantities}
    suppliers = [
        SupplyingOutlet(outlets[outlet_id], {product_id: have[product_id] for product_id in quantities})
        for outlet_id, have in held.items()
        if all(have.get(product_id, 0) >= qty for product_id, qty in quantities.items())
    ]
    suppliers.sort(key=lambda supplier: (-sum(supplier.available.values()), supplier.outlet.name, supplier.outlet.id))
    return Availability(largest, suppliers)

"""Sales points, who manages them, and their stock: levels plus the ledger of moves."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint, event
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.accounts.models import User
from storefront.catalog.models import Area, Product
from storefront.clock import utcnow
from storefront.extensions import db, trigram_index
from storefront.search.analysis import folded

OUTLET_KINDS = ("district_point", "provincial_centre", "partner_shop")

outlet_managers = Table(
    "outlet_manager",
    db.metadata,
    Column("outlet_id", ForeignKey("outlet.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class Outlet(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    address: Mapped[str] = mapped_column(String(255))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str] = mapped_column(String(20), default="")
    opening_hours: Mapped[str] = mapped_column(String(200), default="")
    directions: Mapped[str] = mapped_column(Text, default="")
    pickup_enabled: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)  # open; a closed outlet keeps its history
    closed_at: Mapped[datetime | None]
    # The Vietnamese days it opened and closed, for the plan dashboard's history of the network.
    opened_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    closed_reason: Mapped[str | None] = mapped_column(String(255))
    # Code, name and address folded (no tone marks, lowercase), for the staff's outlet search.
    search_text: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # The bank account its VietQR transfer codes pay into (empty: the operator's, see storefront.vietqr).
    bank_bin: Mapped[str] = mapped_column(String(6), default="", server_default="")
    bank_account_number: Mapped[str] = mapped_column(String(19), default="", server_default="")
    bank_account_name: Mapped[str] = mapped_column(String(70), default="", server_default="")

    area: Mapped[Area] = relationship()
    managers: Mapped[list[User]] = relationship(secondary=outlet_managers, backref="outlets")

    @property
    def district(self) -> Area | None:
        return self.area.find_level("district")


class OutletEarlierOpening(db.Model):
    """A period an outlet was open before it closed and was reopened: its current period is on
    the outlet (opened_on, closed_on), and the plans' history of the network counts it open on
    every day of each period."""

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), index=True)
    opened_on: Mapped[date | None]  # None: opened before the network kept dates
    closed_on: Mapped[date]


def outlet_search_text(code: str, name: str, address: str) -> str:
    return folded(f"{code} {name} {address}")


@event.listens_for(Outlet, "before_insert")
@event.listens_for(Outlet, "before_update")
def fold_for_search(_mapper, _connection, outlet: Outlet) -> None:
    outlet.search_text = outlet_search_text(outlet.code, outlet.name, outlet.address)


class StockLevel(db.Model):
    __table_args__ = (
        UniqueConstraint("outlet_id", "product_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    low_stock_threshold: Mapped[int] = mapped_column(default=5)

    outlet: Mapped[Outlet] = relationship()
    product: Mapped[Product] = relationship()

    # The one definition of these two rules, in Python on a level and in SQL in a query
    # (StockLevel.available > 0); the same expression reads both ways.
    @hybrid_property
    def available(self) -> int:
        """What can still be sold or reserved: on hand − reserved (never below 0)."""
        return self.on_hand - self.reserved

    @hybrid_property
    def is_low(self) -> bool:
        return self.available <= self.low_stock_threshold


MOVE_KINDS = (
    "receive", "sale", "adjust", "reserve", "release", "return",
    "transfer_out", "transfer_in", "count",
)


# Reasons the code writes on stock moves, stored in English: shown in the reader's language.
SYSTEM_REASONS = {
    "stock-take": _l("stock-take"),
    "refunded and returned": _l("refunded and returned"),
}


class StockMove(db.Model):
    """One change to a level; levels always equal the sum of their moves."""

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    kind: Mapped[str] = mapped_column(String(20))
    on_hand_change: Mapped[int] = mapped_column(default=0)
    reserved_change: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(255), default="")
    lot_code: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(40), default="", index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship()
    outlet: Mapped[Outlet] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def shown_reason(self) -> str:
        """The reason in the current language when the code wrote it; as typed by a person otherwise."""
        return str(SYSTEM_REASONS.get(self.reason, self.reason))


db.Index("ix_stock_move_outlet_product", StockMove.outlet_id, StockMove.product_id, StockMove.id)
trigram_index("ix_outlet_search_text_trgm", Outlet.search_text)  # the staff's outlet search

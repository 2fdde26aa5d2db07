"""The sales ledger: every product sold, online or in store, one immutable row each."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.accounts.models import User
from storefront.catalog.models import Product
from storefront.clock import utcnow
from storefront.extensions import Money, db
from storefront.outlets.models import Outlet

CHANNELS = ("online", "in_store")
PAYMENT_KINDS = ("cash", "card", "transfer")
# A till receipt is a sale, or gives back (part of) an earlier one: a return of some goods, or a
# void of everything that was left of the sale.
POS_KINDS = ("sale", "return", "void")


class PosSale(db.Model):
    """An in-store sale at a sales point, or a return or void of one; its lines are its SaleLine
    rows (negative for a return or void, each linked to the line it gives back)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(10), default="sale", server_default="sale")
    # A return or void: the sale it gives back, why, and whether the goods went back on the shelf.
    reverses_sale_id: Mapped[int | None] = mapped_column(ForeignKey("pos_sale.id"), index=True)
    reason: Mapped[str] = mapped_column(String(255), default="", server_default="")
    restocked: Mapped[bool | None]
    payment_kind: Mapped[str] = mapped_column(String(10))
    total: Mapped[Money]  # negative for a return or void: what the customer got back
    cash_received: Mapped[Money | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    outlet: Mapped[Outlet] = relationship()
    user: Mapped[User] = relationship()
    lines: Mapped[list[SaleLine]] = relationship(back_populates="pos_sale", order_by="SaleLine.id")
    reverses_sale: Mapped[PosSale | None] = relationship(remote_side=[id], back_populates="returns")
    returns: Mapped[list[PosSale]] = relationship(back_populates="reverses_sale", order_by="PosSale.id")

    @property
    def change_due(self) -> int:
        return (self.cash_received or 0) - self.total if self.payment_kind == "cash" else 0


def counts_at_default(context) -> datetime:
    """A sale counts when it is made; only a reversal says otherwise (see SaleLine.counts_at)."""
    return context.get_current_parameters().get("sold_at") or utcnow()


class SaleLine(db.Model):
    """Revenue as recognised: quantities and amounts are negative for refunds, returns and
    voids, and such a line links to the line it reverses."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    qty: Mapped[int]
    unit_price: Mapped[int]
    amount: Mapped[Money]
    cost_amount: Mapped[Money]
    sold_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The moment the line counts for in period figures (the growth report, monthly charts): its
    # own sold_at, but for a reversal the sold_at of the sale it reverses, so a refund lowers the
    # period of that sale. Copied, since ledger rows never change, so that period sums stay one
    # range of an index.
    counts_at: Mapped[datetime] = mapped_column(default=counts_at_default)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("sale_line.id"))
    source: Mapped[str] = mapped_column(String(40))
    pos_sale_id: Mapped[int | None] = mapped_column(ForeignKey("pos_sale.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)

    product: Mapped[Product] = relationship()
    pos_sale: Mapped[PosSale | None] = relationship(back_populates="lines")
    reverses: Mapped[SaleLine | None] = relationship(remote_side=[id])


# The growth report and product charts sum a product's lines over a period: with the amounts in
# the index SQLite reads them from the index alone, without a lookup per line.
db.Index(
    "ix_sale_line_product_counts_at_amounts",
    SaleLine.product_id, SaleLine.counts_at, SaleLine.amount, SaleLine.cost_amount,
)
# What is left to give back of a line: only reversals link, so the index holds only them.
db.Index(
    "ix_sale_line_reverses_id", SaleLine.reverses_id,
    sqlite_where=SaleLine.reverses_id.is_not(None), postgresql_where=SaleLine.reverses_id.is_not(None),
)

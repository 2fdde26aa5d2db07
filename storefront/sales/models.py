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


class PosSale(db.Model):
    """An in-store sale at a sales point; its lines are its SaleLine rows."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    payment_kind: Mapped[str] = mapped_column(String(10))
    total: Mapped[Money]
    cash_received: Mapped[Money | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    outlet: Mapped[Outlet] = relationship()
    user: Mapped[User] = relationship()
    lines: Mapped[list[SaleLine]] = relationship(back_populates="pos_sale", order_by="SaleLine.id")

    @property
    def change_due(self) -> int:
        return (self.cash_received or 0) - self.total if self.payment_kind == "cash" else 0


class SaleLine(db.Model):
    """Revenue as recognised: quantities and amounts are negative for refunds."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    qty: Mapped[int]
    unit_price: Mapped[int]
    amount: Mapped[Money]
    cost_amount: Mapped[Money]
    sold_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(40))
    pos_sale_id: Mapped[int | None] = mapped_column(ForeignKey("pos_sale.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)

    product: Mapped[Product] = relationship()
    pos_sale: Mapped[PosSale | None] = relationship(back_populates="lines")


# The growth report and product charts sum a product's lines over a period: with the amounts in
# the index SQLite reads them from the index alone, without a lookup per line.
db.Index(
    "ix_sale_line_product_sold_at_amounts",
    SaleLine.product_id, SaleLine.sold_at, SaleLine.amount, SaleLine.cost_amount,
)

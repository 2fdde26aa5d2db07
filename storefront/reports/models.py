"""What the growth report compares against: pre-OCOP baselines and declared revenue (the plans'
targets are in storefront.plans)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.catalog.models import Product
from storefront.clock import utcnow
from storefront.extensions import Money, db

BASELINE_SOURCES = ("declared", "audited")


class Baseline(db.Model):
    """The 12 months before the product joined OCOP: revenue and profit in VND."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), unique=True)
    revenue: Mapped[Money]
    profit: Mapped[Money]
    source: Mapped[str] = mapped_column(String(10), default="declared")
    note: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship()


class DeclaredRevenue(db.Model):
    """What the producer reports for a calendar year across all its channels, not only ours."""

    __table_args__ = (UniqueConstraint("product_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    year: Mapped[int]
    revenue: Mapped[Money]
    profit: Mapped[Money]
    note: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship()


HUNDREDTH = Decimal("0.01")


class Hundredths(TypeDecorator):
    """A number with at most two decimals, stored exactly as a whole number of hundredths
    (1.5 is stored as 150): a float column would hold 1.1 as 1.100000000000000088…, and
    SQLite has no exact decimal type. In SQL the column is the hundredths themselves."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect) -> int | None:
        if value is None:
            return None
        hundredths = Decimal(value) * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError(f"{value} has more than two decimals")
        return int(hundredths)

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(HUNDREDTH)

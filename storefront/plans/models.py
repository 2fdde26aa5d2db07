"""A plan (a province or the whole country, a year or a range of years), a target per indicator,
and the re-evaluations staff have scheduled for lapsed or lapsing certificates."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.accounts.models import User
from storefront.catalog.models import Area, Product
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.reports.models import Hundredths

GROWTH_RATIO = "growth_ratio"  # the share of due products whose year one reached the growth target


class Plan(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)  # None: the whole country
    first_year: Mapped[int]
    last_year: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Count by the areas of the plan's time (False) or by today's, after mergers (True).
    todays_areas: Mapped[bool] = mapped_column(default=False, server_default=db.false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    area: Mapped[Area | None] = relationship()
    targets: Mapped[list[PlanIndicator]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanIndicator.id"
    )

    @property
    def starts_on(self) -> date:
        return date(self.first_year, 1, 1)

    @property
    def ends_on(self) -> date:
        return date(self.last_year, 12, 31)

    @property
    def years(self) -> str:
        return str(self.first_year) if self.first_year == self.last_year else f"{self.first_year}–{self.last_year}"

    def target_of(self, indicator: str) -> PlanIndicator | None:
        return next((target for target in self.targets if target.indicator == indicator), None)


class PlanIndicator(db.Model):
    """A plan's target for one indicator: a number (`low`) or a range (`low`–`high`), exact to
    the hundredth whatever the indicator's unit (products, per cent, times the baseline)."""

    __table_args__ = (UniqueConstraint("plan_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(30))
    low: Mapped[Decimal] = mapped_column("low_hundredths", Hundredths)
    high: Mapped[Decimal | None] = mapped_column("high_hundredths", Hundredths)

    plan: Mapped[Plan] = relationship(back_populates="targets")


class ScheduledReevaluation(db.Model):
    """Staff marked this product's re-evaluation as scheduled on a day (one per product)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), unique=True)
    scheduled_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(255), default="", server_default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship()
    user: Mapped[User | None] = relationship()

"""What Stripe told us: each webhook event once, and the payments held for staff to look into."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.accounts.models import User
from storefront.clock import utcnow
from storefront.extensions import Money, db
from storefront.orders.models import Order


class StripeEvent(db.Model):
    """Each webhook event is applied once: its id is the primary key."""

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentReview(db.Model):
    """A payment Stripe reports that does not match its order (another PaymentIntent, currency or
    amount): the order is left as it was, and staff look into it and mark it resolved."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str | None] = mapped_column(String(255))  # None when reconcile found it
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)
    payment_intent_id: Mapped[str] = mapped_column(String(255))
    amount: Mapped[Money]  # in the smallest unit of `currency`, as Stripe reports it
    currency: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    order: Mapped[Order | None] = relationship()
    resolved_by: Mapped[User | None] = relationship()

"""The outbox: every message the shop sends, written in the transaction of the change that
causes it, and delivered later by `flask mail send`."""
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storefront.clock import utcnow
from storefront.extensions import db

PENDING, SENT, FAILED = "pending", "sent", "failed"  # failed: given up after MAX_ATTEMPTS


class OutboxMessage(db.Model):
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # what caused it: "order:paid", "password_reset"…
    to_name: Mapped[str] = mapped_column(String(255))
    to_email: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a sender may take it next: now when written, later after a failure (backing off),
    # or a few minutes on while a sender holds it.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


# The senders' one query: the pending messages that are due, oldest first.
db.Index("ix_outbox_message_status_next_attempt_at", OutboxMessage.status, OutboxMessage.next_attempt_at)

"""One row per change to a back-office record, a stock level, a role or an outlet assignment."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.accounts.models import User
from storefront.clock import utcnow
from storefront.extensions import db


class AuditEntry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    record_type: Mapped[str] = mapped_column(String(30))  # the table's name: product, outlet…
    record_id: Mapped[int]
    record_label: Mapped[str] = mapped_column(String(200), default="")  # its name at the time
    action: Mapped[str] = mapped_column(String(20))  # create, update, deactivate, revoke, adjust…
    # {"field": [before, after]}, values as JSON (dates as ISO text).
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()


# The log is browsed newest first, by record, by person or by kind of record: each filter walks
# its own index backwards from the newest entry, whatever the size of the log.
db.Index("ix_audit_entry_record", AuditEntry.record_type, AuditEntry.record_id, AuditEntry.id)
db.Index("ix_audit_entry_user", AuditEntry.user_id, AuditEntry.id)
db.Index("ix_audit_entry_type", AuditEntry.record_type, AuditEntry.id)

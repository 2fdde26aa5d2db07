"""Writing and reading the audit log. An entry joins the caller's transaction (no commit here), so
a change and its entry are saved together or not at all."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy.orm import selectinload

from storefront.accounts.models import User
from storefront.audit.models import AuditEntry
from storefront.extensions import db

LABEL_LENGTH = AuditEntry.record_label.type.length


def json_value(value):
    """A column value as JSON can hold it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def snapshot(record, fields: Iterable[str]) -> dict:
    """The record's values of these fields, as they are now."""
    return {field: json_value(getattr(record, field)) for field in fields}


def record_change(
    *,
    actor: User | None,
    record,
    action: str,
    before: dict | None = None,
    after: dict | None = None,
    label: str | None = None,
) -> AuditEntry | None:
    """Log a change to `record` (a model with an integer id) in the current transaction.

    `before` and `after` map field names to values; only fields whose value differs are kept.
    An update that changed nothing writes nothing and returns None.
    """
    before, after = before or {}, after or {}
    changes = {
        field: [json_value(before.get(field)), json_value(after.get(field))]
        for field in {**before, **after}
        if json_value(before.get(field)) != json_value(after.get(field))
    }
    if action == "update" and not changes:
        return None
    if record.id is None:
        db.session.flush()  # a new record: its id is what the entry points at
    entry = AuditEntry(
        user_id=actor.id if actor is not None else None,
        record_type=record.__tablename__,
        record_id=record.id,
        record_label=(label if label is not None else str(getattr(record, "name", "")))[:LABEL_LENGTH],
        action=action,
        changes=changes,
    )
    db.session.add(entry)
    return entry


def record_history(*records, limit: int = 50) -> list[AuditEntry]:
    """The newest entries about these records (one, or a record and its parts: a product with
    its evaluations and lots), for the record's own page."""
    ids_by_type: dict[str, list[int]] = {}
    for record in records:
        ids_by_type.setdefault(record.__tablename__, []).append(record.id)
    return list(
        db.session.scalars(
            db.select(AuditEntry)
            .where(db.or_(*(
                (AuditEntry.record_type == record_type) & AuditEntry.record_id.in_(ids)
                for record_type, ids in ids_by_type.items()
            )))
            .order_by(AuditEntry.id.desc())
            .limit(limit)
            .options(selectinload(AuditEntry.user))
        )
    )

"""Writing and reading the audit log. An entry joins the caller's transaction (no commit here), so
a change and its entry are saved together or not at all."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from storefront.accounts.models import User
from storefront.audit.models import AuditEntry
from storefront.clock import utc_start_of, utcnow
from storefront.extensions import db

LABEL_LENGTH = AuditEntry.record_label.type.length
PER_PAGE = 50


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


def changed_fields(before: dict | None, after: dict | None) -> dict:
    """{"field": [before, after]} for the fields whose value differs."""
    before, after = before or {}, after or {}
    changes = {}
    for field in {**before, **after}:
        old, new = json_value(before.get(field)), json_value(after.get(field))
        if old != new:
            changes[field] = [old, new]
    return changes


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
    changes = changed_fields(before, after)
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


@dataclass(frozen=True)
class Change:
    """One record's change, for record_changes."""

    record_id: int
    label: str
    before: dict | None
    after: dict


def record_changes(*, actor: User | None, model: type, action: str, changes: list[Change]) -> int:
    """Log many changes to records of one kind at once (an import), as one bulk INSERT in the
    current transaction; the same rule as record_change. Returns how many entries it wrote."""
    now = utcnow()
    rows = [
        {
            "created_at": now,
            "user_id": actor.id if actor is not None else None,
            "record_type": model.__tablename__,
            "record_id": change.record_id,
            "record_label": change.label[:LABEL_LENGTH],
            "action": action,
            "changes": fields,
        }
        for change in changes
        if (fields := changed_fields(change.before, change.after)) or action != "update"
    ]
    if rows:
        db.session.execute(insert(AuditEntry), rows)
    return len(rows)


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


# --- Browsing the whole log ------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    user: User | None = None
    record_type: str | None = None
    first_day: date | None = None  # Vietnamese calendar days, both included
    last_day: date | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    newer_than: int | None  # pass as `after` for the page of newer entries; None: this is the newest
    older_than: int | None  # pass as `before` for the page of older entries; None: this is the oldest


def audit_page(filters: AuditFilters, *, before: int | None = None, after: int | None = None,
               per_page: int = PER_PAGE) -> AuditPage:
    """One page of entries, newest first, that start `before` an id or end `after` one.

    Keyset pagination on the id: each filter walks its index from a known id, so a page costs
    the same on the first page and the thousandth, and no page counts the log. A date range
    becomes a range of ids first (entries are numbered in the order they are written).
    """
    bounds = id_bounds(filters.first_day, filters.last_day)
    if bounds is None:
        return AuditPage([], None, None)
    low, high = bounds
    statement = select(AuditEntry).options(selectinload(AuditEntry.user))
    if filters.user is not None:
        statement = statement.where(AuditEntry.user_id == filters.user.id)
    if filters.record_type:
        statement = statement.where(AuditEntry.record_type == filters.record_type)
    if low is not None:
        statement = statement.where(AuditEntry.id >= low)
    if high is not None:
        statement = statement.where(AuditEntry.id < high)
    if after is not None:  # the page just above: read upwards, then show newest first
        rows = list(db.session.scalars(
            statement.where(AuditEntry.id > after).order_by(AuditEntry.id).limit(per_page + 1)
        ))
        more_newer = len(rows) > per_page
        entries = rows[:per_page][::-1]
        return AuditPage(entries, entries[0].id if entries and more_newer else None,
                         entries[-1].id if entries else None)
    if before is not None:
        statement = statement.where(AuditEntry.id < before)
    rows = list(db.session.scalars(statement.order_by(AuditEntry.id.desc()).limit(per_page + 1)))
    entries = rows[:per_page]
    return AuditPage(entries, entries[0].id if entries and before is not None else None,
                     entries[-1].id if len(rows) > per_page else None)


def id_bounds(first_day: date | None, last_day: date | None) -> tuple[int | None, int | None] | None:
    """The ids written within the days, as [low, high): None for an open end; None in place of
    the pair when no entry can match."""
    low = high = None
    if first_day is not None:
        low = first_id_from(utc_start_of(first_day))
        if low is None:
            return None  # nothing written since that day
    if last_day is not None:
        high = first_id_from(utc_start_of(last_day + timedelta(days=1)))
    return low, high


def first_id_from(moment: datetime) -> int | None:
    return db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.created_at >= moment)
        .order_by(AuditEntry.created_at, AuditEntry.id).limit(1)
    )

"""The catalogue version: one number that every change to what the catalogue pages show raises
in the change's own transaction, so caches keyed by it (facet counts here, whole pages in
storefront.page_cache) are never stale, in any worker or on any server.

ORM flushes are seen by after_flush, bulk INSERT/UPDATE/DELETE statements (imports, the
synthetic seed) by do_orm_execute; the version is raised once, just before the commit. Stock is
left out on purpose: it changes with every sale (a product page's cache key carries its own).
"""
from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import TypeVar

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import ORMExecuteState, Session

from storefront.catalog.models import CatalogueVersion
from storefront.clock import vietnam_today
from storefront.driver_reads import driver_rows
from storefront.extensions import cache, db
from storefront.transactions import listen_to_sessions

VERSIONED_TABLES = frozenset(
    {"area", "producer", "product", "evaluation", "trace_lot", "trace_event", "product_photo", "outlet",
     "outlet_earlier_opening"}
)
CHANGED_KEY = "catalogue_changed"
VERSION = select(CatalogueVersion.version).where(CatalogueVersion.id == 1)

T = TypeVar("T")


def note_flushed_changes(session: Session, _flush_context) -> None:
    # Dirty means an attribute was set, maybe to its old value: only real changes count.
    changed = chain(session.new, session.deleted,
                    (obj for obj in session.dirty if session.is_modified(obj, include_collections=False)))
    if any(obj.__table__.name in VERSIONED_TABLES for obj in changed):
        session.info[CHANGED_KEY] = True


def note_bulk_changes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None and table.name in VERSIONED_TABLES:
            state.session.info[CHANGED_KEY] = True


def raise_version(session: Session) -> None:
    """In the committing transaction: what it changed and the new version commit together."""
    session.flush()  # the last changes are flushed after this hook otherwise
    if session.info.pop(CHANGED_KEY, False):
        session.execute(update(CatalogueVersion).where(CatalogueVersion.id == 1)
                        .values(version=CatalogueVersion.version + 1))


def forget_changes(session: Session, *_args) -> None:
    session.info.pop(CHANGED_KEY, None)


def current_version(connection=None) -> int:
    """The committed version (or this transaction's own, read through its session)."""
    if connection is not None:  # a stored page's answer
        rows = driver_rows(connection, VERSION)
        return rows[0][0] if rows else 0
    return db.session.scalar(VERSION) or 0


def cached_per_version(name: str, compute: Callable[[], T]) -> T:
    """compute() once per catalogue version and Vietnamese day (certificates expire by the
    calendar), shared by every request of this worker, or every server with Redis."""
    key = f"{name}:v{current_version()}:{vietnam_today().isoformat()}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found)
    return found


def init_app(app: Flask) -> None:
    listen_to_sessions(
        ("after_flush", note_flushed_changes),
        ("do_orm_execute", note_bulk_changes),
        ("before_commit", raise_version),
        ("after_rollback", forget_changes),
    )

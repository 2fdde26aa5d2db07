"""What every file import shares once its lines are checked: writing them in bulk and saying
what it did. Reading and checking the file is storefront.spreadsheets; each import (baselines,
declared revenue, producers, products, evaluations) knows its own columns and rules.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, update

from storefront.extensions import db


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped: int = 0  # lines left out on purpose (no figures in them)
    unchanged: int = 0  # lines that match what is already saved
    indexed_later: bool = False  # so many products changed that search follows after the request


def save_rows(model: type, new: list[dict], changed: list[dict]) -> None:
    """Insert the new rows and update the changed ones (each with its id), as two bulk
    statements: one ORM object per line took most of a 100,000-line import. (Not INSERT …
    RETURNING: to return ids in the rows' order SQLAlchemy sends SQLite one row at a time.)"""
    if new:
        db.session.execute(insert(model), new)
    if changed:
        db.session.execute(update(model), changed)


def write_rows(model: type, rows: list[dict], existing_id: Callable[[dict], int | None]) -> ImportResult:
    """Save rows that replace whatever the same key held, new or not."""
    new, changed = [], []
    for row in rows:
        row_id = existing_id(row)
        if row_id is None:
            new.append(row)
        else:
            changed.append(row | {"id": row_id})
    save_rows(model, new, changed)
    return ImportResult(created=len(new), updated=len(changed))

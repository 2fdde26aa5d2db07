from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from storefront.extensions import db

T = TypeVar("T")


@contextmanager
def transaction():
    """One business operation, one transaction: commit all of it or undo all of it."""
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def once_more_if_raced(upsert: Callable[[], T]) -> T:
    """An upsert in one transaction. If someone else created one of the same rows meanwhile, a
    unique constraint refuses ours; the second attempt finds their row and updates it instead."""
    try:
        with transaction():
            return upsert()
    except IntegrityError:
        with transaction():
            return upsert()

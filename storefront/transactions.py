from contextlib import contextmanager

from storefront.extensions import db


@contextmanager
def transaction():
    """One business operation, one transaction: commit all of it or undo all of it."""
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise

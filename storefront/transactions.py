"""Transactions: one per business operation, and what runs once one has committed."""
import logging
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from storefront.extensions import db

T = TypeVar("T")
CALLBACKS_KEY = "on_commit"
logger = logging.getLogger(__name__)


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


# After commit: the search index and the mail sender learn of a change only once it is committed
# (another process could not see it before), and never of one that was rolled back.


def on_commit(callback: Callable[[], None], session: Session | None = None) -> None:
    """Run callback() once the session's current transaction has committed; forget it if the
    transaction, or the savepoint open now, rolls back. A callback cannot use the session that
    committed (it is between transactions): it opens its own."""
    session = session if session is not None else db.session()
    if not session.in_transaction():
        session.begin()  # the transaction it waits for, so that a rollback now forgets it
    waiting, entry = session.info.setdefault(CALLBACKS_KEY, []), (callback, open_savepoints(session))
    if entry not in waiting:  # once per commit, however many changes asked for it
        waiting.append(entry)


def open_savepoints(session: Session) -> tuple[SessionTransaction, ...]:
    chain, savepoint = [], session.get_nested_transaction()
    while savepoint is not None and savepoint.nested:
        chain.append(savepoint)
        savepoint = savepoint.parent
    return tuple(chain)


def run_callbacks(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the outer transaction may still roll back
    for callback, _savepoints in session.info.pop(CALLBACKS_KEY, []):
        try:
            callback()
        except Exception:  # the change has committed: the caller's request or command goes on
            logger.exception("An after-commit callback failed: %r", callback)


def forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    callbacks = session.info.get(CALLBACKS_KEY)
    if not callbacks:
        return
    if previous_transaction.nested:
        callbacks[:] = [(callback, savepoints) for callback, savepoints in callbacks
                        if previous_transaction not in savepoints]
    else:
        session.info.pop(CALLBACKS_KEY)


def forget_uncommitted(session: Session, ended: SessionTransaction) -> None:
    """A transaction closed without commit or rollback (session.close()) committed nothing."""
    if ended.parent is None:
        session.info.pop(CALLBACKS_KEY, None)


def init_app(_app) -> None:
    for name, listener in (
        ("after_commit", run_callbacks),
        ("after_soft_rollback", forget_rolled_back),
        ("after_transaction_end", forget_uncommitted),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)

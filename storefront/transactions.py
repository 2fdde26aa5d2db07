"""Transactions: one per business operation, and what runs once one has committed."""
import logging
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from storefront.extensions import db

T = TypeVar("T")
WAITING_KEY, COMMITTED_KEY = "on_commit", "on_commit_committed"
WROTE_KEY = "transaction_wrote"
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
    transaction, or the savepoint open now, rolls back. It runs once the transaction has ended
    and its connection is back in the pool, so it costs no second connection; it opens its own
    session (or uses db.session, which begins a new transaction)."""
    session = session if session is not None else db.session()
    if not session.in_transaction():
        session.begin()  # the transaction it waits for, so that a rollback now forgets it
    session.info.setdefault(WAITING_KEY, []).append((callback, open_savepoints(session)))


def open_savepoints(session: Session) -> tuple[SessionTransaction, ...]:
    chain, savepoint = [], session.get_nested_transaction()
    while savepoint is not None and savepoint.nested:
        chain.append(savepoint)
        savepoint = savepoint.parent
    return tuple(chain)


def note_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the outer transaction may still roll back
    session.info[COMMITTED_KEY] = session.info.pop(WAITING_KEY, [])


def forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    waiting = session.info.get(WAITING_KEY)
    if waiting and previous_transaction.nested:
        waiting[:] = [(callback, savepoints) for callback, savepoints in waiting
                      if previous_transaction not in savepoints]


def run_committed(session: Session, ended: SessionTransaction) -> None:
    """At the end of the outermost transaction: the callbacks of a commit run, any others (a
    rollback, a close without commit) are forgotten."""
    if ended.parent is not None:
        return
    session.info.pop(WAITING_KEY, None)
    for callback, _savepoints in session.info.pop(COMMITTED_KEY, []):
        try:
            callback()
        except Exception:  # the change has committed: the caller's request or command goes on
            logger.exception("An after-commit callback failed: %r", callback)


def listen_to_sessions(*listeners: tuple[str, Callable]) -> None:
    """Have every session call each (event name, listener) pair, once however many apps are
    made (the tests make several): the listeners belong to the session class, not to an app."""
    for name, listener in listeners:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


# PostgreSQL: a transaction that wrote nothing ends with COMMIT. psycopg prepares a statement
# it has run five times on a connection, and PostgreSQL then plans it once rather than at each
# run (the outlets holding a product, joined to their places: ~0.5 ms of planning). But psycopg
# forgets every prepared statement when its connection rolls back, and each read-only request
# ended in a rollback (the session closed, the connection back in the pool): nothing was ever
# prepared. For a transaction that wrote nothing, COMMIT does what ROLLBACK does (the locks of
# a SELECT ... FOR UPDATE are released alike) and keeps them: PostgreSQL's CPU per purchase
# halved. A transaction that wrote, or failed, still rolls back.


def begin_watching_for_writes(connection: Connection) -> None:
    connection.info[WROTE_KEY] = False


def note_writes(connection: Connection, _cursor, statement: str, _parameters, context, _executemany) -> None:
    reads_only = statement.lstrip()[:6].upper() == "SELECT" and not (
        context is not None and (context.isinsert or context.isupdate or context.isdelete))
    if not reads_only:
        mark_written(connection)


def mark_written(connection: Connection) -> None:
    """For a write SQLAlchemy does not see (a COPY on the driver's own cursor): the transaction
    must roll back if it does not commit."""
    connection.info[WROTE_KEY] = True


def commit_what_only_read(connection: Connection) -> None:
    """Before a rollback: a transaction that only read commits instead (the rollback that
    follows has nothing left to do). A connection found broken is left to that rollback, which
    SQLAlchemy handles as it always has."""
    import psycopg
    from psycopg.pq import TransactionStatus

    if connection.dialect.name != "postgresql" or connection.invalidated or connection.info.get(WROTE_KEY) is not False:
        return
    driver_connection = connection.connection.dbapi_connection
    if driver_connection.info.transaction_status == TransactionStatus.INTRANS:
        try:
            driver_connection.commit()
        except psycopg.OperationalError:  # the server or the network went away meanwhile
            pass


def init_app(_app) -> None:
    for name, listener in (("begin", begin_watching_for_writes), ("before_cursor_execute", note_writes),
                           ("rollback", commit_what_only_read)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)
    listen_to_sessions(
        ("after_commit", note_committed),
        ("after_soft_rollback", forget_rolled_back),
        ("after_transaction_end", run_committed),
    )

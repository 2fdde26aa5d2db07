"""The product search index (Whoosh): keeping it in step with the database. Searching it is
storefront.search.queries.

The index follows a change log: session listeners collect the ids of changed products while
flushing and write them to the search_change table in the same transaction (a rollback forgets
them). Each index folder keeps a cursor, the last row it applied, and applies the rows past it:
after this process's commits, at the start of a request at most every SEARCH_SYNC_SECONDS, and
with `flask search sync`. So an update that could not get the lock is applied later rather than
dropped, and a second app server with its own folder hears of every change.
Whoosh takes about a millisecond a product, so more than SEARCH_INLINE_LIMIT rows (a bulk
import) are applied by a thread of its own and the request answers without waiting for it.
Several worker processes share one index folder: writers wait for Whoosh's lock with a
timeout, and each thread keeps a searcher that it reopens once any process has committed.
`flask search reindex` builds a new index beside the live one (another index name in the same
folder) and swaps it in by rewriting the folder's CURRENT file; searches and updates go on.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta, timezone
from functools import partial
from itertools import chain

import numpy as np
from flask import Flask, current_app
from sqlalchemy import delete, func, insert, inspect, select, update
from sqlalchemy.orm import Session, selectinload
from whoosh.codec.whoosh3 import W3Codec
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index, LockError
from whoosh.multiproc import MpWriter
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from storefront.catalog.models import (
    CERTIFIED_MIN_STARS,
    Area,
    Evaluation,
    Producer,
    Product,
)
from storefront.catalog.versions import current_version
from storefront.clock import utcnow, vietnam_today
from storefront.extensions import db
from storefront.lookups import where_in
from storefront.search.analysis import EXACT, plain_analyzer, prefix_analyzer
from storefront.search.models import PRUNED_MARK, SearchChange
from storefront.search.postings import (
    CACHED_BYTES, NO_DOCUMENTS, SNAPSHOT_BYTES, ArrayCache, bm25, read_codes, read_column, read_lengths, read_postings,
    segment_key,
)
from storefront.transactions import listen_to_sessions, on_commit

logger = logging.getLogger(__name__)

# A term's postings are read into arrays a block at a time (postings.read_postings), and the first
# read of a long list costs mostly per block: with Whoosh's 128 postings a block, a suggestion for
# a one-letter prefix took 10–25 ms until the process had read that prefix. Blocks of 4,096 read
# the short prefixes about twice as fast (larger ones hardly faster). Whoosh's own matchers skip
# block by block; searches here read whole lists.
POSTINGS_PER_BLOCK = 4096

SCHEMA = Schema(
    id=ID(unique=True, stored=True),
    slug=STORED,
    # No positions (phrase=False): no query here needs them, and they slow indexing down.
    name=TEXT(analyzer=plain_analyzer(), phrase=False, stored=True, field_boost=3.0),
    # The name as written, to rank "cá" above "cà" when the shopper typed the marks.
    name_exact=TEXT(analyzer=EXACT, phrase=False),
    name_ngram=TEXT(analyzer=prefix_analyzer(), phrase=False),
    # The English name, so "fish sauce" finds and suggests "Nước mắm" (empty without one).
    name_en=TEXT(analyzer=plain_analyzer(), phrase=False, stored=True, field_boost=3.0),
    name_en_ngram=TEXT(analyzer=prefix_analyzer(), phrase=False),
    body=TEXT(analyzer=plain_analyzer(), phrase=False),
    group=ID(stored=True, sortable=True),
    # Stars of the current certification, 0 without one. Fields matched only by exact value
    # have no numeric tiers (shift_step=0): tiers cost ~8 postings per value when indexing.
    stars=NUMERIC(int, stored=True, sortable=True, shift_step=0),
    province_id=NUMERIC(int, sortable=True, shift_step=0),
    district_id=NUMERIC(int, sortable=True, shift_step=0),
    # Columns only: compared per document (Whoosh numeric range queries over most of the
    # index are slow) or used for sorting. Dates are yyyymmdd; 0 means never shown.
    visible_from=COLUMN(NumericColumn("i")),
    visible_until=COLUMN(NumericColumn("i")),
    price=COLUMN(NumericColumn("q")),
    created=COLUMN(NumericColumn("q")),
)

PENDING_KEY = "search_pending"
CURRENT_FILE = "CURRENT"  # names the live index among those in the folder
LOAD_BATCH = 500  # ids per IN (...) query, well under SQLite's parameter limit
REINDEX_JOB_SIZE = 500  # documents a reindex process takes at a time
REINDEX_LIMIT_MB = 1024  # postings a reindex process keeps in memory (~50,000 products)



class Snapshot:
    """A searcher and the arrays read for it, kept until the index changes. Document numbers
    are Whoosh's (a segment's offset plus its own number); the arrays hold one value per
    document, the deleted ones included."""

    def __init__(self, searcher: Searcher, index: Index, cache: ArrayCache) -> None:
        self.searcher = searcher
        self.index = index
        self.cache = cache
        # An empty index has no segment, or one empty reader.
        self.segments = [(segment, offset) for segment, offset in searcher.reader().leaf_readers()
                         if segment.doc_count_all()]
        self.size = searcher.doc_count_all()
        self.weighting = searcher.weighting
        self.visible_day = 0
        self.visible = np.zeros(0, dtype=bool)
        self.arrays: dict[tuple, object] = {}  # one per field at most
        self.recent = ArrayCache(SNAPSHOT_BYTES)  # words' scores and filters

    def kept(self, key: tuple, read: Callable[[], object]):
        if key not in self.arrays:
            self.arrays[key] = read()
        return self.arrays[key]

    def live(self) -> np.ndarray:
        """True for each document not deleted."""

        def read() -> np.ndarray:
            live = np.ones(self.size, dtype=bool)
            for segment, offset in self.segments:
                if segment.has_deletions():
                    live[np.fromiter(segment.segment().deleted_docs(), dtype=np.int64) + offset] = False
            return live

        return self.kept(("live",), read)

    def term_scores(self, field: str, word: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents, their BM25F score) for a word in a field, as Whoosh would score them: the
        segments' weights and field lengths with the whole index's idf and average length."""

        def read() -> tuple[np.ndarray, np.ndarray]:
            docs, weights, lengths = [], [], []
            for segment, offset in self.segments:
                segment_docs, segment_weights = self.per_segment(segment, (field, word), partial(read_postings, segment, field, word))
                if len(segment_docs):
                    field_lengths, = self.per_segment(segment, ("length", field), partial(read_lengths, segment, field))
                    docs.append(segment_docs + offset)
                    weights.append(segment_weights)
                    lengths.append(field_lengths[segment_docs])
            if not docs:
                return NO_DOCUMENTS, np.zeros(0)
            scores = bm25(join(weights), join(lengths), self.searcher.idf(field, word),
                          self.searcher.avg_field_length(field) or 1, self.weighting.B, self.weighting.K1)
            return join(docs), scores

        return self.recent.get(("scores", field, word), read)

    def column(self, field: str) -> np.ndarray:
        """Each document's value of a column field: filters are applied and pages sorted from
        these arrays."""
        return self.kept(("column", field), lambda: join([self.segment_column(segment, field) for segment, _offset in self.segments]))

    def codes(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """(the column's distinct values, each document's place among them): facets are counted
        from these. Sorting out the values is the dear part, so it is done per segment."""

        def read() -> tuple[np.ndarray, np.ndarray]:
            parts = [self.per_segment(segment, ("codes", field), lambda segment=segment: read_codes(self.segment_column(segment, field)))
                     for segment, _offset in self.segments]
            values = np.unique(join([segment_values for segment_values, _codes in parts]))
            return values, join([np.searchsorted(values, segment_values)[codes] for segment_values, codes in parts])

        return self.kept(("codes", field), read)

    def segment_column(self, segment: IndexReader, field: str) -> np.ndarray:
        return self.per_segment(segment, ("column", field), partial(read_column, segment, field))[0]

    def per_segment(self, segment: IndexReader, key: tuple, read: Callable[[], tuple]) -> tuple[np.ndarray, ...]:
        """What `read` gives for a segment, kept by the process's cache while the segment lives."""
        return self.cache.get((segment_key(segment), *key), read)

    def having(self, field: str, values: Iterable) -> np.ndarray:
        """True for each document whose column value is one of `values` (the filters)."""
        values = sorted(values)
        return self.recent.get(("having", field, *values), lambda: (np.isin(self.column(field), values),))[0]

    def visible_mask(self) -> np.ndarray:
        """True for each document shoppers see today (certificates expire by the calendar, not
        by commits)."""
        today = day_number(vietnam_today())
        if today != self.visible_day:
            starts, ends = self.column("visible_from"), self.column("visible_until")
            self.visible = (starts > 0) & (starts <= today) & (today < ends)
            self.visible_day = today
        return self.visible

    def price_mask(self, low: int | None, high: int | None) -> np.ndarray:
        prices = self.column("price")
        mask = np.ones(self.size, dtype=bool)
        if low is not None:
            mask &= prices >= low
        if high is not None:
            mask &= prices <= high
        return mask


class SearchIndex:
    """One index folder, shared by every process; snapshots are kept per thread."""

    def __init__(self, dirname: str, lock_timeout: float, inline_limit: int, sync_seconds: float) -> None:
        self.dirname = dirname
        self.lock_timeout = lock_timeout
        self.inline_limit = inline_limit
        self.sync_seconds = sync_seconds
        self.next_sync = 0.0
        self.synced_version: int | None = None  # the catalogue version this process last synced at
        self.local = threading.local()
        self.storage = FileStorage(dirname).create()
        self.name = self.live_name()
        self.index = open_or_create(self.storage, self.name)
        self.background: list[threading.Thread] = []
        self.writing_later = threading.Lock()
        self.segment_cache = ArrayCache(CACHED_BYTES)

    def live_name(self) -> str:
        try:
            with open(os.path.join(self.dirname, CURRENT_FILE), encoding="ascii") as current:
                return current.read().strip() or "MAIN"
        except FileNotFoundError:
            return "MAIN"

    def follow_swap(self) -> None:
        """Open the index a rebuild (in any process) has swapped in."""
        if (name := self.live_name()) != self.name:
            self.name, self.index = name, open_or_create(self.storage, name)

    def snapshot(self) -> Snapshot:
        """This thread's snapshot, renewed when any process has committed since."""
        self.follow_swap()
        current: Snapshot | None = getattr(self.local, "snapshot", None)
        if current is not None and current.index is self.index and current.searcher.up_to_date():
            return current
        # Not Searcher.refresh(): in whoosh-reloaded 2.7.5 it keeps the segments a merge
        # replaced, so documents show up twice. Opening a new searcher is cheap.
        if current is not None:
            current.searcher.close()
        current = Snapshot(self.index.searcher(), self.index, self.segment_cache)
        self.local.snapshot = current
        return current

    def writer(self, timeout: float | None = None, **options) -> SegmentWriter:
        self.follow_swap()
        return self.index.writer(timeout=self.lock_timeout if timeout is None else timeout, codec=index_codec(),
                                 **options)

    # The change log

    def cursor_path(self, name: str | None = None) -> str:
        return os.path.join(self.dirname, f"{name or self.name}.cursor")

    def cursor(self) -> int:
        try:
            with open(self.cursor_path(), encoding="ascii") as saved:
                return int(saved.read().strip() or 0)
        except FileNotFoundError:
            return 0

    def save_cursor(self, value: int, name: str | None = None) -> None:
        """Written after the index commit: a crash in between applies the rows again, no harm."""
        temporary = f"{self.cursor_path(name)}.{os.getpid()}.{threading.get_ident()}"
        with open(temporary, "w", encoding="ascii") as saved:
            saved.write(str(value))
        os.replace(temporary, self.cursor_path(name))

    def sync(self, bind, *, lock_timeout: float | None = None, most: int | None = None) -> int:
        """Apply the change log past this folder's cursor, SEARCH_INLINE_LIMIT rows at a time;
        returns the rows applied. Stops after `most` rows (the rest is for later)."""
        applied = 0
        with Session(bind=bind) as session:
            self.follow_swap()
            # The cursor moves for the index it was read for: if a reindex swaps another in
            # meanwhile, that one's cursor is its own (these rows reach it once more, no harm).
            name, cursor = self.name, self.cursor()
            if cursor < pruned_through(session):
                self.mark_missed(name)
            while most is None or applied < most:
                rows = session.execute(
                    select(SearchChange.id, SearchChange.product_id).where(SearchChange.id > cursor)
                    .order_by(SearchChange.id).limit(self.inline_limit)
                ).all()
                if not rows:
                    break
                ids = {row.product_id for row in rows if row.product_id != PRUNED_MARK}
                write_products(session, self, ids, lock_timeout=lock_timeout)
                cursor = rows[-1].id
                self.save_cursor(cursor, name)
                applied += len(rows)
                session.expunge_all()
        return applied

    def missed_path(self, name: str | None = None) -> str:
        return os.path.join(self.dirname, f"{name or self.name}.missed")

    def mark_missed(self, name: str) -> None:
        """This index's cursor is before rows `flask search prune` deleted: it goes on applying
        the log, but only a reindex (which `flask search sync` then runs) makes it whole."""
        if not os.path.exists(self.missed_path(name)):
            logger.error("The search index %s missed changes pruned from the change log: run "
                         "`flask search sync` or `flask search reindex`.", name)
            with open(self.missed_path(name), "w", encoding="ascii"):
                pass

    def missed_changes(self) -> bool:
        self.follow_swap()
        return os.path.exists(self.missed_path())

    def backlog(self, bind) -> int:
        """Change-log rows past this folder's cursor, counted up to SEARCH_INLINE_LIMIT + 1."""
        with Session(bind=bind) as session:
            past = select(SearchChange.id).where(SearchChange.id > self.cursor()).limit(self.inline_limit + 1)
            return session.scalar(select(func.count()).select_from(past.subquery()))

    def catch_up(self, bind, *, lock_timeout: float | None = None) -> None:
        """Apply the log now when it is short, else in a thread so the request answers."""
        if self.backlog(bind) <= self.inline_limit:
            self.sync(bind, lock_timeout=lock_timeout)
        else:
            self.sync_later(bind)

    def follow_catalogue(self) -> None:
        """Before a search: apply the log when the catalogue version moved since the last look,
        so a page rendered (and cached) for a version never misses that version's changes."""
        version = current_version()
        if version != self.synced_version:
            self.catch_up(db.engine)
            self.synced_version = version

    def indexes_later(self, count: int) -> bool:
        """Whether a commit changing `count` products is indexed after the request."""
        return count > self.inline_limit

    def sync_later(self, bind) -> None:
        """Apply the log in a thread, SEARCH_INLINE_LIMIT rows (a few seconds) per writer, so that
        between two batches the other processes' writers get their turn; one such thread per
        process at a time."""
        if any(thread.is_alive() for thread in self.background):
            return

        def sync() -> None:
            try:
                with self.writing_later:
                    self.sync(bind)
            except Exception:
                logger.exception("Could not apply the search change log; it is tried again later.")

        thread = threading.Thread(target=sync, name="search-index", daemon=False)
        self.background = [thread]
        thread.start()

    def wait(self) -> None:
        """Until the products handed to threads are indexed."""
        for thread in self.background:
            thread.join()

    # Swapping a new index in

    def missing_fields(self) -> list[str]:
        """The fields of SCHEMA the live index lacks: it was built by an older version."""
        self.follow_swap()
        return [name for name in SCHEMA.names() if name not in self.index.schema]

    def build_beside(self) -> tuple[str, Index]:
        name = f"ix{time.time_ns()}"
        return name, self.storage.create_index(SCHEMA, indexname=name)

    def swap_in(self, name: str) -> None:
        """Make `name` the live index for every process, then remove the old one's files
        (processes still reading them keep them open until their next snapshot)."""
        old = self.name
        temporary = os.path.join(self.dirname, f"{CURRENT_FILE}.{os.getpid()}")
        with open(temporary, "w", encoding="ascii") as current:
            current.write(name)
        os.replace(temporary, os.path.join(self.dirname, CURRENT_FILE))
        self.follow_swap()
        self.discard(old)

    def discard(self, name: str) -> None:
        """Remove the files of index `name` (not the live one), its cursor and mark included."""
        for filename in self.storage.list():
            if filename.startswith((f"{name}_", f"_{name}_", f"{name}.")):
                self.storage.delete_file(filename)

    def recreate(self) -> None:
        """An empty index with the current schema swapped in, past the whole change log: it
        waits for `flask search reindex`, as a new server's folder does."""
        name, _index = self.build_beside()
        self.save_cursor(db.session.scalar(select(func.max(SearchChange.id))) or 0, name)
        self.swap_in(name)


def pruned_through(session: Session) -> int:
    """The last change-log row `flask search prune` deleted (kept as a mark, always the first
    row left: an index past it missed nothing); 0 before any pruning."""
    first = session.execute(select(SearchChange.id, SearchChange.product_id).order_by(SearchChange.id).limit(1)).first()
    return first.id if first is not None and first.product_id == PRUNED_MARK else 0


def prune_change_log(retention: timedelta) -> int:
    """Delete the change-log rows older than `retention`; returns how many. The newest of them
    stays as the mark of where the log now starts (and so that SQLite, which reuses the ids of
    rows deleted at the end of a table, never hands out an id a cursor has passed)."""
    last_old = db.session.scalar(select(func.max(SearchChange.id)).where(SearchChange.created_at < utcnow() - retention))
    if last_old is None:
        return 0
    deleted = db.session.execute(delete(SearchChange).where(SearchChange.id < last_old)).rowcount
    db.session.execute(update(SearchChange).where(SearchChange.id == last_old).values(product_id=PRUNED_MARK))
    db.session.commit()
    return deleted


def open_or_create(storage: FileStorage, name: str) -> Index:
    if not storage.index_exists(name):
        # Under the writers' lock, so workers starting together create it once and none
        # wipes another's first commit.
        lock = storage.lock(f"{name}_WRITELOCK")
        lock.acquire(blocking=True)
        try:
            if not storage.index_exists(name):
                storage.create_index(SCHEMA, indexname=name)
        finally:
            lock.release()
    index = storage.open_index(name)
    if is_outdated(index):
        logger.warning("Search index in %s is outdated: run `flask search reindex`.", storage.folder)
    return index


def is_outdated(index: Index) -> bool:
    """Whether the stored schema has other fields (Whoosh's own Schema equality compares
    column objects by identity, so it never holds after a round trip through the disk)."""

    def outline(schema: Schema) -> list[tuple[str, str]]:
        return [(name, type(field).__name__) for name, field in schema.items()]

    return outline(index.schema) != outline(SCHEMA)


def init_app(app: Flask) -> None:
    app.extensions["search"] = SearchIndex(
        app.config["SEARCH_INDEX_DIR"], app.config["SEARCH_LOCK_TIMEOUT"], app.config["SEARCH_INLINE_LIMIT"],
        app.config["SEARCH_SYNC_SECONDS"],
    )
    # After storefront.catalog.versions' before_commit listener: the log's rows are written
    # once the catalogue version's row is locked, so their ids rise in commit order.
    listen_to_sessions(
        ("after_flush", collect_changes),
        ("before_commit", log_changes),
        ("after_rollback", forget_changes),
    )
    app.before_request(sync_if_due)


def current_index() -> SearchIndex:
    return current_app.extensions["search"]


# Following commits


def pending_changes(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(PENDING_KEY, {"products": set(), "producers": set(), "areas": set()})


def follow_bulk_changes(*, products: Iterable[int] = (), producers: Iterable[int] = ()) -> None:
    """Bulk INSERT and UPDATE statements (imports) skip the flush these listeners follow: name
    the rows they wrote, to be re-indexed like the rest once the transaction commits."""
    pending = pending_changes(db.session())
    pending["products"].update(products)
    pending["producers"].update(producers)


def collect_changes(session: Session, flush_context) -> None:
    """Remember what this flush changed; the index is updated only once it is committed."""
    pending = pending_changes(session)
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Product):
            pending["products"].add(row_id(obj))
        elif isinstance(obj, Evaluation):
            # Loaded values only: loading an expired attribute of a deleted row would fail.
            if (product_id := inspect(obj).dict.get("product_id")) is not None:
                pending["products"].add(product_id)
        elif isinstance(obj, Producer):
            pending["producers"].add(row_id(obj))
        elif isinstance(obj, Area):
            pending["areas"].add(row_id(obj))


def row_id(obj) -> int:
    """The primary key without loading anything: new rows have it set by the flush,
    deleted ones keep it in their identity."""
    state = inspect(obj)
    return state.dict.get("id") or state.identity[0]


def forget_changes(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def log_changes(session: Session) -> None:
    """In the committing transaction: a change-log row per product whose indexed text changed."""
    session.flush()  # the last changes are flushed after this hook otherwise
    pending = session.info.pop(PENDING_KEY, None)
    if not pending or not any(pending.values()):
        return
    ids = sorted(pending["products"] | related_product_ids(session, pending))
    for start in range(0, len(ids), LOAD_BATCH):
        session.execute(insert(SearchChange), [{"product_id": i} for i in ids[start:start + LOAD_BATCH]])
    on_commit(partial(index_committed, session.get_bind()), session)


def index_committed(bind) -> None:
    """Apply the log (this commit's rows and any others'); a failure here never fails the
    request, and leaves the rows to the next sync."""
    if not current_app.config["SEARCH_FOLLOWS_COMMITS"]:
        return
    try:
        current_index().catch_up(bind)
    except Exception:
        logger.exception("Could not apply the search change log; it is tried again later.")


def sync_if_due() -> None:
    """At the start of a request, at most every SEARCH_SYNC_SECONDS: what other processes and
    servers changed. It never waits for another process's writer."""
    search_index = current_index()
    if time.monotonic() < search_index.next_sync or not current_app.config["SEARCH_FOLLOWS_COMMITS"]:
        return
    search_index.next_sync = time.monotonic() + search_index.sync_seconds
    try:
        search_index.catch_up(db.engine, lock_timeout=0)
    except LockError:
        pass  # another process is writing: its turn now, ours on a later request
    except Exception:
        logger.exception("Could not apply the search change log; it is tried again later.")


def related_product_ids(session: Session, pending: dict) -> set[int]:
    """Products whose indexed text mentions a changed producer or area name."""
    producers, areas = pending["producers"], pending["areas"]
    by_producer = select(Product.id).join(Producer, Product.producer_id == Producer.id)
    # One lookup per column, each in batches: an import may change 100,000 producers, more
    # values than one statement may bind.
    lookups = [(by_producer, Product.producer_id, producers), (by_producer, Producer.area_id, areas),
               (select(Product.id), Product.province_id, areas), (select(Product.id), Product.district_id, areas)]
    found: set[int] = set()
    for statement, column, values in lookups:
        if values:
            for narrowed in where_in(statement, column, values):
                found.update(session.scalars(narrowed))
    return found


# Writing


def index_products(product_ids: Iterable[int]) -> None:
    """(Re)index these products from the database; ids no longer there leave the index."""
    with Session(bind=db.session.get_bind()) as session:
        write_products(session, current_index(), set(product_ids))


def write_products(session: Session, search_index: SearchIndex, ids: set[int],
                   lock_timeout: float | None = None) -> None:
    if not ids:
        return
    ordered = sorted(ids)
    # Room for a nationwide import's postings in memory: past the default 128 MB Whoosh sorts
    # them through temporary files: nearly a fifth of the writing time for 16,000 products.
    with search_index.writer(timeout=lock_timeout, limitmb=256) as writer:
        # Read under the lock: a process that read a product before another's newer write and
        # committed after it would put the older text back while both cursors move past it.
        products = [
            product
            for start in range(0, len(ordered), LOAD_BATCH)
            for product in load_products(session, ordered[start : start + LOAD_BATCH])
        ]
        # An index of an older schema keeps following the catalogue (without the fields it
        # lacks) until `flask search reindex` replaces it.
        fields = set(writer.schema.names())
        for product in products:
            writer.update_document(**{name: value for name, value in document_for(product).items() if name in fields})
        for gone in ids - {product.id for product in products}:
            writer.delete_by_term("id", str(gone))


def rebuild(progress: Callable[[int], None] | None = None, writing: Callable[[int], None] | None = None,
            batch_size: int = 2000) -> int:
    """Index every product into a new index beside the live one and swap it in: searches and
    live updates use the live index meanwhile (the new one has a lock of its own), and the
    change-log rows written during the build are applied to the new index after the swap.
    `progress` hears of each batch of products read, `writing` when only the index files
    remain to be written, with the number of processes writing them."""
    search_index = current_index()
    search_index.wait()
    procs = max(1, current_app.config["SEARCH_REINDEX_PROCS"])
    count = 0
    bind = db.session.get_bind()
    with Session(bind=bind) as session:
        # Before any product is read: changes committed after this are in the log past it.
        cursor = session.scalar(select(func.max(SearchChange.id))) or 0
        name, index = search_index.build_beside()
        writer = new_index_writer(index, procs)
        try:
            for products in product_batches(session, batch_size):
                for product in products:
                    writer.add_document(**document_for(product))
                count += len(products)
                if progress is not None:
                    progress(len(products))
            if writing is not None:
                writing(procs)
        except BaseException:
            writer.cancel()
            search_index.discard(name)
            raise
        writer.commit()
    # Whoosh's MpWriter leaves out, without a word, a writer process that died (killed when
    # memory ran out, say): an index short of products is never swapped in.
    if (indexed := index.doc_count()) != count:
        search_index.discard(name)
        raise RuntimeError(f"The new search index has {indexed} of {count} products; the live one is kept.")
    search_index.save_cursor(cursor, name)
    search_index.swap_in(name)
    try:
        search_index.sync(bind)
    except LockError:
        logger.warning("The changes made during the reindex wait for the next sync (the index is locked).")
    return count


def new_index_writer(index: Index, procs: int) -> SegmentWriter:
    """With several processes, each indexes batches of documents into a segment of its own
    (multisegment: merging them would cost about as much again); this process reads the
    products. Each keeps REINDEX_LIMIT_MB of postings in memory: with 256 MB Whoosh sorted
    a run to a temporary file every ~17,500 products, and 50,000 products cost 63 s of CPU
    instead of 43 s."""
    if procs == 1:
        return index.writer(limitmb=REINDEX_LIMIT_MB, codec=index_codec())
    return MpWriter(index, procs=procs, batchsize=REINDEX_JOB_SIZE, multisegment=True, limitmb=REINDEX_LIMIT_MB,
                    codec=index_codec())


def index_codec() -> W3Codec:
    """Whoosh's format with POSTINGS_PER_BLOCK: segments written before keep theirs, and read alike."""
    return W3Codec(blocklimit=POSTINGS_PER_BLOCK)


def product_batches(session: Session, batch_size: int) -> Iterator[list[Product]]:
    last_id = 0
    while True:
        ids = session.scalars(
            select(Product.id).where(Product.id > last_id).order_by(Product.id).limit(batch_size)
        ).all()
        if not ids:
            return
        yield load_products(session, ids)
        last_id = ids[-1]
        session.expunge_all()  # keep memory flat over 100,000 products


def load_products(session: Session, ids: Iterable[int]) -> list[Product]:
    return list(
        session.scalars(
            select(Product)
            .where(Product.id.in_(list(ids)))
            .options(
                selectinload(Product.certification),
                selectinload(Product.province),
                selectinload(Product.district),
                selectinload(Product.producer).selectinload(Producer.area),
            )
        )
    )


def document_for(product: Product) -> dict:
    cert = product.certification
    shown = product.active and cert is not None and cert.stars >= CERTIFIED_MIN_STARS
    places = dict.fromkeys(
        area.name for area in (product.producer.area, product.district, product.province) if area
    )
    body = [
        product.description_vi, product.description_en, product.unit_en,
        product.producer.name, product.subgroup, *places, product.unit,
    ]
    return {
        "id": str(product.id),
        "slug": product.slug,
        "name": product.name_vi,
        "name_exact": product.name_vi,
        "name_ngram": product.name_vi,
        "name_en": product.name_en or "",
        "name_en_ngram": product.name_en or "",
        "body": "\n".join(text for text in body if text),
        "group": product.group,
        "stars": cert.stars if cert else 0,
        # The certification is non-revoked by construction (see refresh_certification).
        "visible_from": day_number(cert.issued_on) if shown else 0,
        "visible_until": day_number(cert.expires_on) if shown else 0,
        "province_id": product.province_id,
        "district_id": product.district_id or 0,
        "price": product.price,
        "created": microseconds(product.created_at),
    }


def join(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)


def day_number(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def microseconds(moment: datetime) -> int:
    return int(moment.replace(tzinfo=timezone.utc).timestamp() * 1_000_000)

"""The product search index (Whoosh): keeping it in step with the database, and searching it.

The index follows commits: session listeners collect the ids of changed products while
flushing and re-index them once the transaction has committed (a rollback forgets them).
Whoosh takes about a millisecond a product, so a commit that changed more than
SEARCH_INLINE_LIMIT products (a bulk import) is indexed by a thread of its own, in one writer,
and the request answers without waiting for it.
Several worker processes share one index directory: writers wait for Whoosh's lock with a
timeout, and each thread keeps a searcher that it reopens once any process has committed.
"""
from __future__ import annotations

import logging
import math
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timezone
from itertools import chain

from flask import Flask, current_app
from markupsafe import Markup, escape
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, selectinload
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index, create_in
from whoosh.query import And, AndMaybe, FuzzyTerm, Or, Query, Term
from whoosh.reading import IndexReader
from whoosh.searching import Results, Searcher
from whoosh.sorting import Count, FieldFacet, ScoreFacet
from whoosh.writing import CLEAR, SegmentWriter

from storefront.catalog.listing import (
    MAX_QUERY_LENGTH,
    Listing,
    ProductFilters,
    area_facet_scope,
    build_facets,
    load_products_in_order,
)
from storefront.catalog.models import (
    CERTIFIED_MIN_STARS,
    Area,
    Evaluation,
    Producer,
    Product,
)
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.lookups import where_in
from storefront.search.analysis import (
    EXACT,
    NGRAM_MAX,
    PLAIN,
    exact_words,
    plain_analyzer,
    plain_words,
    prefix_analyzer,
)

logger = logging.getLogger(__name__)

SCHEMA = Schema(
    id=ID(unique=True, stored=True),
    slug=STORED,
    # No positions (phrase=False): no query here needs them, and they slow indexing down.
    name=TEXT(analyzer=plain_analyzer(), phrase=False, stored=True, field_boost=3.0),
    # The name as written, to rank "cá" above "cà" when the shopper typed the marks.
    name_exact=TEXT(analyzer=EXACT, phrase=False),
    name_ngram=TEXT(analyzer=prefix_analyzer(), phrase=False),
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
# Fuzzy terms are expanded against the whole vocabulary: long queries would be slow.
FUZZY_MAX_WORDS = 8
LOAD_BATCH = 500  # ids per IN (...) query, well under SQLite's parameter limit

SORTINGS = {
    "relevance": [ScoreFacet(), FieldFacet("stars", reverse=True)],
    "price_asc": [FieldFacet("price"), FieldFacet("created")],
    "price_desc": [FieldFacet("price", reverse=True), FieldFacet("created", reverse=True)],
    "stars": [FieldFacet("stars", reverse=True), FieldFacet("created", reverse=True)],
    "newest": [FieldFacet("created", reverse=True)],
}


class Snapshot:
    """A searcher and the document sets read from its columns, kept until the index changes."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.visible_day = 0
        self.visible: set[int] = set()
        self.prices: list[tuple[int, int]] | None = None

    def visible_docs(self) -> set[int]:
        """Documents shoppers see today (certificates expire by the calendar, not by commits)."""
        today = day_number(vietnam_today())
        if today != self.visible_day:
            reader = self.searcher.reader()
            starts = column_values(reader, "visible_from")
            ends = column_values(reader, "visible_until")
            self.visible = {
                doc
                for (doc, start), (_, end) in zip(starts, ends)
                if start and start <= today < end
            }
            self.visible_day = today
        return self.visible

    def price_docs(self, low: int | None, high: int | None) -> set[int]:
        if self.prices is None:
            self.prices = list(column_values(self.searcher.reader(), "price"))
        low = -math.inf if low is None else low
        high = math.inf if high is None else high
        return {doc for doc, price in self.prices if low <= price <= high}


def column_values(reader: IndexReader, field: str) -> Iterator[tuple[int, int]]:
    """(document number, value) pairs read segment by segment: a segment without the column
    reads as defaults, and an empty index has no segment to read at all."""
    for segment, offset in reader.leaf_readers():
        if segment.doc_count_all():
            yield from enumerate(segment.column_reader(field), offset)


class SearchIndex:
    """One index directory, shared by every process; snapshots are kept per thread."""

    def __init__(self, dirname: str, lock_timeout: float, inline_limit: int) -> None:
        self.dirname = dirname
        self.lock_timeout = lock_timeout
        self.inline_limit = inline_limit
        self.local = threading.local()
        self.index = open_or_create(dirname)
        self.background: list[threading.Thread] = []
        self.writing_later = threading.Lock()

    def snapshot(self) -> Snapshot:
        """This thread's snapshot, renewed when any process has committed since."""
        current: Snapshot | None = getattr(self.local, "snapshot", None)
        if current is not None and current.searcher.up_to_date():
            return current
        # Not Searcher.refresh(): in whoosh-reloaded 2.7.5 it keeps the segments a merge
        # replaced, so documents show up twice. Opening a new searcher is cheap.
        if current is not None:
            current.searcher.close()
        current = Snapshot(self.index.searcher())
        self.local.snapshot = current
        return current

    def writer(self, **options) -> SegmentWriter:
        return self.index.writer(timeout=self.lock_timeout, **options)

    def indexes_later(self, count: int) -> bool:
        """Whether a commit changing `count` products is indexed after the request."""
        return count > self.inline_limit

    def write_later(self, bind, ids: set[int]) -> None:
        """Index these products in a thread, reading them with a session of its own. It writes
        them SEARCH_INLINE_LIMIT at a time, a few seconds each, so that between two batches the
        other processes' writers (which wait SEARCH_LOCK_TIMEOUT for the lock) get their turn;
        this process's large writes queue one after the other."""
        ordered = sorted(ids)

        def write() -> None:
            try:
                with self.writing_later, Session(bind=bind) as session:
                    for start in range(0, len(ordered), self.inline_limit):
                        write_products(session, self, set(ordered[start:start + self.inline_limit]))
                        session.expunge_all()
            except Exception:
                logger.exception("Could not index %d products; run `flask search reindex`.", len(ids))

        thread = threading.Thread(target=write, name="search-index", daemon=False)
        self.background = [*(running for running in self.background if running.is_alive()), thread]
        thread.start()

    def wait(self) -> None:
        """Until the products handed to threads are indexed."""
        for thread in self.background:
            thread.join()

    def recreate(self) -> None:
        """An empty index with the current schema, replacing what the directory held."""
        self.index = create_in(self.dirname, SCHEMA)


def open_or_create(dirname: str) -> Index:
    storage = FileStorage(dirname).create()
    if not storage.index_exists():
        # Under the writers' lock ("MAIN" is Whoosh's default index name), so workers
        # starting together create it once and none wipes another's first commit.
        lock = storage.lock("MAIN_WRITELOCK")
        lock.acquire(blocking=True)
        try:
            if not storage.index_exists():
                storage.create_index(SCHEMA)
        finally:
            lock.release()
    index = storage.open_index()
    if is_outdated(index):
        logger.warning("Search index in %s is outdated: run `flask search reindex`.", dirname)
    return index


def is_outdated(index: Index) -> bool:
    """Whether the stored schema has other fields (Whoosh's own Schema equality compares
    column objects by identity, so it never holds after a round trip through the disk)."""

    def outline(schema: Schema) -> list[tuple[str, str]]:
        return [(name, type(field).__name__) for name, field in schema.items()]

    return outline(index.schema) != outline(SCHEMA)


def init_app(app: Flask) -> None:
    app.extensions["search"] = SearchIndex(
        app.config["SEARCH_INDEX_DIR"], app.config["SEARCH_LOCK_TIMEOUT"], app.config["SEARCH_INLINE_LIMIT"]
    )
    for name, listener in (
        ("after_flush", collect_changes),
        ("after_commit", index_committed),
        ("after_rollback", forget_changes),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


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


def index_committed(session: Session) -> None:
    """Re-index what the committed transaction changed; a failure here never fails the request."""
    pending = session.info.pop(PENDING_KEY, None)
    if not pending or not any(pending.values()):
        return
    search_index, bind = current_index(), session.get_bind()
    try:
        # The committed session cannot run SQL inside after_commit: read with a new one.
        with Session(bind=bind) as reader:
            ids = pending["products"] | related_product_ids(reader, pending)
            if not search_index.indexes_later(len(ids)):
                write_products(reader, search_index, ids)
                return
        search_index.write_later(bind, ids)
    except Exception:
        logger.exception("Could not update the search index for %s", pending)


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


def write_products(session: Session, search_index: SearchIndex, ids: set[int]) -> None:
    if not ids:
        return
    ordered = sorted(ids)
    products = [
        product
        for start in range(0, len(ordered), LOAD_BATCH)
        for product in load_products(session, ordered[start : start + LOAD_BATCH])
    ]
    # Room for a nationwide import's postings in memory: past the default 128 MB Whoosh sorts
    # them through temporary files: nearly a fifth of the writing time for 16,000 products.
    with search_index.writer(limitmb=256) as writer:
        for product in products:
            writer.update_document(**document_for(product))
        for gone in ids - {product.id for product in products}:
            writer.delete_by_term("id", str(gone))


def rebuild(progress: Callable[[int], None] | None = None, batch_size: int = 2000) -> int:
    """Index every product again; searches see the old index until the single commit."""
    search_index = current_index()
    search_index.wait()  # a large commit's batches first: the rebuild replaces them anyway
    if is_outdated(search_index.index):
        search_index.recreate()
    count = 0
    with Session(bind=db.session.get_bind()) as session:
        writer = search_index.writer(limitmb=256)
        try:
            for products in product_batches(session, batch_size):
                for product in products:
                    writer.add_document(**document_for(product))
                count += len(products)
                if progress is not None:
                    progress(len(products))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
    return count


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
        product.name_en, product.description_vi, product.description_en,
        product.producer.name, product.subgroup, *places, product.unit,
    ]
    return {
        "id": str(product.id),
        "slug": product.slug,
        "name": product.name_vi,
        "name_exact": product.name_vi,
        "name_ngram": product.name_vi,
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


def day_number(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def microseconds(moment: datetime) -> int:
    return int(moment.replace(tzinfo=timezone.utc).timestamp() * 1_000_000)


# Searching


def search_products(filters: ProductFilters, *, per_page: int) -> Listing:
    text = filters.q[:MAX_QUERY_LENGTH]
    words = plain_words(text)
    snapshot = current_index().snapshot()
    query = words_query(words, text)
    results = run_search(snapshot, query, filters, per_page)
    typo_fallback = False
    if results.is_empty() and 0 < len(words) <= FUZZY_MAX_WORDS:
        fuzzy = fuzzy_query(words)
        fuzzy_results = run_search(snapshot, fuzzy, filters, per_page)
        if not fuzzy_results.is_empty():
            query, results, typo_fallback = fuzzy, fuzzy_results, True

    start = (filters.page - 1) * per_page
    hits = results[start : start + per_page] if start < results.scored_length() else []
    products = load_products_in_order([int(hit["id"]) for hit in hits])
    marked = name_terms(snapshot.searcher, query)
    return Listing(
        products=products,
        total=len(results),
        page=filters.page,
        per_page=per_page,
        facets=count_facets(snapshot, query, filters, results),
        highlights={p.id: highlight(p.name_vi, marked) for p in products},
        typo_fallback=typo_fallback,
    )


def words_query(words: list[str], text: str) -> Query:
    """Every word must appear in the name or the text; names with the marks typed rank higher."""
    if not words:
        return Or([])  # matches nothing
    required = And([Or([Term("name", word), Term("body", word)]) for word in words])
    preferred = Or([Term("name_exact", word) for word in exact_words(text)])
    return AndMaybe(required, preferred)


def fuzzy_query(words: list[str]) -> Query:
    return And(
        [
            Or([FuzzyTerm(field, word, maxdist=1, prefixlength=1) for field in ("name", "body")])
            for word in words
        ]
    )


def run_search(snapshot: Snapshot, query: Query, filters: ProductFilters, per_page: int) -> Results:
    """The page's hits, plus counts for the facets whose scope is exactly these filters."""
    return snapshot.searcher.search(
        query,
        filter=allowed_docs(snapshot, filters),
        limit=filters.page * per_page,
        sortedby=SORTINGS[filters.sort],
        groupedby={
            name: FieldFacet(field)
            for name, (field, scope) in facet_scopes(filters).items()
            if scope == filters
        },
        maptype=Count,
    )


def allowed_docs(snapshot: Snapshot, filters: ProductFilters) -> set[int] | None:
    """The documents these filters let through; None lets every document through."""
    sets = [] if filters.include_uncertified else [snapshot.visible_docs()]
    if terms := filter_terms(filters):
        sets.append(set(snapshot.searcher.docs_for_query(And(terms))))
    if filters.min_price is not None or filters.max_price is not None:
        sets.append(snapshot.price_docs(filters.min_price, filters.max_price))
    if not sets:
        return None
    return as_filter(set.intersection(*sets))


def as_filter(docs: set[int]) -> set[int]:
    """Whoosh reads an empty filter set as no filter at all; -1 is no document's number."""
    return docs or {-1}


def filter_terms(filters: ProductFilters) -> list[Query]:
    terms: list[Query] = []
    if filters.stars:
        terms.append(Or([Term("stars", stars) for stars in filters.stars]))
    if filters.group:
        terms.append(Term("group", filters.group))
    if filters.area is not None:
        field = "province_id" if filters.area.level == "province" else "district_id"
        terms.append(Term(field, filters.area.id))
    return terms


def facet_scopes(filters: ProductFilters) -> dict[str, tuple[str, ProductFilters]]:
    """Each facet counts under the filters without its own selection (see listing.sql_facets)."""
    area_column, area_filters = area_facet_scope(filters)
    return {
        "stars": ("stars", filters.without("stars")),
        "groups": ("group", filters.without("group")),
        "areas": (area_column.key, area_filters),
    }


def count_facets(
    snapshot: Snapshot, query: Query, filters: ProductFilters, results: Results
) -> dict:
    counts = {}
    for name, (field, scope) in facet_scopes(filters).items():
        scoped = results
        if scope != filters:
            scoped = snapshot.searcher.search(
                query, filter=allowed_docs(snapshot, scope), limit=1, scored=False,
                groupedby={name: FieldFacet(field)}, maptype=Count,
            )
        # 0 stands for "none" (no certificate, no district), which SQL counts leave out too.
        counts[name] = {key: n for key, n in scoped.groups(name).items() if key not in (0, "")}
    return build_facets(filters, **counts)


def name_terms(searcher: Searcher, query: Query) -> set[str]:
    """The indexed name words the query matched, typo expansions included."""
    terms = query.existing_terms(searcher.reader(), expand=True)
    return {text.decode() for field, text in terms if field == "name"}


def highlight(name: str, words: set[str]) -> Markup:
    """The name, escaped, with matched words in <mark>."""
    text = unicodedata.normalize("NFC", name)
    parts, done = [], 0
    for token in PLAIN(text, chars=True):
        if token.text in words:
            parts += [
                escape(text[done : token.startchar]),
                Markup("<mark>"),
                escape(text[token.startchar : token.endchar]),
                Markup("</mark>"),
            ]
            done = token.endchar
    parts.append(escape(text[done:]))
    return Markup("").join(parts)


def suggest(prefix: str, limit: int = 8) -> list[dict]:
    """As-you-type: visible products whose name has every word, the last one as a prefix."""
    words = plain_words(prefix[:MAX_QUERY_LENGTH])
    if not words:
        return []
    *whole, last = words
    query = And([Term("name", word) for word in whole] + [Term("name_ngram", last[:NGRAM_MAX])])
    snapshot = current_index().snapshot()
    hits = snapshot.searcher.search(
        query,
        filter=as_filter(snapshot.visible_docs()),
        limit=limit,
        sortedby=SORTINGS["relevance"],
    )
    return [
        {"slug": hit["slug"], "name": hit["name"], "stars": hit["stars"], "group": hit["group"]}
        for hit in hits
    ]

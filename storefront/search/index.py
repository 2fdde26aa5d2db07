"""The product search index (Whoosh): keeping it in step with the database, and searching it.

The index follows commits: session listeners collect the ids of changed products while
flushing and re-index them once the transaction has committed (a rollback forgets them).
Several worker processes share one index directory: writers wait for Whoosh's lock with a
timeout, and each thread keeps a searcher that it refreshes when another process committed.
"""
from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timezone
from itertools import chain

from flask import Flask, current_app
from markupsafe import Markup, escape
from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session, selectinload
from whoosh.index import Index, create_in
from whoosh.fields import BOOLEAN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.query import And, AndMaybe, FuzzyTerm, NumericRange, Or, Phrase, Query, Term
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
    vietnam_today,
)
from storefront.extensions import db
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
    name=TEXT(analyzer=plain_analyzer(), stored=True, field_boost=3.0),
    # The name as written, to rank "cá" above "cà" when the shopper typed the marks.
    name_exact=TEXT(analyzer=EXACT, phrase=False),
    name_ngram=TEXT(analyzer=prefix_analyzer(), phrase=False),
    body=TEXT(analyzer=plain_analyzer()),
    group=ID(stored=True, sortable=True),
    # The current certification (non-revoked by construction, see refresh_certification);
    # 0 when the product has none. Dates are yyyymmdd, compared with today at query time.
    stars=NUMERIC(int, stored=True, sortable=True),
    cert_issued=NUMERIC(int),
    cert_expires=NUMERIC(int),
    active=BOOLEAN,
    province_id=NUMERIC(int, sortable=True),
    district_id=NUMERIC(int, sortable=True),
    price=NUMERIC(int, bits=64, sortable=True),
    created=NUMERIC(int, bits=64, sortable=True),
)

PENDING_KEY = "search_pending"
FUZZY_MAX_WORDS = 8  # typo fallback costs ~30× a plain query per word
LOAD_BATCH = 500

SORTINGS = {
    "relevance": [ScoreFacet(), FieldFacet("stars", reverse=True)],
    "price_asc": [FieldFacet("price"), FieldFacet("created")],
    "price_desc": [FieldFacet("price", reverse=True), FieldFacet("created", reverse=True)],
    "stars": [FieldFacet("stars", reverse=True), FieldFacet("created", reverse=True)],
    "newest": [FieldFacet("created", reverse=True)],
}


class SearchIndex:
    """One index directory, shared by every process; searchers are kept per thread."""

    def __init__(self, dirname: str, lock_timeout: float) -> None:
        self.dirname = dirname
        self.lock_timeout = lock_timeout
        self.local = threading.local()
        self.index = open_or_create(dirname)

    def searcher(self) -> Searcher:
        current = getattr(self.local, "searcher", None)
        current = self.index.searcher() if current is None else current.refresh()
        self.local.searcher = current
        return current

    def writer(self, **options) -> SegmentWriter:
        return self.index.writer(timeout=self.lock_timeout, **options)

    def recreate(self) -> None:
        """Start over with the current schema (only when the stored one differs)."""
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
        app.config["SEARCH_INDEX_DIR"], app.config["SEARCH_LOCK_TIMEOUT"]
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


def collect_changes(session: Session, flush_context) -> None:
    """Remember what this flush changed; the index is updated only once it is committed."""
    pending = session.info.setdefault(PENDING_KEY, {"products": set(), "producers": set(), "areas": set()})
    for obj in chain(session.new, session.dirty, session.deleted):
        # Read loaded values only: touching an expired attribute of a deleted row would fail.
        values = inspect(obj).dict
        if isinstance(obj, Product):
            pending["products"].add(values.get("id") or inspect(obj).identity[0])
        elif isinstance(obj, Evaluation) and values.get("product_id") is not None:
            pending["products"].add(values["product_id"])
        elif isinstance(obj, Producer):
            pending["producers"].add(values.get("id") or inspect(obj).identity[0])
        elif isinstance(obj, Area):
            pending["areas"].add(values.get("id") or inspect(obj).identity[0])


def forget_changes(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def index_committed(session: Session) -> None:
    """Re-index what the committed transaction changed; a failure here never fails the request."""
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    try:
        # The committed session cannot run SQL inside after_commit: read with a new one.
        with Session(bind=session.get_bind()) as reader:
            ids = pending["products"] | related_product_ids(reader, pending)
            write_products(reader, current_index(), ids)
    except Exception:
        logger.exception("Could not update the search index for %s", pending)


def related_product_ids(session: Session, pending: dict) -> set[int]:
    """Products whose indexed text mentions a changed producer or area name."""
    producers, areas = pending["producers"], pending["areas"]
    if not producers and not areas:
        return set()
    statement = (
        select(Product.id)
        .join(Producer, Product.producer_id == Producer.id)
        .where(
            or_(
                Product.producer_id.in_(producers),
                Producer.area_id.in_(areas),
                Product.province_id.in_(areas),
                Product.district_id.in_(areas),
            )
        )
    )
    return set(session.scalars(statement))


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
    with search_index.writer() as writer:
        for product in products:
            writer.update_document(**document_for(product))
        for gone in ids - {product.id for product in products}:
            writer.delete_by_term("id", str(gone))


def rebuild(progress: Callable[[int], None] | None = None, batch_size: int = 2000) -> int:
    """Index every product again; searches see the old index until the single commit."""
    search_index = current_index()
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
        "cert_issued": day_number(cert.issued_on) if cert else 0,
        "cert_expires": day_number(cert.expires_on) if cert else 0,
        "active": product.active,
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
    words = plain_words(filters.q[:MAX_QUERY_LENGTH])
    searcher = current_index().searcher()
    query = words_query(words, filters.q[:MAX_QUERY_LENGTH])
    results = run_search(searcher, query, filters, per_page)
    typo_fallback = False
    if results.is_empty() and 0 < len(words) <= FUZZY_MAX_WORDS:
        fuzzy = fuzzy_query(words)
        fuzzy_results = run_search(searcher, fuzzy, filters, per_page)
        if not fuzzy_results.is_empty():
            query, results, typo_fallback = fuzzy, fuzzy_results, True

    start = (filters.page - 1) * per_page
    hits = results[start : start + per_page] if start < results.scored_length() else []
    ids = [int(hit["id"]) for hit in hits]
    marked = name_terms(searcher, query)
    products = load_products_in_order(ids)
    return Listing(
        products=products,
        total=len(results),
        page=filters.page,
        per_page=per_page,
        facets=count_facets(searcher, query, filters, results),
        highlights={p.id: highlight(p.name_vi, marked) for p in products},
        typo_fallback=typo_fallback,
    )


def words_query(words: list[str], text: str) -> Query:
    """Every word must appear in the name or the text; exact marks and word order rank higher."""
    if not words:
        return Or([])  # matches nothing
    required = And([Or([Term("name", word), Term("body", word)]) for word in words])
    preferred: list[Query] = [Term("name_exact", word) for word in exact_words(text)]
    if len(words) > 1:
        preferred.append(Phrase("name", words))
    return AndMaybe(required, Or(preferred))


def fuzzy_query(words: list[str]) -> Query:
    return And(
        [
            Or([FuzzyTerm(field, word, maxdist=1, prefixlength=1) for field in ("name", "body")])
            for word in words
        ]
    )


def run_search(searcher: Searcher, query: Query, filters: ProductFilters, per_page: int) -> Results:
    """The page's hits, plus counts for the facets whose scope is exactly these filters."""
    return searcher.search(
        query,
        filter=filter_query(filters),
        limit=filters.page * per_page,
        sortedby=SORTINGS[filters.sort],
        groupedby={
            name: FieldFacet(field) for name, (field, scope) in facet_scopes(filters).items()
            if scope == filters
        },
        maptype=Count,
    )


def filter_query(filters: ProductFilters) -> Query | None:
    parts = [] if filters.include_uncertified else visibility_queries()
    if filters.stars:
        parts.append(Or([NumericRange("stars", s, s) for s in filters.stars]))
    if filters.group:
        parts.append(Term("group", filters.group))
    if filters.area is not None:
        field = "province_id" if filters.area.level == "province" else "district_id"
        parts.append(NumericRange(field, filters.area.id, filters.area.id))
    if filters.min_price is not None or filters.max_price is not None:
        parts.append(NumericRange("price", filters.min_price, filters.max_price))
    return And(parts) if parts else None


def visibility_queries() -> list[Query]:
    """Mirrors listing.visibility_conditions: active, with a 3★+ certificate valid today."""
    today = day_number(vietnam_today())
    return [
        Term("active", True),
        NumericRange("stars", CERTIFIED_MIN_STARS, None),
        NumericRange("cert_issued", None, today),
        NumericRange("cert_expires", today, None, startexcl=True),
    ]


def facet_scopes(filters: ProductFilters) -> dict[str, tuple[str, ProductFilters]]:
    """Each facet counts under the filters without its own selection (see listing.sql_facets)."""
    area_column, area_filters = area_facet_scope(filters)
    return {
        "stars": ("stars", filters.without("stars")),
        "groups": ("group", filters.without("group")),
        "areas": (area_column.key, area_filters),
    }


def count_facets(searcher: Searcher, query: Query, filters: ProductFilters, results: Results) -> dict:
    counts = {}
    for name, (field, scope) in facet_scopes(filters).items():
        if scope != filters:
            results = searcher.search(
                query, filter=filter_query(scope), limit=1, scored=False,
                groupedby={name: FieldFacet(field)}, maptype=Count,
            )
        # 0 stands for "none" (no certificate, no district), which SQL counts leave out too.
        counts[name] = {key: n for key, n in results.groups(name).items() if key not in (0, "")}
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
    hits = current_index().searcher().search(
        query, filter=And(visibility_queries()), limit=limit, sortedby=SORTINGS["relevance"]
    )
    return [
        {"slug": hit["slug"], "name": hit["name"], "stars": hit["stars"], "group": hit["group"]}
        for hit in hits
    ]

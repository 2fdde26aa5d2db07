"""Searching the product index (Whoosh): the shop's search page, its facets and highlights,
and the suggestions under the search box. Keeping the index in step with the database is
storefront.search.index."""
from __future__ import annotations

import heapq
import unicodedata
from collections import Counter
from collections.abc import Set

from markupsafe import Markup, escape
from whoosh.collectors import FilterCollector, TopCollector
from whoosh.index import Index
from whoosh.query import And, AndMaybe, Or, Query, Term
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from storefront.catalog.filters import MAX_QUERY_LENGTH, Listing, ProductFilters
from storefront.catalog.listing import area_facet_scope, build_facets, load_products_in_order
from storefront.catalog.models import Product
from storefront.i18n import current_language
from storefront.search.analysis import NGRAM_MAX, PLAIN, exact_words, plain_words
from storefront.search.index import Snapshot, current_index

# Where a query's words may be: either name, or the rest of the product's text.
TEXT_FIELDS = ("name", "name_en", "body")
# Each word of a misspelt query is replaced by the words of the index this close to it.
TYPO_DISTANCE = 1
# Spelling variants are looked up per word: long queries would be slow.
FUZZY_MAX_WORDS = 8

# The orders other than relevance, as (column, direction) keys read per document; equal keys
# keep the index order, as Whoosh's sorting did.
COLUMN_SORTINGS = {
    "price_asc": (("price", 1), ("created", 1)),
    "price_desc": (("price", -1), ("created", -1)),
    "stars": (("stars", -1), ("created", -1)),
    "newest": (("created", -1),),
}


def search_products(filters: ProductFilters, *, per_page: int) -> Listing:
    text = filters.q[:MAX_QUERY_LENGTH]
    words = plain_words(text)
    current_index().follow_catalogue()
    snapshot = current_index().snapshot()
    allowed = allowed_docs(snapshot, filters)
    alternatives = [{word} for word in words]
    matched = matching_docs(snapshot.searcher, alternatives)
    typo_fallback = False
    if not narrowed(matched, allowed) and 0 < len(words) <= FUZZY_MAX_WORDS:
        corrected = corrections(snapshot, words)
        if narrowed(corrected_matches := matching_docs(snapshot.searcher, corrected), allowed):
            alternatives, matched, typo_fallback = corrected, corrected_matches, True
    found = narrowed(matched, allowed)
    query = words_query(alternatives, text)

    start = (filters.page - 1) * per_page
    page = ordered_docs(snapshot, query, found, filters, start + per_page)[start:]
    stored = [snapshot.searcher.stored_fields(doc) for doc in page]
    products = load_products_in_order([int(fields["id"]) for fields in stored])
    marked = name_terms(snapshot.searcher, query)
    return Listing(
        products=products,
        total=len(found),
        page=filters.page,
        per_page=per_page,
        facets=count_facets(snapshot, matched, filters, allowed),
        highlights={p.id: highlighted_name(p, marked, current_language()) for p in products},
        typo_fallback=typo_fallback,
    )


def words_query(alternatives: list[set[str]], text: str) -> Query:
    """Every word (or one of its alternatives) must appear in the name or the text; names with
    the marks typed rank higher."""
    if not alternatives:
        return Or([])  # matches nothing
    required = And([Or([Term(field, word) for field in TEXT_FIELDS for word in sorted(words)]) for words in alternatives])
    preferred = Or([Term("name_exact", word) for word in exact_words(text)])
    return AndMaybe(required, preferred)


def matching_docs(searcher: Searcher, alternatives: list[set[str]]) -> set[int]:
    """The documents words_query matches, from each term's postings combined as sets: Whoosh's
    own matching steps through the query's tree of matchers document by document, twice as slow."""
    found: set[int] | None = None
    for words in alternatives:
        having = set()
        for field in TEXT_FIELDS:
            for word in words:
                having.update(searcher.docs_for_query(Term(field, word)))
        found = having if found is None else found & having
        if not found:
            break
    return found or set()


def searched_fields(index: Index) -> list[str]:
    """TEXT_FIELDS that this index has: one built before a field was added lacks it until
    `flask search reindex` (looking for spelling variants in a field it lacks fails)."""
    return [field for field in TEXT_FIELDS if field in index.schema]


def corrections(snapshot: Snapshot, words: list[str]) -> list[set[str]]:
    """Each word the index does not have, replaced by those it has one typo away ("nuocc" →
    "nuoc"); when the index has every word but not together, every word may be replaced."""
    fields = searched_fields(snapshot.index)
    reader = snapshot.searcher.reader()
    known = [any((field, word) in reader for field in fields) for word in words]
    return [
        {word} if is_known and not all(known) else spelling_variants(reader, fields, word)
        for word, is_known in zip(words, known)
    ]


def spelling_variants(reader: IndexReader, fields: list[str], word: str) -> set[str]:
    """The index's words within TYPO_DISTANCE of `word`, with its first letter. Asked of each
    segment: over several segments Whoosh compares the word with every term in Python."""
    return {
        variant
        for segment, _offset in reader.leaf_readers()
        for field in fields
        for variant in segment.terms_within(field, word, TYPO_DISTANCE, prefix=1)
    }


def narrowed(docs: set[int], allowed: Set[int] | None) -> set[int]:
    return docs if allowed is None else docs & allowed


def allowed_docs(snapshot: Snapshot, filters: ProductFilters) -> Set[int] | None:
    """The documents these filters let through; None lets every document through."""
    sets = [] if filters.include_uncertified else [snapshot.visible_docs()]
    if filters.stars:
        sets.append(set().union(*(snapshot.term_docs("stars", stars) for stars in filters.stars)))
    if filters.group:
        sets.append(snapshot.term_docs("group", filters.group))
    if filters.area is not None:
        sets.append(snapshot.term_docs("province_id" if filters.area.level == "province" else "district_id", filters.area.id))
    if filters.min_price is not None or filters.max_price is not None:
        sets.append(snapshot.price_docs(filters.min_price, filters.max_price))
    if not sets:
        return None
    return sets[0].intersection(*sets[1:])


def as_filter(docs: set[int]) -> set[int]:
    """Whoosh reads an empty filter set as no filter at all; -1 is no document's number."""
    return docs or {-1}


def ordered_docs(snapshot: Snapshot, query: Query, found: set[int], filters: ProductFilters, count: int) -> list[int]:
    """The first `count` of the found documents in the order asked for."""
    if filters.sort in COLUMN_SORTINGS:
        columns = [(snapshot.column(field), direction) for field, direction in COLUMN_SORTINGS[filters.sort]]
        return heapq.nsmallest(count, found, key=lambda doc: (*(values[doc] * sign for values, sign in columns), doc))
    return by_relevance(snapshot, query, found, count)


def by_relevance(snapshot: Snapshot, query: Query, found: set[int], count: int) -> list[int]:
    """Best score first, then more stars, then index order."""
    if not found:
        return []
    ranking = RelevanceCollector(count, snapshot.column("stars"))
    snapshot.searcher.search_with_collector(query, FilterCollector(ranking, allow=found))
    return [docnum for _score, docnum in ranking.ranked()]


class RelevanceCollector(TopCollector):
    """The top N by score, equal scores ranked by more stars, then by index order: a heap
    rather than Whoosh's sorting of every match by (score, stars). Every match is scored:
    Whoosh's shortcuts (replacing matchers that cannot reach the lowest score kept, skipping
    such blocks of postings) left out documents that belonged in the top 24 for 4 in 100
    queries on the multi-segment index of 100,000 products."""

    def __init__(self, limit: int, stars: list[int]) -> None:
        super().__init__(limit=limit, usequality=False, replace=0)
        self.stars = stars

    def _collect(self, global_docnum: int, score: float) -> float:
        self.total += 1
        ranked = (score, self.stars[global_docnum], -global_docnum)
        if len(self.items) < self.limit:
            heapq.heappush(self.items, ranked)
        elif ranked > self.items[0]:
            heapq.heapreplace(self.items, ranked)
        return -score

    def ranked(self) -> list[tuple[float, int]]:
        return [(score, -negated) for score, _stars, negated in sorted(self.items, reverse=True)]


def facet_scopes(filters: ProductFilters) -> dict[str, tuple[str, ProductFilters]]:
    """Each facet counts under the filters without its own selection (see listing.sql_facets)."""
    area_column, area_filters = area_facet_scope(filters)
    return {
        "stars": ("stars", filters.without("stars")),
        "groups": ("group", filters.without("group")),
        "areas": (area_column.key, area_filters),
    }


def count_facets(snapshot: Snapshot, matched: set[int], filters: ProductFilters, allowed: Set[int] | None) -> dict:
    """Counted from the matching documents' column values: no scoring, no Whoosh grouping."""
    counts = {}
    for name, (field, scope) in facet_scopes(filters).items():
        values = snapshot.column(field)
        scope_allows = allowed if scope == filters else allowed_docs(snapshot, scope)
        counted = Counter(values[doc] for doc in narrowed(matched, scope_allows))
        # 0 stands for "none" (no certificate, no district), which SQL counts leave out too.
        counts[name] = {key: n for key, n in counted.items() if key not in (0, "")}
    return build_facets(filters, **counts)


def name_terms(searcher: Searcher, query: Query) -> dict[str, set[str]]:
    """The indexed words of each name the query matched, typo expansions included. One field
    at a time: without `fieldname`, Whoosh 2.7's existing_terms keeps only the first field's."""
    reader = searcher.reader()
    return {name: {text.decode() for _field, text in query.existing_terms(reader, expand=True, fieldname=name)}
            for name in ("name", "name_en")}


def highlighted_name(product: Product, marked: dict[str, set[str]], language: str) -> Markup:
    """The name the card shows in this language, with the words the query matched in it."""
    if language == "en" and product.name_en:
        return highlight(product.name_en, marked["name_en"])
    return highlight(product.name_vi, marked["name"])


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
    query = Or([
        And([Term(name, word) for word in whole] + [Term(ngram, last[:NGRAM_MAX])])
        for name, ngram in (("name", "name_ngram"), ("name_en", "name_en_ngram"))
    ])
    current_index().follow_catalogue()
    snapshot = current_index().snapshot()
    # Ranked by score alone, Whoosh skips the blocks that cannot reach the top (a sort key
    # would make it score every match: 2,000 for "sam" at 100,000 products, 8× slower); the
    # stars then order equal scores among twice the hits shown.
    hits = snapshot.searcher.search(query, filter=as_filter(snapshot.visible_docs()), limit=limit * 2)
    # Over a generator: sorted(hits) would ask the Results for their length, which Whoosh
    # counts by matching the whole query again (40% of a suggestion's time).
    ranked = sorted((hit for hit in hits), key=lambda hit: (-hit.score, -hit["stars"]))[:limit]
    return [suggestion(hit, current_language()) for hit in ranked]


def suggestion(hit, language: str) -> dict:
    """A suggestion names the product in the page's language; `lang` marks a Vietnamese name
    on an English page (the product has no English one)."""
    english = hit.get("name_en") if language == "en" else None
    return {
        "slug": hit["slug"],
        "name": english or hit["name"],
        "lang": "vi" if language == "en" and not english else None,
        "stars": hit["stars"],
        "group": hit["group"],
    }

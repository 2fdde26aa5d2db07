"""Searching the product index (Whoosh): the shop's search page, its facets and highlights,
and the suggestions under the search box. Keeping the index in step with the database is
storefront.search.index."""
from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape
from whoosh.index import Index
from whoosh.query import And, AndMaybe, FuzzyTerm, Or, Query, Term
from whoosh.searching import Results, Searcher
from whoosh.sorting import Count, FieldFacet, ScoreFacet

from storefront.catalog.filters import MAX_QUERY_LENGTH, Listing, ProductFilters
from storefront.catalog.listing import area_facet_scope, build_facets, load_products_in_order
from storefront.catalog.models import Product
from storefront.i18n import current_language
from storefront.search.analysis import NGRAM_MAX, PLAIN, exact_words, plain_words
from storefront.search.index import Snapshot, current_index

# Where a query's words may be: either name, or the rest of the product's text.
TEXT_FIELDS = ("name", "name_en", "body")
# Fuzzy terms are expanded against the whole vocabulary: long queries would be slow.
FUZZY_MAX_WORDS = 8

SORTINGS = {
    "relevance": [ScoreFacet(), FieldFacet("stars", reverse=True)],
    "price_asc": [FieldFacet("price"), FieldFacet("created")],
    "price_desc": [FieldFacet("price", reverse=True), FieldFacet("created", reverse=True)],
    "stars": [FieldFacet("stars", reverse=True), FieldFacet("created", reverse=True)],
    "newest": [FieldFacet("created", reverse=True)],
}


def search_products(filters: ProductFilters, *, per_page: int) -> Listing:
    text = filters.q[:MAX_QUERY_LENGTH]
    words = plain_words(text)
    current_index().follow_catalogue()
    snapshot = current_index().snapshot()
    query = words_query(words, text)
    results = run_search(snapshot, query, filters, per_page)
    typo_fallback = False
    if results.is_empty() and 0 < len(words) <= FUZZY_MAX_WORDS:
        fuzzy = fuzzy_query(words, searched_fields(snapshot.index))
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
        highlights={p.id: highlighted_name(p, marked, current_language()) for p in products},
        typo_fallback=typo_fallback,
    )


def words_query(words: list[str], text: str) -> Query:
    """Every word must appear in the name or the text; names with the marks typed rank higher."""
    if not words:
        return Or([])  # matches nothing
    required = And([Or([Term(field, word) for field in TEXT_FIELDS]) for word in words])
    preferred = Or([Term("name_exact", word) for word in exact_words(text)])
    return AndMaybe(required, preferred)


def searched_fields(index: Index) -> list[str]:
    """TEXT_FIELDS that this index has: one built before a field was added lacks it until
    `flask search reindex` (typo expansion fails on a field the index does not have)."""
    return [field for field in TEXT_FIELDS if field in index.schema]


def fuzzy_query(words: list[str], fields: list[str]) -> Query:
    return And(
        [
            Or([FuzzyTerm(field, word, maxdist=1, prefixlength=1) for field in fields])
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
    ranked = sorted(hits, key=lambda hit: (-hit.score, -hit["stars"]))[:limit]
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

"""Searching the product index (Whoosh): the shop's search page, its facets and highlights,
and the suggestions under the search box. Keeping the index in step with the database is
storefront.search.index."""
from __future__ import annotations

import unicodedata

import numpy as np
from markupsafe import Markup, escape
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
    allowed = allowed_mask(snapshot, filters)
    alternatives = [{word} for word in words]
    matched = matching_mask(snapshot, text_terms(alternatives))
    typo_fallback = False
    if not (matched & allowed).any() and 0 < len(words) <= FUZZY_MAX_WORDS:
        corrected = corrections(snapshot, words)
        if ((corrected_matches := matching_mask(snapshot, text_terms(corrected))) & allowed).any():
            alternatives, matched, typo_fallback = corrected, corrected_matches, True
    found = np.flatnonzero(matched & allowed)

    start = (filters.page - 1) * per_page
    page = ordered_docs(snapshot, alternatives, text, found, filters, start + per_page)[start:]
    stored = [snapshot.searcher.stored_fields(doc) for doc in page]
    products = load_products_in_order([int(fields["id"]) for fields in stored])
    marked = name_terms(snapshot.searcher, words_query(alternatives, text))
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
    the marks typed rank higher. Searches match and score it with matching_mask and
    relevance_scores; Whoosh reads it for the words to highlight."""
    if not alternatives:
        return Or([])  # matches nothing
    required = And([Or([Term(field, word) for field in TEXT_FIELDS for word in sorted(words)]) for words in alternatives])
    preferred = Or([Term("name_exact", word) for word in exact_words(text)])
    return AndMaybe(required, preferred)


def distinct(alternatives: list[set[str]]) -> list[frozenset[str]]:
    """A word typed twice counts once, as in the query Whoosh normalizes."""
    return list(dict.fromkeys(frozenset(words) for words in alternatives))


def text_terms(alternatives: list[set[str]]) -> list[list[tuple[str, str]]]:
    """words_query's required part: for each word, the (field, word) terms any of which will do."""
    return [[(field, word) for field in TEXT_FIELDS for word in sorted(words)] for words in distinct(alternatives)]


def matching_mask(snapshot: Snapshot, groups: list[list[tuple[str, str]]]) -> np.ndarray:
    """True for each document having a term of every group; no groups match nothing."""
    found = snapshot.live().copy() if groups else np.zeros(snapshot.size, dtype=bool)
    for terms in groups:
        having = np.zeros(snapshot.size, dtype=bool)
        for field, word in terms:
            having[snapshot.term_scores(field, word)[0]] = True
        found &= having
    return found


def summed_scores(snapshot: Snapshot, terms: list[tuple[str, str]]) -> np.ndarray:
    """Each document's sum of its terms' BM25F scores: how Whoosh scores And, Or and AndMaybe."""
    scores = np.zeros(snapshot.size)
    for field, word in terms:
        docs, term_scores = snapshot.term_scores(field, word)
        scores[docs] += term_scores
    return scores


def relevance_scores(snapshot: Snapshot, alternatives: list[set[str]], text: str) -> np.ndarray:
    """Each matching document's score for words_query, the exact-mark bonus included."""
    terms = [term for group in text_terms(alternatives) for term in group]
    return summed_scores(snapshot, terms + [("name_exact", word) for word in dict.fromkeys(exact_words(text))])


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


def allowed_mask(snapshot: Snapshot, filters: ProductFilters) -> np.ndarray:
    """True for each document these filters let through."""
    allowed = snapshot.live() if filters.include_uncertified else snapshot.visible_mask()
    if filters.stars:
        allowed = allowed & snapshot.having("stars", filters.stars)
    if filters.group:
        allowed = allowed & snapshot.having("group", [filters.group])
    if filters.area is not None:
        allowed = allowed & snapshot.having(area_field(filters.area), [filters.area.id])
    if filters.min_price is not None or filters.max_price is not None:
        allowed = allowed & snapshot.price_mask(filters.min_price, filters.max_price)
    return allowed


def area_field(area) -> str:
    return "province_id" if area.level == "province" else "district_id"


def ordered_docs(snapshot: Snapshot, alternatives: list[set[str]], text: str, found: np.ndarray,
                 filters: ProductFilters, count: int) -> list[int]:
    """The first `count` of the found documents in the order asked for; equal keys keep the
    index order."""
    if filters.sort in COLUMN_SORTINGS:
        keys = [snapshot.column(field)[found] * sign for field, sign in reversed(COLUMN_SORTINGS[filters.sort])]
        return found[np.lexsort((found, *keys))[:count]].tolist()
    return by_relevance(snapshot, relevance_scores(snapshot, alternatives, text)[found], found, count)


def by_relevance(snapshot: Snapshot, scores: np.ndarray, found: np.ndarray, count: int) -> list[int]:
    """Best score first, then more stars, then index order. Scores are compared to 9 decimals:
    the same terms summed in another order may differ in the last bits, and such scores are
    equal for the shopper."""
    scores = np.round(scores, 9)
    if len(found) > count:
        # Only the documents scoring at least the count-th best can be on the page.
        lowest = -np.partition(-scores, count - 1)[count - 1]
        keep = scores >= lowest
        found, scores = found[keep], scores[keep]
    stars = snapshot.column("stars")[found]
    return found[np.lexsort((found, -stars, -scores))[:count]].tolist()


def facet_scopes(filters: ProductFilters) -> dict[str, tuple[str, ProductFilters]]:
    """Each facet counts under the filters without its own selection (see listing.sql_facets)."""
    area_column, area_filters = area_facet_scope(filters)
    return {
        "stars": ("stars", filters.without("stars")),
        "groups": ("group", filters.without("group")),
        "areas": (area_column.key, area_filters),
    }


def count_facets(snapshot: Snapshot, matched: np.ndarray, filters: ProductFilters, allowed: np.ndarray) -> dict:
    """Counted from the matching documents' column values: no scoring, no Whoosh grouping."""
    counts = {}
    for name, (field, scope) in facet_scopes(filters).items():
        values, codes = snapshot.codes(field)
        scope_allows = allowed if scope == filters else allowed_mask(snapshot, scope)
        counted = np.bincount(codes[matched & scope_allows], minlength=len(values))
        # 0 stands for "none" (no certificate, no district), which SQL counts leave out too.
        counts[name] = {value.item(): int(n) for value, n in zip(values, counted) if n and value not in (0, "")}
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
    current_index().follow_catalogue()
    snapshot = current_index().snapshot()
    visible = snapshot.visible_mask()
    # Every word in the name (or the English name), the last one as a prefix.
    scores, matched = np.zeros(snapshot.size), np.zeros(snapshot.size, dtype=bool)
    for name, ngram in (("name", "name_ngram"), ("name_en", "name_en_ngram")):
        terms = [(name, word) for word in dict.fromkeys(whole)] + [(ngram, last[:NGRAM_MAX])]
        having = matching_mask(snapshot, [[term] for term in terms]) & visible
        scores += np.where(having, summed_scores(snapshot, terms), 0)
        matched |= having
    found = np.flatnonzero(matched)
    ranked = by_relevance(snapshot, scores[found], found, limit)
    return [suggestion(snapshot.searcher.stored_fields(doc), current_language()) for doc in ranked]


def suggestion(stored: dict, language: str) -> dict:
    """A suggestion names the product in the page's language; `lang` marks a Vietnamese name
    on an English page (the product has no English one)."""
    english = stored.get("name_en") if language == "en" else None
    return {
        "slug": stored["slug"],
        "name": english or stored["name"],
        "lang": "vi" if language == "en" and not english else None,
        "stars": stored["stars"],
        "group": stored["group"],
    }

"""How Vietnamese text becomes index terms, so "ruou ngo" finds "Rượu Ngô".

Every analyzer NFC-normalises before tokenizing: text typed with combining marks (NFD,
as some phones and Macs send it) would otherwise be split inside words, since a combining
mark is not a word character. Not StandardAnalyzer: it drops one-letter words and English
stopwords ("a", "in"), which are real words in product names ("loại A").
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    NgramFilter,
    RegexTokenizer,
    Token,
    Tokenizer,
)
from whoosh.support.charset import accent_map

WORD_PATTERN = r"\w+"
# Prefixes up to this length are indexed for as-you-type; longer words still match on them.
NGRAM_MAX = 15


class NfcTokenizer(Tokenizer):
    """A regex word tokenizer that first composes the text to NFC."""

    def __init__(self) -> None:
        self.words = RegexTokenizer(WORD_PATTERN)

    def __call__(self, value: str, **kwargs) -> Iterator[Token]:
        return self.words(unicodedata.normalize("NFC", value), **kwargs)


def exact_analyzer() -> Analyzer:
    """Words as written, lowercased: diacritics kept, to prefer "cá" over "cà" when typed."""
    return NfcTokenizer() | LowercaseFilter()


def plain_analyzer() -> Analyzer:
    """Words lowercased with tone marks folded (accent_map also maps đ/Đ to d)."""
    return exact_analyzer() | CharsetFilter(accent_map)


def prefix_analyzer() -> Analyzer:
    """Index-time only: every start of every word, for as-you-type suggestions."""
    return plain_analyzer() | NgramFilter(minsize=1, maxsize=NGRAM_MAX, at="start")


PLAIN = plain_analyzer()
EXACT = exact_analyzer()


def plain_words(text: str) -> list[str]:
    return [token.text for token in PLAIN(text)]


def exact_words(text: str) -> list[str]:
    return [token.text for token in EXACT(text)]


def folded(text: str) -> str:
    """Text as the back-office lists compare it in SQL: its words lowercased with tone marks
    folded, one space apart ("Nguyễn  Thị Đào" → "nguyen thi dao")."""
    return " ".join(plain_words(text))

"""The index read as numpy arrays, so a search finds, scores, sorts and counts its matches in
bulk. Whoosh's matchers step through postings one at a time in Python: at 100,000 products a
plain query took 65 ms of CPU, four fifths of it scoring.

A segment never changes once written (deleting a document only marks it), so what is read of a
segment is kept per process, keyed by the segment (CACHED_BYTES), and a snapshot leaves the
deleted documents out. After an edit only the new, small segment is read."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield as length_column_name
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length

# What a process keeps of the index: all of it fits for 100,000 products (about 40 MB).
CACHED_BYTES = 64 * 1024 * 1024
# What a snapshot keeps of its words' scores and its filters: a snapshot may live long and see
# many words, so this is bounded too.
SNAPSHOT_BYTES = 16 * 1024 * 1024

NO_DOCUMENTS = np.zeros(0, dtype=np.int32)
NO_POSTINGS = (NO_DOCUMENTS, np.zeros(0, dtype=np.float32))
# Whoosh keeps a field's length in a byte per document; 0 is "no length".
LENGTH_OF_BYTE = np.array([0] + [byte_to_length(byte) for byte in range(1, 256)], dtype=np.float64)


class ArrayCache:
    """Arrays kept under a key, the least recently used dropped past `capacity` bytes."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self.entries: OrderedDict[tuple, tuple[np.ndarray, ...]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, read: Callable[[], tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        arrays = read()  # outside the lock: two threads may read the same arrays, no harm
        with self.lock:
            if key not in self.entries:
                self.entries[key] = arrays
                self.size += size(arrays)
                while self.size > self.capacity and len(self.entries) > 1:
                    _key, dropped = self.entries.popitem(last=False)
                    self.size -= size(dropped)
        return arrays


def size(arrays: tuple[np.ndarray, ...]) -> int:
    return sum(array.nbytes for array in arrays)


def segment_key(segment: IndexReader) -> str:
    return segment.segment().segment_id()


def read_postings(segment: IndexReader, field: str, word: str) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers in the segment, weights) of a term, the deleted documents included.
    Decoded a block of postings at a time as whoosh.codec.whoosh3.W3LeafMatcher stores them
    (whoosh-reloaded 2.7.5, pinned): through Whoosh's own decoding, posting by posting in
    Python, a term took three times as long (35 ms against 10 for 49,500 postings)."""
    if (field, word) not in segment:
        return NO_POSTINGS
    matcher = segment.postings(field, word)
    if isinstance(matcher, FilterMatcher):  # how Whoosh leaves out the segment's deleted documents
        matcher = matcher.child
        matcher.reset()  # the filter has moved it past the first deleted ones
    gaps, weights, starts, bases = [], [], [], []  # each block's ids: gaps, the first from 0
    count, base = 0, 0
    while matcher.is_active():
        matcher._read_data()
        ids, block_weights = matcher._data[:2]
        gaps.append(ids)
        starts.append(count)
        bases.append(base)
        count, base = count + matcher._blocklength, matcher._maxid
        if block_weights is None or isinstance(block_weights, float):  # all 1, or all alike
            weights.append(np.full(matcher._blocklength, block_weights or 1.0, dtype=np.float32))
        else:
            weights.append(block_weights)
        matcher._next_block()
    if not gaps:
        return NO_POSTINGS
    # One sum over every block, each block's first gap made relative to the last id before it.
    steps = np.concatenate(gaps).astype(np.int64)
    steps[starts] -= bases
    return np.cumsum(steps).astype(np.int32), np.concatenate(weights).astype(np.float32)


def read_lengths(segment: IndexReader, field: str) -> tuple[np.ndarray]:
    """The length Whoosh scores each document's field with (stored as a byte, so approximate),
    as its doc_field_length() gives it, read from the column's bytes at once."""
    per_document, column = segment._perdoc, length_column_name(field)
    if not per_document.has_column(column):
        return (np.zeros(segment.doc_count_all(), dtype=np.float64),)
    length_bytes = stored_numbers(per_document.column_reader(column, LENGTHS_COLUMN), segment.doc_count_all())
    return (LENGTH_OF_BYTE[length_bytes],)


def read_column(segment: IndexReader, field: str) -> tuple[np.ndarray]:
    """Each document's value, as Whoosh's column reader gives it. A numeric column is read from
    its bytes at once, and only its distinct values are translated one by one (a worker's
    first search read the columns of 100,000 documents a value at a time: ~1 s)."""
    reader = segment.column_reader(field, translate=False)
    if isinstance(reader, NumericColumn.Reader):
        stored = stored_numbers(reader, segment.doc_count_all())
    elif isinstance(reader, VarBytesColumn.Reader):
        stored = stored_bytes(reader)
    else:
        stored = np.array(list(reader), dtype=object)
    values, codes = np.unique(stored, return_inverse=True)
    translate = segment.schema[field].from_column_value
    return (np.array([translate(value) for value in values.tolist()])[codes],)


def stored_numbers(reader: NumericColumn.Reader, doc_count: int) -> np.ndarray:
    """A numeric column as Whoosh 3 writes it: big-endian numbers up to the last document that
    has one; the documents after it have the default."""
    written = reader._dbfile.get(reader._basepos, reader._count * reader._fixedlen)
    numbers = np.full(doc_count, reader._default, dtype=np.dtype(reader._typecode))
    numbers[:reader._count] = np.frombuffer(written, dtype=np.dtype(reader._typecode).newbyteorder(">"))
    return numbers


def stored_bytes(reader: VarBytesColumn.Reader) -> np.ndarray:
    """A column of byte strings (a product's group), each document's as a fixed-width numpy
    bytes value, cut from the column's bytes read at once with its lengths and offsets."""
    lengths, offsets = np.asarray(reader._lengths, dtype=np.int64), np.asarray(reader._offsets, dtype=np.int64)
    width = int(lengths.max(initial=0))
    if width == 0:
        return np.zeros(len(lengths), dtype="S1")
    data = np.frombuffer(reader._dbfile.get(reader._basepos, int((offsets + lengths).max())), dtype=np.uint8)
    places = np.minimum(offsets[:, None] + np.arange(width), len(data) - 1)
    characters = np.where(np.arange(width) < lengths[:, None], data[places], 0).astype(np.uint8)
    return characters.view(f"S{width}").ravel()


def read_codes(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values of a segment's column, each document's place among them)."""
    return np.unique(column, return_inverse=True)


def bm25(weights: np.ndarray, lengths: np.ndarray, idf: float, average_length: float, b: float, k1: float) -> np.ndarray:
    """whoosh.scoring.bm25 over arrays, its operations in the same order, so each term's score
    is the one Whoosh gives: in double precision, as Python's floats are."""
    tf = weights.astype(np.float64)
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / average_length)))

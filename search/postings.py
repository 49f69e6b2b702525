"""Whole posting lists as numpy arrays, read once per immutable segment and kept in a bounded cache.

Counting every match (for the total and the facets) and ranking the best ten through Whoosh's matchers
costs a few Python calls per posting. Reading a term's posting list whole, a block at a time, gives two
arrays (document numbers and term frequencies) on which intersections, unions, BM25 sums and facet
counts are single numpy calls. Segment files never change once written, so arrays are cached by
segment and term, in least-recently-used order, up to a byte limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

EMPTY_IDS = np.zeros(0, dtype=np.int32)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


def read_postings(segment_reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of one term in one segment, deleted documents included."""
    terms = segment_reader._terms  # whoosh==2.7.4: the segment's term table
    if (fieldname, btext) not in terms:
        return EMPTY_IDS, EMPTY_WEIGHTS
    fmt = segment_reader.schema[fieldname].format
    matcher = terms.matcher(fieldname, btext, fmt)
    if not hasattr(matcher, "_goto"):  # an inlined list (a ListMatcher)
        ids = np.asarray(matcher._ids, dtype=np.int32)
        weights = matcher._weights
        if weights is None:
            return ids, np.ones(len(ids), dtype=np.float32)
        return ids, np.asarray(weights, dtype=np.float32)
    id_parts, weight_parts = [], []
    while matcher.is_active():
        matcher._read_data()
        deltas, weights, _ = matcher._data
        id_parts.append(np.asarray(deltas, dtype=np.int64))
        n = len(deltas)
        if weights is None:
            weight_parts.append(np.ones(n, dtype=np.float32))
        elif isinstance(weights, float):
            weight_parts.append(np.full(n, weights, dtype=np.float32))
        else:
            weight_parts.append(np.asarray(weights, dtype=np.float32))
        matcher._next_block()
    # Each block's first id is absolute and the rest are gaps (search.codec's delta encoding).
    ids = np.concatenate([np.cumsum(part) for part in id_parts]).astype(np.int32)
    return ids, np.concatenate(weight_parts)


class PostingCache:
    """Posting arrays by (segment, field, term), least recently used dropped past limit_bytes."""

    def __init__(self, limit_bytes: int = 48 << 20) -> None:
        self.limit_bytes = limit_bytes
        self._items: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, segment_reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """The term's arrays in this segment, from the cache or read now."""
        key = (segment_reader.segment().segment_id(), fieldname, btext)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        value = read_postings(segment_reader, fieldname, btext)
        size = value[0].nbytes + value[1].nbytes
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self._bytes += size
                while self._bytes > self.limit_bytes and len(self._items) > 1:
                    _, (ids, weights) = self._items.popitem(last=False)
                    self._bytes -= ids.nbytes + weights.nbytes
        return value

    def forget_others(self, live_ids: set[str]) -> None:
        """Drop arrays of segments that merges or rebuilds have retired."""
        with self._lock:
            for key in [k for k in self._items if k[0] not in live_ids]:
                ids, weights = self._items.pop(key)
                self._bytes -= ids.nbytes + weights.nbytes


"""Facet counts and date order read from per-segment column arrays, cached per immutable segment.

Whoosh's ``groupedby`` asks the column for each matching document in turn (a Python call per document
and facet). Segments never change once written, so each one's column is read once, as one numpy array of
references into its list of distinct values, and counting a facet over the matches becomes one
``bincount`` of the matching documents' references.
"""

from __future__ import annotations

import sys
import threading
from array import array
from collections import Counter

import numpy as np

FACETS = ("agency", "campaign", "media_type", "released_on")


class _Column:
    __slots__ = ("refs", "uniques", "ranks", "years", "year_refs")

    def __init__(self, refs, uniques: list[bytes]) -> None:
        self.refs = np.asarray(refs, dtype=np.int64)
        self.uniques = uniques
        # For dates: the year of each distinct value, so the year facet is one bincount of a few values.
        self.years = sorted({u[:4] for u in uniques})
        year_index = {y: i for i, y in enumerate(self.years)}
        self.year_refs = np.asarray([year_index[u[:4]] for u in uniques], dtype=np.int64)
        # ranks[ref]: the position of uniques[ref] in sorted order (dates sort as text)
        order = sorted(range(len(uniques)), key=uniques.__getitem__)
        self.ranks = np.zeros(len(uniques), dtype=np.int64)
        if order:
            self.ranks[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)


def _read_column(segment_reader, name: str) -> _Column:
    """Read a RefBytesColumn whole: the per-document references and the distinct values."""
    reader = segment_reader.column_reader(name, translate=False)
    # whoosh==2.7.4 RefBytesColumn.Reader keeps its layout in these attributes; reading the reference
    # array in one slice is what makes this fast. Other readers fall back to iteration.
    try:
        dbfile, basepos, count = reader._dbfile, reader._basepos, reader._doccount
        typecode, uniques = reader._typecode, reader._uniques
    except AttributeError:
        values = list(reader)
        distinct = sorted(set(values))
        position = {v: i for i, v in enumerate(distinct)}
        return _Column([position[v] for v in values], distinct)
    refs = array(typecode)
    refs.frombytes(bytes(dbfile.get(basepos, count * refs.itemsize)))
    if sys.byteorder == "little":
        refs.byteswap()  # stored big-endian ("!" struct format)
    return _Column(refs, list(uniques))


class FacetCache:
    """Columns of each segment, loaded on first use and kept while the segment exists."""

    def __init__(self) -> None:
        self._segments: dict[str, dict[str, _Column]] = {}
        self._lock = threading.Lock()

    def columns(self, segment_reader) -> dict[str, _Column]:
        """The facet columns of one segment."""
        segid = segment_reader.segment().segment_id()
        with self._lock:
            cols = self._segments.get(segid)
            if cols is None:
                cols = {name: _read_column(segment_reader, name) for name in FACETS}
                self._segments[segid] = cols
            return cols

    def forget_others(self, live_ids: set[str]) -> None:
        """Drop cached segments that merges or rebuilds have retired."""
        with self._lock:
            for segid in set(self._segments) - live_ids:
                del self._segments[segid]


def finish(raw: dict[str, Counter], top: int) -> dict[str, list[tuple[str, int]]]:
    """Turn raw byte-valued counts into sorted (label, count) lists, with year derived from dates."""
    years: Counter = Counter()
    for value, n in raw["released_on"].items():
        if value:
            years[value[:4].decode()] += n
    out = {"year": sorted(years.items(), key=lambda item: item[0], reverse=True)[:top]}
    for name, label in (("agency", "agency"), ("campaign", "campaign"), ("media_type", "media_type")):
        pairs = [(v.decode("utf-8"), n) for v, n in raw[name].items() if v]
        pairs.sort(key=lambda item: (-item[1], item[0]))
        out[label] = pairs[:top]
    return out

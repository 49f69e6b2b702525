"""The page text's postings for a bulk rebuild, computed with numpy a page at a time and sorted once.

For each page the words become stem numbers through one dictionary lookup each (a C-level ``map``), and
everything else is array arithmetic: stopwords dropped by a lookup table, the hashed bigram buckets of
adjacent stems computed for the whole page at once (the same arithmetic as search.analysis.bigram), and
each term's frequency from one ``np.unique``. The segment's postings are three flat arrays (term, page,
frequency) sorted once by term when the segment is written.
"""

from __future__ import annotations

from zlib import crc32

import numpy as np

from .analysis import _BUCKET_NAMES, _MASK, _MULT, BIGRAM_BUCKETS, STOP_STEMS, TOKEN_RE, stem

FREQ_MAX = 0xFFFF


class _StemTable(dict):
    """lowercase word -> stem number; per stem number its text, hash and whether it is a stopword."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers: dict[str, int] = {}
        self.texts: list[str] = []
        self.hashes = np.zeros(1024, dtype=np.uint64)
        self.stop = np.zeros(1024, dtype=bool)

    def __missing__(self, word: str) -> int:
        text = stem(word)
        number = self.numbers.get(text)
        if number is None:
            number = self.numbers[text] = len(self.texts)
            self.texts.append(text)
            if number >= len(self.hashes):
                self.hashes = np.concatenate([self.hashes, np.zeros(len(self.hashes), dtype=np.uint64)])
                self.stop = np.concatenate([self.stop, np.zeros(len(self.stop), dtype=bool)])
            self.hashes[number] = crc32(text.encode("utf-8"))
            self.stop[number] = text in STOP_STEMS
        self[word] = number
        return number


class PagePostings:
    """Accumulates the text field's postings of one segment."""

    def __init__(self) -> None:
        self.table = _StemTable()
        self._terms: list[np.ndarray] = []
        self._docs: list[np.ndarray] = []
        self._freqs: list[np.ndarray] = []

    def add(self, docnum: int, text: str) -> None:
        """Add one page's terms (stems less stopwords, bigram buckets) with their frequencies."""
        tokens = TOKEN_RE.findall(text.lower())
        if not tokens:
            return
        sids = np.fromiter(map(self.table.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        # Term numbers: buckets are 0..BIGRAM_BUCKETS-1, stems BIGRAM_BUCKETS + their stem number.
        words = sids[~self.table.stop[sids]] + BIGRAM_BUCKETS
        if len(sids) > 1:
            hashes = self.table.hashes[sids]
            buckets = ((hashes[:-1] * np.uint64(_MULT)) ^ hashes[1:]) & np.uint64(_MASK)
            terms = np.concatenate([words, buckets.astype(np.int64)])
        else:
            terms = words
        if not len(terms):
            return
        unique, counts = np.unique(terms, return_counts=True)
        self._terms.append(unique.astype(np.int32))
        self._docs.append(np.full(len(unique), docnum, dtype=np.uint32))
        self._freqs.append(np.minimum(counts, FREQ_MAX).astype(np.float32))

    def name(self, term: int) -> str:
        """The index term a term number stands for."""
        return _BUCKET_NAMES[term] if term < BIGRAM_BUCKETS else self.table.texts[term - BIGRAM_BUCKETS]

    def sorted_terms(self):
        """(term text, page numbers, frequencies) for every term, terms in index order (by UTF-8 bytes)."""
        if not self._terms:
            return
        terms = np.concatenate(self._terms)
        self._terms = []
        order = np.argsort(terms, kind="stable")  # pages stay in ascending order within a term
        docs = np.concatenate(self._docs)[order]
        self._docs = []
        freqs = np.concatenate(self._freqs)[order]
        self._freqs = []
        counts = np.bincount(terms)
        del terms, order
        starts = np.concatenate([[0], np.cumsum(counts)])
        present = np.flatnonzero(counts)
        # Sorting str keys orders them by code point, which is the order of their UTF-8 bytes.
        for text, term in sorted((self.name(int(t)), int(t)) for t in present):
            yield text, docs[starts[term]:starts[term + 1]], freqs[starts[term]:starts[term + 1]]

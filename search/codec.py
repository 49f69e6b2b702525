"""Whoosh's W3 codec with short posting lists kept inside the term dictionary, and faster blocks.

Most terms of a page index are rare (names, numbers and, above all, word bigrams). By default Whoosh
writes every posting list, however short, as a zlib-compressed block in the postings file, which was
most of the indexing time here. W3Codec has an ``inlinelimit`` for exactly this, but in whoosh==2.7.4
its writer calls ``W3TermInfo.set_inline`` while the method is named ``set_inlined``; these subclasses
supply the missing name. Readers need nothing special: W3Codec reads inlined lists already.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate
from operator import sub

from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3LeafMatcher, W3PostingsWriter, W3TermInfo
from whoosh.matching import ListMatcher, ReadTooFar


class _TermInfo(W3TermInfo):
    def set_inline(self, ids, weights, values):
        """The name whoosh 2.7.4's postings writer calls."""
        self.set_inlined(ids, weights, values)


class _FieldWriter(W3FieldWriter):
    def start_term(self, btext):
        """Begin a term's postings (as W3FieldWriter does, with a term info that can be inlined)."""
        if self._postwriter is None:
            raise RuntimeError("start_term called before start_field")
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, _TermInfo())


class _PostingsWriter(W3PostingsWriter):
    """W3PostingsWriter with the per-block encodings done by C-level loops (same bytes out)."""

    def _mini_ids(self):
        ids = self._ids
        if self._byteids or not ids:
            return tuple(ids)
        return (ids[0], *map(sub, ids[1:], ids[:-1]))  # delta encoding, as whoosh's delta_encode

    def _mini_weights(self):
        weights = self._weights
        n = len(weights)
        if weights.count(1.0) == n:
            return None
        if weights.count(weights[0]) == n:
            return weights[0]
        return tuple(weights)


class _LeafMatcher(W3LeafMatcher):
    """W3LeafMatcher that decodes a block's ids with a C-level loop and lists all ids block by block
    (counting facets over every match reads whole posting lists)."""

    def _read_ids(self):
        if self._data is None:
            self._read_data()
        ids = self._data[0]
        self._ids = ids if self._byteids else tuple(accumulate(ids))

    def skip_to(self, targetid):
        """Move to the first posting at or after targetid (a binary search within the block)."""
        if not self.is_active():
            raise ReadTooFar
        if self._ids is None:
            self._read_ids()
        if targetid <= self._ids[self._i]:
            return
        while not self._atend and self._maxid < targetid:
            self._next_block()
        if self._atend:
            return
        if self._ids is None:
            self._read_ids()
        self._i = bisect_left(self._ids, targetid, self._i if self._i < len(self._ids) else 0)
        if self._i >= self._blocklength:  # cannot happen (the block's last id >= targetid); be safe
            self._next_block()

    def all_ids(self):
        """Every remaining document number, a block at a time."""
        while self.is_active():
            if self._ids is None:
                self._read_ids()
            yield from self._ids[self._i:]
            self._next_block()


class PageCodec(W3Codec):
    """W3Codec that inlines posting lists shorter than inlinelimit."""

    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = 16) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def field_writer(self, storage, segment):
        """The field writer, with inlining that works."""
        return _FieldWriter(self, storage, segment)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        """A matcher over one term's postings."""
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            if len(values) < len(ids):
                # whoosh 2.7.4 leaves empty values out of inlined lists, and its ListMatcher then gives
                # '' (str) as a value, which the merge of segments after a few commits rejects.
                values = (b"",) * len(ids)
            return ListMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)
        offset, length = terminfo.extent()
        return _LeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def postings_writer(self, dbfile, byteids=False):
        """The postings writer, with faster block encoding."""
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                               compression=self._compression, inlinelimit=self._inlinelimit)

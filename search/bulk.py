"""A segment writer for rebuilds that inverts the page text in memory and writes it in whole blocks.

Whoosh's SegmentWriter sends every posting through a sorting pool and then, one Python call at a time,
into the postings writer. For the text field (hundreds of postings a page) this writer instead keeps
each term's document numbers and frequencies in two arrays and hands them to Whoosh's W3 postings writer
128 at a time. Everything else (stored fields, columns, the small filter fields) goes the ordinary way.
The blocks written are exactly those of W3Codec, so ordinary readers and later writers use them.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from itertools import chain, count, repeat

from whoosh.writing import SegmentWriter

from .analysis import PREANALYSED, page_terms

TEXT = "text"


class BulkWriter(SegmentWriter):
    """SegmentWriter for a fresh index built in one go (used by search.index.rebuild)."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        # term -> term number (assigned on first sight), and per term number its postings.
        self._term_ids: defaultdict[str, int] = defaultdict(count().__next__)
        self._docs: list[array] = []
        self._freqs: list[array] = []

    def add_document(self, **fields) -> None:
        """Add one page; its text is inverted here, the other fields by Whoosh."""
        text = fields.get(TEXT) or ""
        counts = page_terms(text)
        # Hundreds of postings a page: the appends run inside map() so no Python bytecode runs per
        # posting (any() just drains the iterator; append returns None).
        ids = list(map(self._term_ids.__getitem__, counts))
        docs, freqs = self._docs, self._freqs
        while len(docs) < len(self._term_ids):
            docs.append(array("I"))
            freqs.append(array("I"))
        any(map(array.append, map(docs.__getitem__, ids), repeat(self.docnum)))
        any(map(array.append, map(freqs.__getitem__, ids), counts.values()))
        fields[TEXT] = PREANALYSED
        fields["_stored_" + TEXT] = text
        super().add_document(**fields)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        fieldwriter = self.fieldwriter
        pool = iter(self.pool.iter_postings())
        # Terms must reach the term table in field order: pool fields before "text", then the text
        # field from memory, then the remaining pool fields.
        before, pending = [], None
        for item in pool:
            if item[0] > TEXT:
                pending = item
                break
            before.append(item)
        fieldwriter.add_postings(self.schema, pdr, before)
        self._write_text(fieldwriter)
        if pending is not None:
            fieldwriter.add_postings(self.schema, pdr, chain([pending], pool))
        fieldwriter.close()
        if pdr:
            pdr.close()

    def _write_text(self, fieldwriter) -> None:
        if not self._term_ids:
            return
        fieldwriter.start_field(TEXT, self.schema[TEXT])
        pw = fieldwriter._postwriter
        limit = pw._blocklimit
        # Sorting str keys orders them by code point, which is the order of their UTF-8 bytes.
        for term, term_id in sorted(self._term_ids.items()):
            docs, freqs = self._docs[term_id], self._freqs[term_id]
            fieldwriter.start_term(term.encode("utf-8"))
            # Fill W3PostingsWriter's block buffer directly (whoosh==2.7.4 attribute names); every block
            # but the last is written here, the last by finish_term(), which also inlines short lists.
            for start in range(0, len(docs), limit):
                chunk = freqs[start:start + limit]
                pw._ids = docs[start:start + limit]
                pw._weights = array("f", chunk)
                pw._maxweight = float(max(chunk))
                if start + limit < len(docs):
                    pw._write_block()
            fieldwriter.finish_term()
        fieldwriter.finish_field()
        self._term_ids.clear()
        self._docs, self._freqs = [], []

"""A segment writer for rebuilds that inverts pages in memory and writes whole blocks.

Whoosh's SegmentWriter sends every posting through a sorting pool, analyses every field through a
chain of filters, and then hands postings one Python call at a time to the postings writer. Here the
page text, most of the postings, is inverted with numpy (search.pagebulk); each other
field's terms come from the field's own ``terms()`` (or the value itself for ID fields), each term's
document numbers and frequencies go into two arrays by C-level ``map`` calls, and at commit each term's
arrays are handed to Whoosh's W3 postings writer 128 at a time. Stored fields and columns go through
Whoosh's per-document writer as usual. The segment is an ordinary W3 segment: readers, later writers
and merges use it like any other.
"""

from __future__ import annotations

import multiprocessing
import queue
from array import array
from collections import defaultdict
from collections.abc import Iterable
from itertools import count, repeat
from operator import and_, or_, rshift

from whoosh import fields as wfields
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from .pagebulk import PagePostings

_FREQ_MASK = 0xFFFF


class BulkWriter(SegmentWriter):
    """SegmentWriter for a fresh index built in one go (used by search.index.rebuild)."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self._next_id = count().__next__
        # Per field: term -> term number; per term number: its packed postings.
        self._term_ids: dict[str, defaultdict[str, int]] = {}
        self._postings: list[array] = []
        self._plan = {name: self._term_source(field) for name, field in self.schema.items()}
        self._pages = PagePostings()  # the page text's postings (search.pagebulk)

    @staticmethod
    def _term_source(field):
        if not field.indexed:
            return None
        if hasattr(field, "terms"):
            return field.terms
        if isinstance(field, wfields.ID):
            return lambda value: {value: 1}
        raise TypeError(f"BulkWriter cannot index a {type(field).__name__} field")

    def add_document(self, **fields) -> None:
        """Add one page or message body."""
        docnum = self.docnum
        perdoc = self.perdocwriter
        perdoc.start_doc(docnum)
        for name, value in fields.items():
            if value is None or name.startswith("_"):
                continue
            field = self.schema[name]
            source = self._plan[name]
            if name == "text":
                self._pages.add(docnum, value)
            elif source is not None:
                self._add_terms(name, source(value), docnum)
            perdoc.add_field(name, field, value if field.stored else None, 0)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_terms(self, name: str, counts, docnum: int) -> None:
        ids_of = self._term_ids.get(name)
        if ids_of is None:
            ids_of = self._term_ids[name] = defaultdict(self._next_id)
        ids = list(map(ids_of.__getitem__, counts))
        if not ids:
            return
        postings = self._postings
        missing = max(ids) + 1 - len(postings)  # term numbers first seen in this document
        if missing > 0:
            postings.extend(array("Q") for _ in range(missing))
        freqs = counts.values()
        if max(freqs) > _FREQ_MASK:
            freqs = [min(f, _FREQ_MASK) for f in freqs]
        # Hundreds of postings a page: one packed value (document << 16 | frequency) per posting, appended
        # inside map() so no bytecode runs per posting (any() only drains the iterator).
        any(map(array.append, map(postings.__getitem__, ids), map(or_, repeat(docnum << 16), freqs)))

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        # the term table wants fields, then terms, in order
        for name in sorted({*self._term_ids, "text"}):
            if name == "text":
                self._write_text(fieldwriter)
            else:
                self._write_field(fieldwriter, name)
        fieldwriter.close()

    def _write_text(self, fieldwriter) -> None:
        fieldwriter.start_field("text", self.schema["text"])
        pw = fieldwriter._postwriter
        limit = pw._blocklimit
        for term, docs, freqs in self._pages.sorted_terms():
            fieldwriter.start_term(term.encode("utf-8"))
            # As in _write_field: fill the block buffer directly, the last block left to finish_term().
            for start in range(0, len(docs), limit):
                ids = array("I")
                ids.frombytes(docs[start:start + limit].tobytes())
                weights = array("f")
                weights.frombytes(freqs[start:start + limit].tobytes())
                pw._ids, pw._weights, pw._maxweight = ids, weights, max(weights)
                if start + limit < len(docs):
                    pw._write_block()
            fieldwriter.finish_term()
        fieldwriter.finish_field()

    def _write_field(self, fieldwriter, name: str) -> None:
        fieldwriter.start_field(name, self.schema[name])
        pw = fieldwriter._postwriter
        limit = pw._blocklimit
        # Sorting str keys orders them by code point, which is the order of their UTF-8 bytes.
        for term, term_id in sorted(self._term_ids[name].items()):
            packed = self._postings[term_id]
            fieldwriter.start_term(term.encode("utf-8"))
            # Fill W3PostingsWriter's block buffer directly (whoosh==2.7.4 attribute names); every
            # block but the last is written here, the last by finish_term(), which also inlines short
            # lists (see search.codec).
            for start in range(0, len(packed), limit):
                chunk = packed[start:start + limit]
                freqs = array("f", map(and_, chunk, repeat(_FREQ_MASK)))
                pw._ids = array("I", map(rshift, chunk, repeat(16)))
                pw._weights = freqs
                pw._maxweight = max(freqs)
                if start + limit < len(packed):
                    pw._write_block()
            fieldwriter.finish_term()
            self._postings[term_id] = None  # free as we go
        fieldwriter.finish_field()


def _segment_worker(gen_dir: str, jobs, results, kwargs: dict) -> None:
    """Child process: write the batches of documents it is sent into one segment of its own."""
    ix = whoosh_index.open_dir(gen_dir)
    writer = BulkWriter(ix, _lk=False, **kwargs)  # the parent holds the index's write lock
    while (batch := jobs.get()) is not None:
        for fields in batch:
            writer.add_document(**fields)
    if writer.docnum:
        results.put(writer._finalize_segment())
    else:
        writer._close_segment()
        results.put(None)


def build_parallel(ix, documents: Iterable[dict], procs: int, on_batch=None, batch: int = 250,
                   **kwargs) -> int:
    """Write documents into a fresh index as procs segments built side by side; return the count.

    The parent process only prepares and sends batches; each child inverts its share and writes its
    own segment, and the parent then commits one table of contents listing them all (as Whoosh's
    MpWriter does with multisegment=True, which cannot use BulkWriter).
    """
    ctx = multiprocessing.get_context("fork")
    jobs, results = ctx.Queue(maxsize=procs * 4), ctx.Queue()
    gen_dir = ix.storage.folder
    owner = SegmentWriter(ix, **kwargs)  # takes the write lock; adds no documents of its own
    workers = [ctx.Process(target=_segment_worker, args=(gen_dir, jobs, results, kwargs), daemon=True)
               for _ in range(procs)]
    for w in workers:
        w.start()
    count = 0
    try:
        chunk: list[dict] = []
        for fields in documents:
            chunk.append(fields)
            if len(chunk) == batch:
                _send(jobs, chunk, workers)
                count += len(chunk)
                chunk = []
                if on_batch is not None:
                    on_batch(count)
        if chunk:
            _send(jobs, chunk, workers)
            count += len(chunk)
        for _ in workers:
            jobs.put(None)
        segments = []
        for _ in workers:
            segments.append(_receive(results, workers))
        for w in workers:
            w.join()
    except BaseException:
        for w in workers:
            if w.is_alive():
                w.terminate()
            w.join()
        owner.cancel()
        raise
    owner._close_segment()
    owner._commit_toc([s for s in segments if s is not None])
    owner._finish()
    return count


def _send(jobs, chunk: list[dict], workers) -> None:
    while True:
        try:
            jobs.put(chunk, timeout=5)
            return
        except queue.Full:
            if not all(w.is_alive() for w in workers):
                raise RuntimeError("an index-building process died; see its error above") from None


def _receive(results, workers):
    while True:
        try:
            return results.get(timeout=5)
        except queue.Empty:
            if not all(w.is_alive() or w.exitcode == 0 for w in workers):
                raise RuntimeError("an index-building process died; see its error above") from None

"""Run a compiled query over each segment with numpy: the matching set, BM25 scores, facets, top N.

A compiled query (search.query) is a tree of Whoosh Term, Prefix, TermRange, And, Or and Not nodes. Here each node
becomes a boolean array over the segment's documents (a term's posting list scattered into one), so
an AND is ``&``, an OR ``|`` and a NOT ``~``, whatever the lengths of the lists; each positive term of
the page text adds its BM25 contribution (search.scoring's formula) to a score array. Counting the
matches, counting facets and choosing the best N are then a handful of array operations, and no
matcher ever skips blocks (so nothing can spin).

Work is checked against a deadline between steps: when it passes, the segments finished so far are
what the search answers, flagged partial.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from math import log

import numpy as np
from whoosh import query as wq

from .facets import FACETS
from .postings import EMPTY_IDS, PostingCache
from .scoring import K1

TEXT = "text"
PREFIX_SCORE = 1.0  # a prefix adds the same score wherever it matches (as Whoosh's Prefix does)


class BudgetSpent(Exception):
    """The search's time budget ran out."""


@dataclass
class Outcome:
    """What the search found in the segments it finished."""

    total: int = 0
    facets: dict[str, Counter] = field(default_factory=lambda: {name: Counter() for name in FACETS})
    top: list[tuple[tuple, int, float]] = field(default_factory=list)  # (sort key, docnum, score)
    partial: bool = False


class _Segment:
    """One segment's reader and the arrays built while evaluating a query over it."""

    def __init__(self, reader, cache: PostingCache, idf: dict, deadline: float) -> None:
        self.reader = reader
        self.n = reader.doc_count_all()
        self.cache = cache
        self.idf = idf
        self.deadline = deadline
        self.scores = np.zeros(self.n, dtype=np.float64)

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise BudgetSpent

    def postings(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
        btext = text if isinstance(text, bytes) else self.reader._text_to_bytes(fieldname, text)
        return self.cache.get(self.reader, fieldname, btext)

    def mask(self, ids: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        out[ids] = True
        return out


def _evaluate(node, seg: _Segment, positive: bool) -> np.ndarray:
    """The boolean array of the segment's documents matching node; positive text terms add scores."""
    seg.check()
    if isinstance(node, wq.Term):
        ids, weights = seg.postings(node.fieldname, node.text)
        if positive and node.fieldname == TEXT and len(ids):
            idf = seg.idf[node.text]
            seg.scores[ids] += idf * (weights * (K1 + 1) / (weights + K1))
        return seg.mask(ids)
    if isinstance(node, wq.Prefix):
        out = np.zeros(seg.n, dtype=bool)
        for i, btext in enumerate(seg.reader.expand_prefix(node.fieldname, node.text)):
            if i % 64 == 63:
                seg.check()
            out[seg.postings(node.fieldname, btext)[0]] = True
        if positive and node.fieldname == TEXT:
            seg.scores[out] += PREFIX_SCORE
        return out
    if isinstance(node, wq.TermRange):
        out = np.zeros(seg.n, dtype=bool)
        for i, btext in enumerate(_range_terms(seg.reader, node)):
            if i % 64 == 63:
                seg.check()
            out[seg.postings(node.fieldname, btext)[0]] = True
        return out
    if isinstance(node, wq.And):
        return seg.mask(_conjunction(node, seg, positive))
    if isinstance(node, wq.Or):
        out = np.zeros(seg.n, dtype=bool)
        for sub in node.subqueries:
            out |= _evaluate(sub, seg, positive)
        return out
    if isinstance(node, wq.Not):
        return ~_evaluate(node.query, seg, not positive)
    if node is wq.NullQuery or isinstance(node, type(wq.NullQuery)):
        return np.zeros(seg.n, dtype=bool)
    raise TypeError(f"search.execute cannot run a {type(node).__name__} query")


def _flatten(node: wq.And, out: list) -> list:
    """The children of nested ANDs (a phrase's words and pairs inside the user's AND inside the access
    clause's AND) as one list."""
    for sub in node.subqueries:
        if isinstance(sub, wq.And):
            _flatten(sub, out)
        else:
            out.append(sub)
    return out


def _conjunction(node: wq.And, seg: _Segment, positive: bool) -> np.ndarray:
    """The sorted document numbers matching every child of an AND.

    Term children are intersected from the shortest posting list up: the rarest term's documents are
    the only candidates, and each longer list is only probed for them (a binary search per candidate),
    never scattered whole. The other children (ORs, prefixes, NOTs) then filter what is left. Only the
    documents that match the whole AND take its terms' BM25 contributions.
    """
    children = _flatten(node, [])
    terms = [sub for sub in children if isinstance(sub, wq.Term)]
    others = [sub for sub in children if not isinstance(sub, wq.Term)]
    lists = sorted(((seg.postings(t.fieldname, t.text), t) for t in terms), key=lambda item: len(item[0][0]))
    if lists:
        candidates = lists[0][0][0]
        for (ids, _), _term in lists[1:]:
            seg.check()
            if not len(candidates):
                break
            candidates = candidates[_contains(ids, candidates)]
    else:
        candidates = None
    for sub in others:
        if candidates is not None and not len(candidates):
            break
        matched = _evaluate(sub, seg, positive)
        candidates = np.flatnonzero(matched) if candidates is None else candidates[matched[candidates]]
    if candidates is None:
        return EMPTY_IDS
    if positive and len(candidates):
        for (ids, weights), term in lists:
            if term.fieldname == TEXT:
                tf = weights[np.searchsorted(ids, candidates)]
                seg.scores[candidates] += seg.idf[term.text] * (tf * (K1 + 1) / (tf + K1))
    return candidates


def _contains(ids: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Which candidates (sorted) are in ids (sorted): a boolean array over candidates."""
    if not len(ids):
        return np.zeros(len(candidates), dtype=bool)
    at = np.searchsorted(ids, candidates)
    at[at == len(ids)] = len(ids) - 1
    return ids[at] == candidates


def _range_terms(reader, node: wq.TermRange):
    """The terms of the node's field between its start and end (each included unless excluded)."""
    field = node.fieldname
    start = reader._text_to_bytes(field, node.start) if node.start is not None else b""
    end = reader._text_to_bytes(field, node.end) if node.end is not None else None
    for fieldname, btext in reader.terms_from(field, start):
        if fieldname != field or (end is not None and (btext > end or (node.endexcl and btext == end))):
            return
        if node.startexcl and btext == start:
            continue
        yield btext


def _text_terms(node, out: set) -> None:
    """Collect the text-field terms of a query (for their inverse document frequencies)."""
    if isinstance(node, wq.Term) and node.fieldname == TEXT:
        out.add(node.text)
    for sub in getattr(node, "subqueries", ()):
        _text_terms(sub, out)
    if isinstance(node, wq.Not):
        _text_terms(node.query, out)


def inverse_frequencies(leaves, query, cache: PostingCache) -> dict:
    """BM25's idf of each text term of the query, over the whole index (as search.scoring computes it).

    A term's document frequency is the length of its posting lists (deleted documents included, as
    Whoosh counts it), read through the posting cache the search then uses: no term-table lookups.
    """
    terms: set = set()
    _text_terms(query, terms)
    readers = [sub.reader() for sub, _ in leaves]
    total = sum(reader.doc_count_all() for reader in readers)
    out = {}
    for text in terms:
        n = 0
        for reader in readers:
            n += len(cache.get(reader, TEXT, reader._text_to_bytes(TEXT, text))[0])
        out[text] = log(1 + (total - n + 0.5) / (n + 0.5))
    return out


def run(leaves, query, *, cache: PostingCache, facet_cache, deadline: float, depth: int,
        by_date: bool) -> Outcome:
    """Evaluate query over each (segment searcher, docnum offset) leaf, within the deadline.

    The result's top holds the best depth documents overall, best first: by score (ties: lower document
    number first) or, by_date, newest release first (ties: higher document number first).
    """
    outcome = Outcome()
    if not leaves:
        return outcome
    idf = inverse_frequencies(leaves, query, cache)
    for sub, offset in leaves:
        reader = sub.reader()
        try:
            seg = _Segment(reader, cache, idf, deadline)
            matched = _evaluate(query, seg, True)
            if reader.has_deletions():
                matched[np.fromiter(reader._perdoc.deleted_docs(), dtype=np.int64)] = False
            seg.check()
        except BudgetSpent:
            outcome.partial = True
            break
        docnums = np.flatnonzero(matched)
        outcome.total += len(docnums)
        columns = facet_cache.columns(reader)
        _count_facets(columns, docnums, outcome.facets)
        outcome.top.extend(_best(seg, columns, docnums, offset, depth, by_date))
    outcome.top.sort(key=lambda item: item[0])
    del outcome.top[depth:]
    return outcome


def _count_facets(columns, docnums: np.ndarray, into: dict[str, Counter]) -> None:
    if not len(docnums):
        return
    for name in FACETS:
        col = columns[name]
        refs = col.refs[docnums]
        if name == "released_on":  # only its years are shown (search.facets.finish reads value[:4])
            refs, labels = col.year_refs[refs], col.years
        else:
            labels = col.uniques
        counts = np.bincount(refs, minlength=len(labels))
        target = into[name]
        for ref in np.flatnonzero(counts):
            target[labels[ref]] += int(counts[ref])


def _best(seg: _Segment, columns, docnums: np.ndarray, offset: int, depth: int, by_date: bool):
    """This segment's best depth documents as (sort key, global docnum, score), unordered."""
    if not len(docnums):
        return []
    if by_date:
        col = columns["released_on"]
        ranks = col.ranks[col.refs[docnums]]
        keep = _top_positions(ranks, depth, prefer_last=True)
        return [((_neg(col.uniques[col.refs[d]]), -(int(d) + offset)), int(d) + offset, 0.0)
                for d in docnums[keep]]
    scores = seg.scores[docnums]
    keep = _top_positions(scores, depth, prefer_last=False)
    return [((-float(scores[i]), int(docnums[i]) + offset), int(docnums[i]) + offset, float(scores[i]))
            for i in keep]


def _top_positions(values: np.ndarray, depth: int, prefer_last: bool) -> np.ndarray:
    """Positions of the depth largest values; among equal values at the cut, the first (or last) ones."""
    if len(values) <= depth:
        return np.arange(len(values))
    cutoff = np.partition(values, len(values) - depth)[len(values) - depth]
    above = np.flatnonzero(values > cutoff)
    ties = np.flatnonzero(values == cutoff)
    room = depth - len(above)
    ties = ties[len(ties) - room:] if prefer_last else ties[:room]
    return np.concatenate([above, ties])


def _neg(value: bytes) -> tuple:
    """A key sorting byte strings in descending order."""
    return tuple(-b for b in value) + (1,)

"""Run a user's search: parse, compile to a Whoosh query with access control inside it, rank, count."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from whoosh import query as wq
from whoosh.reading import ReaderClosed

from . import execute
from . import facets as facet_counts
from .analysis import STOP_STEMS, bigram, stem, stems, words
from .highlight import Terms, mark_all, snippet
from .index import SearchIndex
from .parse import USER_FIELDS, Node, QueryError, parse
from .records import VISIBILITIES

# Filters the application may pass, mapped to index fields.
FILTER_FIELDS = {
    "agency_id": "agency_id",
    "campaign_id": "campaign_id",
    "request_id": "request_id",
    "document_id": "document_id",
    "year": "year",
    "media_type": "media",
    "visibility": "visibility",
    "kind": "kind",
    "released_from": "released_on",  # ISO dates, inclusive
    "released_to": "released_on",
    "exclude_document_id": "document_id",  # documents the database no longer lets this searcher see
    "exclude_key": "key",  # pages (by record key) the database no longer lets this searcher see
}
MAX_RESULTS_WINDOW = 1000  # deepest hit a page of results may reach (page * per_page)
MIN_PREFIX = 2
COMPLETIONS = ("", "e", "s", "ed", "ing", "ion", "ions", "ation", "ative", "ive", "or", "al", "ally", "ment",
               "ness", "ity", "ize", "ic", "ical", "ful", "ous", "ence", "ance", "er", "able")
PHRASE_SLACK = 10  # extra candidates fetched to replace hits dropped by the phrase check
DEFAULT_BUDGET_SECONDS = 2.0  # a search's time budget unless the caller gives one


@dataclass(frozen=True)
class Hit:
    """One matching page: where it is, and a highlighted snippet of it."""

    key: str
    document_id: int | None
    request_id: int | None
    page: int
    snippet: str
    score: float
    filename: str
    agency: str
    campaign: str
    released_on: date | None
    kind: str = "page"
    ocr: bool = False


@dataclass(frozen=True)
class SearchResults:
    """A page of hits, how many match in all, and facet counts over every match."""

    total: int
    total_is_estimate: bool
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    partial: bool = False  # the time budget ran out: total, facets and hits cover only what was searched


def _text_query(node: Node, terms: _TermCollector, negated: bool, required: bool = True) -> wq.Query | None:
    """Compile a parsed node searching the page text; None when it constrains nothing (stopwords).

    required: every hit must satisfy this node (it hangs from the root through ANDs only), so its
    phrases can be checked against the text of the hits shown.
    """
    op = node.op
    if op in ("and", "or"):
        keep = required and op == "and"
        subs = [_text_query(c, terms, negated, keep) for c in node.children]
        subs = [s for s in subs if s is not None]
        if not subs:
            return None
        if op == "or" and len(subs) < len(node.children):
            return None  # "the OR police": the stopword side matches everything
        return subs[0] if len(subs) == 1 else (wq.And(subs) if op == "and" else wq.Or(subs))
    if op == "not":
        inner = _text_query(node.children[0], terms, not negated, False)
        return wq.Not(inner) if inner is not None else None
    if op == "field":
        return _field_query(node.children[0], USER_FIELDS[node.text])
    if op == "prefix":
        return _prefix_query(node.text, terms, negated)
    seq = stems(node.text)
    if not negated:
        terms.add(seq)
    if len(seq) == 1:
        return None if seq[0] in STOP_STEMS else wq.Term("text", seq[0])
    if not seq:
        return None
    # A phrase (or a word that tokenises into several, like FOIL-2023-056-11528): its words and the
    # hashed buckets of its bigrams (see search.analysis.bigram).
    if required and not negated:
        terms.phrases.append(" ".join(seq))
        terms.surfaces.append(_surface(words(node.text)))
    words_part = [wq.Term("text", s) for s in dict.fromkeys(seq) if s not in STOP_STEMS]
    buckets = [wq.Term("text", bigram(a, b)) for a, b in zip(seq, seq[1:], strict=False)]
    return wq.And(words_part + list(dict.fromkeys(buckets)))


def _prefix_query(text: str, terms: _TermCollector, negated: bool) -> wq.Query:
    parts = words(text)
    if not parts or len(parts[-1]) < MIN_PREFIX:
        raise QueryError(f"“{text}*” is too short a prefix: type at least {MIN_PREFIX} letters before the *.")
    last = parts[-1]
    # The index holds stems, and a word's stem can be shorter than the prefix typed: "investigat*"
    # must find "investigations", stored as "investig". So besides stems starting with the prefix,
    # accept the stems of the prefix completed with common endings when they fall short of it.
    shorter = {stem(last + ending) for ending in COMPLETIONS}
    options: list[wq.Query] = [wq.Prefix("text", last)]
    options += [wq.Term("text", s) for s in sorted(shorter) if last.startswith(s) and s != last]
    prefix = wq.Or(options) if len(options) > 1 else options[0]
    if not negated:
        terms.add(stems(" ".join(parts[:-1])), prefix=last)
    if len(parts) == 1:
        return prefix
    head = _text_query(Node("phrase", " ".join(parts[:-1])), _TermCollector(), True)
    return wq.And([head, prefix]) if head is not None else prefix


def _field_query(node: Node, fieldname: str) -> wq.Query | None:
    """A field filter typed by the user: every word must match (prefixes allowed)."""
    if node.op in ("and", "or", "not"):
        subs = [_field_query(c, fieldname) for c in node.children]
        subs = [s for s in subs if s is not None]
        if not subs:
            return None
        if node.op == "not":
            return wq.Not(subs[0])
        return subs[0] if len(subs) == 1 else (wq.And(subs) if node.op == "and" else wq.Or(subs))
    if node.op == "field":
        return _field_query(node.children[0], USER_FIELDS[node.text])
    tokens = words(node.text) if fieldname.endswith("_words") else [node.text.strip()]
    if not tokens:
        return None
    subs = [wq.Term(fieldname, t) for t in tokens]
    if node.op == "prefix":
        subs[-1] = wq.Prefix(fieldname, tokens[-1])
    return subs[0] if len(subs) == 1 else wq.And(subs)


def _surface(tokens: list[str]) -> re.Pattern:
    """The phrase as typed, found as whole words of a page's lowercased text (any separators between)."""
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, tokens)) + r"(?![^\W_])")


class _TermCollector:
    def __init__(self) -> None:
        self.stems: set[str] = set()
        self.prefixes: list[str] = []
        self.phrases: list[str] = []  # stem sequences every hit must contain, space-joined
        self.surfaces: list[re.Pattern] = []  # the same phrases' words as typed

    def holds_phrases(self, text: str, terms: Terms) -> bool:
        """Whether a page's text holds every phrase: found as typed (one search in C), or else word for
        word after stemming ("police departments" holds "police department")."""
        lowered = text.lower()
        return all(p.search(lowered) for p in self.surfaces) or terms.phrases_in(text)

    def add(self, seq, prefix: str | None = None) -> None:
        self.stems.update(s for s in seq if s not in STOP_STEMS)
        if prefix:
            self.prefixes.append(prefix)

    def terms(self) -> Terms:
        return Terms(frozenset(self.stems), tuple(self.prefixes), tuple(self.phrases))


def compile_query(q: str, allowed_visibility: frozenset[str],
                  filters: Mapping[str, object] | None = None) -> tuple[wq.Query, Terms]:
    """The Whoosh query for a user's search, access filter included, and the terms to highlight."""
    query, collector = _compile(q, allowed_visibility, filters)
    return query, collector.terms()


def _compile(q: str, allowed_visibility: frozenset[str],
             filters: Mapping[str, object] | None = None) -> tuple[wq.Query, _TermCollector]:
    collector = _TermCollector()
    user = _text_query(parse(q), collector, False)
    if user is None:
        raise QueryError("Those words are too common to search for on their own: add a more specific one.")
    parts = [user]
    for name, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if name not in FILTER_FIELDS:
            raise ValueError(f"unknown search filter {name!r}; known: {sorted(FILTER_FIELDS)}")
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        if name in SPECIAL_FILTERS:
            parts.append(SPECIAL_FILTERS[name](values))
            continue
        terms = [wq.Term(FILTER_FIELDS[name], str(v)) for v in values]
        parts.append(terms[0] if len(terms) == 1 else wq.Or(terms))
    access = _access_query(allowed_visibility)
    if access is not None:
        parts.append(access)
    return wq.And(parts) if len(parts) > 1 else user, collector


def _released(start: bool):
    def clause(values) -> wq.Query:
        day = date.fromisoformat(str(next(iter(values)))).isoformat()
        return wq.TermRange("released", day if start else None, None if start else day)
    return clause


# Filters that are not a term of a field: a range of release dates, documents to leave out.
SPECIAL_FILTERS = {
    "released_from": _released(start=True),
    "released_to": _released(start=False),
    "exclude_document_id": lambda values: wq.Not(wq.Or([wq.Term("document_id", str(v)) for v in values])),
    "exclude_key": lambda values: wq.Not(wq.Or([wq.Term("key", str(v)) for v in values])),
}


def _access_query(allowed: frozenset[str]) -> wq.Query | None:
    """The visibility clause every search carries (None when every visibility is allowed)."""
    unknown = set(allowed) - VISIBILITIES
    if unknown:
        raise ValueError(f"unknown visibility {sorted(unknown)}; known: {sorted(VISIBILITIES)}")
    if not allowed:
        return wq.NullQuery
    if set(allowed) >= VISIBILITIES:
        return None
    terms = [wq.Term("visibility", v) for v in sorted(allowed)]
    return terms[0] if len(terms) == 1 else wq.Or(terms)


def search(index: SearchIndex, q: str, *, allowed_visibility: frozenset[str],
           filters: Mapping[str, object] | None = None, page: int = 1, per_page: int = 10,
           sort: str = "relevance", facet_limit: int = 20,
           budget: float | None = DEFAULT_BUDGET_SECONDS) -> SearchResults:
    """Search the index as a user allowed to see allowed_visibility; raises QueryError for bad input.

    budget: seconds the search may take (None: no limit). When it runs out the results cover the part
    of the index searched so far and say partial=True (and the total is then an estimate).
    """
    started = time.monotonic()
    deadline = started + budget if budget is not None else float("inf")
    if sort not in ("relevance", "date"):
        raise QueryError("Sort by “relevance” or “date”.")
    page, per_page = max(1, int(page)), max(1, min(int(per_page), 100))
    if page * per_page > MAX_RESULTS_WINDOW:
        raise QueryError(f"Results stop at the first {MAX_RESULTS_WINDOW}: narrow the search with filters.")
    wquery, collector = _compile(q, frozenset(allowed_visibility), filters)
    terms = collector.terms()
    depth = page * per_page
    # Phrases match by hashed bigrams, which can (rarely) collide: fetch a few extra candidates and keep
    # those whose text really holds the phrase. The total and facets are not re-checked, so they are
    # then an estimate (an overcount by a fraction of a percent at most).
    fetch = depth + PHRASE_SLACK if terms.phrases else depth
    with index._lock:
        searcher = index.searcher()
        leaves = _leaves(searcher)
        outcome = execute.run(leaves, wquery, cache=index.posting_cache, facet_cache=index.facet_cache,
                              deadline=deadline, depth=fetch, by_date=sort == "date")
        live = {sub.reader().segment().segment_id() for sub, _ in leaves}
        if live != index.live_segments:  # a write or merge retired segments: drop what they cached
            index.facet_cache.forget_others(live)
            index.posting_cache.forget_others(live)
            index.live_segments = live
        shown = []
        for _, docnum, score in outcome.top:
            try:
                stored = searcher.stored_fields(docnum)
            except TypeError as exc:
                # Whoosh answers None for a segment whose stored-fields file it cannot find (the writer
                # replaced the segment): the caller reopens a fresh searcher and asks again.
                raise ReaderClosed(f"stored fields of document {docnum} are gone: {exc}") from exc
            if terms.phrases and not collector.holds_phrases(stored.get("text", ""), terms):
                continue
            shown.append((stored, score))
            if len(shown) == depth:
                break
        hits = []
        for stored, score in shown[(page - 1) * per_page:]:
            late = time.monotonic() > deadline
            outcome.partial |= late
            hits.append(_hit(stored, score, Terms(frozenset()) if late else terms))
    raw = outcome.facets
    return SearchResults(total=outcome.total, total_is_estimate=bool(terms.phrases) or outcome.partial,
                         hits=hits, facets=facet_counts.finish(raw, facet_limit), page=page,
                         per_page=per_page, partial=outcome.partial)


def _leaves(searcher):
    """(segment searcher, document offset) pairs; a one-segment index is its own leaf, an empty one none."""
    leaves = searcher.subsearchers if searcher.subsearchers else [(searcher, 0)]
    # A brand-new index has an empty reader with no segment: nothing to search or count.
    return [(sub, offset) for sub, offset in leaves if sub.reader().segment() is not None]


def _int(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _hit(stored: dict, score: float, terms: Terms) -> Hit:
    released = stored.get("released_on")
    return Hit(
        key=stored["key"],
        document_id=_int(stored.get("document_id")),
        request_id=_int(stored.get("request_id")),
        page=stored.get("page", 1),
        snippet=snippet(stored.get("text", ""), terms),
        score=score,
        filename=stored.get("filename", ""),
        agency=stored.get("agency", ""),
        campaign=stored.get("campaign", ""),
        released_on=date.fromisoformat(released) if released else None,
        kind=stored.get("kind", "page"),
        ocr=bool(stored.get("ocr", False)),
    )


def highlight_page(text: str, q: str) -> str:
    """A whole page's text, HTML-escaped, with the query's terms marked (for the document viewer)."""
    try:
        _, terms = compile_query(q, frozenset(VISIBILITIES))
    except QueryError:
        return mark_all(text, Terms(frozenset()))
    return mark_all(text, terms)

"""Random queries over indexes built several ways: every search ends, and counts what Whoosh counts.

A scored union of a few ordinary words could spin for ever in Whoosh's block-quality skipping
(search.scoring explains why, and the fix). Here Hypothesis writes words, ORs, prefixes, phrases and NOTs
over a vocabulary with shared prefixes and Zipf frequencies, and runs each one, with a deadline, over
indexes of 20,000 pages laid out as one segment, as several segments of uneven shares, and after
incremental adds, deletions and merges. Each query runs through the product's search (numpy engine) and
through Whoosh's own scored top-10 collector with our scorer (where the spin was), and the two must agree
on the number of matches.

The suite runs a short seeded version; SEARCH_FUZZ_EXAMPLES=5000 runs the long one.
"""

from __future__ import annotations

import os
import random
import signal
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import PageRecord, SearchIndex, rebuild, search
from search.query import compile_query
from search.records import VISIBILITIES

PAGES = 20_000
DEADLINE_SECONDS = 30.0  # the spin it guards against never ends; a loaded machine can take seconds
EXAMPLES = int(os.environ.get("SEARCH_FUZZ_EXAMPLES", "30"))
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "so", "ta", "vi"]
VOCABULARY = [a + b for a in SYLLABLES for b in SYLLABLES] + [a + b + c for a in SYLLABLES[:4]
                                                               for b in SYLLABLES for c in SYLLABLES[:4]]
WEIGHTS = [1 / (k + 1) for k in range(len(VOCABULARY))]


def page_text(n: int) -> str:
    """A page of 5 to 80 words drawn by Zipf's law, sometimes with one word repeated many times."""
    rng = random.Random(n)
    words = rng.choices(VOCABULARY, weights=WEIGHTS, k=rng.randint(5, 80))
    if rng.random() < 0.02:
        words += [rng.choice(VOCABULARY)] * rng.randint(20, 400)  # high term frequencies
    return " ".join(words)


def record(n: int) -> PageRecord:
    """Page n, public, internal or privileged."""
    visibility = ("public", "public", "internal", "privileged")[n % 4]
    return PageRecord(key=f"page:{n}", text=page_text(n), document_id=n // 40, page=n % 40 + 1,
                      visibility=visibility, agency=f"Agency {n % 7}", agency_id=n % 7)


def build(path, layout: str) -> SearchIndex:
    """An index of PAGES pages laid out one way."""
    if layout == "one-segment":
        rebuild(path, map(record, range(PAGES)), procs=1)
    elif layout == "uneven-segments":
        rebuild(path, map(record, range(PAGES)), procs=3)  # shares depend on who takes each batch
    else:  # incremental adds, deletions and the merges the writer makes
        first = PAGES - 2_400
        rebuild(path, map(record, range(first)), procs=2)
        with SearchIndex(path, create=False) as index:
            for start in range(first, PAGES, 600):
                index.write(map(record, range(start, start + 600)))
            index.delete_keys(f"page:{n}" for n in range(0, first, 97))
    return SearchIndex(path, create=False)


@pytest.fixture(scope="module", params=["one-segment", "uneven-segments", "incremental-merged"])
def index(request, tmp_path_factory):
    built = build(tmp_path_factory.mktemp(request.param), request.param)
    yield built
    built.close()


class Hung(Exception):
    """A query ran past its deadline."""


@contextmanager
def deadline(seconds: float, query: str):
    """Raise Hung inside the block if it runs longer than seconds (SIGALRM interrupts Python loops)."""
    def expire(signum, frame):
        raise Hung(f"{query!r} ran for more than {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


word = st.sampled_from(VOCABULARY)
prefix = st.builds(lambda w, n: w[:n] + "*", word, st.integers(2, 4))
phrase = st.lists(word, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"')
atom = st.one_of(word, word, prefix, phrase)
union = st.lists(st.one_of(word, prefix), min_size=2, max_size=6).map(" OR ".join)
positive = st.one_of(atom, union, st.lists(atom, min_size=2, max_size=3).map(" ".join))
query = st.builds(lambda p, nots: " ".join([p, *("-" + n for n in nots)]), positive,
                  st.lists(st.one_of(word, prefix), max_size=2))
roles = st.sampled_from([frozenset(VISIBILITIES), frozenset({"public"})])


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(q=query, allowed=roles, sort=st.sampled_from(["relevance", "relevance", "date"]))
def test_every_query_ends_and_counts_what_whoosh_counts(index, q, allowed, sort):
    with deadline(DEADLINE_SECONDS, q):
        results = search(index, q, allowed_visibility=allowed, sort=sort, budget=None)
        wquery, _ = compile_query(q, allowed)
        with index._lock:
            searcher = index.searcher()
            expected = sum(1 for _ in wquery.docs(searcher))
            scored = searcher.search(wquery, limit=10, terms=False)  # block-quality skipping
            top = [hit.docnum for hit in scored]
    assert not results.partial
    assert results.total == expected, q
    assert len(results.hits) == min(10, expected) or results.total_is_estimate
    assert len(top) == min(10, expected)

"""Both engines answer every query alike: the same pages found (whatever the order), or the same refusal.

Hypothesis writes queries (words, phrases including ones made only of stopwords, AND, OR, NOT, prefixes,
field filters) over one set of pages indexed into Whoosh and into PostgreSQL, and runs each as an admin
and as a researcher. The pages are few enough (under one page of 100 results) that every match is a hit.

Where the engines cannot agree, the page set is chosen so the difference cannot show, and each
exception is checked here rather than assumed:

- PostgreSQL looks a word its English configuration drops ("most", "who") up in the word pairs a page's
  words start, so it misses a page whose last word is the only place the word occurs: every page here
  ends with an ordinary word (LAST_WORDS).
- Whoosh stems with Porter, PostgreSQL with Snowball: the vocabulary's words stem alike in both
  (test_the_vocabulary_avoids_the_known_differences asks PostgreSQL).
- Whoosh finds a prefix among every word it indexed, PostgreSQL only among the words its tsvector
  keeps: no prefix typed here starts a word PostgreSQL drops.
- Whoosh files word pairs in hashed buckets, and a phrase outside the hits it checks (under OR or NOT)
  can match a page holding a different pair of the same bucket: no two pairs of the vocabulary share one.

The suite runs a short seeded version; ENGINE_AGREEMENT_EXAMPLES=2000 runs a long one.
"""

from __future__ import annotations

import os
import random
from datetime import date
from itertools import product

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import PageRecord, QueryError
from search.analysis import STOP_STEMS, bigram, stem
from search.engines import PostgresEngine, WhooshEngine
from tests.conftest import migrated_postgres_database

pytestmark = pytest.mark.postgres

EXAMPLES = int(os.environ.get("ENGINE_AGREEMENT_EXAMPLES", "60"))
CONTENT = ["police", "records", "camera", "budget", "memo", "warrant", "officers", "denial", "appeal",
           "footage", "precinct"]
# Whoosh's stopwords (left out of its word field, kept in its pairs) and words only PostgreSQL drops.
STOPWORDS = ["the", "of", "to", "be", "or", "and", "a", "in", "is"]
PG_ONLY_STOPWORDS = ["his", "most", "who", "not", "very", "over"]
VOCABULARY = CONTENT + STOPWORDS + PG_ONLY_STOPWORDS
LAST_WORDS = CONTENT  # a page never ends with a word PostgreSQL drops (see the docstring)
AGENCIES = ["Police Department", "Department of Correction", "Fire Department"]
PAGES = 90
EVERYONE = frozenset({"public", "internal", "privileged"})
PUBLIC = frozenset({"public"})


def page_text(n: int) -> str:
    """Page n: 3 to 14 words, stopwords as often as the rest, ending with an ordinary word."""
    rng = random.Random(n)
    words = rng.choices(VOCABULARY, k=rng.randint(2, 13)) + [rng.choice(LAST_WORDS)]
    if n % 9 == 0:
        words[rng.randrange(len(words)):0] = ["to", "be", "or", "not", "to", "be"]
    if n % 11 == 0:
        words[rng.randrange(len(words)):0] = ["the", "who"]
    return " ".join(word.capitalize() if rng.random() < 0.2 else word for word in words) + "."


RECORDS = [PageRecord(key=f"page:{n}", text=page_text(n), document_id=n // 10 + 1, page=n % 10 + 1,
                      request_id=n % 5 + 1, agency_id=n % 3 + 1, agency=AGENCIES[n % 3],
                      campaign_id=n % 2 + 1, campaign=("Body cameras", "Stop and frisk")[n % 2],
                      filename=f"production-{n // 10}.pdf", released_on=date(2019 + n % 4, 1 + n % 12, 1),
                      visibility=("public", "public", "internal", "privileged")[n % 4])
           for n in range(PAGES)]


@pytest.fixture(scope="module")
def engines(request, tmp_path_factory):
    """The same pages in Whoosh and in PostgreSQL."""
    whoosh = WhooshEngine(tmp_path_factory.mktemp("agreement") / "index")
    whoosh.write(RECORDS[:40])
    whoosh.write(RECORDS[40:])  # two segments
    whoosh.refresh()
    request.addfinalizer(whoosh.close)
    sql = sa.create_engine(migrated_postgres_database(request))
    request.addfinalizer(sql.dispose)
    postgres = PostgresEngine(sql, budget_seconds=60.0)
    postgres.write(RECORDS)
    return whoosh, postgres


def test_the_vocabulary_avoids_the_known_differences(engines):
    _, postgres = engines
    with postgres.engine.connect() as conn:
        lexemes = dict(conn.execute(sa.text("SELECT w, ts_lexize('english_stem', w) "
                                            "FROM unnest(CAST(:ws AS text[])) w"), {"ws": VOCABULARY}).all())
    assert {w for w, found in lexemes.items() if not found} == set(STOPWORDS + PG_ONLY_STOPWORDS)
    assert all(lexemes[w] == [stem(w)] for w in CONTENT)  # Porter and Snowball agree on these
    pairs = {(stem(a), stem(b)) for a, b in product(VOCABULARY, repeat=2)}
    assert len({bigram(a, b) for a, b in pairs}) == len(pairs)  # no two pairs share a bucket
    assert all(text.rstrip(".").split()[-1].lower() in LAST_WORDS for text in map(page_text, range(PAGES)))


# -- queries -------------------------------------------------------------------------------------------

word = st.sampled_from(VOCABULARY)
phrase = st.one_of(
    st.lists(word, min_size=2, max_size=4),
    st.lists(st.sampled_from(STOPWORDS + PG_ONLY_STOPWORDS), min_size=2, max_size=6),  # only stopwords
    st.sampled_from([["to", "be", "or", "not", "to", "be"], ["the", "who"], ["his", "most"]]),
).map(lambda words: '"' + " ".join(words) + '"')
# Prefixes of ordinary words only, never of a word PostgreSQL drops (see the docstring).
prefix = st.tuples(st.sampled_from(CONTENT), st.integers(3, 6)).map(lambda wn: wn[0][:wn[1]] + "*")
field = st.one_of(
    st.sampled_from(["department", "correction", "fire", "police"]).map("agency:{}".format),
    st.sampled_from(["body", "frisk", '"stop and frisk"']).map("campaign:{}".format),
    st.sampled_from(["2019", "2020", "2022"]).map("year:{}".format),
)
leaf = st.one_of(word, word, phrase, prefix, field)


def combine(children):
    """AND (spelled out or implied), OR, and NOT of a positive clause."""
    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map(" ".join),
        st.lists(children, min_size=2, max_size=3).map(" AND ".join),
        st.lists(children, min_size=2, max_size=3).map(lambda parts: "(" + " OR ".join(parts) + ")"),
        st.tuples(children, children).map(lambda pair: f"{pair[0]} -{pair[1]}"),
        st.tuples(children, children).map(lambda pair: f"{pair[0]} NOT {pair[1]}"),
    )


query = st.recursive(leaf, combine, max_leaves=5)


def answer(engine, q: str, allowed: frozenset[str]):
    """("hits", keys, exact total or None) or ("refused", message)."""
    # A generous time budget: on a loaded machine a cut-short search would be a different question.
    budget = {"budget": 60.0} if isinstance(engine, WhooshEngine) else {}
    try:
        results = engine.search(q, allowed_visibility=allowed, per_page=100, **budget)
    except QueryError as exc:
        return ("refused", str(exc))
    assert not results.partial
    return ("hits", {hit.key for hit in results.hits}, None if results.total_is_estimate else results.total)


def assert_agree(engines, q: str, allowed: frozenset[str]) -> None:
    whoosh, postgres = engines
    ours, theirs = answer(whoosh, q, allowed), answer(postgres, q, allowed)
    assert ours[:2] == theirs[:2], f"{q!r} as {sorted(allowed)}: Whoosh {ours}, PostgreSQL {theirs}"
    if ours[0] == "hits":
        for total in (ours[2], theirs[2]):
            assert total is None or total == len(ours[1]), f"{q!r}: total {total}, hits {len(ours[1])}"


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(q=query, allowed=st.sampled_from([EVERYONE, PUBLIC]))
def test_both_engines_find_the_same_pages(engines, q, allowed):
    assert_agree(engines, q, allowed)


@pytest.mark.parametrize("q", [
    '"his most"', '"to be or not to be"', '"The Who"', "most", "who police", '"his most" OR memo',
    'memo -"the who"', '"freedom of the information"', '"police to be"', '"not to be" budget', "the",
    "the OR police", '"the of"', "agency:fire the", "polic*", '"to be or not to be" -budget',
])
def test_the_stopword_queries_that_once_split_the_engines(engines, q):
    assert_agree(engines, q, EVERYONE)
    assert_agree(engines, q, PUBLIC)


def test_stopword_phrases_are_answered_not_refused(engines):
    whoosh, postgres = engines
    for engine in (whoosh, postgres):
        hits = {hit.key for hit in engine.search('"to be or not to be"', allowed_visibility=EVERYONE,
                                                 per_page=100).hits}
        expected = {r.key for r in RECORDS if "to be or not to be" in r.text.lower()}
        assert hits == expected and len(expected) >= 5
        assert {hit.key for hit in engine.search('"the who"', allowed_visibility=EVERYONE, per_page=100).hits}
    assert STOP_STEMS.isdisjoint(stem(w) for w in PG_ONLY_STOPWORDS)  # words only PostgreSQL drops

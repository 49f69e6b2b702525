"""Bounded work per search: linear snippets, exact score arithmetic, the time budget."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search import PageRecord, SearchIndex, rebuild, search
from search.highlight import MAX_POSITIONS, Terms, mark_all, snippet
from search.records import VISIBILITIES
from search.scoring import _TextScorer, quantize


def test_the_snippet_of_a_huge_hit_dense_page_is_fast_and_marks_the_word():
    text = " ".join(["radar", "ovbrz"] * 200_000)  # 2.4 million characters, 200,000 hits
    terms = Terms(frozenset({"radar"}))
    start = time.perf_counter()
    out = snippet(text, terms)
    elapsed = time.perf_counter() - start
    assert "<mark>radar</mark>" in out and out.startswith("<mark>radar</mark>") and out.endswith("…")
    assert elapsed < 0.5, f"{elapsed:.3f}s"  # measured ~1 ms; a shared machine gets room


def test_a_page_without_spaces_gives_a_bounded_snippet():
    out = snippet("x" * 1_000_000 + " radar", Terms(frozenset({"radar"})))
    assert len(out) < 400


def test_the_snippet_window_is_the_densest_one():
    text = "radar " + "filler " * 100 + "radar sonar lidar " + "filler " * 100
    out = snippet(text, Terms(frozenset({"radar", "sonar", "lidar"})))
    assert "<mark>sonar</mark> <mark>lidar</mark>" in out


def test_whole_page_marking_marks_every_match_past_the_snippet_cap():
    text = " ".join(["radar"] * (MAX_POSITIONS + 5))
    assert mark_all(text, Terms(frozenset({"radar"}))).count("<mark>") == MAX_POSITIONS + 5


qualities = st.builds(lambda idf, w: _TextScorer(idf, w).max_quality(),
                      st.floats(0.001, 30, allow_nan=False), st.integers(1, 0xFFFF))


@settings(deadline=None)  # a shared machine can pause any example
@given(a=qualities, b=qualities, parts=st.lists(qualities, min_size=1, max_size=6))
def test_a_union_that_may_skip_always_moves(a, b, parts):
    # Whoosh's UnionMatcher.skip_to_quality loops while a + b <= minscore and asks a child to skip to
    # minscore - b; if the two tests disagreed the child would not move and the loop would spin.
    # minscore is a sum of scores; with quantized values both tests agree exactly.
    minscore = sum(parts)
    assert (a + b <= minscore) == (a <= minscore - b) == (b <= minscore - a)
    assert quantize(a) == a


def test_a_search_past_its_budget_answers_partial(tmp_path):
    records = [PageRecord(key=f"page:{n}", text=f"radar report {n}", visibility="public")
               for n in range(50)]
    rebuild(tmp_path / "ix", records)
    with SearchIndex(tmp_path / "ix", create=False) as index:
        spent = search(index, "radar", allowed_visibility=frozenset(VISIBILITIES), budget=0.0)
        assert spent.partial and spent.total_is_estimate
        full = search(index, "radar", allowed_visibility=frozenset(VISIBILITIES), budget=None)
        assert not full.partial and full.total == 50 and len(full.hits) == 10


def test_release_date_ranges_match_what_whoosh_matches(tmp_path):
    from datetime import date

    from search.query import compile_query

    records = [PageRecord(key=f"page:{n}", text="radar report", visibility="public",
                          released_on=date(2020, 1 + n % 12, 1 + n % 28)) for n in range(120)]
    rebuild(tmp_path / "ix", records)
    allowed = frozenset(VISIBILITIES)
    with SearchIndex(tmp_path / "ix", create=False) as index:
        for filters in ({"released_from": "2020-03-01"}, {"released_to": "2020-06-15"},
                        {"released_from": "2020-02-02", "released_to": "2020-02-02"}):
            found = search(index, "radar", allowed_visibility=allowed, filters=filters, budget=None)
            wquery, _ = compile_query("radar", allowed, filters)
            expected = sum(1 for _ in wquery.docs(index.searcher()))
            assert found.total == expected > 0, filters


# Nesting depth: brackets, NOT and field: each add a level; past MAX_DEPTH every engine refuses the query
# with the same message (a RecursionError and a 125 KB traceback per request before).
NESTED = [
    ("(" * 250 + "cameras" + ")" * 250, False),
    ("(" * 250 + "cameras", False),  # unclosed: the parser would close them at the end
    ("NOT " * 200 + "cameras", False),
    ("- " * 10 + "-" * 300 + "cameras", True),  # a run of minus signs is one word, not 300 levels
    ("agency:" * 130 + "nypd", False),
    ("(" * 20 + "cameras" + ")" * 20, True),
    ("(" * 21 + "cameras" + ")" * 21, False),
    ("cameras " + "(a OR " * 19 + "b" + ")" * 19, True),
]


@pytest.mark.parametrize(("q", "accepted"), NESTED)
def test_the_parser_and_check_refuse_nesting_past_the_limit(q, accepted):
    from search.parse import MAX_DEPTH, TOO_DEEP, QueryError, check_syntax, parse

    assert MAX_DEPTH == 20
    if accepted:
        parse(q)
        return
    with pytest.raises(QueryError) as refused:
        check_syntax(q) if q.count("(") > 20 and q.count(")") == q.count("(") else parse(q)
    assert str(refused.value) == TOO_DEEP


@pytest.mark.parametrize(("q", "accepted"), NESTED)
def test_both_engines_compile_or_refuse_the_same_nesting(q, accepted):
    from search.parse import TOO_DEEP, QueryError
    from search.pg_query import compile_tsquery
    from search.query import compile_query

    def stem_of(words):
        return {w: [w] for w in words}

    for compile_one in (lambda: compile_query(q, frozenset({"public"})),
                        lambda: compile_tsquery(q, stem_of)):
        if accepted:
            compile_one()
        else:
            with pytest.raises(QueryError, match="levels deep") as refused:
                compile_one()
            assert str(refused.value) == TOO_DEEP


def test_a_whoosh_index_answers_a_deep_query_with_the_message(tmp_path):
    from search.parse import TOO_DEEP, QueryError

    rebuild(tmp_path / "ix", [PageRecord(key="page:1", text="cameras", document_id=1, page=1,
                                         visibility="public")])
    with SearchIndex(tmp_path / "ix", create=False) as index:
        with pytest.raises(QueryError) as refused:
            search(index, "(" * 250 + "cameras" + ")" * 250, allowed_visibility=frozenset({"public"}))
        assert str(refused.value) == TOO_DEEP
        assert [h.key for h in search(index, "(((cameras)))", allowed_visibility=frozenset({"public"})).hits] \
            == ["page:1"]


@pytest.mark.postgres
def test_postgres_search_answers_a_deep_query_with_the_message(request):
    import sqlalchemy as sa

    from search.engines import PostgresEngine
    from search.parse import TOO_DEEP, QueryError
    from tests.conftest import migrated_postgres_database

    sql = sa.create_engine(migrated_postgres_database(request))
    request.addfinalizer(sql.dispose)
    engine = PostgresEngine(sql)
    engine.write([PageRecord(key="page:1", text="cameras", document_id=1, page=1, visibility="public")])
    for q in ("(" * 250 + "cameras" + ")" * 250, "NOT " * 200 + "cameras"):
        with pytest.raises(QueryError) as refused:
            engine.search(q, allowed_visibility=frozenset({"public"}))
        assert str(refused.value) == TOO_DEEP
    assert [h.key for h in engine.search("(((cameras)))", allowed_visibility=frozenset({"public"})).hits] == \
        ["page:1"]

"""Phrases in PostgreSQL full-text search: answered from bigram lexemes, exactly, on old tables too."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from search import PageRecord, pg_engine
from search.engines import PostgresEngine
from search.pg_query import MAX_BIGRAM_BYTES, bigram_lexemes
from tests.conftest import migrated_postgres_database

pytestmark = pytest.mark.postgres
EVERYONE = frozenset({"public", "internal", "privileged"})


@pytest.fixture
def pg(request, monkeypatch):
    """A PostgreSQL engine on a freshly migrated database, reading the bigram mark on every search."""
    monkeypatch.setattr(pg_engine, "BIGRAM_RECHECK", 0.0)
    sql = sa.create_engine(migrated_postgres_database(request))
    request.addfinalizer(sql.dispose)
    return PostgresEngine(sql)


def pages(*texts: str) -> list[PageRecord]:
    return [PageRecord(key=f"page:{n}", text=text, document_id=n, page=1, visibility="public")
            for n, text in enumerate(texts, start=1)]


def found(engine: PostgresEngine, q: str) -> set[str]:
    return {hit.key for hit in engine.search(q, allowed_visibility=EVERYONE, per_page=50).hits}


def test_bigram_lexemes_keep_stopwords_and_skip_what_cannot_be_indexed():
    assert bigram_lexemes(["freedom", "of", "information"]) == ["~freedom~of", "~of~inform"]
    assert bigram_lexemes(["records", "records", "records"]) == ["~record~record"]
    assert bigram_lexemes(["x" * MAX_BIGRAM_BYTES, "y"]) == []
    assert bigram_lexemes(["alone"]) == []


def test_a_new_table_holds_bigrams_and_phrases_are_exact(pg):
    with pg.engine.connect() as conn:
        assert pg_engine.table_has_bigrams(conn)
    pg.write(pages("the police department denied it",
                   "police records of the department",
                   "freedom of information law",
                   "freedom in information",
                   "alpha beta gamma",
                   "alpha beta and then beta gamma"))
    assert found(pg, '"police departments"') == {"page:1"}   # stemmed like every word
    assert found(pg, '"department police"') == set()         # order matters
    assert found(pg, '"freedom of information"') == {"page:3"}  # the stopword is part of the phrase
    assert found(pg, '"alpha beta gamma"') == {"page:5"}      # both pairs, but in one run only on page 5
    assert found(pg, 'alpha -"beta gamma"') == set()
    assert found(pg, '"beta and then"') == {"page:6"}


def test_an_unmarked_table_is_searched_by_positions_until_rebuilt(pg):
    records = pages("the police department denied it", "police records of the department")
    pg.write(records)
    with pg.engine.begin() as conn:  # rows as a table written before bigrams holds them
        conn.execute(sa.text("UPDATE search_pages SET pairs = ''"))
    assert found(pg, '"police department"') == set()  # why the mark matters: marked, bigrams are trusted
    with pg.engine.begin() as conn:
        conn.execute(sa.text("COMMENT ON TABLE search_pages IS NULL"))
    assert found(pg, '"police department"') == {"page:1"}
    assert found(pg, '"alpha beta gamma"') == set()
    assert pg.rebuild(records) == 2
    with pg.engine.connect() as conn:
        assert pg_engine.table_has_bigrams(conn)
        assert conn.scalar(sa.text("SELECT count(*) FROM search_pages WHERE pairs @@ '~polic~depart'")) == 1
    assert found(pg, '"police department"') == {"page:1"}


@pytest.mark.parametrize(("q", "pairs"), [
    ('"police department"', "'~polic~depart'"),
    ('"freedom of information" records', "('~freedom~of' & '~of~inform')"),
    ('"police department" OR "fire department"', "('~polic~depart' | '~fire~depart')"),
    ('"police department" OR camera', None),  # a page with only "camera" holds neither pair
    ('camera -"police department"', None),
    ('agency:"police department"', None),
    ("police", None),
    ('"to be or not to be"', "('~to~be' & '~be~or' & '~or~not' & '~not~to')"),  # a repeated pair counts once
])
def test_the_pairs_a_match_must_hold(q, pairs):
    from search.pg_query import compile_tsquery

    assert compile_tsquery(q, lambda ws: {w: [w] for w in ws}).pairs == pairs
    assert compile_tsquery(q, lambda ws: {w: [w] for w in ws}, bigrams=False).pairs is None


def test_phrases_under_or_and_not_answer_the_same_with_pairs(pg):
    pg.write(pages("the police department denied it", "the fire department came", "a camera log",
                   "department police"))
    assert found(pg, '"police department" OR "fire department"') == {"page:1", "page:2"}
    assert found(pg, '"police department" OR camera') == {"page:1", "page:3"}
    assert found(pg, 'department -"police department"') == {"page:2", "page:4"}


def test_a_rebuild_loads_in_parallel_and_a_failed_one_leaves_the_live_table(pg, monkeypatch):
    from search import pg_rebuild

    monkeypatch.setattr(pg_rebuild, "LOAD_BATCH", 7)  # many batches over the two loading connections
    records = pages(*(f"page {n} of the police department production" for n in range(100)))
    seen: list[tuple[int, int | None]] = []
    assert pg.rebuild(records, total=100, progress=lambda done, total: seen.append((done, total))) == 100
    assert pg.doc_count() == 100 and seen[-1] == (100, 100)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert len(pg.search('"police department"', allowed_visibility=EVERYONE).hits) == 10

    def bad_records():
        yield from pages(*(f"another page {n}" for n in range(30)))
        raise RuntimeError("the database went away mid-rebuild")

    with pytest.raises(RuntimeError, match="mid-rebuild"):
        pg.rebuild(bad_records())
    assert pg.doc_count() == 100  # the live table is untouched
    with pg.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT to_regclass('search_pages_build')")) is None


@pytest.mark.parametrize(("q", "positions"), [
    ('"police department"', False),            # its pair is required of every match: no positions
    ('"police department" camera', False),
    ('"freedom of information"', True),         # three words: positions, on pages holding both pairs
    ('"police department" OR camera', True),    # not required: positions
    ('camera -"police department"', True),
])
def test_which_phrases_still_read_positions(q, positions):
    from search.pg_query import compile_tsquery

    def reads_positions(compiled) -> bool:
        phrase = q.split('"')[1]
        names = [name for name, value in compiled.params.items() if value == phrase]
        return any(f"phraseto_tsquery('english', :{name})" in compiled.sql for name in names)

    assert reads_positions(compile_tsquery(q, lambda ws: {w: [w] for w in ws})) == positions
    assert reads_positions(compile_tsquery(q, lambda ws: {w: [w] for w in ws}, bigrams=False))


DROPPED = {"to", "be", "or", "not", "his", "most", "the", "who", "of"}  # as PostgreSQL's English stemmer says


def english(words: list[str]) -> dict[str, list[str]]:
    """A stand-in for PostgreSQL's stemmer that drops its stopwords (ts_lexize answers an empty list)."""
    return {w: [] if w in DROPPED else [w] for w in words}


@pytest.mark.parametrize(("q", "pairs_looked_up", "checked"), [
    ('"his most"', ["'~hi~most'"], ()),                          # only stopwords: the pair alone
    ('"to be or not to be"', ["'~to~be' & '~be~or' & '~or~not' & '~not~to'"], ("to be or not to be",)),
    ("most", ["'~most~':*"], ()),                                # a lone word: the pairs it starts
    ("police most", ["'~most~':*"], ()),
    ('"his most" OR police', ["'~hi~most'"], ()),
    ('police -"the who"', ["'~the~who'"], ()),
])
def test_words_postgresql_drops_are_looked_up_in_the_pairs(q, pairs_looked_up, checked):
    from search.pg_query import compile_tsquery

    compiled = compile_tsquery(q, english)
    assert compiled.where is not None and "pairs @@" in compiled.where
    assert all(any(p in value for value in compiled.params.values()) for p in pairs_looked_up)
    assert compiled.checks == checked
    assert compile_tsquery(q, lambda ws: {w: [w] for w in ws}).where is None  # nothing dropped: words


@pytest.mark.parametrize("q", ["the", '"the"', "the OR most"])
def test_what_neither_engine_can_narrow_is_still_refused(q):
    from search.parse import QueryError
    from search.pg_query import compile_tsquery

    with pytest.raises(QueryError, match="too common"):
        compile_tsquery(q, english)

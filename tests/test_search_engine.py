"""The search engines on their own: indexing both ways, query syntax, facets, snippets, access, failure.

Every case that is not about Whoosh's files runs on both engines: Whoosh written incrementally, Whoosh
rebuilt, and PostgreSQL full-text search (search.pg_engine) on a throwaway server.
"""

from __future__ import annotations

import itertools
import multiprocessing
import shutil
from datetime import date
from pathlib import Path

import pytest

from search import (
    IndexBusy,
    IndexUnavailable,
    PageRecord,
    QueryError,
    highlight_page,
    rebuild,
)
from search.analysis import bigram, stems
from search.engines import PostgresEngine, WhooshEngine
from search.index import CURRENT, VERSION_FILE
from tests.conftest import migrated_postgres_database

EVERYONE = frozenset({"public", "internal", "privileged"})
STAFF = frozenset({"public", "internal"})
PUBLIC = frozenset({"public"})

NYPD = {"agency_id": 1, "agency": "New York City Police Department (NYPD)"}
DOC = {"agency_id": 2, "agency": "Department of Correction"}
FACIAL = {"campaign_id": 1, "campaign": "Facial recognition"}
RIKERS = {"campaign_id": 2, "campaign": "Rikers conditions"}


def page(key: str, text: str, **kw) -> PageRecord:
    """A page record with sensible defaults for the fields a test does not care about."""
    defaults = {"kind": "page", "request_id": 7, "document_id": 10, "filename": "production.pdf", "page": 1,
                "released_on": date(2021, 3, 1), "media_type": "application/pdf", "visibility": "public",
                **NYPD, **FACIAL}
    defaults.update(kw)
    return PageRecord(key=key, text=text, **defaults)


RECORDS = [
    page("page:1", "The Freedom of Information Law request for facial recognition records was denied by "
         "the records access officer. <script>alert(1)</script>", page=1),
    page("page:2", "Rulemaking materials and the rulemaking docket were withheld pending investigations "
         "by the police department.", page=2),
    page("page:3", "Internal memo about vendor contracts: recognition facial software, budget figures.",
         visibility="internal", document_id=20, request_id=8, released_on=date(2022, 5, 10),
         media_type="image/tiff", ocr=True, filename="scan.tif", **DOC, **RIKERS),
    page("page:4", "Privileged attorney notes: facial recognition facial recognition facial recognition "
         "litigation strategy.", visibility="privileged", document_id=30, request_id=8,
         released_on=date(2023, 7, 4), **DOC, **RIKERS),
    page("message:5", "Please find attached the response regarding recognition, tracking number "
         "FOIL-2023-056-11528.", kind="message", document_id=None, request_id=9,
         released_on=date(2023, 1, 15), media_type="message/rfc822", filename=""),
]
FILLER = [page(f"page:{100 + n}", f"Budget audit number {n} of the capital program.", document_id=50,
               page=n + 1, released_on=date(2015 + n % 5, 1 + n % 12, 1)) for n in range(25)]


ENGINES = ["writer", "rebuild", pytest.param("postgres", marks=pytest.mark.postgres)]


def make_engine(how: str, request, tmp_path, *batches: list[PageRecord]):
    """An engine holding the records: Whoosh by its writer ("writer") or a rebuild ("rebuild-N": N
    processes), or PostgreSQL ("postgres", written batch by batch; "postgres-rebuild")."""
    if how.startswith("postgres"):
        import sqlalchemy as sa

        sql_engine = sa.create_engine(migrated_postgres_database(request))
        request.addfinalizer(sql_engine.dispose)
        engine = PostgresEngine(sql_engine)
        if how == "postgres-rebuild":
            engine.rebuild([r for batch in batches for r in batch])
        for batch in batches if how == "postgres" else ():
            engine.write(batch)
        return engine
    path = tmp_path / "index"
    if how == "writer":
        engine = WhooshEngine(path)
        for batch in batches:
            engine.write(batch)  # one commit each: more than one segment to search
    else:
        procs = int(how.split("-")[1]) if "-" in how else None
        records = [r for batch in batches for r in batch]
        assert rebuild(path, records, procs=procs) == len(records)
        engine = WhooshEngine(path, create=False)
    engine.refresh()
    request.addfinalizer(engine.close)
    return engine


@pytest.fixture(params=ENGINES)
def index(request, tmp_path):
    """The same pages indexed through the incremental writer, through a rebuild, and into PostgreSQL."""
    return make_engine(request.param, request, tmp_path, RECORDS[:3], RECORDS[3:] + FILLER)


def keys(results) -> set[str]:
    """The keys of a result page."""
    return {hit.key for hit in results.hits}


def run(ix, q, allowed=EVERYONE, **kw):
    """Search with a small default page size and everything allowed."""
    return ix.search(q, allowed_visibility=allowed, **kw)


@pytest.mark.parametrize(("q", "expected"), [
    ("deny", {"page:1"}),                                  # stemming: denied / deny
    ("RECORDS", {"page:1"}),
    ('"facial recognition"', {"page:1", "page:4"}),
    ('"recognition facial"', {"page:3", "page:4"}),        # order matters: not page 1
    ('"freedom of information"', {"page:1"}),              # stopwords inside a phrase
    ('"freedom information"', set()),
    ("facial AND memo", {"page:3"}),
    ("facial memo", {"page:3"}),                            # implicit AND
    ("rulemaking OR memo", {"page:2", "page:3"}),
    ("facial NOT privileged", {"page:1", "page:3"}),
    ("-memo facial", {"page:1", "page:4"}),
    ("(memo OR attorney) facial", {"page:3", "page:4"}),
    ("rulemak*", {"page:2"}),
    ("rule*", {"page:2"}),
    ("investigat*", {"page:2"}),                           # prefix longer than the stem "investig"
    ("recog*", {"page:1", "page:3", "page:4", "message:5"}),
    ("agency:nypd recognition", {"page:1", "message:5"}),
    ("agency:correction facial", {"page:3", "page:4"}),
    ('campaign:"rikers conditions"', {"page:3", "page:4"}),
    ("year:2022", {"page:3"}),
    ("type:tiff", {"page:3"}),
    ("FOIL-2023-056-11528", {"message:5"}),                # tracking numbers tokenise into a phrase
    ("foil-2023-056-11529", set()),
    ("Re: recognition", set()),                            # unknown "field" searched as words
])
def test_query_syntax(index, q, expected):
    assert keys(run(index, q)) == expected


@pytest.mark.parametrize(("filters", "expected"), [
    ({"agency_id": 2}, {"page:3", "page:4"}),
    ({"campaign_id": 1}, {"page:1", "message:5"}),
    ({"request_id": 9}, {"message:5"}),
    ({"document_id": 20}, {"page:3"}),
    ({"year": 2023}, {"page:4", "message:5"}),
    ({"media_type": "image/tiff"}, {"page:3"}),
    ({"visibility": "internal"}, {"page:3"}),
    ({"kind": "message"}, {"message:5"}),
    ({"agency_id": [1, 2], "year": "2021"}, {"page:1"}),
    ({"agency_id": None}, {"page:1", "page:3", "page:4", "message:5"}),
])
def test_filters(index, filters, expected):
    assert keys(run(index, "recognition", filters=filters)) == expected


def test_unknown_filter_is_a_programming_error(index):
    with pytest.raises(ValueError, match="unknown search filter"):
        run(index, "recognition", filters={"colour": "red"})


def test_facets_count_every_match(index):
    results = run(index, "recognition")
    assert results.total == 4 and not results.total_is_estimate
    assert results.facets["agency"] == [("Department of Correction", 2),
                                        ("New York City Police Department (NYPD)", 2)]
    assert results.facets["campaign"] == [("Facial recognition", 2), ("Rikers conditions", 2)]
    assert results.facets["year"] == [("2023", 2), ("2022", 1), ("2021", 1)]
    assert dict(results.facets["media_type"]) == {"application/pdf": 2, "image/tiff": 1, "message/rfc822": 1}


def test_hits_carry_where_the_page_is_and_a_marked_escaped_snippet(index):
    (hit,) = run(index, '"freedom of information" facial').hits
    assert (hit.key, hit.document_id, hit.request_id, hit.page) == ("page:1", 10, 7, 1)
    assert (hit.filename, hit.released_on, hit.kind) == ("production.pdf", date(2021, 3, 1), "page")
    assert "<mark>Freedom</mark> of <mark>Information</mark>" in hit.snippet
    assert "<mark>facial</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert hit.agency == NYPD["agency"] and hit.campaign == "Facial recognition"
    (ocr_hit,) = run(index, "vendor").hits
    assert ocr_hit.ocr and ocr_hit.page == 1 and ocr_hit.document_id == 20


def test_message_hit_has_no_document(index):
    (hit,) = run(index, "tracking").hits
    assert hit.kind == "message" and hit.document_id is None and hit.request_id == 9


def test_prefix_snippet_marks_whole_words(index):
    (hit,) = run(index, "rulemak*").hits
    assert hit.snippet.count("<mark>Rulemaking</mark>") + hit.snippet.count("<mark>rulemaking</mark>") == 2


def test_relevance_puts_the_densest_page_first(index):
    assert run(index, "facial").hits[0].key == "page:4"


def test_sort_by_date_newest_first(index):
    dates = [hit.released_on for hit in run(index, "recognition", sort="date").hits]
    assert dates == sorted(dates, reverse=True) and len(dates) == 4


def test_pagination_walks_every_match_once(index):
    pages = [run(index, "budget", page=n, per_page=10) for n in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [10, 10, 6]  # 25 filler pages and the internal memo
    seen = [hit.key for p in pages for hit in p.hits]
    assert len(set(seen)) == 26 and all(p.total == 26 for p in pages)
    dated = [hit.key for n in (1, 2, 3)
             for hit in run(index, "budget", page=n, per_page=10, sort="date").hits]
    assert len(set(dated)) == 26


@pytest.mark.parametrize(("q", "expected"), [
    ('(((\\"unbalanced', set()),          # repaired: the word "unbalanced", on no page
    ('(((\"unbalanced', set()),
    ('"unterminated phrase', set()),
    ("police)))", {"page:2"}),              # stray closers dropped
    ("AND police", {"page:2"}),             # a dangling operator is dropped
    ("police OR", {"page:2"}),
    ("- police", {"page:2"}),
    ("agency:", set()),                     # an empty field filter: the word itself
    ("a:b:c", set()),
    ("police^2~3", set()),                  # Lucene's boosts and slops are words here: "police 2 3"
    ("x" * 200, set()),
    (":::", "too common"),
    ("[to]", "too common"),
    ("-", "too common"),
    ("((()))", "Type a word"),
    ('""', "Type a word"),
    ("NOT NOT police", "as well as"),
])
def test_malformed_queries_are_repaired_or_refused_politely(index, q, expected):
    if isinstance(expected, str):
        with pytest.raises(QueryError, match=expected):
            run(index, q)
        return
    results = run(index, q)
    assert keys(results) == expected and results.total == len(expected)


@pytest.mark.parametrize(("q", "message"), [
    ("", "Type a word"),
    ("   ", "Type a word"),
    ("((()))", "Type a word"),
    ("*", "Type a word"),
    ("NOT police", "as well as"),
    ("-police", "as well as"),
    ("the", "too common"),
    ("p*", "too short"),
    ("x" * 1001, "too long"),
])
def test_queries_refused_with_a_reason(index, q, message):
    with pytest.raises(QueryError, match=message):
        run(index, q)


def test_bad_sort_and_too_deep_pages_are_query_errors(index):
    with pytest.raises(QueryError):
        run(index, "budget", sort="size")
    with pytest.raises(QueryError):
        run(index, "budget", page=500, per_page=10)


# -- access control ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("allowed", "expected"), [
    (PUBLIC, {"page:1", "message:5"}),
    (STAFF, {"page:1", "page:3", "message:5"}),
    (EVERYONE, {"page:1", "page:3", "page:4", "message:5"}),
    (frozenset(), set()),
])
def test_each_visibility_set_sees_only_its_pages(index, allowed, expected):
    results = run(index, "recognition", allowed)
    assert keys(results) == expected and results.total == len(expected)
    assert sum(n for _, n in results.facets["agency"]) == len(expected)


def secret_heavy(n_private: int) -> list[PageRecord]:
    """Many privileged pages that outscore the one public page on the word 'surveillance'."""
    private = [page(f"page:{1000 + i}", "surveillance " * 20 + f"secret {i}", visibility="privileged",
                    document_id=900 + i % 3, agency_id=3, agency="Secret Agency") for i in range(n_private)]
    internal = [page(f"page:{2000 + i}", "surveillance " * 10, visibility="internal", document_id=800)
                for i in range(n_private // 2)]
    public = [page("page:3000", "One mention of surveillance in a long public page " + "filler " * 50)]
    return private + internal + public


@pytest.mark.parametrize("how", ["writer", "rebuild", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_public_searchers_never_see_private_pages_even_when_they_fill_the_top(request, tmp_path, how):
    ix = make_engine(how, request, tmp_path, secret_heavy(120))
    results = run(ix, "surveillance", PUBLIC, per_page=10)
    assert keys(results) == {"page:3000"} and results.total == 1
    assert results.facets["agency"] == [(NYPD["agency"], 1)]
    assert keys(run(ix, "secret", PUBLIC)) == set()
    assert run(ix, "surveillance", STAFF).total == 61
    assert all(hit.key.startswith(("page:2", "page:3")) for hit in run(ix, "surveillance", STAFF).hits)
    assert run(ix, "surveillance", EVERYONE, sort="date").total == 181


def test_changing_visibility_takes_effect_on_rewrite(index):
    index.write([page("page:1", RECORDS[0].text, visibility="privileged")])
    index.refresh()
    assert "page:1" not in keys(run(index, "recognition", PUBLIC))
    assert "page:1" in keys(run(index, "recognition", EVERYONE))


# -- writing, deleting, rebuilding ---------------------------------------------------------------------

def test_writing_the_same_key_twice_keeps_one_copy(index):
    before = index.doc_count()
    index.write(RECORDS)
    index.write(RECORDS[:1])
    index.refresh()
    assert index.doc_count() == before
    assert run(index, '"freedom of information"').total == 1


def test_rewrite_replaces_the_text(index):
    index.write([page("page:2", "Entirely new wording about zeppelins.", page=2)])
    index.refresh()
    assert keys(run(index, "zeppelins")) == {"page:2"}
    assert keys(run(index, "rulemaking")) == set()


def test_delete_document_and_keys(index):
    assert index.delete_document(10) == 2 + len(FILLER) - len(FILLER)  # pages 1 and 2 of document 10
    assert index.delete_keys(["message:5", "page:404"]) == 1
    index.refresh()
    assert keys(run(index, "recognition")) == {"page:3", "page:4"}
    assert keys(run(index, "rulemaking")) == set()


def test_refresh_sees_writes_made_through_another_handle(tmp_path):
    with WhooshEngine(tmp_path / "ix") as reader, WhooshEngine(tmp_path / "ix") as writer:
        assert reader.doc_count() == 0
        writer.write(RECORDS)
        assert reader.doc_count() == 0  # the cached searcher is a snapshot
        reader.refresh()
        assert reader.doc_count() == len(RECORDS)


def test_rebuild_swaps_atomically_and_old_searchers_keep_working(tmp_path):
    path = tmp_path / "ix"
    rebuild(path, RECORDS)
    ix = WhooshEngine(path, create=False)
    assert run(ix, "rulemaking").total == 1
    progress: list[tuple[int, int | None]] = []
    count = rebuild(path, FILLER, total=len(FILLER),
                    progress=lambda done, total: progress.append((done, total)))
    assert count == len(FILLER) and progress[-1] == (len(FILLER), len(FILLER))
    assert run(ix, "rulemaking").total == 1  # still the old generation until refresh
    ix.refresh()
    assert run(ix, "rulemaking").total == 0 and run(ix, "budget").total == len(FILLER)
    rebuild(path, RECORDS)
    ix.refresh()
    assert run(ix, "rulemaking").total == 1
    assert len(list(path.glob("gen-*"))) <= 2  # older generations are cleared away
    assert (path / CURRENT).is_symlink()
    ix.close()


def test_failed_rebuild_leaves_the_current_index_alone(tmp_path):
    path = tmp_path / "ix"
    rebuild(path, RECORDS)

    def broken():
        yield RECORDS[0]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        rebuild(path, broken())
    assert len(list(path.glob("gen-*"))) == 1
    with WhooshEngine(path, create=False) as ix:
        assert ix.doc_count() == len(RECORDS)


def test_missing_index_is_unavailable_unless_created(tmp_path):
    with pytest.raises(IndexUnavailable, match="reindex"):
        WhooshEngine(tmp_path / "nothing", create=False)
    with WhooshEngine(tmp_path / "nothing") as ix:
        assert ix.doc_count() == 0


@pytest.mark.parametrize("damage", ["delete_segment_file", "truncate_segment_file", "delete_toc",
                                    "old_schema"])
def test_damaged_index_is_detected(tmp_path, damage):
    path = tmp_path / "ix"
    rebuild(path, RECORDS + FILLER)
    gen = (path / CURRENT).resolve()
    segment_files = sorted(p for p in gen.iterdir() if p.suffix in (".trm", ".pst", ".sto", ".seg"))
    assert segment_files, list(gen.iterdir())
    if damage == "delete_segment_file":
        for p in segment_files:
            if p.suffix == ".trm":
                p.unlink()
    elif damage == "truncate_segment_file":
        for p in segment_files:
            p.write_bytes(p.read_bytes()[:20])
    elif damage == "delete_toc":
        for p in gen.glob("_MAIN_*.toc"):
            p.unlink()
    else:
        (gen / VERSION_FILE).write_text("0")
    with pytest.raises(IndexUnavailable):
        WhooshEngine(path, create=False)
    rebuild(path, RECORDS)  # the cure
    with WhooshEngine(path, create=False) as ix:
        assert ix.doc_count() == len(RECORDS)


def test_a_second_writer_waits_then_reports_busy(tmp_path):
    with WhooshEngine(tmp_path / "ix") as first, WhooshEngine(tmp_path / "ix", lock_timeout=0.2) as second:
        held = first._ix.writer()  # another process's writer, as far as the lock file is concerned
        try:
            with pytest.raises(IndexBusy, match="locked"):
                second.write(RECORDS[:1])
        finally:
            held.cancel()
        assert second.write(RECORDS[:1]) == 1


# -- phrases by hashed bigrams -------------------------------------------------------------------------

def colliding_bigrams() -> tuple[tuple[str, str], tuple[str, str]]:
    """Two different word pairs that land in the same bigram bucket (found by search: birthday odds)."""
    seen = {}
    for n in itertools.count():
        pair = (f"alpha{n}", f"omega{n}")
        a, b = stems(" ".join(pair))
        bucket = bigram(a, b)
        if bucket in seen:
            return seen[bucket], pair
        seen[bucket] = pair


def test_a_bigram_collision_never_shows_a_false_phrase_hit(tmp_path):
    (a, b), (c, d) = colliding_bigrams()
    with WhooshEngine(tmp_path / "ix") as ix:
        # This page has a, b and the colliding pair c d, but never "a b" side by side.
        ix.write([page("page:1", f"{b} then {a} and later {c} {d}"),
                  page("page:2", f"the phrase {a} {b} itself")])
        results = run(ix, f'"{a} {b}"')
        assert results.total == 2  # the collision is counted...
        assert keys(results) == {"page:2"}  # ...but never shown
        assert results.total_is_estimate  # and the count says it may be high


def test_highlight_page_marks_every_match_and_escapes(index):
    html = highlight_page("Facial <b>recognition</b> & rulemaking; facial.", '"facial recognition" rulemak*')
    assert html == ("<mark>Facial</mark> &lt;b&gt;<mark>recognition</mark>&lt;/b&gt; &amp; "
                    "<mark>rulemaking</mark>; <mark>facial</mark>.")
    assert highlight_page("a <i>b</i>", "((") == "a &lt;i&gt;b&lt;/i&gt;"


def test_index_directory_layout_survives_a_copy(tmp_path):
    rebuild(tmp_path / "ix", RECORDS)
    shutil.copytree(tmp_path / "ix", tmp_path / "copy", symlinks=True)
    with WhooshEngine(Path(tmp_path / "copy"), create=False) as ix:
        assert ix.doc_count() == len(RECORDS)


# -- long posting lists (several on-disk blocks per term) --------------------------------------------

def numbered_pages(n: int) -> list[PageRecord]:
    """Pages whose words follow their number, so every query's answer is arithmetic."""
    out = []
    for i in range(n):
        words_ = ["alpha" if i % 2 == 0 else "", "beta" if i % 3 == 0 else "", "gamma" if i % 5 == 0 else "",
                  "delta epsilon" if i % 7 == 0 else "epsilon delta", f"item{i}"]
        out.append(page(f"page:{i}", " ".join(w for w in words_ if w), document_id=i // 10, page=i % 10 + 1,
                        visibility="public" if i % 4 else "internal", released_on=date(2010 + i % 10, 1, 1)))
    return out


@pytest.mark.parametrize("how", ["writer", "rebuild-1", "rebuild-2",
                                 pytest.param("postgres-rebuild", marks=pytest.mark.postgres)])
@pytest.mark.parametrize(("q", "allowed", "rule"), [
    ("alpha beta", EVERYONE, lambda i: i % 6 == 0),
    ("alpha NOT beta", EVERYONE, lambda i: i % 2 == 0 and i % 3),
    ("alpha OR gamma", EVERYONE, lambda i: i % 2 == 0 or i % 5 == 0),
    ('"delta epsilon"', EVERYONE, lambda i: i % 7 == 0),
    ('"epsilon delta" gamma', EVERYONE, lambda i: i % 7 and i % 5 == 0),
    ("beta gamma", PUBLIC, lambda i: i % 15 == 0 and i % 4),
    ("item1*", EVERYONE, lambda i: str(i).startswith("1")),
])
def test_long_posting_lists_answer_exactly(request, tmp_path, how, q, allowed, rule):
    ix = make_engine(how, request, tmp_path, numbered_pages(1500))
    expected = {f"page:{i}" for i in range(1500) if rule(i)}
    results = run(ix, q, allowed, per_page=100)
    assert results.total == len(expected)
    assert sum(n for _, n in results.facets["year"]) == len(expected)
    assert keys(results) <= expected and len(results.hits) == min(100, len(expected))
    deep = run(ix, q, allowed, per_page=100, page=2, sort="date")
    assert keys(deep) <= expected


def _rebuild_in_child(path: Path) -> None:
    rebuild(path, RECORDS, procs=2)


def test_rebuild_inside_a_daemonic_process_builds_serially(tmp_path):
    # Celery's prefork children are daemonic and may not start processes: rebuild must still work.
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_rebuild_in_child, args=(tmp_path / "ix",), daemon=True)
    child.start()
    child.join(60)
    assert child.exitcode == 0
    with WhooshEngine(tmp_path / "ix", create=False) as ix:
        assert ix.doc_count() == len(RECORDS)


def test_a_searcher_keeps_reading_segments_whose_files_the_writer_deleted(tmp_path):
    """The index writer deletes the files of segments it merged away; a searcher opened before that must
    still read their stored fields, lengths and facets (they are opened with the searcher)."""
    path = tmp_path / "ix"
    with WhooshEngine(path) as reader, WhooshEngine(path) as writer, WhooshEngine(path) as witness:
        assert run(reader, "recognition").total == 0  # this thread's searcher, opened on the empty index
        writer.write(RECORDS[:3])
        writer.write(RECORDS[3:] + FILLER)  # two segments
        witness.refresh()
        expected = run(witness, "recognition OR budget", per_page=50)
        assert expected.total == 4 + len(FILLER)
        reader.refresh()  # a new searcher over both segments; nothing of them read yet
        columns = list(path.resolve().rglob("*.col"))
        assert columns
        for column in columns:  # what a merge's cleanup does to the files of the segments it replaced
            column.unlink()
        found = run(reader, "recognition OR budget", per_page=50)
        assert [hit.key for hit in found.hits] == [hit.key for hit in expected.hits]
        assert [hit.snippet for hit in found.hits] == [hit.snippet for hit in expected.hits]
        assert found.facets == expected.facets

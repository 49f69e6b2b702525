"""Benchmark the page search against SQLite FTS5 on the same pages and queries, in the same run.

    python bench/search_bench.py --pages 50000 --json
    python bench/search_bench.py --corpus pages.tsv --queries queries.json --json
    python bench/search_bench.py --engine postgres --pages 200000 --json   # a throwaway PostgreSQL
    python bench/search_bench.py --engine postgres --database-url postgresql+psycopg://... --json

The corpus has one page a line, ``<page_id>\\t<text>``; the queries file is
``{"term": [...], "and": [...], "phrase": [...], "prefix": [...], "field": [...]}`` ("field" queries are
a field filter with words, ``agency:police surveillance``; FTS5 answers them with a column filter).
Pages are indexed through search.rebuild and searched through search.search as an admin and as a
researcher (top 10, snippets, facets, the access clause) in fresh child processes, so that rss_mb is the
searching process's own peak. Three passes; the warm figures are passes two and three. A query running
past --timeout seconds is cut off and listed under "timeouts". The time from committing a new 50-page
document to the first search that finds it is printed as fresh_ms. The last line printed is one JSON
object; "ratios" (admin) and "researcher.ratios" compare warm p95 with FTS5's. A query an engine refuses
or fails on does not stop the run: it is listed under "failures" and counted in "failed".

With ``--engine postgres`` the same pages go into PostgreSQL full-text search (search.pg_engine, its
table made by the product's own migration) and are searched the same way; the JSON has the same keys.
Without ``--database-url`` a throwaway server is started (tests/servers/postgres.py) and removed after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from corpus import Corpus, metadata  # noqa: E402

from search import PageRecord, SearchIndex, rebuild, search  # noqa: E402
from search.pg_engine import PostgresEngine  # noqa: E402
from search.records import VISIBILITIES  # noqa: E402

CLASSES = ("term", "and", "phrase", "prefix", "field")
PASSES = 3


def read_corpus(path: Path):
    """(page_id, text) pairs from a corpus file."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            page_id, _, text = line.rstrip("\n").partition("\t")
            if page_id:
                yield int(page_id), text.replace("\\n", "\n")


def record(page_id: int, text: str) -> PageRecord:
    """A PageRecord with deterministic metadata, as the application would build from its tables."""
    m = metadata(page_id)
    return PageRecord(
        key=f"page:{page_id}", text=text, kind="page", request_id=m["request_id"],
        agency_id=m["agency_id"], agency=m["agency"], campaign_id=m["campaign_id"],
        campaign=m["campaign"], document_id=m["document_id"], filename=f"production-{m['document_id']}.pdf",
        page=m["page"], released_on=date(m["year"], m["month"], m["day"]), media_type=m["media_type"],
        visibility=m["visibility"],
    )


def dir_mb(path: Path) -> float:
    """Size of the files under path, in megabytes."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def build_whoosh(corpus: Path, index_dir: Path) -> dict:
    """Index the corpus through the product's rebuild(); return timing."""
    start = time.perf_counter()
    count = rebuild(index_dir, (record(pid, text) for pid, text in read_corpus(corpus)))
    build_s = time.perf_counter() - start
    return {"pages": count, "build_s": round(build_s, 2), "pages_per_s": round(count / build_s, 1),
            "index_mb": round(dir_mb(index_dir / "current"), 1)}


def _pg_engine(url: str) -> PostgresEngine:
    import sqlalchemy as sa

    return PostgresEngine(sa.create_engine(url), budget_seconds=60.0)


def create_pg_table(url: str) -> None:
    """Create search_pages with the product's migrations (a0006pgsearch, a0011bigrams), dropping an old one."""
    import importlib.util

    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS search_pages"))
        for name in ("a0006pgsearch_postgres_search", "a0011bigrams_phrase_bigrams"):
            spec = importlib.util.spec_from_file_location(name, ROOT / "migrations" / "versions" / f"{name}.py")
            migration = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(migration)
            with Operations.context(MigrationContext.configure(conn)):
                migration.upgrade()
    engine.dispose()


def build_postgres(corpus: Path, url: str) -> dict:
    """Index the corpus through PostgresEngine.rebuild; return timing and the table's size."""
    import sqlalchemy as sa

    create_pg_table(url)
    engine = _pg_engine(url)
    start = time.perf_counter()
    count = engine.rebuild(record(pid, text) for pid, text in read_corpus(corpus))
    build_s = time.perf_counter() - start
    with engine.engine.connect() as conn:
        size = conn.scalar(sa.text("SELECT pg_total_relation_size('search_pages')"))
    engine.engine.dispose()
    return {"pages": count, "build_s": round(build_s, 2), "pages_per_s": round(count / build_s, 1),
            "index_mb": round(size / 1e6, 1)}


def child_postgres(url: str, queries_file: str, role: str, timeout: str, fresh: str = "") -> dict:
    """Search PostgreSQL as an admin (or a researcher) in this fresh process: times and peak RSS."""
    queries = json.loads(Path(queries_file).read_text())
    allowed = frozenset(VISIBILITIES) if role == "admin" else frozenset({"public"})
    engine = _pg_engine(url)
    totals = {}

    def run_one(cls: str, q: str) -> None:
        results = engine.search(q, allowed_visibility=allowed, per_page=10)
        totals[(cls, q)] = results.total

    out = run_passes(run_one, queries, float(timeout) or None)
    if fresh:
        word = "zqxfreshmarker"
        engine.write(PageRecord(key=f"page:fresh-{n}", text=f"{word} page {n} of a new production",
                                document_id=10**9, page=n, visibility="public") for n in range(1, 51))
        committed = time.perf_counter()
        while engine.search(word, allowed_visibility=allowed).total != 50:
            pass
        out["fresh_ms"] = round((time.perf_counter() - committed) * 1000, 1)
    out["rss_mb"] = peak_rss_mb()
    out["mean_hits"] = mean_hits(totals, queries)
    return out


def build_fts5(corpus: Path, db: Path) -> dict:
    """Index the corpus into an FTS5 table with the porter tokenizer; return timing."""
    start = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute("CREATE VIRTUAL TABLE pages USING fts5(text, agency, visibility, tokenize='porter')")
    with con:
        con.executemany("INSERT INTO pages(rowid, text, agency, visibility) VALUES (?, ?, ?, ?)",
                        ((pid, text, *_labels(pid)) for pid, text in read_corpus(corpus)))
    count = con.execute("SELECT count(*) FROM pages").fetchone()[0]
    con.close()
    build_s = time.perf_counter() - start
    return {"pages": count, "build_s": round(build_s, 2), "pages_per_s": round(count / build_s, 1),
            "index_mb": round(db.stat().st_size / 1e6, 1)}


def _labels(page_id: int) -> tuple[str, str]:
    m = metadata(page_id)
    return m["agency"], m["visibility"]


def fts5_query(cls: str, q: str) -> str:
    """The same query in FTS5 syntax (each word quoted, so punctuation cannot break the syntax)."""
    if cls == "field":
        label, _, rest = q.partition(" ")
        return f'agency : "{label.partition(":")[2]}" AND ' + " ".join(f'text : "{w}"' for w in rest.split())
    words = q.replace('"', " ").replace("*", " ").split()
    quoted = [f'"{w}"' for w in words]
    if cls == "phrase":
        return '"' + " ".join(words) + '"'
    if cls == "prefix":
        return " ".join(quoted) + "*"
    return " ".join(quoted)


class _Timeout(Exception):
    pass


def _expire(signum, frame):
    raise _Timeout


def run_passes(run_one, queries: dict, timeout: float | None = None) -> dict:
    """Time every query over PASSES passes; warm = all passes but the first.

    A query running past timeout seconds is interrupted (SIGALRM), counted at the timeout and listed.
    A query the engine refuses or fails on is listed under "failures" (with the error) and the run goes
    on: every query of the set is one both engines must answer.
    """
    times = {cls: [] for cls in CLASSES}
    cold = {cls: [] for cls in CLASSES}
    timeouts, failures = [], []
    signal.signal(signal.SIGALRM, _expire)
    for n in range(PASSES):
        for cls in CLASSES:
            for q in queries.get(cls, []):
                start = time.perf_counter()
                if timeout:
                    signal.setitimer(signal.ITIMER_REAL, timeout)
                try:
                    run_one(cls, q)
                except _Timeout:
                    timeouts.append({"class": cls, "query": q, "pass": n + 1})
                except Exception as exc:  # noqa: BLE001 - a refused or failed query is a result to record
                    failures.append({"class": cls, "query": q, "pass": n + 1,
                                     "error": f"{type(exc).__name__}: {exc}"[:300]})
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                elapsed = (time.perf_counter() - start) * 1000
                (cold if n == 0 else times)[cls].append(elapsed)
    return {"warm": {cls: _stats(v) for cls, v in times.items() if v},
            "cold": {cls: _stats(v) for cls, v in cold.items() if v}, "timeouts": timeouts,
            "failures": failures, "failed": len(failures)}


def _stats(values: list[float]) -> dict:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return {"p50": round(statistics.median(values), 2), "p95": round(p95, 2)}


def mean_hits(totals: dict, queries: dict) -> dict:
    """Mean total per class over the queries answered (a class whose every query failed has none)."""
    out = {}
    for cls in CLASSES:
        answered = [v for (c, _), v in totals.items() if c == cls]
        if queries.get(cls) and answered:
            out[cls] = round(statistics.mean(answered), 1)
    return out


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's ru_maxrss survives exec (a child would report its
    parent's peak), so read the high-water mark of this address space from /proc when there is one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_whoosh(index_dir: str, queries_file: str, role: str, timeout: str, fresh: str = "") -> dict:
    """Search as an admin (or a researcher), in this fresh process, and report times and peak RSS."""
    queries = json.loads(Path(queries_file).read_text())
    allowed = frozenset(VISIBILITIES) if role == "admin" else frozenset({"public"})
    ix = SearchIndex(index_dir, create=False)
    totals = {}

    def run_one(cls: str, q: str) -> None:
        results = search(ix, q, allowed_visibility=allowed, per_page=10, budget=None)
        totals[(cls, q)] = results.total

    out = run_passes(run_one, queries, float(timeout) or None)
    if fresh:
        out["fresh_ms"] = fresh_document_ms(ix, allowed)
    out["rss_mb"] = peak_rss_mb()
    out["mean_hits"] = mean_hits(totals, queries)
    return out


def fresh_document_ms(ix: SearchIndex, allowed: frozenset[str]) -> float:
    """Milliseconds from committing a new 50-page document to the first search (here) that finds it."""
    word = "zqxfreshmarker"
    pages = [PageRecord(key=f"page:fresh-{n}", text=f"{word} page {n} of a new production",
                        document_id=10**9, page=n, visibility="public") for n in range(1, 51)]
    writer = SearchIndex(ix.path, create=False)  # the index writer's own handle, as in the worker
    writer.write(pages)  # returns once the pages are committed
    committed = time.perf_counter()
    writer.close()
    while True:
        ix.refresh()
        if search(ix, word, allowed_visibility=allowed, budget=None).total == 50:
            return round((time.perf_counter() - committed) * 1000, 1)


def child_fts5(db: str, queries_file: str, role: str, timeout: str) -> dict:
    """Top 10 by rank with snippet(), in this fresh process; a researcher's queries match public pages."""
    queries = json.loads(Path(queries_file).read_text())
    access = ' AND visibility : "public"' if role == "researcher" else ""
    con = sqlite3.connect(db)
    sql = ("SELECT rowid, snippet(pages, 0, '<mark>', '</mark>', '…', 24) FROM pages "
           "WHERE pages MATCH ? ORDER BY rank LIMIT 10")

    def run_one(cls: str, q: str) -> None:
        con.execute(sql, (f"({fts5_query(cls, q)}){access}",)).fetchall()

    out = run_passes(run_one, queries, float(timeout) or None)
    out["rss_mb"] = peak_rss_mb()
    return out


def in_child(*args: str) -> dict:
    """Run this script's --child mode in a new interpreter and return its JSON."""
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True,
                          check=False)
    if proc.returncode:
        raise SystemExit(f"child {args[0]} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run both engines, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, help="pages file: <page_id>\\t<text> per line")
    ap.add_argument("--queries", type=Path, help='queries JSON: {"term": [...], "and": [...], ...}')
    ap.add_argument("--pages", type=int, default=50_000, help="pages to generate without --corpus")
    ap.add_argument("--workdir", type=Path, help="where to build (default: a temporary directory)")
    ap.add_argument("--json", action="store_true", help="print only the JSON summary")
    ap.add_argument("--engine", choices=("whoosh", "postgres"), default="whoosh", help="search engine to measure")
    ap.add_argument("--rum", action="store_true",
                    help="with --engine postgres, index with RUM (FOILTRACK_SEARCH_RUM) rather than GIN")
    ap.add_argument("--database-url", help="PostgreSQL for --engine postgres (default: a throwaway server)")
    ap.add_argument("--timeout", type=float, default=0.0, help="seconds a query may run before it is cut off")
    ap.add_argument("--keep", type=Path,
                    help="build the indexes in this folder and keep them; reuse them when present (Whoosh)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rum:
        os.environ["FOILTRACK_SEARCH_RUM"] = "true"

    if args.child:
        kind, *rest = args.child
        children = {"whoosh": child_whoosh, "postgres": child_postgres, "fts5": child_fts5}
        out = children[kind](*rest)
        print(json.dumps(out))
        return

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        corpus, queries_file = args.corpus, args.queries
        if corpus is None or queries_file is None:
            gen = Corpus()
            if corpus is None:
                corpus = work / "corpus.tsv"
                if not (args.keep and corpus.exists()):
                    with open(corpus, "w", encoding="utf-8") as f:
                        for page_id, text in gen.pages(args.pages):
                            f.write(f"{page_id}\t{text}\n")
            if queries_file is None:
                queries_file = work / "queries.json"
                queries_file.write_text(json.dumps(gen.queries(sample_pages=min(args.pages, 2000))))
        log = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))
        server = None
        if args.engine == "postgres" and args.database_url is None:
            from tests.servers.postgres import start_postgres

            server = start_postgres()
        try:
            built = work / "build.json"
            if args.engine == "postgres":
                target = args.database_url or server.url
                log("building the PostgreSQL table...")
                result = build_postgres(corpus, target)
                log(result)
                log("building FTS5 index...")
                fts = build_fts5(corpus, work / "fts.db")
                log(fts)
            elif args.keep and built.exists():
                target = str(work / "index")
                result, fts = json.loads(built.read_text())
                log("reusing the indexes in", work, "built at", result["pages_per_s"], "and",
                    fts["pages_per_s"], "pages/s")
            else:
                target = str(work / "index")
                log("building Whoosh index...")
                result = build_whoosh(corpus, work / "index")
                log(result)
                log("building FTS5 index...")
                fts = build_fts5(corpus, work / "fts.db")
                log(fts)
                if args.keep:
                    built.write_text(json.dumps([result, fts]))
            result["engine"] = args.engine
            timeout = str(args.timeout)
            db, qf = str(work / "fts.db"), str(queries_file)
            log(f"searching {args.engine} as admin...")
            result.update(in_child(args.engine, target, qf, "admin", timeout))
            log(f"searching {args.engine} as researcher...")
            researcher = in_child(args.engine, target, qf, "researcher", timeout, "fresh")
        finally:
            if server is not None:
                from tests.servers.postgres import stop_postgres

                stop_postgres(server)
        result["fresh_ms"] = researcher["fresh_ms"]
        log("searching FTS5 as admin, then as researcher...")
        fts.update(in_child("fts5", db, qf, "admin", timeout))
        fts_researcher = in_child("fts5", db, qf, "researcher", timeout)
        fts["researcher"] = {"warm": fts_researcher["warm"]}
        result["fts5"] = fts
        result["researcher"] = {"warm": researcher["warm"], "rss_mb": researcher["rss_mb"],
                                "timeouts": researcher["timeouts"], "failures": researcher["failures"],
                                "ratios": _ratios(researcher["warm"], fts_researcher["warm"])}
        result["timeouts"] = result["timeouts"] + researcher["timeouts"]
        result["failures"] = result["failures"] + researcher["failures"]
        result["failed"] = len(result["failures"])  # admin and researcher: 0 when every query was answered
        result["ratios"] = {"build_speed": round(result["pages_per_s"] / fts["pages_per_s"], 3),
                            **_ratios(result["warm"], fts["warm"])}
        print(json.dumps(result))


def _ratios(ours: dict, theirs: dict) -> dict:
    return {f"{cls}_p95": round(ours[cls]["p95"] / max(theirs[cls]["p95"], 1e-3), 2)
            for cls in CLASSES if cls in ours and cls in theirs}


if __name__ == "__main__":
    main()

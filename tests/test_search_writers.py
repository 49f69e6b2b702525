"""Whoosh has one writer, and its readers and writers survive each other, in real processes.

Searching processes keep answering (no error, ever) while another process indexes documents, and a
rebuild killed with ``kill -9`` (whose forked segment writers live on, holding the write lock) does
not hold up the next write: the lock's recorded holder is found dead and its orphans are killed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.search_support import add_pages

ROOT = Path(__file__).resolve().parents[1]
SEARCHERS = 4


def _search_until(config: dict, stop, errors, answers) -> None:
    """A searching process: the service's own path (one SearchIndex, refreshed before each search)."""
    from tracker import create_app
    from tracker.extensions import db
    from tracker.models import User
    from tracker.searching.service import search_for

    app = create_app(config)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.role == "researcher"))
        while not stop.is_set():
            try:
                search_for(user, "cameras OR warrant*")
                answers.value += 1
            except Exception as exc:  # noqa: BLE001 - every failure is what this test counts
                errors.put(f"{type(exc).__name__}: {exc}")
            db.session.remove()


def test_searches_keep_answering_while_another_process_indexes(app, app_config, make_request, make_user):
    from tracker.dispatch import commit
    from tracker.searching.service import index_documents_now

    make_user("researcher", "researcher@example.org")
    request = make_request()
    add_pages(request, ["cameras in the precinct"] * 3)  # the index exists before the searchers start
    commit()
    ctx = multiprocessing.get_context("spawn")
    stop, errors, answers = ctx.Event(), ctx.Queue(), ctx.Value("i", 0)
    config = {**app_config, "TASKS_EAGER": False, "BROKER_URL": "memory://"}
    searchers = [ctx.Process(target=_search_until, args=(config, stop, errors, answers)) for _ in range(SEARCHERS)]
    for process in searchers:
        process.start()
    try:
        deadline = time.monotonic() + 60
        while answers.value < SEARCHERS and time.monotonic() < deadline:
            time.sleep(0.1)
        # 30 documents, each indexed by its own write (new segments, merges, retired readers).
        for n in range(30):
            document = add_pages(request, [f"warrant number {n} for the cameras"] * 4, visibility="public")
            index_documents_now([document.id])
        during = answers.value
    finally:
        stop.set()
        for process in searchers:
            process.join(30)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert during >= SEARCHERS and all(p.exitcode == 0 for p in searchers)


def _holding(lock_file: Path) -> list[int]:
    from search.writelock import _processes_holding

    return _processes_holding(lock_file)


@pytest.fixture
def big_database(app, make_request):
    """Enough pages that a rebuild runs for a while (written straight into the table, not indexed)."""
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Page

    document = add_pages(make_request(), ["the first page"])
    rows = [{"document_id": document.id, "number": n, "text": f"page {n} of the surveillance contract " * 8}
            for n in range(2, 40_002)]
    db.session.execute(db.insert(Page), rows)
    commit()
    return document


def test_a_write_after_kill_9_of_a_rebuild_succeeds_promptly(app, app_config, big_database, tmp_path):
    from search import PageRecord, SearchIndex
    from search.writelock import HOLDER

    index_dir = Path(app.config["INDEX_DIR"])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FOILTRACK_DATA_DIR": app_config["DATA_DIR"],
           "FOILTRACK_DATABASE_URL": app_config["DATABASE_URL"], "FOILTRACK_SECRET_KEY": "tests",
           "FOILTRACK_BROKER_URL": "memory://", "FOILTRACK_SEARCH_ENGINE": "whoosh"}
    log = tmp_path / "reindex.log"
    with open(log, "wb") as out:
        rebuild = subprocess.Popen([sys.executable, "-m", "tracker.cli", "reindex", "--quiet"], env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    generation = (index_dir / "current").resolve()
    lock_file = generation / "MAIN_WRITELOCK"
    deadline = time.monotonic() + 120
    # Wait until the rebuild holds the lock and has forked its segment writers (they share the lock).
    while time.monotonic() < deadline and not ((generation / HOLDER).exists() and len(_holding(lock_file)) >= 2):
        assert rebuild.poll() is None, log.read_text()
        time.sleep(0.05)
    assert len(_holding(lock_file)) >= 2, "the rebuild never took the lock with its writers"
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait(10)
    time.sleep(0.5)
    orphans = _holding(lock_file)
    assert orphans, "nothing held the lock after the kill: this test would prove nothing"

    started = time.monotonic()
    with SearchIndex(index_dir, create=False, lock_timeout=60) as index:
        assert index.write([PageRecord(key="page:999999", text="written after the kill")]) == 1
    assert time.monotonic() - started < 10
    assert _holding(lock_file) == []  # the orphans are gone
    assert (index_dir / "current").resolve() == generation  # the killed rebuild swapped nothing in

"""`foiltrack doctor` sees the pipeline: work stuck for longer than the sweeper takes, what a killed rebuild
left behind, and a blob disk that is full. Each fault is made for real, then mended, and the doctor follows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.servers.ports import free_port
from tests.test_doctor import _another_host
from tracker.doctor import diagnose

BOTH_SEARCH_ENGINES = True
ROOT = Path(__file__).resolve().parent.parent


def _findings(app, check: str):
    from tracker.dispatch import unit_of_work

    with unit_of_work():
        return [f for f in diagnose(app) if f.check == check]


def test_work_the_broker_never_got_fails_the_doctor_until_it_is_done(app_config, db_backend):
    from sqlalchemy import update

    from tracker.dispatch import after_commit, unit_of_work
    from tracker.extensions import db
    from tracker.models.base import utcnow
    from tracker.models.work import PendingWork

    # A broker nobody listens on: the relay after the commit fails, and the row stays open.
    with _another_host(app_config, TASKS_EAGER=False, BROKER_URL=f"redis://127.0.0.1:{free_port()}/0") as host:
        with unit_of_work(write=True):
            job = after_commit("foiltrack.index.document", 424242)
        row = db.session.get(PendingWork, job.work_id)
        assert row.done_at is None and row.last_error  # the broker really refused it
        assert _findings(host, "pending work")[0].level == "ok"  # young work is the sweeper's, not a fault

        # The same row, as it stands once the sweeper has had its time and more.
        db.session.execute(update(PendingWork).where(PendingWork.id == row.id)
                           .values(created_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
        found = _findings(host, "pending work")
        assert found[0].level == "fail"
        assert "1 job(s) not done" in found[0].message and "foiltrack.index.document" in found[0].message
        assert "last error" in found[0].message

        db.session.execute(update(PendingWork).where(PendingWork.id == row.id).values(done_at=utcnow()))
        db.session.commit()
        assert _findings(host, "pending work")[0].level == "ok"


_SLOW_WHOOSH_REBUILD = """
import sys, time
from search.index import rebuild
from search.records import PageRecord

def records():
    for n in range(10**6):
        if n == 200:
            print("started", flush=True)
            time.sleep(600)
        yield PageRecord(key=f"page:{n}", text=f"camera contract number {n}", visibility="public")

rebuild(sys.argv[1], records(), procs=1)
"""

_SLOW_POSTGRES_REBUILD = """
import sys, time
import sqlalchemy as sa
from search.pg_engine import PostgresEngine
from search.records import PageRecord

def records():
    for n in range(10**6):
        if n == 200:
            print("started", flush=True)
            time.sleep(600)
        yield PageRecord(key=f"page:{n}", text=f"camera contract number {n}", visibility="public")

PostgresEngine(sa.create_engine(sys.argv[1])).rebuild(records())
"""


def _kill_mid_rebuild(program: str, target: str) -> None:
    """Start a rebuild in a child process and kill it (SIGKILL) once it is writing."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, "-c", program, target], stdout=subprocess.PIPE, text=True,
                          env=env) as child:
        try:
            assert child.stdout.readline().strip() == "started"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)


def test_a_killed_rebuild_is_reported_until_the_next_rebuild_clears_it(app, db_backend):
    from search.records import PageRecord

    if db_backend == "postgres":
        pytest.skip("the PostgreSQL database searches with Whoosh here: covered by the sqlite case")
    assert _findings(app, "rebuild") == []
    if db_backend == "postgres-search":
        from search.pg_engine import PostgresEngine
        from tracker.extensions import db

        _kill_mid_rebuild(_SLOW_POSTGRES_REBUILD, app.config["DATABASE_URL"])
        engine = PostgresEngine(db.engine)
    else:
        from search.engines import WhooshEngine

        index_dir = app.config["INDEX_DIR"]
        _kill_mid_rebuild(_SLOW_WHOOSH_REBUILD, index_dir)
        assert any(Path(index_dir).glob("gen-*"))
        engine = WhooshEngine(index_dir, create=True)
    found = _findings(app, "rebuild")
    assert [f.level for f in found] == ["fail"], found
    assert "stopped mid-way" in found[0].message

    engine.rebuild([PageRecord(key="page:1", text="a camera contract", visibility="public")])
    engine.close()
    assert _findings(app, "rebuild") == []


@pytest.fixture
def small_disk(tmp_path):
    """A real 80 MB filesystem (tmpfs), mounted for the test and unmounted after it."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=80m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here ({mounted.stderr.strip()})")
    try:
        yield folder
    finally:
        for _attempt in range(10):
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode == 0:
                break
            time.sleep(0.2)


def test_a_full_blob_disk_is_worded_as_space_and_clears_when_freed(app_config, small_disk, db_backend):
    if db_backend != "sqlite":
        pytest.skip("the blob folder is the same on every database")
    blobs = small_disk / "blobs"
    with _another_host(app_config, BLOB_DIR=str(blobs)) as host:
        assert _findings(host, "blob space") == []
        filler = small_disk / "filler"
        with open(filler, "wb") as out:
            out.write(b"\0" * (40 * 2**20))
        found = _findings(host, "blob space")
        assert [f.level for f in found] == ["fail"]
        assert "full" in found[0].message and "MB free" in found[0].message
        assert "permission" not in found[0].message.lower()
        filler.unlink()
        assert _findings(host, "blob space") == []


def test_a_postgres_search_table_without_phrase_bigrams_asks_for_a_reindex_once_it_holds_pages(app, db_backend):
    if db_backend != "postgres-search":
        pytest.skip("the search table is PostgreSQL's")
    from sqlalchemy import text

    from search.pg_engine import PostgresEngine
    from search.records import PageRecord
    from tracker.extensions import db

    db.session.execute(text("COMMENT ON TABLE search_pages IS NULL"))
    db.session.commit()
    assert [f.level for f in _findings(app, "search")] == ["ok"]  # an empty table has nothing to reindex
    PostgresEngine(db.engine).write([PageRecord(key="page:1", text="a camera contract", visibility="public")])
    db.session.execute(text("COMMENT ON TABLE search_pages IS NULL"))  # as a table from before bigrams
    db.session.commit()
    found = _findings(app, "search")
    assert [f.level for f in found] == ["warn"]
    assert "foiltrack reindex" in found[0].message

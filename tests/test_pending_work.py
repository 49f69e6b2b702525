"""Durable follow-up work: a job written with its change survives a broker outage and a killed worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.slow


@pytest.fixture
def broker_app(app_config, own_redis, request):
    app_config.update(BROKER_URL=own_redis.url, TASKS_EAGER=False, BROKER_VISIBILITY_SECONDS=5)
    return request.getfixturevalue("app")


def _start_worker(app, log_path):
    config = app.config
    env = {**os.environ, "FOILTRACK_DATA_DIR": config["DATA_DIR"], "FOILTRACK_DATABASE_URL": config["DATABASE_URL"],
           "FOILTRACK_BROKER_URL": config["BROKER_URL"], "FOILTRACK_SECRET_KEY": "tests",
           "FOILTRACK_BROKER_VISIBILITY_SECONDS": "5"}
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tracker.worker", "worker", "--queues", "celery",
             "--concurrency", "1", "--pool", "solo", "--without-heartbeat", "--without-gossip",
             "--without-mingle", "--loglevel", "INFO"], env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_done(work_id, worker, log_path, timeout=60):
    from tracker.extensions import db
    from tracker.models import PendingWork

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        row = db.session.get(PendingWork, work_id)
        if row.done_at is not None:
            db.session.rollback()
            return row
        db.session.rollback()
        assert worker.poll() is None, log_path.read_text()
        time.sleep(0.3)
    raise AssertionError(f"job #{work_id} not done after {timeout} s:\n{log_path.read_text()}")


def test_a_job_decided_while_the_broker_is_down_runs_once_it_is_back(broker_app, own_redis, tmp_path):
    from tracker import pending_work
    from tracker.extensions import db
    from tracker.models import PendingWork

    own_redis.stop()
    work = pending_work.record("foiltrack.deadlines.recompute_all", [])
    db.session.commit()
    started = time.monotonic()
    assert pending_work.relay(work.id, work.task, work.args, 1) is False
    assert time.monotonic() - started < 15  # the web request that committed it is not held for long
    row = db.session.get(PendingWork, work.id)
    assert row.relayed_at is None and row.done_at is None and row.last_error
    db.session.rollback()

    # Still down: the sweep keeps the job for later.
    later = row.created_at + timedelta(minutes=1)
    assert pending_work.sweep(now=later).failed == 1
    own_redis.restart()
    assert pending_work.sweep(now=later).relayed == 1
    worker = _start_worker(broker_app, tmp_path / "worker.log")
    try:
        done = _wait_done(work.id, worker, tmp_path / "worker.log")
    finally:
        _stop(worker)
    assert done.attempts == 1
    assert pending_work.open_work() == []


def test_a_job_lost_with_its_worker_is_relayed_again_by_the_sweeper(broker_app, own_redis, tmp_path):
    from tracker import pending_work
    from tracker.extensions import db
    from tracker.models import PendingWork

    work = pending_work.record("foiltrack.deadlines.recompute_all", [])
    db.session.commit()
    assert pending_work.relay(work.id, work.task, work.args, 1)
    own_redis.flush()  # the broker forgot it (what a restart of a Redis without persistence does)
    relayed_at = db.session.get(PendingWork, work.id).relayed_at
    db.session.rollback()
    # Not yet past the broker's visibility timeout: the sweeper leaves it alone.
    assert pending_work.sweep(now=relayed_at + timedelta(seconds=2)).relayed == 0
    assert pending_work.sweep(now=relayed_at + timedelta(seconds=5 + 61)).relayed == 1
    worker = _start_worker(broker_app, tmp_path / "worker.log")
    try:
        done = _wait_done(work.id, worker, tmp_path / "worker.log")
    finally:
        _stop(worker)
    assert done.attempts == 2
    rows = db.session.scalars(select(PendingWork)).all()
    assert [r.id for r in rows] == [work.id]


def test_done_work_is_pruned_after_a_week(app):
    from tracker import pending_work
    from tracker.extensions import db
    from tracker.models.base import utcnow

    work = pending_work.record("foiltrack.deadlines.recompute_all", [])
    work.done_at = utcnow()
    db.session.commit()
    assert pending_work.sweep(now=utcnow() + timedelta(days=1)).pruned == 0
    assert pending_work.sweep(now=utcnow() + timedelta(days=8)).pruned == 1


def test_task_ids_name_their_rows():
    from tracker.pending_work import work_id

    assert work_id("work-42-3") == 42
    assert work_id("a0c5e9b2-uuid") is None
    assert work_id(None) is None

"""Fenced singletons: a holder frozen while it lost its database session resumes believing it holds its lease,
and the database refuses its work once a standby has taken over (PostgreSQL; a SQLite lease is a file lock
that a frozen holder keeps, so no standby takes over there)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from tests.conftest import migrated_postgres_database
from tracker.leases import Lease, _libpq_url

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent

# The scheduler as it stands after a SIGSTOP: it took its lease, then is told to sweep without first
# checking that the lease is still its own (a frozen process resumes mid-loop, before its next check).
FROZEN_SCHEDULER = """
import json, os, sys
from tracker import create_app
from tracker.leases import Lease

app = create_app(json.loads(os.environ["FENCING_TEST_CONFIG"]))
with app.app_context():
    lease = Lease("scheduler", app.config["DATABASE_URL"], app.config["DATA_DIR"])
    lease.acquire(poll_seconds=0.1)
    print("held", lease.epoch, flush=True)
    sys.stdin.readline()
    from tracker import fencing
    from tracker.pending_work import sweep
    print("believes it holds the lease:", lease.held, flush=True)
    try:
        done = sweep()
        print("swept", done.relayed, flush=True)
    except fencing.StaleEpoch as exc:
        print("refused:", exc, flush=True)
"""


@pytest.fixture
def database_url(request) -> str:
    """Every test here runs on PostgreSQL, where leases are advisory locks a partition can take away."""
    return migrated_postgres_database(request)


@pytest.fixture
def scheduler_config(app_config, redis_url) -> dict:
    return {**app_config, "TASKS_EAGER": False, "BROKER_URL": redis_url}


def _due_job(task_id_hint: int):
    """A job committed long ago that no broker ever got: the next sweep relays it."""
    from tracker.dispatch import after_commit, unit_of_work
    from tracker.extensions import db
    from tracker.models.base import utcnow
    from tracker.models.work import PendingWork

    with unit_of_work(write=True):
        job = after_commit("foiltrack.index.document", task_id_hint)
        db.session.flush()
    row = db.session.get(PendingWork, job.work_id)
    row.relayed_at, row.attempts = None, 0
    row.created_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    return job.work_id


def _attempts(work_id: int) -> int:
    from tracker.extensions import db
    from tracker.models.work import PendingWork

    db.session.expire_all()
    attempts = db.session.get(PendingWork, work_id).attempts
    db.session.rollback()
    return attempts


def test_a_frozen_scheduler_that_lost_its_session_sweeps_nothing_after_a_takeover(scheduler_config, tmp_path):
    import json

    from tracker import create_app, fencing
    from tracker.extensions import db
    from tracker.pending_work import sweep

    app = create_app({**scheduler_config, "BROKER_URL": "memory://"})
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FENCING_TEST_CONFIG": json.dumps(scheduler_config)}
    holder = subprocess.Popen([sys.executable, "-c", FROZEN_SCHEDULER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    standby = Lease("scheduler", scheduler_config["DATABASE_URL"], str(tmp_path))
    try:
        assert holder.stdout.readline().split() == ["held", "1"]
        os.kill(holder.pid, signal.SIGSTOP)
        # A partition or a server restart ends the frozen holder's session, and with it the advisory lock.
        with psycopg.connect(_libpq_url(scheduler_config["DATABASE_URL"]), autocommit=True) as admin:
            ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE application_name = 'foiltrack lease scheduler'").fetchall()
        assert ended == [(True,)]

        with app.app_context():
            first = _due_job(1)
            assert standby.acquire(poll_seconds=0.05)
            assert standby.epoch == 2
            app.config["BROKER_URL"] = scheduler_config["BROKER_URL"]
            app.extensions["celery"].conf.broker_url = scheduler_config["BROKER_URL"]
            assert sweep().relayed == 1  # the new holder works
            assert _attempts(first) == 1
            second = _due_job(2)  # due now: the stale holder would relay it if it were let

            os.kill(holder.pid, signal.SIGCONT)
            holder.stdin.write("go\n")
            holder.stdin.flush()
            said = holder.stdout.read()
            assert "believes it holds the lease: True" in said
            assert "refused:" in said and "epoch 1" in said and "epoch 2" in said, said
            assert _attempts(second) == 0  # the database refused the stale sweep: nothing relayed

            assert sweep().relayed == 1  # the holder's own sweep does it, once
            assert (_attempts(first), _attempts(second)) == (1, 1)
            db.session.remove()
            db.engine.dispose()
    finally:
        standby.release()
        if holder.poll() is None:
            os.kill(holder.pid, signal.SIGCONT)
            holder.kill()
        holder.wait(timeout=30)
        holder.stdin.close()
        holder.stdout.close()
        fencing.forget("scheduler")


def test_a_task_carrying_a_stale_epoch_is_refused_and_a_current_one_runs(app):
    from tracker import fencing
    from tracker.extensions import db
    from tracker.models.work import LeaseEpoch

    db.session.add(LeaseEpoch(role="scheduler", epoch=3, holder="test"))
    db.session.commit()
    ran = []
    celery = app.extensions["celery"]

    @celery.task(name="foiltrack.test.fenced")
    def fenced():
        ran.append(True)
        return "ran"

    for epoch, expected in ((2, None), (3, "ran")):
        fenced.push_request(**{fencing.HEADER: {"role": "scheduler", "epoch": epoch}})
        try:
            assert fenced() == expected
        finally:
            fenced.pop_request()
    assert ran == [True]


def test_each_takeover_adds_one_to_the_epoch_and_only_the_newest_passes(app, tmp_path):
    from tracker import fencing
    from tracker.dispatch import unit_of_work

    url = app.config["DATABASE_URL"]
    first = Lease("mail", url, str(tmp_path))
    assert first.acquire(poll_seconds=0.05) and first.epoch == 1
    first.release()
    second = Lease("mail", url, str(tmp_path))
    try:
        assert second.acquire(poll_seconds=0.05) and second.epoch == 2
        with unit_of_work():
            fencing.check("mail")  # this process's own, newest epoch
            with pytest.raises(fencing.StaleEpoch, match="epoch 1"):
                fencing.check("mail", 1)
    finally:
        second.release()
    assert fencing.held("mail") is None

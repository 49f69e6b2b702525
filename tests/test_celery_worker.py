"""A real Celery worker consuming a real Redis broker runs the product's tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.slow


@pytest.fixture
def worker_app(app_config, redis_url, request):
    app_config.update(BROKER_URL=redis_url, TASKS_EAGER=False)
    return request.getfixturevalue("app")


@pytest.fixture
def worker(worker_app, tmp_path):
    config = worker_app.config
    env = {**os.environ, "FOILTRACK_DATA_DIR": config["DATA_DIR"], "FOILTRACK_DATABASE_URL": config["DATABASE_URL"],
           "FOILTRACK_BROKER_URL": config["BROKER_URL"], "FOILTRACK_SECRET_KEY": "tests"}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below, after the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tracker.worker", "worker", "--queues", "celery,index",
         "--concurrency", "1", "--pool", "solo", "--without-heartbeat", "--without-gossip",
         "--without-mingle", "--loglevel", "INFO"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def test_worker_on_redis_recomputes_stale_deadlines(worker_app, worker, make_request, tmp_path):
    from tracker.extensions import db

    stale = make_request(received_on="2024-03-01")
    assert stale.status == "constructively_denied"
    # Pretend the stored listing columns went stale (as they do overnight when the legal day changes).
    db.session.execute(text("UPDATE requests SET status='submitted', next_deadline_on=NULL WHERE id=:id"),
                       {"id": stale.id})
    db.session.commit()
    worker_app.extensions["celery"].send_task("foiltrack.deadlines.recompute_all")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        db.session.rollback()  # end the read transaction: its snapshot would never see the worker's commit
        status = db.session.scalar(text("SELECT status FROM requests WHERE id=:id"), {"id": stale.id})
        if status == "constructively_denied":
            break
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        time.sleep(0.3)
    assert status == "constructively_denied", (tmp_path / "worker.log").read_text()

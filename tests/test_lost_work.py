"""Work the broker lost, or a dead worker held, is done within 90 seconds and never twice: real Celery
workers on a real Redis, killed and restarted for real, with the real scheduler sweeping. The broker's
visibility timeout stays at its default (five minutes): the claims, not the broker, bring the work back."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
DEADLINE_SECONDS = 90
TASK = "foiltrack.deadlines.recompute_all"  # idempotent, quick: what matters is when and how often it runs


@pytest.fixture
def broker_app(app_config, own_redis, request):
    app_config.update(BROKER_URL=own_redis.url, TASKS_EAGER=False)
    return request.getfixturevalue("app")


class Processes:
    """The worker and scheduler processes of one test, each logging to its own file."""

    def __init__(self, app, folder: Path):
        config = app.config
        self.env = {**os.environ, "FOILTRACK_DATA_DIR": config["DATA_DIR"],
                    "FOILTRACK_DATABASE_URL": config["DATABASE_URL"], "FOILTRACK_BROKER_URL": config["BROKER_URL"],
                    "FOILTRACK_SECRET_KEY": "tests", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        self.folder, self.running = folder, {}

    def start(self, name: str, argv: list[str], ready: str) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(argv, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.running[name] = process
        deadline = time.monotonic() + 60
        while ready not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        return process

    def worker(self, name: str) -> subprocess.Popen:
        return self.start(name, [sys.executable, "-m", "celery", "-A", "tracker.worker", "worker", "--queues",
                                 "celery", "--concurrency", "1", "--pool", "solo", "--hostname", f"{name}@%h",
                                 "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel",
                                 "INFO"], "ready.")

    def scheduler(self) -> subprocess.Popen:
        return self.start("scheduler", [sys.executable, "-m", "tracker.cli", "scheduler"], "lease held")

    def runs(self, work_id: int) -> int:
        """How many times any worker claimed (so ran) the job (a worker's log may echo a line twice)."""
        pattern = re.compile(rf"job #{work_id} \({re.escape(TASK)}\): claimed by [^\n]+")
        return len({found for log in self.folder.glob("*.log") for found in pattern.findall(log.read_text())})

    def claims(self) -> str:
        """Every claim in every log, to read when a count is off."""
        return "\n".join(f"{log.name}: {line}" for log in sorted(self.folder.glob("*.log"))
                         for line in log.read_text().splitlines() if "claimed by" in line or "does nothing" in line)

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
            process.wait(timeout=30)


@pytest.fixture
def processes(broker_app, tmp_path):
    running = Processes(broker_app, tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


def _relayed_jobs(count: int) -> list[int]:
    """Jobs decided and handed to the broker, as a committed change would."""
    from tracker import pending_work
    from tracker.extensions import db

    ids = []
    for _ in range(count):
        work = pending_work.record(TASK, [])
        db.session.commit()
        assert pending_work.relay(work.id, work.task, work.args, 1)
        ids.append(work.id)
    return ids


def _wait_all_done(ids: list[int], since: float) -> float:
    from tracker.extensions import db
    from tracker.models import PendingWork

    while True:
        db.session.expire_all()
        rows = [db.session.get(PendingWork, i) for i in ids]
        db.session.rollback()
        if all(row.done_at is not None for row in rows):
            return time.monotonic() - since
        if time.monotonic() - since > DEADLINE_SECONDS:
            pytest.fail(f"not all done {DEADLINE_SECONDS} s after the fault: "
                        f"{[(r.id, r.attempts, r.claimed_until, r.done_at) for r in rows]}")
        time.sleep(0.5)


def test_jobs_a_killed_worker_took_are_done_within_90_seconds_once(processes):
    first = processes.worker("first")
    first.send_signal(signal.SIGSTOP)  # it has asked the broker for work: what comes now is delivered to it
    ids = _relayed_jobs(3)
    time.sleep(1)
    first.kill()  # dies with what it took
    killed_at = time.monotonic()
    processes.worker("second")
    processes.scheduler()
    took = _wait_all_done(ids, killed_at)
    assert [processes.runs(i) for i in ids] == [1, 1, 1], processes.claims()
    print(f"all done {took:.0f} s after the kill")


def test_jobs_queued_when_redis_restarts_without_persistence_are_done_within_90_seconds_once(processes, own_redis):
    ids = _relayed_jobs(3)
    own_redis.restart()  # no persistence: the queue is gone
    restarted_at = time.monotonic()
    processes.worker("worker")
    processes.scheduler()
    took = _wait_all_done(ids, restarted_at)
    assert [processes.runs(i) for i in ids] == [1, 1, 1], processes.claims()
    print(f"all done {took:.0f} s after the restart")


def test_a_second_copy_of_a_running_job_does_nothing(app):
    from tracker import pending_work
    from tracker.extensions import db

    work = pending_work.record(TASK, [])
    db.session.commit()
    assert pending_work.claim(work.id, "one") is True
    assert pending_work.claim(work.id, "two") is False  # the first holds a live claim
    db.session.execute(pending_work.update(pending_work.PendingWork)
                       .where(pending_work.PendingWork.id == work.id).values(done_at=pending_work.utcnow()))
    db.session.commit()
    assert pending_work.claim(work.id, "three") is False  # done: nobody runs it again


@pytest.mark.parametrize(("relayed_ago", "claimed_until_in", "attempts", "relayed_again"), [
    (30, None, 1, False),    # relayed, not claimed yet: still within the wait
    (50, None, 1, True),     # the broker lost it: no worker claimed it in 45 s
    (50, None, 2, False),    # relayed twice: waits 90 s before a third copy (a long queue is not flooded)
    (100, None, 2, True),
    (100, 20, 1, False),     # a worker holds a live claim
    (100, -1, 1, True),      # the claim lapsed: its worker died
])
def test_the_sweeper_relays_work_nobody_claimed_in_time_or_whose_claim_lapsed(
        app, relayed_ago, claimed_until_in, attempts, relayed_again):
    from tracker import pending_work
    from tracker.extensions import db
    from tracker.models import PendingWork
    from tracker.models.base import utcnow

    now = utcnow()
    work = pending_work.record(TASK, [])
    work.relayed_at = now - timedelta(seconds=relayed_ago)
    work.attempts = attempts
    if claimed_until_in is not None:
        work.claimed_until = now + timedelta(seconds=claimed_until_in)
    db.session.commit()
    app.config["BROKER_URL"] = "memory://"
    relayed = pending_work.sweep(now=now).relayed
    assert relayed == (1 if relayed_again else 0)
    assert db.session.get(PendingWork, work.id).attempts == attempts + (1 if relayed_again else 0)

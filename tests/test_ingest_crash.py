"""Kill -9 the mail worker at random points while it delivers a few hundred messages; restart; prove that
every message is on its request exactly once, with one timeline entry, and flagged on the server."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests import ingest_support as support
from tests.ingest_support import build_email, reply_address
from tracker.extensions import db
from tracker.models import Event, MailboxCursor, Message

pytestmark = [support.IGNORE_IMAPLIB2_WARNING, pytest.mark.slow]
nypd, search_service, imap_app = support.nypd, support.search_service, support.imap_app  # fixtures

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = 300
KILLS = 6


def worker_env(app) -> dict:
    config = app.config
    env = dict(os.environ)
    env.update({f"FOILTRACK_{name}": str(config[name]) for name in (
        "DATA_DIR", "DATABASE_URL", "SECRET_KEY", "IMAP_HOST", "IMAP_PORT", "IMAP_USER", "IMAP_PASSWORD",
        "IMAP_SSL", "IMAP_MAILBOX", "MAIL_DOMAIN")})
    env.update(FOILTRACK_TASKS_EAGER="true", FOILTRACK_BROKER_URL="memory://", PYTHONPATH=str(ROOT))
    return env


def _wait_for_delivery_to_start(worker: subprocess.Popen, delivered_before: int, limit: float = 60.0) -> None:
    """Return once the worker has delivered a message more than before (or exited)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and worker.poll() is None:
        db.session.rollback()
        if db.session.scalar(select(func.count()).select_from(Message)) > delivered_before:
            return
        time.sleep(0.05)


def test_kill_9_at_random_points_delivers_everything_exactly_once(imap_app, imap_mailbox, make_request, nypd,
                                                                    tmp_path):
    rng = random.Random(20240305)
    requests = [make_request(agency=nypd, title=f"Request {n}") for n in range(10)]
    expected = {}
    for n in range(MESSAGES):
        target = rng.choice(requests)
        message_id = f"crash-{n}@records.nypd.example.gov"
        imap_mailbox.append(build_email(to=reply_address(target), subject=f"Reply {n}",
                                        message_id=f"<{message_id}>", body=f"Message number {n}."))
        expected[message_id] = target.id
    env = worker_env(imap_app)
    command = [sys.executable, "-m", "tracker.cli", "ingest", "--once"]
    log = tmp_path / "worker.log"
    started = time.monotonic()
    kills, progress = 0, []
    with open(log, "ab") as out:
        for _ in range(KILLS):
            before = progress[-1] if progress else 0
            worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            _wait_for_delivery_to_start(worker, before)  # start-up time varies with the machine's load
            time.sleep(rng.uniform(0.0, 1.0))  # then a random point mid-delivery
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                kills += 1
            worker.wait()
            db.session.rollback()
            progress.append(db.session.scalar(select(func.count()).select_from(Message)))
        final = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=120)
    assert final.returncode == 0, log.read_text()[-3000:]
    assert kills >= 3, "the worker finished before it could be killed often enough; add messages"
    assert any(0 < delivered < MESSAGES for delivered in progress), progress  # killed mid-delivery

    db.session.rollback()
    rows = db.session.execute(select(Message.message_id, Message.request_id, Message.status)).all()
    assert len(rows) == MESSAGES
    assert {mid: request_id for mid, request_id, _ in rows} == expected
    assert {status for _, _, status in rows} == {"delivered"}
    notes = dict(db.session.execute(select(Event.message_id, func.count()).group_by(Event.message_id)
                                    .where(Event.message_id.is_not(None))).all())
    assert len(notes) == MESSAGES and set(notes.values()) == {1}
    cursor = db.session.scalar(select(MailboxCursor))
    uids = imap_mailbox.list_uids()
    assert cursor.last_uid == max(uids)
    unflagged = [uid for uid in uids if "$FoilTracked" not in imap_mailbox.flags(uid)]
    assert not unflagged
    assert time.monotonic() - started < 90

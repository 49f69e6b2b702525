"""The notification log: runs at the same time (threads, or two `foiltrack reminders` processes) send each
reminder and digest exactly once, as the real SMTP sink sees it; a dead run's claim is taken over only
after NOTICE_CLAIM_SECONDS."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta

import pytest

from tests.test_reminders import received_for_due_soon

BOTH_DATABASES = True
REQUESTS = 12


@pytest.fixture
def mail_app(app_config, smtp_sink, request):
    app_config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port, REMINDER_DAYS=7)
    return request.getfixturevalue("app")


@pytest.fixture
def many_notices(mail_app, db_backend, make_user, make_request):
    """REQUESTS requests due soon, each assigned to two volunteers, in a campaign watched by one lawyer:
    2 × REQUESTS reminders and one digest to send."""
    first, second = make_user("volunteer", "first@example.org"), make_user("volunteer", "second@example.org")
    make_user("lawyer", "counsel@example.org")
    for n in range(REQUESTS):
        make_request(title=f"Camera contracts {n}", received_on=received_for_due_soon(), campaign="Ban the Scan",
                     assignees=[first.email, second.email])
    return 2 * REQUESTS + 1


def _delivered(sink) -> Counter:
    return Counter((m.message["To"], m.message["Subject"]) for m in sink.messages)


def test_two_runs_at_once_send_each_notice_once(mail_app, smtp_sink, many_notices):
    from tracker.notifications.digest import send_digests
    from tracker.notifications.reminders import send_due

    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with mail_app.app_context():
                start.wait()
                results.append(send_due() + send_digests())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    smtp_sink.wait_for(many_notices)
    sent = [o for outcomes in results for o in outcomes]
    assert len(sent) == many_notices and all(o.state == "sent" for o in sent)
    delivered = _delivered(smtp_sink)
    assert len(smtp_sink.messages) == many_notices and set(delivered.values()) == {1}
    assert send_due() == [] and send_digests() == []


def test_two_reminder_commands_at_once_send_each_notice_once(mail_app, smtp_sink, many_notices, tmp_path):
    config = mail_app.config
    env = {**os.environ, "FOILTRACK_DATABASE_URL": config["DATABASE_URL"], "FOILTRACK_DATA_DIR": str(tmp_path),
           "FOILTRACK_SECRET_KEY": config["SECRET_KEY"], "FOILTRACK_SMTP_HOST": config["SMTP_HOST"],
           "FOILTRACK_SMTP_PORT": str(config["SMTP_PORT"]), "FOILTRACK_BASE_URL": config["BASE_URL"],
           "FOILTRACK_BROKER_URL": "memory://", "FOILTRACK_TASKS_EAGER": "true", "FOILTRACK_IMAP_HOST": ""}
    commands = [subprocess.Popen([sys.executable, "-m", "tracker.cli", "reminders", "--digest"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [c.communicate(timeout=180) for c in commands]
    assert [c.returncode for c in commands] == [0, 0], outputs
    smtp_sink.wait_for(many_notices)
    counts = [int(out.strip().splitlines()[-1].split()[0]) for out, _ in outputs]  # "N sent, 0 failed."
    assert sum(counts) == many_notices, outputs
    assert len(smtp_sink.messages) == many_notices and set(_delivered(smtp_sink).values()) == {1}


def test_a_dead_runs_claim_is_taken_over_only_after_the_timeout(mail_app, smtp_sink, make_user, make_request):
    from sqlalchemy import update

    from tracker.clock import legal_today
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Reminder
    from tracker.models.base import utcnow
    from tracker.notifications import log as notices
    from tracker.notifications.reminders import due_reminders, reminder_key, send_due

    user = make_user("volunteer", "vol@example.org")
    make_request(received_on=received_for_due_soon(), assignees=[user.email])
    [(person, request, deadline, threshold)] = list(due_reminders(legal_today(), 7))
    key = reminder_key(person, request, deadline, threshold)
    # A run claims the notice and dies before sending it.
    dead = notices.claim(notices.Run(), key, user_id=person.id, request_id=request.id, kind=deadline.kind,
                         due_on=deadline.due_on, threshold=threshold)
    assert dead is not None and dead.state == "pending"
    assert send_due() == []  # the claim is fresh: its run may still be sending
    assert smtp_sink.messages == []
    timeout = mail_app.config["NOTICE_CLAIM_SECONDS"]
    db.session.execute(update(Reminder).where(Reminder.key == key)
                       .values(claimed_at=utcnow() - timedelta(seconds=timeout + 1)))
    commit()
    [taken_over] = send_due()
    assert taken_over.state == "sent"
    assert len(smtp_sink.wait_for(1)) == 1
    assert send_due() == [] and len(smtp_sink.messages) == 1

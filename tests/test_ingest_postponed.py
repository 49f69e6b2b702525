"""Temporary failures stay temporary: a blob folder that cannot be written (read-only) leaves the email
unflagged on the real Dovecot and undelivered, never `rejected`; a later run delivers it. A rejected
email is read again by a person once the cause is fixed, and a rejected copy never blocks a later
delivery of the same bytes.

The read-only folder is made with the immutable attribute (`chattr +i`), which stops even root (these
tests run as root in CI, where file modes would not); they skip, saying why, where it is not available.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests import ingest_support as support
from tests.conftest import csrf_token
from tests.ingest_support import build_email, pdf_attachment, reply_address
from tracker.extensions import db
from tracker.models import MailboxCursor, Message

pytestmark = support.IGNORE_IMAPLIB2_WARNING
nypd, search_service, imap_app = support.nypd, support.search_service, support.imap_app  # fixtures


def _set_immutable(folder: Path, on: bool) -> None:
    for directory in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        subprocess.run(["chattr", "+i" if on else "-i", str(directory)], check=True, capture_output=True)


@pytest.fixture
def read_only_blobs(imap_app):
    """Factory: make the blob folder read-only (for root too) until the returned undo is called."""
    folder = Path(imap_app.config["BLOB_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tmp").mkdir(exist_ok=True)
    if shutil.which("chattr") is None:
        pytest.skip("chattr (e2fsprogs) is needed to make a folder read-only for root")
    probe = folder / "probe"
    probe.mkdir()
    try:
        _set_immutable(probe, True)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"this filesystem has no immutable attribute: {exc.stderr.decode().strip()}")
    _set_immutable(probe, False)
    probe.rmdir()
    locked = []

    def lock():
        _set_immutable(folder, True)
        locked.append(folder)
        return lambda: (_set_immutable(folder, False), locked.clear())

    yield lock
    if locked:
        _set_immutable(folder, False)


def _cursor_uid() -> int:
    db.session.rollback()
    return db.session.scalar(select(MailboxCursor.last_uid)) or 0


def test_an_attachment_that_cannot_be_stored_leaves_the_email_to_be_retried(
        imap_app, imap_mailbox, runner, make_request, nypd, read_only_blobs):
    from tracker.operations.documents import blob_store

    request = make_request(agency=nypd, title="Camera contracts")
    raw = build_email(to=reply_address(request), subject="Responsive records",
                      attachments=[pdf_attachment(["Contract page one"], "contract.pdf")])
    blob_store().put(raw)  # the original is kept; its attachment is what cannot be written
    uid = imap_mailbox.append(raw)
    unlock = read_only_blobs()

    first = runner.invoke(args=["ingest", "--once"])
    assert first.exit_code == 1
    assert f"message UID {uid} could not be stored" in first.output and "unflagged" in first.output
    assert imap_mailbox.flags(uid) == set()  # left on the server, to be read again
    db.session.rollback()
    assert db.session.scalar(select(func.count(Message.id))) == 0  # not rejected: nothing recorded at all
    assert _cursor_uid() < uid

    unlock()
    second = runner.invoke(args=["ingest", "--once"])
    assert second.exit_code == 0, second.output
    assert second.output.startswith("fetched 1: delivered 1")
    delivered = db.session.scalar(select(Message))
    assert (delivered.status, delivered.request_id) == ("delivered", request.id)
    assert [d.filename for d in delivered.documents] == ["contract.pdf"]
    assert "$FoilTracked" in imap_mailbox.flags(uid)


def test_the_mail_worker_backs_off_and_delivers_once_the_folder_is_writable(
        imap_app, imap_mailbox, make_request, nypd, read_only_blobs, caplog):
    import logging

    from tracker.mailroom.pipeline import run_worker

    caplog.set_level(logging.WARNING, logger="tracker.mailroom.pipeline")
    request = make_request(agency=nypd)
    uid = imap_mailbox.append(build_email(to=reply_address(request), subject="While the disk is full"))
    unlock = read_only_blobs()
    stop = threading.Event()

    def work():
        with imap_app.app_context():
            run_worker(stop=stop, max_backoff=2.0)

    worker = threading.Thread(target=work)
    worker.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "reconnecting in" not in caplog.text:
            time.sleep(0.2)
        assert "could not be stored" in caplog.text and "reconnecting in" in caplog.text
        assert imap_mailbox.flags(uid) == set()
        db.session.rollback()
        assert db.session.scalar(select(func.count(Message.id))) == 0
        unlock()
        found = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and found is None:
            time.sleep(0.3)
            db.session.rollback()
            found = db.session.scalar(select(Message).where(Message.subject == "While the disk is full"))
        assert found is not None and (found.status, found.request_id) == ("delivered", request.id)
    finally:
        stop.set()
        worker.join(timeout=15)
    assert not worker.is_alive()


@pytest.fixture
def rejected_by_an_old_failure(imap_app, make_request, nypd):
    """An email an earlier version rejected for a full disk: its original kept, its row `rejected`."""
    from tracker.dispatch import commit
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import reject

    request = make_request(agency=nypd, title="Body camera audits")
    raw = build_email(to=reply_address(request), subject="Audit reports",
                      attachments=[pdf_attachment(["Audit page"], "audit.pdf")])
    sha = blob_store().put(raw)
    message = reject(sha, len(raw), "delivery failed: OSError: [Errno 28] No space left on device",
                     mailbox="INBOX", uid=7)
    commit()
    return request, raw, message


def test_a_person_reads_a_rejected_email_again(imap_app, client, login, rejected_by_an_old_failure):
    request, _, message = rejected_by_an_old_failure
    login("volunteer")
    page = client.get(f"/messages/{message.id}")
    assert "Read it again and deliver it" in page.get_data(as_text=True)
    answer = client.post(f"/messages/{message.id}/redeliver", data={"csrf_token": csrf_token(page)},
                         follow_redirects=True)
    assert answer.status_code == 200
    assert f"delivered to {request.reference}" in answer.get_data(as_text=True)
    db.session.rollback()
    again = db.session.get(Message, message.id)
    assert (again.status, again.request_id, again.subject) == ("delivered", request.id, "Audit reports")
    assert [d.filename for d in again.documents] == ["audit.pdf"]
    assert db.session.scalar(select(func.count(Message.id))) == 1
    # Delivered now, it is not read a second time.
    refused = client.post(f"/messages/{message.id}/redeliver", data={"csrf_token": csrf_token(page)},
                          follow_redirects=True)
    assert "only a rejected incoming email can be delivered again" in refused.get_data(as_text=True).lower()


def test_a_rejected_copy_does_not_block_the_same_bytes_arriving_again(imap_app, imap_mailbox, runner,
                                                                       make_request, nypd):
    from ingest.imap import ImapSettings, Mailbox
    from tracker.dispatch import commit
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import reject

    request = make_request(agency=nypd, title="Body camera audits")
    uid = imap_mailbox.append(build_email(to=reply_address(request), subject="Audit reports"))
    with Mailbox(ImapSettings.from_config(imap_app.config)) as client:
        [(_, raw)] = list(client.fetch([uid]))  # the bytes exactly as the server hands them over
    # An earlier run rejected these very bytes (a full disk, before temporary failures were retried).
    message = reject(blob_store().put(raw), len(raw), "delivery failed: OSError: [Errno 28] No space left",
                     mailbox="INBOX", uid=uid)
    commit()
    result = runner.invoke(args=["ingest", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("fetched 1: delivered 1")  # not "already seen"
    db.session.rollback()
    rows = db.session.scalars(select(Message)).all()
    assert [(m.id, m.status, m.request_id) for m in rows] == [(message.id, "delivered", request.id)]
    assert "$FoilTracked" in imap_mailbox.flags(uid)


def test_the_api_reads_a_rejected_email_again(imap_app, api_as, rejected_by_an_old_failure):
    request, _, message = rejected_by_an_old_failure
    api = api_as("volunteer")
    answer = api.post(f"/api/v1/messages/{message.id}/redeliver")
    assert answer.status_code == 200, answer.json
    assert (answer.json["status"], answer.json["request_id"]) == ("delivered", request.id)
    assert api.post(f"/api/v1/messages/{message.id}/redeliver").status_code == 409

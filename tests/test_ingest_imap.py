"""`foiltrack ingest` against a real Dovecot: every message accounted for, PDFs readable page by page."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from tests import ingest_support as support
from tests.ingest_support import AGENCY_DOMAIN, build_email, pdf_attachment, reply_address
from tracker.dispatch import commit
from tracker.extensions import db
from tracker.models import MailboxCursor, Message

pytestmark = support.IGNORE_IMAPLIB2_WARNING
nypd, search_service, imap_app = support.nypd, support.search_service, support.imap_app  # fixtures


@pytest.fixture
def mailbox(imap_app, imap_mailbox):
    return imap_mailbox


@pytest.fixture
def lawyer(imap_app, api_as):
    return api_as("lawyer")


def fill(mailbox, make_request, nypd):
    """Five kinds of incoming mail; returns the two requests and the UIDs."""
    acknowledged = make_request(agency=nypd, title="Facial recognition contracts")
    numbered = make_request(agency=nypd, title="Drone policies", tracking_numbers=["FOIL-2024-056-00042"])
    uids = [
        mailbox.append(build_email(
            to=reply_address(acknowledged), subject="Records responsive to your request",
            message_id="<production-1@records.nypd.example.gov>",
            attachments=[pdf_attachment(["Page one: camera contract with Vendor A",
                                         "Page two: invoice for 4,000 licences"], "production.pdf")])),
        mailbox.append(build_email(to="foil@foil.example.org", subject="FOIL-2024-056-00042 acknowledgment")),
        mailbox.append(build_email(to="foil@foil.example.org", subject="Re: Records responsive",
                                   in_reply_to="<production-1@records.nypd.example.gov>")),
        mailbox.append(build_email(to="foil@foil.example.org", sender=f"clerk@{AGENCY_DOMAIN}",
                                   subject="Question about a request")),
        mailbox.append(b"this is not an email at all \xff\xfe\r\n"),
    ]
    return acknowledged, numbered, uids


def statuses(api) -> dict[str, list[dict]]:
    found = {}
    for status in ("delivered", "unmatched", "rejected"):
        response = api.get(f"/api/v1/messages?status={status}")
        assert response.status_code == 200, response.json
        found[status] = response.json["items"]
    return found


def test_ingest_once_accounts_for_every_message_and_runs_idempotently(mailbox, runner, lawyer, make_request,
                                                                      nypd, search_service):
    acknowledged, numbered, uids = fill(mailbox, make_request, nypd)
    result = runner.invoke(args=["ingest", "--once"])
    assert result.exit_code == 0, result.output
    assert "fetched 5: delivered 3, unmatched 1, rejected 1" in result.output

    found = statuses(lawyer)
    delivered = {m["subject"]: m for m in found["delivered"]}
    assert delivered["Records responsive to your request"]["request_id"] == acknowledged.id
    assert delivered["Records responsive to your request"]["match_method"] == "reply_token"
    assert delivered["FOIL-2024-056-00042 acknowledgment"]["request_id"] == numbered.id
    assert delivered["Re: Records responsive"]["match_method"] == "thread"
    assert delivered["Re: Records responsive"]["request_id"] == acknowledged.id
    [stranger] = found["unmatched"]
    assert stranger["suggestions"][0]["request_id"] in (acknowledged.id, numbered.id)
    [garbage] = found["rejected"]
    assert garbage["reason"].startswith("not an email")

    [document] = delivered["Records responsive to your request"]["documents"]
    body = lawyer.get(f"/api/v1/documents/{document['id']}").json
    assert (body["media_type"], body["pages"], body["text_status"]) == ("application/pdf", 2, "ok")
    page2 = lawyer.get(f"/api/v1/documents/{document['id']}/pages/2").json
    assert "4,000 licences" in page2["text"] and page2["ocr"] is False
    assert search_service.indexed_now == [document["id"]]  # searchable when --once returned
    assert len(search_service.messages_indexed_now) == 4  # every readable message body too

    # The server copies are flagged only now, after the commit.
    for uid in uids:
        assert {"\\Seen", "$FoilTracked"} <= mailbox.flags(uid)
    again = runner.invoke(args=["ingest", "--once"])
    assert again.exit_code == 0 and "fetched 0:" in again.output
    # Even with the cursor lost (a new UIDVALIDITY), rereading the mailbox delivers nothing twice. The
    # unreadable one is read again (a rejected copy never blocks a later delivery), into the same row.
    db.session.execute(db.update(MailboxCursor).values(uidvalidity=1, last_uid=0))
    commit()
    reread = runner.invoke(args=["ingest", "--once"])
    assert "fetched 5: delivered 0, unmatched 0, rejected 1, already seen 4" in reread.output
    assert db.session.scalar(select(db.func.count()).select_from(Message)) == 5
    assert len([e for e in acknowledged.events if e.type == "note"]) == 2


def test_message_is_not_flagged_before_delivery_commits(mailbox, imap_app, make_request, nypd):
    from ingest.imap import ImapSettings, Mailbox

    uid = mailbox.append(build_email(to="foil@foil.example.org"))
    with Mailbox(ImapSettings.from_config(imap_app.config)) as client:
        assert [u for u, _ in client.fetch(client.uids_after(0))] == [uid]
    assert mailbox.flags(uid) == set()  # BODY.PEEK[] read it without marking it seen


def test_idle_worker_delivers_new_mail_then_stops_cleanly(mailbox, imap_app, make_request, nypd):
    from tracker.mailroom.pipeline import run_worker

    req = make_request(agency=nypd)
    stop = threading.Event()

    def work():
        with imap_app.app_context():
            run_worker(stop=stop)

    worker = threading.Thread(target=work)
    worker.start()
    try:
        time.sleep(1.0)  # let it connect and enter IDLE
        mailbox.append(build_email(to=reply_address(req), subject="Arrives while idling"))
        deadline = time.monotonic() + 15
        delivered = None
        while time.monotonic() < deadline and delivered is None:
            time.sleep(0.2)
            db.session.rollback()
            delivered = db.session.scalar(select(Message).where(Message.subject == "Arrives while idling"))
        assert delivered is not None and delivered.request_id == req.id
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()


def test_wrong_password_is_an_error_people_can_act_on(imap_app, runner):
    imap_app.config["IMAP_PASSWORD"] = "wrong"
    result = runner.invoke(args=["ingest", "--once"])
    assert result.exit_code == 1
    assert "IMAP sign-in as 'foil@example.org'" in result.output and "refused" in result.output


def test_ingest_without_imap_host_says_what_to_set(app, runner):
    result = runner.invoke(args=["ingest", "--once"])
    assert result.exit_code == 1 and "FOILTRACK_IMAP_HOST" in result.output


def test_tls_to_a_plain_server_fails_with_a_clear_error(imap_app, runner):
    imap_app.config["IMAP_SSL"] = True
    result = runner.invoke(args=["ingest", "--once"])
    assert result.exit_code == 1 and "cannot reach the IMAP server" in result.output


def test_poll_task_delivers_and_extract_task_is_idempotent(mailbox, imap_app, make_request, nypd):
    from tracker.models import Document

    req = make_request(agency=nypd)
    mailbox.append(build_email(to=reply_address(req), attachments=[pdf_attachment(["Only page"])]))
    tasks = imap_app.extensions["celery"].tasks
    line = tasks["foiltrack.ingest.poll"].delay().get()
    assert line.startswith("fetched 1: delivered 1")
    document = db.session.scalar(select(Document))
    assert (document.request_id, document.text_status, document.page_count) == (req.id, "ok", 1)
    # A redelivered extraction task finds the work done and changes nothing.
    page_id = document.pages[0].id
    assert tasks["foiltrack.extract.document"].delay(document.id).get() == "ok"
    db.session.expire_all()
    assert document.pages[0].id == page_id


def test_worker_keeps_retrying_a_refused_login_and_still_stops(mailbox, imap_app, caplog):
    import logging

    from tracker.mailroom.pipeline import run_worker

    caplog.set_level(logging.WARNING, logger="tracker.mailroom.pipeline")
    imap_app.config["IMAP_PASSWORD"] = "wrong"
    stop = threading.Event()

    def work():
        with imap_app.app_context():
            run_worker(stop=stop)

    worker = threading.Thread(target=work)
    worker.start()
    time.sleep(2.5)  # at least two attempts (back-off 1 s, then 2 s)
    assert worker.is_alive()
    stop.set()
    worker.join(timeout=5)
    assert not worker.is_alive()
    retries = [r.getMessage() for r in caplog.records if "reconnecting in" in r.getMessage()]
    assert len(retries) >= 2 and "refused" in retries[0]
    assert "reconnecting in 1 s" in retries[0] and "reconnecting in 2 s" in retries[1]  # exponential


def test_the_imap_password_stays_out_of_logs_and_tracebacks():
    from ingest.imap import ImapSettings

    settings = ImapSettings("imap.example.org", 993, "foil", "hunter2-secret")
    assert "hunter2-secret" not in repr(settings) and "foil" in repr(settings)

"""tracker.operations.outbox: what we send is recorded, sent after the commit, threaded, and never lost."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ingest.blobs import BlobStore
from tests.servers.ports import LOOPBACK, free_port
from tracker.api.serialize import reply_address
from tracker.clock import legal_today
from tracker.dispatch import commit
from tracker.extensions import db
from tracker.models import Event, Message
from tracker.operations import Invalid, outbox

BOTH_DATABASES = True


@pytest.fixture
def mail_app(app_config, smtp_sink, request):
    """The app sending to the SMTP sink."""
    app_config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port,
                      MAIL_FROM="Ban the Scan <campaign@foil.example.org>")
    return request.getfixturevalue("app")


@pytest.fixture
def dead_smtp_app(app_config, request):
    """The app sending to a loopback port nothing listens on."""
    app_config.update(SMTP_HOST=LOOPBACK, SMTP_PORT=free_port())
    return request.getfixturevalue("app")


def stored_bytes(app, message: Message) -> bytes:
    return BlobStore(app.config["BLOB_DIR"]).get(message.raw_sha256)


def test_a_follow_up_goes_out_as_recorded(mail_app, smtp_sink, make_request, make_user):
    lawyer = make_user("lawyer")
    req = make_request(received_on="2024-03-01", tracking_numbers=["FOIL-2024-056-00042"])
    message = outbox.send_email(req, lawyer, req.agency.foil_email, "Follow-up on FOIL-2024-056-00042",
                                "Dear officer,\nWhere are the records?\n")
    assert message.status == "queued"
    assert smtp_sink.messages == []  # nothing leaves before the commit
    commit()

    (received,) = smtp_sink.wait_for(1)
    message = db.session.get(Message, message.id)
    assert (message.status, message.reason) == ("sent", "")
    assert message.sent_at is not None
    assert received.mail_from == "campaign@foil.example.org"
    assert received.rcpt_tos == (req.agency.foil_email,)
    assert received.message["From"] == "Ban the Scan <campaign@foil.example.org>"
    assert received.message["Reply-To"] == reply_address(req)
    assert received.message["Message-ID"] == f"<{message.message_id}>"
    # The evidence kept is byte for byte what the server got (the sink adds no trace headers).
    assert stored_bytes(mail_app, message) == received.raw
    assert message.size == len(received.raw)
    note = db.session.scalar(select(Event).where(Event.message_id == message.id))
    assert (note.type, note.note, note.actor_id) == ("note", "Email queued: Follow-up on FOIL-2024-056-00042",
                                                     lawyer.id)
    assert note.data["email"] == "followup"


def test_a_follow_up_threads_on_the_last_message(mail_app, smtp_sink, make_request):
    req = make_request(received_on="2024-03-01")
    earlier = Message(request=req, direction="in", status="delivered", message_id="ack-1@agency.example.org",
                      references=["ours-0@foil.example.org"], raw_sha256="a" * 64, subject="Acknowledged")
    db.session.add(earlier)
    commit()
    message = outbox.send_email(req, None, ["officer@agency.example.org"], "Re: Acknowledged", "Thanks.")
    commit()
    (received,) = smtp_sink.wait_for(1)
    assert received.message["In-Reply-To"] == "<ack-1@agency.example.org>"
    assert received.message["References"] == "<ours-0@foil.example.org> <ack-1@agency.example.org>"
    assert message.in_reply_to == "ack-1@agency.example.org"
    assert message.references == ["ours-0@foil.example.org", "ack-1@agency.example.org"]


def test_the_request_itself_starts_the_clock_when_sent(mail_app, smtp_sink, make_request, make_user):
    lawyer = make_user("lawyer")
    req = make_request()
    assert req.status == "draft"
    message = outbox.send_email(req, lawyer, req.agency.foil_email, f"FOIL request {req.reference}",
                                "Under POL §§84-90 I request ...", kind="request")
    commit()
    smtp_sink.wait_for(1)
    db.session.refresh(req)
    assert req.status == "submitted"
    submitted = [e for e in req.events if e.type == "submitted"]
    assert [(e.occurred_on, e.message_id, e.actor_id) for e in submitted] == [
        (legal_today(), message.id, lawyer.id)]
    assert outbox.kind_of(db.session.get(Message, message.id)) == "request"


def test_a_dead_server_ends_failed_with_the_reason_and_nothing_lost(dead_smtp_app, make_request):
    req = make_request()
    message = outbox.send_email(req, None, "foil@agency.example.org", "Request", "Text", kind="request")
    commit()  # the send fails inline (TASKS_EAGER) and must not raise here
    message = db.session.get(Message, message.id)
    assert message.status == "failed"
    assert "cannot connect to the SMTP server" in message.reason
    assert message.reason.endswith(f"(gave up after {outbox.MAX_RETRIES + 1} tries)")
    assert stored_bytes(dead_smtp_app, message).startswith(b"From: ")
    db.session.refresh(req)
    assert req.status == "draft"  # never received, so no clock started
    notes = [e.note for e in req.events if e.type == "note"]
    assert notes[0] == "Email queued: Request"
    assert notes[1].startswith("Email not sent: Request (cannot connect")


def test_retry_failed_sends_the_same_bytes_once_the_server_is_back(dead_smtp_app, smtp_sink, make_request):
    req = make_request()
    message = outbox.send_email(req, None, "foil@agency.example.org", "Request", "Text")
    commit()
    assert db.session.get(Message, message.id).status == "failed"
    dead_smtp_app.config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)
    assert [m.id for m in outbox.retry_failed()] == [message.id]
    commit()
    (received,) = smtp_sink.wait_for(1)
    message = db.session.get(Message, message.id)
    assert message.status == "sent"
    assert received.raw == stored_bytes(dead_smtp_app, message)
    assert outbox.retry_failed() == []


def test_no_smtp_host_fails_at_once_with_a_clear_reason(app, make_request):
    req = make_request()
    message = outbox.send_email(req, None, "foil@agency.example.org", "Request", "Text")
    commit()
    message = db.session.get(Message, message.id)
    assert (message.status, message.reason) == ("failed", "SMTP_HOST is not set (gave up after 1 try)")


def test_a_redelivered_task_does_not_send_twice(mail_app, smtp_sink, make_request):
    req = make_request()
    message = outbox.send_email(req, None, "foil@agency.example.org", "Once", "Text")
    commit()
    smtp_sink.wait_for(1)
    task = mail_app.extensions["celery"].tasks[outbox.TASK_NAME]
    task.delay(message.id)
    assert len(smtp_sink.messages) == 1


@pytest.fixture
def no_broker_app(app_config, request):
    """The app with real (not eager) tasks and a Redis broker URL nothing answers on."""
    app_config.update(TASKS_EAGER=False, BROKER_URL=f"redis://{LOOPBACK}:{free_port()}/0")
    app = request.getfixturevalue("app")
    # Fail the publish at once rather than after kombu's default retries.
    app.extensions["celery"].conf.update(task_publish_retry=False)
    return app


def test_a_broker_that_is_down_leaves_the_message_queued_with_the_reason(no_broker_app, make_request):
    req = make_request()
    message = outbox.send_email(req, None, "foil@agency.example.org", "Request", "Text")
    commit()  # the hand-over fails after the commit: recorded, not raised
    message = db.session.get(Message, message.id)
    assert message.status == "queued"
    assert message.reason.startswith(outbox.NOT_QUEUED)
    assert [m.id for m in outbox.retry_failed()] == [message.id]


@pytest.mark.parametrize("to, subject, body, kind, field", [
    ("", "s", "b", "followup", "to"),
    ("not an address", "s", "b", "followup", "to"),
    ("a@example.org\r\nBcc: x@example.org", "s", "b", "followup", "to"),
    ("a@example.org", "   ", "b", "followup", "subject"),
    ("a@example.org", "x" * 301, "b", "followup", "subject"),
    ("a@example.org", "s", " \n", "followup", "body"),
    ("a@example.org", "s", "b", "complaint", "kind"),
])
def test_what_cannot_be_sent_is_refused(app, make_request, to, subject, body, kind, field):
    req = make_request()
    with pytest.raises(Invalid) as caught:
        outbox.send_email(req, None, to, subject, body, kind=kind)
    assert caught.value.field == field
    assert db.session.scalar(select(Message.id)) is None


@pytest.mark.parametrize("value, expected", [
    ("a@example.org", ["a@example.org"]),
    ("Officer <a@example.org>, b@example.org", ["a@example.org", "b@example.org"]),
    (["a@example.org", "A@example.org"], ["a@example.org"]),
    ([], []),
])
def test_parse_addresses(value, expected):
    assert outbox.parse_addresses(value, "to") == expected


@pytest.mark.parametrize("retries_done, seconds", [(0, 60), (1, 120), (2, 240), (4, 960), (6, 3600)])
def test_backoff_doubles_and_is_capped(retries_done, seconds):
    assert outbox.backoff(retries_done) == seconds


def test_in_reply_to_must_be_on_the_same_request(app, make_request):
    first, second = make_request(), make_request()
    other = Message(request=first, direction="in", status="delivered", message_id="x@y", raw_sha256="b" * 64)
    db.session.add(other)
    commit()
    with pytest.raises(Invalid, match="another request"):
        outbox.send_email(second, None, "a@example.org", "s", "b", in_reply_to=other)


def test_an_agency_reply_to_what_we_sent_finds_its_request(mail_app, smtp_sink, make_request):
    from email.message import EmailMessage

    from tracker.operations.mail import deliver_raw

    req = make_request(received_on="2024-03-01")
    outbox.send_email(req, None, "foil@agency.example.org", "Follow-up", "Any news?")
    commit()
    (received,) = smtp_sink.wait_for(1)
    # The officer answers from a shared mailbox and drops our Reply-To: only the thread ties it back.
    reply = EmailMessage()
    reply["From"], reply["To"] = "records@other.example.net", "someone@example.org"
    reply["Subject"] = "RE: news"
    reply["Message-ID"] = "<reply-1@other.example.net>"
    reply["In-Reply-To"] = received.message["Message-ID"]
    reply.set_content("Soon.")
    raw = reply.as_bytes()
    message, _new = deliver_raw(raw, BlobStore(mail_app.config["BLOB_DIR"]).put(raw), queue_work=False)
    assert (message.request_id, message.match_method) == (req.id, "thread")

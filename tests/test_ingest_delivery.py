"""Delivery of incoming email, without IMAP: matching order, idempotency, rejects, bounces, assignment."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tests import ingest_support as support
from tests.ingest_support import AGENCY_DOMAIN, build_email, pdf_attachment, reply_address
from tracker.dispatch import commit
from tracker.extensions import db
from tracker.models import Document, Event, Message, SenderRoute

BOTH_DATABASES = True
nypd, search_service = support.nypd, support.search_service  # fixtures


@pytest.fixture
def deliver(app, db_backend, search_service):
    """deliver(raw) -> Message: keep the bytes, deliver and commit, as the worker does."""
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    def run(raw: bytes) -> Message:
        sha = blob_store().put(raw)
        message, _ = deliver_raw(raw, sha, mailbox="INBOX")
        commit()
        return message

    return run


def test_reply_address_delivers_with_timeline_note(deliver, make_request, nypd):
    req = make_request(agency=nypd, received_on="2024-02-01")
    status = req.status
    address = reply_address(req).upper()  # officers retype in capitals
    message = deliver(build_email(to=f"Records <{address}>", subject="Acknowledgment of your FOIL request"))
    assert (message.status, message.match_method, message.request_id) == ("delivered", "reply_token", req.id)
    notes = [e for e in req.events if e.type == "note"]
    assert len(notes) == 1
    assert notes[0].note == "Email received: Acknowledgment of your FOIL request"
    assert notes[0].message_id == message.id
    # Sent 15:30 UTC on March 5: 10:30 in New York, the same legal day.
    assert notes[0].occurred_on.isoformat() == "2024-03-05"
    assert req.status == status  # mail never guesses a determination


def test_retyped_token_with_l_for_1_still_matches(deliver, make_request, nypd):
    import random

    from ingest.tokens import new_token

    rng = random.Random(7)
    token = next(t for t in iter(lambda: new_token(rng), None) if "1" in t and "0" in t)
    req = make_request(agency=nypd)
    req.reply_token = token
    commit()
    retyped = token.replace("1", "l").replace("0", "O")
    message = deliver(build_email(to="campaign@foil.example.org",
                                  headers={"Cc": f"Clerk <foil+{retyped}@foil.example.org>"}))
    assert (message.match_method, message.request_id) == ("reply_token", req.id)


def test_reply_token_in_delivered_to_header(deliver, make_request, nypd):
    req = make_request(agency=nypd)
    raw = build_email(to="campaign@foil.example.org", headers={"Delivered-To": reply_address(req)})
    assert deliver(raw).match_method == "reply_token"


def test_in_reply_to_threads_onto_the_request_of_an_earlier_message(deliver, make_request, nypd):
    req = make_request(agency=nypd)
    first = deliver(build_email(to=reply_address(req), message_id="<first@agency.example>"))
    assert first.request_id == req.id
    reply = deliver(build_email(to="campaign@foil.example.org", in_reply_to="<first@agency.example>",
                                subject="Re: more"))
    assert (reply.match_method, reply.request_id) == ("thread", req.id)


def test_reply_to_an_outgoing_message_matches_by_thread(deliver, make_request, nypd):
    req = make_request(agency=nypd)
    db.session.add(Message(direction="out", status="sent", request_id=req.id, raw_sha256="a" * 64,
                           message_id="<sent-1@foil.example.org>", subject="FOIL request"))
    commit()
    reply = deliver(build_email(to="foil@foil.example.org", in_reply_to="<sent-1@foil.example.org>"))
    assert (reply.match_method, reply.request_id) == ("thread", req.id)


@pytest.mark.parametrize(("where", "method"), [("subject", "tracking_number"), ("body", "tracking_number")])
def test_tracking_number_in_subject_then_body(deliver, make_request, nypd, where, method):
    req = make_request(agency=nypd, tracking_numbers=["FOIL-2024-056-01234"])
    make_request(agency=nypd, tracking_numbers=["FOIL-2024-056-09999"])
    fields = {"subject": "Your request FOIL-2024-056-01234"} if where == "subject" else {
        "body": "Dear requester,\nRegarding foil-2024-056-01234, we need 20 more business days."}
    message = deliver(build_email(to="foil@foil.example.org", **fields))
    assert (message.match_method, message.request_id) == (method, req.id)


def test_our_reference_in_subject(deliver, make_request, nypd):
    req = make_request(agency=nypd)
    message = deliver(build_email(to="general@foil.example.org", subject=f"RE: {req.reference} records"))
    assert (message.match_method, message.request_id) == ("reference", req.id)


def test_new_tracking_number_is_learnt_from_a_delivered_email(deliver, make_request, nypd):
    req = make_request(agency=nypd)
    deliver(build_email(to=reply_address(req), subject="FOIL-2024-056-04321 acknowledged"))
    assert [t.number for t in req.tracking_numbers] == ["FOIL-2024-056-04321"]


def test_stranger_is_unmatched_with_ranked_suggestions(deliver, make_request, nypd, make_agency):
    req = make_request(agency=nypd, title="Facial recognition contracts with vendors")
    other = make_request(agency=make_agency(), title="Parking tickets")
    message = deliver(build_email(to="campaign@foil.example.org", sender=f"clerk@{AGENCY_DOMAIN}",
                                  subject="Facial recognition contracts"))
    assert message.status == "unmatched" and message.request_id is None
    assert "no reply address" in message.reason
    suggested = [s["request_id"] for s in message.suggestions]
    assert suggested[0] == req.id and other.id not in suggested
    assert 0 < message.suggestions[0]["score"] <= 1 and message.suggestions[0]["reason"]


def test_mistyped_reply_token_is_suggested(deliver, make_request, nypd):
    req = make_request(agency=nypd)
    broken = req.reply_token[:-1] + ("x" if req.reply_token[-1] != "x" else "y")
    message = deliver(build_email(to=f"foil+{broken}@foil.example.org", sender="x@elsewhere.example"))
    assert message.status == "unmatched"
    assert message.suggestions[0]["request_id"] == req.id


def test_garbage_is_kept_and_rejected_with_a_reason(deliver, app):
    from tracker.operations.documents import blob_store

    raw = b"\x00\x01\x02 this is not an email \xff\xfe"
    message = deliver(raw)
    assert message.status == "rejected" and "not an email" in message.reason
    assert blob_store().get(message.raw_sha256) == raw
    assert message.raw_sha256 == hashlib.sha256(raw).hexdigest()


def test_same_bytes_or_same_message_id_deliver_once(deliver, make_request, nypd):
    req = make_request(agency=nypd)
    raw = build_email(to=reply_address(req), message_id="<once@agency.example>")
    first, again = deliver(raw), deliver(raw)
    resent = deliver(raw.replace(b"Please see attached.", b"Please see attached!"))  # same Message-ID
    assert first.id == again.id == resent.id
    assert db.session.scalar(select(db.func.count()).select_from(Message)) == 1
    assert len([e for e in req.events if e.type == "note"]) == 1


def test_bounce_of_our_message_matches_through_the_embedded_original(deliver, make_request, nypd):
    req = make_request(agency=nypd)
    db.session.add(Message(direction="out", status="sent", request_id=req.id, raw_sha256="b" * 64,
                           message_id="<request-7@foil.example.org>", subject="FOIL request"))
    commit()
    bounce = (
        b"From: MAILER-DAEMON@mx.example.net\r\nTo: foil@foil.example.org\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b1@mx.example.net>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n"
        b"--XX\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
        b"Final-Recipient: rfc822; foil@gone.example.gov\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--XX\r\nContent-Type: message/rfc822\r\n\r\nFrom: foil@foil.example.org\r\n"
        b"To: foil@gone.example.gov\r\nSubject: FOIL request\r\n"
        b"Message-ID: <request-7@foil.example.org>\r\n\r\n"
        b"Under the Freedom of Information Law...\r\n--XX--\r\n"
    )
    message = deliver(bounce)
    assert message.is_bounce and not message.is_auto_reply
    assert (message.status, message.match_method) == ("delivered", "bounce_thread")
    assert message.request_id == req.id
    assert req.events[-1].note.startswith("Bounce received:")


def test_auto_reply_is_delivered_but_marked(deliver, make_request, nypd):
    req = make_request(agency=nypd)
    message = deliver(build_email(to=reply_address(req), subject="Automatic reply: out of office",
                                  headers={"Auto-Submitted": "auto-replied"}))
    assert message.is_auto_reply and message.status == "delivered"
    assert req.events[-1].note.startswith("Auto-reply received:")


def test_attachments_become_documents_with_sniffed_type_and_text(deliver, make_request, nypd, app):
    req = make_request(agency=nypd)
    raw = build_email(to=reply_address(req), attachments=[
        pdf_attachment(["First page about cameras", "Second page about contracts"], "../../etc/response.pdf"),
        ("notes.bin", b"Plain words in a file labelled binary.\n", "application", "octet-stream"),
    ])
    message = deliver(raw)
    pdf, notes = message.documents
    assert "/" not in pdf.filename and ".." not in pdf.filename
    assert (pdf.media_type, pdf.request_id, pdf.visibility) == ("application/pdf", req.id, "internal")
    db.session.refresh(pdf)
    assert pdf.text_status == "ok" and pdf.page_count == 2
    assert "cameras" in pdf.pages[0].text and "contracts" in pdf.pages[1].text
    assert notes.media_type == "text/plain"


def test_zip_members_become_child_documents(deliver, make_request, nypd):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("letters/denial.txt", "We deny your request under 87(2)(e).")
        archive.writestr("../evil.txt", "path traversal attempt")
    req = make_request(agency=nypd)
    message = deliver(build_email(to=reply_address(req), attachments=[("records.zip", buffer.getvalue(),
                                                                       "application", "zip")]))
    documents = db.session.scalars(select(Document).where(Document.message_id == message.id)
                                   .order_by(Document.id)).all()
    parent = documents[0]
    children = {d.filename: d for d in documents[1:]}
    assert parent.media_type == "application/zip"
    assert set(children) == {"letters/denial.txt", "evil.txt"}
    assert all(d.parent_id == parent.id and d.request_id == req.id for d in children.values())
    assert "87(2)(e)" in children["letters/denial.txt"].pages[0].text


def test_assign_moves_message_remembers_sender_and_routes_the_next(deliver, make_request, nypd, make_user):
    from tracker.operations.mail import assign_message

    req = make_request(agency=nypd)
    lawyer = make_user("lawyer")
    stranger = deliver(build_email(to="campaign@foil.example.org", attachments=[pdf_attachment(["Page"])],
                                   sender="Officer <officer@city.example.gov>"))
    assert stranger.status == "unmatched" and stranger.documents[0].request_id is None
    assign_message(stranger, req, lawyer)
    commit()
    assert (stranger.status, stranger.match_method, stranger.request_id) == ("delivered", "manual", req.id)
    assert stranger.documents[0].request_id == req.id
    route = db.session.scalar(select(SenderRoute))
    assert (route.address, route.request_id) == ("officer@city.example.gov", req.id)
    note = db.session.scalar(select(Event).where(Event.message_id == stranger.id))
    assert note.actor_id == lawyer.id
    later = deliver(build_email(to="campaign@foil.example.org", sender="officer@city.example.gov",
                                subject="Another thing"))
    assert (later.match_method, later.request_id) == ("sender_route", req.id)


def test_reassigning_moves_the_automatic_timeline_entry(deliver, make_request, nypd, make_user):
    from tracker.operations.mail import assign_message

    wrong, right = make_request(agency=nypd), make_request(agency=nypd)
    message = deliver(build_email(to=reply_address(wrong)))
    assign_message(message, right, make_user("volunteer"))
    commit()
    db.session.expire_all()
    assert not [e for e in wrong.events if e.message_id == message.id]
    assert [e.type for e in right.events if e.message_id == message.id] == ["note"]


def test_rejected_message_cannot_be_assigned(deliver, make_request, make_user):
    from tracker.operations import Conflict
    from tracker.operations.mail import assign_message

    message = deliver(b"garbage without headers")
    with pytest.raises(Conflict, match="could not be read"):
        assign_message(message, make_request(), make_user("lawyer"))

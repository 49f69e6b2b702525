"""The mail pages: triage and assignment, rejected mail, one message and its original, writing."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from sqlalchemy import select

from ingest.blobs import BlobStore
from tests.conftest import csrf_token
from tests.servers.ports import LOOPBACK, free_port
from tracker.dispatch import commit
from tracker.extensions import db
from tracker.models import Document, Message, SenderRoute
from tracker.operations.mail import deliver_raw, reject

AGENCY_DOMAIN = "records.agency.example.gov"






def download(client, url: str):
    """GET a file and close the response, as a WSGI server does, so its file handle is released."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def email_bytes(*, subject="Your records request", body="Please see attached.", to="intake@foil.example.org",
                sender=f"officer@{AGENCY_DOMAIN}", html=None, attachments=()) -> bytes:
    """An agency's email, built with the stdlib."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"Records Officer <{sender}>", to, subject
    msg["Date"] = format_datetime(datetime(2024, 3, 5, 15, 30, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(domain=AGENCY_DOMAIN)
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, content, maintype, subtype in attachments:
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def arrive(app, raw: bytes) -> Message:
    """Deliver raw bytes the way the mail worker does: keep them, then parse, match and commit."""
    sha = BlobStore(app.config["BLOB_DIR"]).put(raw)
    message, _new = deliver_raw(raw, sha, queue_work=False)
    commit()
    return message


@pytest.fixture
def agency(make_agency):
    # Its officers write from their own addresses on its domain: a known sender.
    return make_agency(name="Department of Records", short_name="DOR", foil_email=f"foil@{AGENCY_DOMAIN}",
                       senders=[AGENCY_DOMAIN])


@pytest.fixture
def foil_request(make_request, agency):
    return make_request(agency=agency, title="Surveillance contracts", received_on="2024-03-01",
                        tracking_numbers=["FOIL-2024-056-00042"])


def test_triage_shows_suggestions_and_assigns(app, client, login, foil_request):
    message = arrive(app, email_bytes(subject="Status of your matter"))
    assert message.status == "unmatched"
    assert any(s["request_id"] == foil_request.id for s in message.suggestions)
    login("volunteer")
    page = client.get("/mail/triage")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Status of your matter" in text and foil_request.reference in text
    assert f'value="{foil_request.id}"' in text
    # The page asks before it learns a routing rule for this sender (off unless ticked).
    assert f"Also file future email from <span class=\"mono\">officer@{AGENCY_DOMAIN}</span>" in text
    response = client.post(f"/messages/{message.id}/assign",
                           data={"request_id": foil_request.id, "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    message = db.session.get(Message, message.id)
    assert (message.status, message.request_id) == ("delivered", foil_request.id)
    assert db.session.scalar(select(SenderRoute)) is None  # not asked for: nothing learned
    assert "Later mail from this sender will still wait here" in client.get("/mail/triage").get_data(as_text=True)


def test_triage_learns_the_sender_only_when_asked(app, client, login, foil_request):
    message = arrive(app, email_bytes(subject="Status of your matter"))
    login("volunteer")
    page = client.get("/mail/triage")
    response = client.post(f"/messages/{message.id}/assign", data={
        "request_id": foil_request.id, "learn_sender": "yes", "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    route = db.session.scalar(select(SenderRoute).where(SenderRoute.address == f"officer@{AGENCY_DOMAIN}"))
    assert route.request_id == foil_request.id
    assert "will go there too" in client.get("/mail/triage").get_data(as_text=True)


@pytest.mark.parametrize("typed", ["FOIL-2024-056-00042", "foil-2024-056-00042", "{reference}", "{id}"])
def test_assign_by_typed_reference_or_tracking_number(app, client, login, foil_request, typed):
    message = arrive(app, email_bytes(sender="clerk@elsewhere.example.net", subject="hello"))
    login("lawyer")
    page = client.get("/mail/triage")
    typed = typed.format(reference=foil_request.reference.lower(), id=foil_request.id)
    response = client.post(f"/messages/{message.id}/assign", data={"reference": typed,
                                                                   "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert db.session.get(Message, message.id).request_id == foil_request.id


def test_assign_to_nothing_says_what_to_type(app, client, login, foil_request):
    message = arrive(app, email_bytes(sender="clerk@elsewhere.example.net", subject="hello"))
    login("lawyer")
    page = client.get("/mail/triage")
    response = client.post(f"/messages/{message.id}/assign", data={"reference": "FT-1999-99999",
                                                                   "csrf_token": csrf_token(page)},
                           follow_redirects=True)
    assert "No request matches “FT-1999-99999”" in response.get_data(as_text=True)
    assert db.session.get(Message, message.id).status == "unmatched"


def test_assign_needs_csrf(app, client, login, foil_request):
    message = arrive(app, email_bytes(subject="hello"))
    login("lawyer")
    response = client.post(f"/messages/{message.id}/assign", data={"request_id": foil_request.id})
    assert response.status_code == 400
    assert db.session.get(Message, message.id).status == "unmatched"


def test_rejected_page_and_the_original_bytes(app, client, login):
    raw = b"\x00\x01 this is not an email at all \xff" * 3
    sha = BlobStore(app.config["BLOB_DIR"]).put(raw)
    message = reject(sha, len(raw), "no header could be read")
    commit()
    login("volunteer")
    text = client.get("/mail/rejected").get_data(as_text=True)
    assert "no header could be read" in text and f"/messages/{message.id}.eml" in text
    file = download(client, f"/messages/{message.id}.eml")
    assert file.status_code == 200
    assert file.mimetype == "message/rfc822"
    assert file.data == raw
    assert f"rejected-{message.id}.eml" in file.headers["Content-Disposition"]
    assert client.get(f"/messages/{message.id}").status_code == 200


def test_html_mail_is_shown_sandboxed_and_cannot_load_anything(app, client, login, foil_request):
    html = ('<p onclick="steal()">Records <b>attached</b></p><script>alert(1)</script>'
            '<img src="https://tracker.example.com/pixel.gif">')
    message = arrive(app, email_bytes(subject=f"Re: {foil_request.reference}", html=html))
    login("volunteer")
    text = client.get(f"/messages/{message.id}").get_data(as_text=True)
    iframe = re.search(r'<iframe sandbox="" [^>]*srcdoc="([^"]*)"', text)
    assert iframe, "the HTML is not in a sandboxed iframe"
    srcdoc = iframe.group(1)
    assert srcdoc.startswith("&lt;meta http-equiv=&#34;Content-Security-Policy&#34;")
    assert "&lt;b&gt;attached&lt;/b&gt;" in srcdoc
    assert "img-src data:" in srcdoc  # the tracking pixel cannot load
    assert "script" not in srcdoc and "alert(1)" not in text and "steal()" not in text
    assert "Message-ID" in text and message.message_id in text


def test_attachments_follow_the_documents_visibility(app, client, login, foil_request):
    pdf = b"%PDF-1.4\n% a tiny test file\n"
    message = arrive(app, email_bytes(subject=f"Records for {foil_request.reference}",
                                      attachments=[("release.pdf", pdf, "application", "pdf")]))
    assert message.request_id == foil_request.id
    document = db.session.scalar(select(Document).where(Document.message_id == message.id))
    login("volunteer")
    text = client.get(f"/messages/{message.id}").get_data(as_text=True)
    assert "release.pdf" in text
    link = re.search(r'href="([^"]+)" download>download', text).group(1)
    assert download(client, link).data == pdf
    assert download(client, f"/messages/{message.id}.eml").status_code == 200

    document.visibility = "privileged"
    commit()
    text = client.get(f"/messages/{message.id}").get_data(as_text=True)
    assert "release.pdf" not in text and "not visible to your role" in text
    assert download(client, f"/messages/{message.id}/attachments/{document.id}").status_code == 404
    assert download(client, f"/messages/{message.id}.eml").status_code == 403  # the original carries it


def test_the_request_page_lists_its_mail(app, client, login, foil_request):
    message = arrive(app, email_bytes(subject=f"Acknowledgment {foil_request.reference}"))
    login("volunteer")
    text = client.get(f"/requests/{foil_request.id}").get_data(as_text=True)
    assert f"/messages/{message.id}" in text
    assert f"Acknowledgment {foil_request.reference}" in text


@pytest.mark.parametrize("role, status", [("researcher", 403), ("volunteer", 200), ("lawyer", 200),
                                          ("admin", 200)])
def test_who_may_read_mail(app, client, login, foil_request, role, status):
    message = arrive(app, email_bytes(subject="hello"))
    login(role)
    for url in ("/mail/triage", "/mail/rejected", "/mail/outbox", f"/messages/{message.id}",
                f"/messages/{message.id}.eml"):
        assert download(client, url).status_code == status, url


def test_signed_out_people_are_sent_to_sign_in(app, client, foil_request):
    for url in ("/mail/triage", f"/requests/{foil_request.id}/email", "/messages/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.fixture
def smtp_app(app_config, smtp_sink, request):
    app_config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)
    return request.getfixturevalue("app")


def test_compose_prefills_and_sends(smtp_app, smtp_sink, client, login, foil_request):
    lawyer = login("lawyer")
    page = client.get(f"/requests/{foil_request.id}/email")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'value="foil@{AGENCY_DOMAIN}"' in text
    assert "FOIL-2024-056-00042" in text and foil_request.reference in text
    response = client.post(f"/requests/{foil_request.id}/email", data={
        "kind": "followup", "to": f"foil@{AGENCY_DOMAIN}", "subject": "Where are the records?",
        "body": "Dear officer,\r\nplease answer.\r\n", "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/requests/{foil_request.id}")
    (received,) = smtp_sink.wait_for(1)
    assert received.message["Subject"] == "Where are the records?"
    sent = db.session.scalar(select(Message).where(Message.direction == "out"))
    assert (sent.status, sent.request_id) == ("sent", foil_request.id)
    note = [e for e in foil_request.events if e.message_id == sent.id][0]
    assert note.actor_id == lawyer.id
    page = client.get(f"/requests/{foil_request.id}").get_data(as_text=True)
    assert "Where are the records?" in page and "sent at " in page
    assert f"/messages/{sent.id}" in page


def test_replying_to_an_agency_email_threads(smtp_app, smtp_sink, client, login, foil_request):
    incoming = arrive(smtp_app, email_bytes(subject=f"Question about {foil_request.reference}"))
    login("lawyer")
    page = client.get(f"/requests/{foil_request.id}/email?in_reply_to={incoming.id}")
    text = page.get_data(as_text=True)
    assert f"Re: Question about {foil_request.reference}" in text
    assert f'value="officer@{AGENCY_DOMAIN}"' in text
    client.post(f"/requests/{foil_request.id}/email", data={
        "kind": "followup", "in_reply_to": incoming.id, "to": f"officer@{AGENCY_DOMAIN}",
        "subject": f"Re: Question about {foil_request.reference}", "body": "Answer.",
        "csrf_token": csrf_token(page)})
    (received,) = smtp_sink.wait_for(1)
    assert received.message["In-Reply-To"] == f"<{incoming.message_id}>"


@pytest.fixture
def dead_smtp_app(app_config, request):
    app_config.update(SMTP_HOST=LOOPBACK, SMTP_PORT=free_port())
    return request.getfixturevalue("app")


def test_a_failed_send_is_reported_and_can_be_sent_again(dead_smtp_app, request, client, login, foil_request):
    app = dead_smtp_app
    login("lawyer")
    page = client.get(f"/requests/{foil_request.id}/email?kind=followup")
    response = client.post(f"/requests/{foil_request.id}/email", data={
        "kind": "followup", "to": f"foil@{AGENCY_DOMAIN}", "subject": "Nudge", "body": "Text",
        "csrf_token": csrf_token(page)}, follow_redirects=True)
    assert response.status_code == 200  # the failure never reaches the person as an error page
    text = response.get_data(as_text=True)
    # The request page says what became of it, and where to try again.
    assert "failed: cannot connect to the SMTP server" in text
    assert "(gave up after 6 tries) — <a" in text and "try again</a>" in text
    failed = db.session.scalar(select(Message).where(Message.direction == "out"))
    assert failed.status == "failed"
    assert "Nudge" in client.get("/mail/outbox").get_data(as_text=True)

    sink = request.getfixturevalue("smtp_sink")
    app.config.update(SMTP_HOST=sink.host, SMTP_PORT=sink.port)
    page = client.get(f"/messages/{failed.id}")
    assert "Send it again" in page.get_data(as_text=True)
    response = client.post(f"/messages/{failed.id}/resend", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    (received,) = sink.wait_for(1)
    assert received.message["Message-ID"] == f"<{failed.message_id}>"
    assert db.session.get(Message, failed.id).status == "sent"


def test_compose_explains_what_is_missing(app, client, login, foil_request):
    login("lawyer")
    page = client.get(f"/requests/{foil_request.id}/email")
    response = client.post(f"/requests/{foil_request.id}/email", data={
        "kind": "followup", "to": "not an address", "subject": "", "body": "x",
        "csrf_token": csrf_token(page)})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter a subject." in text
    assert db.session.scalar(select(Message.id)) is None
    response = client.post(f"/requests/{foil_request.id}/email", data={
        "kind": "followup", "to": "not an address", "subject": "s", "body": "x",
        "csrf_token": csrf_token(page)})
    assert response.status_code == 422
    assert "is not an email address" in response.get_data(as_text=True)


def test_the_request_itself_from_a_draft(smtp_app, smtp_sink, client, login, make_request, agency):
    draft = make_request(agency=agency, title="Body camera policies")
    login("lawyer")
    page = client.get(f"/requests/{draft.id}/email")
    text = page.get_data(as_text=True)
    assert "Send the request" in text and "Public Officers Law §§84-90" in text
    client.post(f"/requests/{draft.id}/email", data={
        "kind": "request", "to": agency.foil_email, "subject": "FOIL request", "body": "All policies.",
        "csrf_token": csrf_token(page)})
    smtp_sink.wait_for(1)
    db.session.refresh(draft)
    assert draft.status == "submitted"


@pytest.mark.parametrize("role, status", [("volunteer", 403), ("researcher", 403), ("lawyer", 200)])
def test_who_may_write(app, client, login, foil_request, role, status):
    login(role)
    assert client.get(f"/requests/{foil_request.id}/email").status_code == status


def test_compose_needs_csrf(smtp_app, smtp_sink, client, login, foil_request):
    login("lawyer")
    response = client.post(f"/requests/{foil_request.id}/email", data={
        "kind": "followup", "to": f"foil@{AGENCY_DOMAIN}", "subject": "s", "body": "b"})
    assert response.status_code == 400
    assert smtp_sink.messages == []


def test_raw_of_an_outgoing_message_is_what_was_sent(smtp_app, smtp_sink, client, login, foil_request):
    login("lawyer")
    page = client.get(f"/requests/{foil_request.id}/email")
    client.post(f"/requests/{foil_request.id}/email", data={
        "kind": "followup", "to": f"foil@{AGENCY_DOMAIN}", "subject": "Kept", "body": "Evidence.",
        "csrf_token": csrf_token(page)})
    (received,) = smtp_sink.wait_for(1)
    sent = db.session.scalar(select(Message).where(Message.direction == "out"))
    file = download(client, f"/messages/{sent.id}.eml")
    assert file.data == received.raw
    assert hashlib.sha256(file.data).hexdigest() == sent.raw_sha256
    assert f"{foil_request.reference}-{sent.id}.eml" in file.headers["Content-Disposition"]

"""ingest.smtp builds proper messages and sends them to a real SMTP server, failing with clear reasons."""

from __future__ import annotations

import email
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from ingest.smtp import SendError, bracket, build_message, envelope, send, unbracket
from tests.servers.ports import LOOPBACK, free_port
from tests.servers.smtp import PASSWORD, USER


@pytest.fixture
def smtp_app(app_config, smtp_sink, request):
    """The app pointed at the SMTP sink."""
    app_config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port,
                      MAIL_FROM="Ban the Scan <foil@foil.example.org>")
    return request.getfixturevalue("app")


class Refuser:
    """A real SMTP server that refuses recipients whose local part names the answer (e.g. r550@...)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        local = address.split("@")[0]
        if local.startswith("r") and local[1:].isdigit():
            return f"{local[1:]} 5.1.1 mailbox {address} is not here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "250 accepted"


@pytest.fixture(scope="module")
def refuser():
    controller = Controller(Refuser(), hostname=LOOPBACK, port=free_port(), ready_timeout=10)
    controller.start()
    yield controller
    controller.stop()


def test_long_message_ids_are_not_folded(app):
    long_id = "179589454183.31940.9208723523001977524@records.agency.example.gov"
    raw = build_message(to=["a@example.org"], subject="s", body="b", in_reply_to=long_id).as_bytes()
    assert f"\r\nIn-Reply-To: <{long_id}>\r\n".encode() in raw


def test_build_message_has_every_header(app):
    msg = build_message(to=["Records Officer <foil@nypd.example.org>"], cc=["legal@example.org"],
                        subject="FOIL request FT-2024-00001", body="Dear officer,\nplease.\n",
                        reply_to="foil+abc@foil.example.org", in_reply_to="x1@agency.example.org",
                        references=["<x0@agency.example.org>"])
    raw = msg.as_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert parsed["From"] == "FOIL Tracker <foil@foil.example.org>"
    assert parsed["To"] == "Records Officer <foil@nypd.example.org>"
    assert parsed["Cc"] == "legal@example.org"
    assert parsed["Reply-To"] == "foil+abc@foil.example.org"
    assert parsed["In-Reply-To"] == "<x1@agency.example.org>"
    assert parsed["References"] == "<x0@agency.example.org> <x1@agency.example.org>"
    assert parsed["Message-ID"].endswith("@foil.example.org>")
    assert parsed["Date"]
    assert parsed.get_content().replace("\r\n", "\n") == "Dear officer,\nplease.\n"


@pytest.mark.parametrize("body, cte", [
    ("plain ascii\n", "7bit"),
    ("a typed paragraph " * 20 + "\n", "quoted-printable"),
    ("Señora, §89(3)(a) — thank you\n", "quoted-printable"),
])
def test_body_survives_any_server(app, body, cte):
    msg = build_message(to=["a@example.org"], subject="Ré: ação", body=body)
    raw = msg.as_bytes()
    assert raw.isascii()  # no 8BITMIME or SMTPUTF8 needed
    assert msg["Content-Transfer-Encoding"] == cte
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert (parsed["Subject"], parsed.get_content().replace("\r\n", "\n")) == ("Ré: ação", body)


@pytest.mark.parametrize("field", ["subject", "reply_to", "to"])
def test_header_injection_is_refused(app, field):
    kwargs = {"to": ["a@example.org"], "subject": "s", "body": "b", "reply_to": "r@example.org"}
    kwargs[field] = ["a@example.org\r\nBcc: victim@example.org"] if field == "to" else "x\r\nBcc: v@e.org"
    with pytest.raises(ValueError, match="one line"):
        build_message(**kwargs)


def test_attachment_is_carried(app):
    msg = build_message(to=["a@example.org"], subject="s", body="b",
                        attachments=[("letter.pdf", b"%PDF-1.4 test", "application/pdf")])
    parsed = email.message_from_bytes(msg.as_bytes(), policy=default_policy)
    (part,) = list(parsed.iter_attachments())
    assert (part.get_filename(), part.get_content_type(), part.get_content()) == (
        "letter.pdf", "application/pdf", b"%PDF-1.4 test")


@pytest.mark.parametrize("value, expected", [
    ("<a@b>", "a@b"), ("a@b", "a@b"), ("  <a@b> ", "a@b"), ("<>", None), (None, None)])
def test_unbracket(value, expected):
    assert unbracket(value) == expected
    if expected:
        assert bracket(value) == "<a@b>"


def test_envelope_needs_a_recipient(app):
    msg = build_message(to=[], subject="s", body="b")
    with pytest.raises(SendError, match="no recipient") as caught:
        envelope(msg)
    assert caught.value.permanent


def test_send_delivers_to_every_recipient_and_hides_bcc(smtp_app, smtp_sink):
    msg = build_message(to=["foil@nypd.example.org"], cc=["legal@example.org"], subject="Hello",
                        body="Text\n")
    msg["Bcc"] = "archive@example.org"
    message_id = send(msg)
    (received,) = smtp_sink.wait_for(1)
    assert received.mail_from == "foil@foil.example.org"
    assert set(received.rcpt_tos) == {"foil@nypd.example.org", "legal@example.org", "archive@example.org"}
    assert received.message["Message-ID"] == f"<{message_id}>"
    assert b"archive@example.org" not in received.raw
    assert received.message["Subject"] == "Hello"


def test_send_sets_a_message_id_when_missing(smtp_app, smtp_sink):
    msg = build_message(to=["foil@nypd.example.org"], subject="s", body="b")
    del msg["Message-ID"]
    message_id = send(msg)
    assert message_id.endswith("@foil.example.org")
    assert smtp_sink.wait_for(1)[0].message["Message-ID"] == f"<{message_id}>"


def test_login_with_the_right_password(smtp_app, smtp_sink):
    smtp_app.config.update(SMTP_USER=USER, SMTP_PASSWORD=PASSWORD)
    send(build_message(to=["foil@nypd.example.org"], subject="s", body="b"))
    assert len(smtp_sink.wait_for(1)) == 1


def test_wrong_password_is_a_permanent_failure(smtp_app, smtp_sink):
    smtp_app.config.update(SMTP_USER=USER, SMTP_PASSWORD="wrong")
    with pytest.raises(SendError, match="user name and password") as caught:
        send(build_message(to=["foil@nypd.example.org"], subject="s", body="b"))
    assert caught.value.permanent
    assert smtp_sink.messages == []


def test_no_smtp_host(app):
    with pytest.raises(SendError, match="SMTP_HOST is not set"):
        send(build_message(to=["a@example.org"], subject="s", body="b"))


def test_closed_port_is_a_temporary_failure(app):
    app.config.update(SMTP_HOST=LOOPBACK, SMTP_PORT=free_port())
    with pytest.raises(SendError, match="cannot connect to the SMTP server") as caught:
        send(build_message(to=["a@example.org"], subject="s", body="b"))
    assert not caught.value.permanent


def test_starttls_on_a_server_without_it(smtp_app):
    smtp_app.config.update(SMTP_STARTTLS=True)
    with pytest.raises(SendError, match="SMTP_STARTTLS") as caught:
        send(build_message(to=["a@example.org"], subject="s", body="b"))
    assert caught.value.permanent


@pytest.mark.parametrize("recipients, message, permanent", [
    (["r550@agency.example.org"], "refused every recipient: r550@agency.example.org (550", True),
    (["r450@agency.example.org"], "refused every recipient: r450@agency.example.org (450", False),
    (["ok@agency.example.org", "r550@agency.example.org"], "accepted the message for some recipients but "
     "refused r550@agency.example.org (550", True),
])
def test_refused_recipients(app, refuser, recipients, message, permanent):
    app.config.update(SMTP_HOST=refuser.hostname, SMTP_PORT=refuser.port)
    with pytest.raises(SendError) as caught:
        send(build_message(to=recipients, subject="s", body="b"))
    assert message in str(caught.value)
    assert caught.value.permanent is permanent

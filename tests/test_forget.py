"""Forget means forgotten: a resident files through the public form, confirms by the link the SMTP sink got,
the letter reaches the agency, the agency's reply quoting the resident arrives through Dovecot, the resident
asks to be forgotten, and then no file of the data folder (the database and its write-ahead log, blobs,
search index) holds their name, email or postal address in any encoding mail uses; on PostgreSQL, neither
does a pg_dump of the database. The legal record stays, under the pseudonym."""

from __future__ import annotations

import base64
import io
import json
import quopri
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import public_support as support
from tests.ingest_support import build_email
from tests.public_support import form_token, link_in

BOTH_DATABASES = True
campaign = support.campaign  # fixture
NAME, EMAIL = "Rosalind Quimby", "rosalind.quimby@example.net"
ADDRESS = "417 Wythe Avenue, Apt 3\nBrooklyn, NY 11249"
AGENCY = "foil@records.nypd.example.gov"


@pytest.fixture
def app_config(app_config, smtp_sink, imap_mailbox):
    return {**support.portal_config(app_config), "SMTP_HOST": smtp_sink.host, "SMTP_PORT": smtp_sink.port,
            "MAIL_FROM": "Ban the Scan <campaign@foil.example.org>", "IMAP_HOST": imap_mailbox.host,
            "IMAP_PORT": imap_mailbox.port, "IMAP_USER": imap_mailbox.user, "IMAP_PASSWORD": imap_mailbox.password,
            "IMAP_SSL": False, "IMAP_MAILBOX": "INBOX"}


def encodings(value: str) -> dict[str, bytes]:
    """The value as mail and databases may hold it: plain, quoted-printable, base64 at each of the three
    alignments a value can have inside a longer base64 text, and UTF-16 in both byte orders."""
    raw = value.encode("utf-8")
    forms = {"utf-8": raw, "quoted-printable": quopri.encodestring(raw).rstrip(b"=\n"),
             "utf-16-le": value.encode("utf-16-le"), "utf-16-be": value.encode("utf-16-be")}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw)
        head = (3 - offset) % 3  # bytes of the value in the first group, which the prefix also fills
        groups = (len(raw) - head) // 3
        start = 4 if offset else 0
        forms[f"base64+{offset}"] = encoded[start:start + 4 * groups]
    return forms


def needles() -> dict[str, bytes]:
    values = [NAME, EMAIL, *ADDRESS.splitlines()]
    return {f"{value!r} as {kind}": form for value in values for kind, form in encodings(value).items()}


def unfolded(data: bytes) -> bytes:
    """Without line breaks and quoted-printable soft breaks, which can cut a value in two."""
    return data.replace(b"=\r\n", b"").replace(b"=\n", b"").replace(b"\r\n", b"").replace(b"\n", b"")


def leaks(data: bytes) -> list[str]:
    """Which of the resident's values, in which encoding, are in `data` (any case)."""
    haystacks = [data, unfolded(data), data.lower(), unfolded(data).lower()]
    return [label for label, needle in needles().items()
            if any(needle in hay or needle.lower() in hay for hay in haystacks)]


def test_the_encodings_find_what_they_look_for():
    """The scan below would find each value in each encoding (a scan that cannot fail proves nothing)."""
    for label, needle in needles().items():
        assert leaks(b"xx" + needle + b"yy"), label
    wrapped = base64.encodebytes(("Dear " + NAME + ", at " + ADDRESS).encode())
    assert any("base64" in label for label in leaks(wrapped))


def file_the_request(client, smtp_sink) -> str:
    """Through the form and the emailed link, with the address in the letter; returns the status path."""
    page = client.get("/public/ban-the-scan/request?nta=BK0101")
    client.post("/public/ban-the-scan/request", data={
        "csrf_token": form_token(page.get_data(as_text=True)), "nta": "BK0101", "name": NAME, "email": EMAIL,
        "postal_address": ADDRESS, "include_postal_address": "1"}, follow_redirects=True)
    (mail,) = smtp_sink.wait_for(1)
    path = link_in(mail.message.get_content(), "/public/confirm/").split("tracker.test", 1)[1]
    smtp_sink.clear()
    confirm = client.get(path)
    done = client.post(path, data={"csrf_token": form_token(confirm.get_data(as_text=True))})
    assert done.status_code == 302
    return done.headers["Location"].split("?")[0]


def test_forgetting_leaves_no_byte_of_the_resident(app, client, campaign, smtp_sink, imap_mailbox, runner,
                                                   login, tmp_path, db_backend, request):
    from tracker.extensions import db
    from tracker.models import Message, Request, Resident

    status_path = file_the_request(client, smtp_sink)
    [letter] = [m for m in smtp_sink.wait_for(3) if m.rcpt_tos == (AGENCY,)]
    assert NAME in letter.message.get_content() and "417 Wythe Avenue" in letter.message.get_content()
    item = db.session.scalar(select(Request))
    reply = build_email(
        to=f"foil+{item.reply_token}@foil.example.org", sender=AGENCY, in_reply_to=letter.message["Message-ID"],
        subject=f"RE: {letter.message['Subject']}",
        body=f"Dear {NAME},\n\nWe received your request. Copies will be mailed to {ADDRESS.splitlines()[0]}.\n\n"
             f"> Sincerely,\n> {NAME}\n> {EMAIL}\n")
    imap_mailbox.append(reply)
    assert runner.invoke(args=["ingest", "--once"]).exit_code == 0
    db.session.expire_all()
    incoming = db.session.scalars(select(Message).where(Message.direction == "in")).all()
    assert [m.request_id for m in incoming] == [item.id], "the agency's reply reached the request"
    before = sum((leaks(p.read_bytes()) for p in Path(tmp_path).rglob("*") if p.is_file()), [])
    assert before, "the resident's details were in the data folder before (else the scan proves nothing)"

    page = client.get(status_path)
    gone = client.post(status_path + "/forget", data={"csrf_token": form_token(page.get_data(as_text=True))})
    assert gone.status_code == 200 and "this link no longer works" in gone.get_data(as_text=True)

    db.session.expire_all()
    resident = db.session.scalar(select(Resident))
    assert resident.state == "forgotten"
    # The legal record stays, under the pseudonym: the request, its events, the agency's answer.
    item = db.session.scalar(select(Request))
    assert item.status == "submitted" and "submitted" in [e.type for e in item.events]
    messages = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert len(messages) == 2 and all(m.redacted_at is not None for m in messages)
    assert resident.pseudonym in messages[1].body_text and "We received your request" in messages[1].body_text

    for path in Path(tmp_path).rglob("*"):
        if path.is_file():
            assert leaks(path.read_bytes()) == [], f"{path} still holds the resident"
    if db_backend != "sqlite":
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        dump = subprocess.run(["pg_dump", "--no-owner", url],
                              capture_output=True, check=True, timeout=120).stdout
        assert leaks(dump) == [], "the database still holds the resident"

    # The evidence bundle has the rewritten emails, and says they were redacted, when, and their new hash.
    login("lawyer")
    bundle = client.get(f"/requests/{item.id}/bundle.zip")
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert all(leaks(archive.read(name)) == [] for name in archive.namelist())
    emails = [f for f in manifest["files"] if f["path"].startswith("emails/")]
    assert len(emails) == 2
    for entry in emails:
        assert entry["redacted"]["why"] == "redacted at the resident's request"
        assert entry["redacted"]["sha256"] == entry["sha256"]


def test_a_resident_whose_request_is_in_court_is_told_a_lawyer_will_call(client, campaign, smtp_sink, make_user):
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Request, Resident
    from tracker.operations.litigation import create_litigation

    status_path = file_the_request(client, smtp_sink)
    smtp_sink.wait_for(3)
    item = db.session.scalar(select(Request))
    create_litigation(make_user("lawyer"), caption="Ban the Scan v. NYPD", request_ids=[item.id])
    commit()
    page = client.get(status_path).get_data(as_text=True)
    assert "A lawyer of the campaign will contact you" in page and "Delete my name" not in page
    refused = client.post(status_path + "/forget", data={"csrf_token": form_token(page)})
    assert refused.status_code == 409 and "nothing was deleted" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Resident)).name == NAME


def test_a_lawyer_sees_what_forgetting_changes_in_the_evidence_first(client, campaign, smtp_sink, login):
    from tracker.extensions import db
    from tracker.models import Message, Request, Resident

    file_the_request(client, smtp_sink)
    smtp_sink.wait_for(3)
    item = db.session.scalar(select(Request))
    login("lawyer")
    view = client.get(f"/requests/{item.id}").get_data(as_text=True)
    assert f"/requests/{item.id}/resident/forget" in view
    page = client.get(f"/requests/{item.id}/resident/forget")
    html = page.get_data(as_text=True)
    [letter] = db.session.scalars(select(Message)).all()
    assert page.status_code == 200 and "Evidence that changes (1 email)" in html
    assert letter.raw_sha256[:12] in html and "residents" not in html.split('id="changed-rows"')[1][:40]
    db.session.expire_all()
    assert db.session.scalar(select(Resident)).name == NAME  # looking changed nothing
    assert db.session.scalar(select(Message)).redacted_at is None
    done = client.post(f"/requests/{item.id}/resident/forget", data={"csrf_token": form_token(html)})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Resident)).state == "forgotten"
    assert db.session.scalar(select(Message)).redacted_at is not None

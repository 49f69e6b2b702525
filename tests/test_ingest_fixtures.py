"""Every real-world email and PDF of ../shared/fixtures through the whole path: IMAP, delivery, extraction.

Each message must end delivered, unmatched or rejected (with a reason when not delivered), every document
must leave `pending` with a status saying what happened, and no exception may escape `ingest --once`.
OCR is kept bounded with modest extraction limits: the scanned PDFs are what make this slow.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from tests import ingest_support as support
from tests.ingest_support import reply_address
from tracker.extensions import db
from tracker.models import Document, Message

pytestmark = [support.IGNORE_IMAPLIB2_WARNING, pytest.mark.slow]
nypd, search_service = support.nypd, support.search_service  # fixtures


@pytest.fixture
def bounded_app(request, app_config, imap_mailbox, search_service):
    """The app on the test Dovecot with limits that keep hostile and scanned files quick."""
    app_config.update(IMAP_HOST=imap_mailbox.host, IMAP_PORT=imap_mailbox.port, IMAP_USER=imap_mailbox.user,
                      IMAP_PASSWORD=imap_mailbox.password, IMAP_SSL=False, EXTRACT_CPU_SECONDS=15,
                      EXTRACT_MEMORY_MB=768, EXTRACT_MAX_PAGES=200)
    return request.getfixturevalue("app")


def run_once(runner):
    result = runner.invoke(args=["ingest", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_fixture_email_is_accounted_for(bounded_app, imap_mailbox, runner, fixtures_dir):
    files = sorted((fixtures_dir / "email").glob("*.eml"))
    assert files, f"no .eml files in {fixtures_dir / 'email'}"
    for path in files:
        imap_mailbox.append(path.read_bytes())
    output = run_once(runner)
    assert f"fetched {len(files)}:" in output
    messages = db.session.scalars(select(Message)).all()
    # Identical fixtures (same bytes or Message-ID) are one message; everything else is one each.
    assert len(messages) + int(output.split("already seen ")[1].split(";")[0]) == len(files)
    for message in messages:
        assert message.status in ("delivered", "unmatched", "rejected"), message.id
        if message.status != "delivered":
            assert message.reason, (message.id, message.subject)
    documents = db.session.scalars(select(Document)).all()
    assert documents, "the fixture emails carry attachments"
    stuck = [(d.filename, d.text_status) for d in documents if d.text_status == "pending"]
    assert not stuck
    for document in documents:
        if document.text_status in ("failed", "unsupported", "encrypted"):
            assert document.text_error, document.filename
    bounces = [m for m in messages if m.is_bounce]
    assert bounces, "the fixtures include real bounces"


@pytest.mark.parametrize("folder", ["gov", "scanned", "broken"])
def test_every_fixture_pdf_arrives_readable_or_with_a_reason(bounded_app, imap_mailbox, runner, fixtures_dir,
                                                             make_request, nypd, api_as, folder):
    pdfs = sorted((fixtures_dir / "pdf" / folder).glob("*.pdf"))
    assert pdfs, f"no PDFs in {fixtures_dir / 'pdf' / folder}"
    req = make_request(agency=nypd)
    for path in pdfs:
        msg = EmailMessage()
        msg["From"] = "foil@records.nypd.example.gov"
        msg["To"] = reply_address(req)
        msg["Subject"] = f"Production: {path.name}"
        msg.set_content("Records attached.")
        msg.add_attachment(path.read_bytes(), maintype="application", subtype="pdf", filename=path.name)
        imap_mailbox.append(msg.as_bytes())
    output = run_once(runner)
    assert f"fetched {len(pdfs)}: delivered {len(pdfs)}," in output
    api = api_as("lawyer")
    for path in pdfs:
        document = db.session.scalar(select(Document).where(Document.filename == path.name))
        assert document is not None and document.request_id == req.id, path.name
        body = api.get(f"/api/v1/documents/{document.id}").json
        assert body["text_status"] != "pending", path.name
        if folder == "gov":
            assert body["text_status"] in ("ok", "partial"), (path.name, body["text_error"])
            first = api.get(f"/api/v1/documents/{document.id}/pages/1").json
            assert first["text"].strip() or body["pages"] > 1, path.name
        elif body["text_status"] not in ("ok", "partial", "empty"):
            assert body["text_error"], path.name
    if folder == "scanned":
        name = "linn-brochure-two-column-scan.pdf"
        brochure = db.session.scalar(select(Document).where(Document.filename == name))
        page = api.get(f"/api/v1/documents/{brochure.id}/pages/1").json
        assert page["ocr"] is True and len(page["text"]) > 500

"""Helpers shared by the mail-in tests: built emails and PDFs, an app wired to the test Dovecot, search."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest

AGENCY_DOMAIN = "records.nypd.example.gov"
PATTERN = r"FOIL-\d{4}-056-\d{5}"


def build_email(*, to="someone@foil.example.org", subject="Your records request", body="Please see attached.",
                sender=f"foil@{AGENCY_DOMAIN}", attachments=(), message_id=None, in_reply_to=None,
                headers=None, date=None) -> bytes:
    """A real RFC 5322 message made with the stdlib, as an agency's mail system would send it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2024, 3, 5, 15, 30, tzinfo=UTC))
    msg["Message-ID"] = message_id or make_msgid(domain=AGENCY_DOMAIN)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, content, maintype, subtype in attachments:
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def make_pdf(pages: list[str]) -> bytes:
    """A PDF with a text layer, one string per page (fpdf2, the test dependency)."""
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 (test dependency) makes the PDFs these tests read")
    doc = fpdf.FPDF()
    doc.set_font("Helvetica", size=12)
    for text in pages:
        doc.add_page()
        doc.multi_cell(0, 8, text)
    return bytes(doc.output())


def pdf_attachment(pages: list[str], filename: str = "response.pdf"):
    """An attachment tuple for build_email."""
    return (filename, make_pdf(pages), "application", "pdf")


class SearchCalls:
    """What mail-in asked of the real search service, call by call."""

    def __init__(self):
        self.indexed_now: list[int] = []
        self.queued_documents: list[int] = []
        self.queued_messages: list[int] = []
        self.messages_indexed_now: list[int] = []


@pytest.fixture
def search_service(monkeypatch):
    """The real tracker.searching.service, with each call mail-in makes also written down for the tests to check."""
    from tracker.searching import service

    calls = SearchCalls()

    def spy(name, log, many):
        real = getattr(service, name)

        def recording(arg):
            if many:
                arg = list(arg)
                log.extend(arg)
            else:
                log.append(arg)
            return real(arg)

        monkeypatch.setattr(service, name, recording)

    spy("index_documents_now", calls.indexed_now, True)
    spy("index_messages_now", calls.messages_indexed_now, True)
    spy("queue_document", calls.queued_documents, False)
    spy("queue_message", calls.queued_messages, False)
    return calls


@pytest.fixture
def imap_app(request, app_config, imap_mailbox, search_service):
    """The app configured to read the test Dovecot's INBOX over plain IMAP."""
    app_config.update(IMAP_HOST=imap_mailbox.host, IMAP_PORT=imap_mailbox.port, IMAP_USER=imap_mailbox.user,
                      IMAP_PASSWORD=imap_mailbox.password, IMAP_SSL=False, IMAP_MAILBOX="INBOX",
                      IMAP_POLL_SECONDS=2, EXTRACT_CPU_SECONDS=30)
    return request.getfixturevalue("app")


@pytest.fixture
def nypd(make_agency):
    """An agency whose mail comes from AGENCY_DOMAIN and whose numbers look like FOIL-2024-056-01234."""
    return make_agency(name="New York City Police Department", short_name="NYPD",
                       foil_email=f"foil@{AGENCY_DOMAIN}", tracking_patterns=[PATTERN])


def reply_address(request) -> str:
    """The request's reply address, as the app builds it."""
    from tracker.api.serialize import reply_address as build

    return build(request)

# imaplib2 3.06 still calls Thread.setDaemon(); harmless, but the suite turns warnings into errors.
IGNORE_IMAPLIB2_WARNING = pytest.mark.filterwarnings("ignore:setDaemon:DeprecationWarning")

"""Shared by the page validation tests and the page fuzzer: an app with one of each record, and clients
signed in as each role (forms posted without CSRF tokens, which have their own tests)."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from tests.search_support import add_pages

ROLES = ("admin", "lawyer", "volunteer", "researcher")
PASSWORD = "correct horse battery"


@pytest.fixture
def page_app(app_config, request):
    """The app with the public portal on and CSRF checks off."""
    app_config.update(WTF_CSRF_ENABLED=False, PUBLIC_PORTAL=True)
    return request.getfixturevalue("app")


def unmatched_message(app):
    """An email nobody's reply address or tracking number matches: it waits in triage."""
    from ingest.blobs import BlobStore
    from tracker.dispatch import commit
    from tracker.operations.mail import deliver_raw

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "clerk@records.example.gov", "intake@foil.example.org", "Hello"
    msg["Message-ID"] = make_msgid(domain="records.example.gov")
    msg.set_content("About your matter.")
    raw = msg.as_bytes()
    message, _new = deliver_raw(raw, BlobStore(app.config["BLOB_DIR"]).put(raw), queue_work=False)
    commit()
    return message


@pytest.fixture
def records(page_app, make_agency, make_request, make_user):
    """One of each record, by name: a public request with a public document, an internal request whose
    document is public, a denied request under appeal and in court, one just denied (its appeal to draft),
    an unmatched message, a campaign."""
    from tracker.dispatch import commit
    from tracker.operations import record_event
    from tracker.operations.litigation import create_litigation

    nypd = make_agency(name="New York City Police Department", short_name="NYPD",
                       foil_email="foil@nypd.example.org")
    public = make_request(agency=nypd, title="Cameras", campaign="Ban the Scan", visibility="public",
                          received_on=date(2024, 1, 8))
    internal = make_request(agency=nypd, title="Strategy", received_on=date(2024, 1, 8))
    denied = make_request(agency=nypd, title="Contracts", received_on=date(2024, 1, 8))
    record_event(denied, "denied", date(2024, 1, 10), None)
    record_event(denied, "appeal_filed", date(2024, 1, 20), None, {"filed_by": "post"})
    record_event(denied, "appeal_denied", date(2024, 2, 1), None)
    suit = create_litigation(None, "Doe v. NYPD", request_ids=[denied.id])
    refused = make_request(agency=nypd, title="Footage", received_on=date(2024, 1, 8))
    record_event(refused, "denied", date(2024, 1, 10), None)
    commit()
    shown = add_pages(public, ["Facial recognition contract."], filename="contract.pdf")
    hidden = add_pages(internal, ["Facial recognition strategy memo."], filename="memo.pdf")
    message = unmatched_message(page_app)
    return {"agency": nypd, "public": public, "internal": internal, "denied": denied, "litigation": suit,
            "refused": refused,
            "document": shown, "internal_document": hidden, "message": message,
            "campaign": public.campaign}


@pytest.fixture
def as_role(page_app, make_user):
    """Factory: as_role(role) is a test client signed in as a new user of that role ("anonymous": none)."""

    def client_for(role: str):
        client = page_app.test_client()
        if role != "anonymous":
            user = make_user(role)
            response = client.post("/login", data={"email": user.email, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    return client_for

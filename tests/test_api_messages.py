"""GET /api/v1/messages, one message, and assigning it by hand, for each role."""

from __future__ import annotations

import pytest

from tests import ingest_support as support
from tests.ingest_support import build_email, pdf_attachment, reply_address
from tracker.dispatch import commit

BOTH_DATABASES = True
nypd, search_service = support.nypd, support.search_service  # fixtures


@pytest.fixture
def inbox(app, db_backend, search_service, make_request, nypd):
    """A delivered, an unmatched (with a PDF) and a rejected message; returns (request, {status: Message})."""
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    req = make_request(agency=nypd, title="Facial recognition contracts")
    found = {}
    for raw in (build_email(to=reply_address(req), subject="Acknowledged"),
                build_email(to="x@foil.example.org", sender="clerk@city.example.gov",
                            subject="Facial recognition contracts", attachments=[pdf_attachment(["Text"])]),
                b"\x00\x01garbage"):
        message, _ = deliver_raw(raw, blob_store().put(raw))
        commit()
        found[message.status] = message
    return req, found


@pytest.mark.parametrize("status", ["delivered", "unmatched", "rejected"])
def test_list_by_status(inbox, api_as, status):
    body = api_as("volunteer").get(f"/api/v1/messages?status={status}").json
    assert body["total"] == 1 and body["page"] == 1
    [item] = body["items"]
    assert item["id"] == inbox[1][status].id and item["status"] == status
    for key in ("reason", "match_method", "request_id", "subject", "from", "date", "is_auto_reply",
                "is_bounce", "suggestions", "documents"):
        assert key in item


def test_list_everything_and_bad_filter(inbox, api_as):
    api = api_as("lawyer")
    assert api.get("/api/v1/messages").json["total"] == 3
    bad = api.get("/api/v1/messages?status=lost")
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_filter"


def test_one_message_has_text_and_headers(inbox, api_as):
    delivered = inbox[1]["delivered"]
    body = api_as("lawyer").get(f"/api/v1/messages/{delivered.id}").json
    assert body["text"].startswith("Please see attached") and ["Subject", "Acknowledged"] in body["headers"]
    assert api_as("lawyer").get("/api/v1/messages/999999").status_code == 404


def test_researcher_may_not_read_mail(inbox, api_as):
    response = api_as("researcher").get("/api/v1/messages")
    assert response.status_code == 403


def test_assign_unmatched_message(inbox, api_as):
    req, found = inbox
    unmatched = found["unmatched"]
    assert unmatched.suggestions[0]["request_id"] == req.id
    api = api_as("volunteer")
    response = api.post(f"/api/v1/messages/{unmatched.id}/assign", json={"request_id": req.id})
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["request_id"], response.json["match_method"]) == (
        "delivered", req.id, "manual")
    timeline = api.get(f"/api/v1/requests/{req.id}").json
    assert [m["id"] for m in timeline["messages"]].count(unmatched.id) == 1
    assert timeline["messages"][-1]["documents"][0]["text_status"] == "ok"


@pytest.mark.parametrize(("payload", "status", "code"), [
    ({"request_id": "1"}, 422, "invalid"),
    ({"request_id": 999999}, 422, "unknown_request"),
    ({}, 422, "invalid"),
])
def test_assign_refuses_bad_input(inbox, api_as, payload, status, code):
    unmatched = inbox[1]["unmatched"]
    response = api_as("lawyer").post(f"/api/v1/messages/{unmatched.id}/assign", json=payload)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)


def test_assign_rejected_is_a_conflict_and_researchers_cannot_assign(inbox, api_as):
    req, found = inbox
    rejected = found["rejected"]
    response = api_as("lawyer").post(f"/api/v1/messages/{rejected.id}/assign", json={"request_id": req.id})
    assert response.status_code == 409 and "could not be read" in response.json["error"]["message"]
    response = api_as("researcher").post(f"/api/v1/messages/{found['unmatched'].id}/assign",
                                         json={"request_id": req.id})
    assert response.status_code == 403

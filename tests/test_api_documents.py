"""GET /api/v1/documents/<id>, its pages, and PATCH visibility, for each role."""

from __future__ import annotations

import hashlib

import pytest

from tests import ingest_support as support
from tests.ingest_support import build_email, make_pdf, reply_address
from tracker.dispatch import commit

BOTH_DATABASES = True
nypd, search_service = support.nypd, support.search_service  # fixtures
PAGES = ["Alpha page about surveillance cameras", "Beta page about vendor invoices"]


@pytest.fixture
def document(app, db_backend, search_service, make_request, nypd):
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    req = make_request(agency=nypd)
    raw = build_email(to=reply_address(req), attachments=[("scan.dat", make_pdf(PAGES), "application",
                                                           "octet-stream")])
    message, _ = deliver_raw(raw, blob_store().put(raw))
    commit()
    return message.documents[0]


def test_document_metadata_and_pages(document, api_as):
    api = api_as("volunteer")
    body = api.get(f"/api/v1/documents/{document.id}").json
    assert body["media_type"] == "application/pdf"  # sniffed, though the email said octet-stream
    from tracker.operations.documents import blob_store

    assert body["sha256"] == hashlib.sha256(blob_store().get(body["sha256"])).hexdigest()
    assert (body["pages"], body["text_status"], body["visibility"], body["filename"]) == (
        2, "ok", "internal", "scan.dat")
    for number, words in ((1, "surveillance cameras"), (2, "vendor invoices")):
        page = api.get(f"/api/v1/documents/{document.id}/pages/{number}").json
        assert words in page["text"] and page["ocr"] is False
    missing = api.get(f"/api/v1/documents/{document.id}/pages/3")
    assert missing.status_code == 404 and "has no page 3" in missing.json["error"]["message"]


@pytest.mark.parametrize(("visibility", "role", "visible"), [
    ("public", "researcher", True),
    ("internal", "researcher", False),
    ("internal", "volunteer", True),
    ("privileged", "volunteer", False),
    ("privileged", "lawyer", True),
    ("privileged", "admin", True),
])
def test_who_sees_what(document, api_as, visibility, role, visible):
    document.visibility = visibility
    commit()
    api = api_as(role)
    expected = 200 if visible else 404
    assert api.get(f"/api/v1/documents/{document.id}").status_code == expected
    assert api.get(f"/api/v1/documents/{document.id}/pages/1").status_code == expected


def test_lawyer_changes_visibility_and_it_is_reindexed(document, api_as, search_service):
    indexed_before = list(search_service.indexed_now)
    response = api_as("lawyer").patch(f"/api/v1/documents/{document.id}", json={"visibility": "public"})
    assert response.status_code == 200 and response.json["visibility"] == "public"
    # Re-indexed before the answer (tests/test_visibility_now.py proves it with the real index).
    assert search_service.indexed_now == [*indexed_before, document.id]
    assert api_as("researcher").get(f"/api/v1/documents/{document.id}").status_code == 200


@pytest.mark.parametrize(("role", "payload", "status"), [
    ("volunteer", {"visibility": "public"}, 403),
    ("researcher", {"visibility": "public"}, 403),
    ("lawyer", {"visibility": "secret"}, 422),
    ("lawyer", {"title": "x"}, 400),
    ("lawyer", {}, 422),
])
def test_visibility_changes_refused(document, api_as, role, payload, status):
    response = api_as(role).patch(f"/api/v1/documents/{document.id}", json=payload)
    assert response.status_code == status


@pytest.fixture
def zipped(app, db_backend, search_service, make_request, nypd):
    """An emailed zip of two text files: the zip and each member are documents (members are children)."""
    import io
    import zipfile

    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("memo.txt", "Counsel's memo about the surveillance contract.\n")
        archive.writestr("invoice.txt", "Invoice for camera maintenance.\n")
    req = make_request(agency=nypd)
    raw = build_email(to=reply_address(req), attachments=[("records.zip", buffer.getvalue(), "application", "zip")])
    message, _ = deliver_raw(raw, blob_store().put(raw))
    commit()
    container = next(d for d in message.documents if d.parent_id is None)
    members = [d for d in message.documents if d.parent_id == container.id]
    assert len(members) == 2
    return container, members


def test_a_zips_visibility_reaches_its_members(zipped, api_as):
    # The zip's own file holds its members' bytes: hiding the zip must hide what is inside it too.
    container, members = zipped
    lawyer = api_as("lawyer")
    assert lawyer.patch(f"/api/v1/documents/{container.id}", json={"visibility": "privileged"}).status_code == 200
    volunteer = api_as("volunteer")
    for member in members:
        assert volunteer.get(f"/api/v1/documents/{member.id}").status_code == 404
    assert lawyer.patch(f"/api/v1/documents/{container.id}", json={"visibility": "public"}).status_code == 200
    researcher = api_as("researcher")
    assert [researcher.get(f"/api/v1/documents/{m.id}").status_code for m in members] == [200, 200]


def test_hiding_a_member_hides_the_zip_that_holds_it(zipped, api_as):
    container, members = zipped
    lawyer = api_as("lawyer")
    assert lawyer.patch(f"/api/v1/documents/{container.id}", json={"visibility": "public"}).status_code == 200
    assert lawyer.patch(f"/api/v1/documents/{members[0].id}", json={"visibility": "privileged"}).status_code == 200
    researcher = api_as("researcher")
    assert researcher.get(f"/api/v1/documents/{container.id}").status_code == 404  # would carry the memo
    assert researcher.get(f"/api/v1/documents/{members[1].id}").status_code == 200  # still released


@pytest.mark.parametrize(("request_visibility", "role", "linked"), [
    ("internal", "researcher", False),
    ("public", "researcher", True),
    ("internal", "volunteer", True),
    ("internal", "lawyer", True),
])
def test_where_a_document_came_from_is_told_only_to_the_team_or_for_public_requests(
        document, api_as, login, client, request_visibility, role, linked):
    document.visibility = "public"
    document.request.visibility = request_visibility
    commit()
    body = api_as(role).get(f"/api/v1/documents/{document.id}").json
    expected = (document.request_id, document.message_id) if linked else (None, None)
    assert (body["request_id"], body["message_id"]) == expected
    assert document.request_id and document.message_id
    login(role)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert (f"/requests/{document.request_id}\"" in page) is linked
    assert (document.request.reference in page) is linked

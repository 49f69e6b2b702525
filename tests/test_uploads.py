"""Documents added by hand: POST /api/v1/requests/<id>/documents, and what is refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.ingest_support import make_pdf

BOTH_DATABASES = True


def _files(*items):
    return [(io.BytesIO(content), name) for name, content in items]


def test_a_production_of_several_files_is_added_extracted_and_searchable(api_as, make_request):
    req = make_request(received_on="2024-03-01")
    lawyer = api_as("lawyer")
    event = lawyer.post(f"/api/v1/requests/{req.id}/events",
                        json={"type": "records_released", "occurred_on": "2024-03-20", "data": {"pages": 3}})
    assert event.status_code == 201, event.json
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("inner/contract.pdf", make_pdf(["Vendor contract for Clearview licences"]))
    response = lawyer.post(
        f"/api/v1/requests/{req.id}/documents",
        data={"file": _files(("policy.pdf", make_pdf(["Facial recognition policy", "Retention schedule"])),
                             ("bundle.zip", bundle.getvalue())),
              "released_on": "2024-03-20", "visibility": "public", "event_id": str(event.json["id"])},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    items = response.json["items"]
    assert [d["filename"] for d in items] == ["policy.pdf", "bundle.zip"]
    assert {d["released_on"] for d in items} == {"2024-03-20"}
    assert {d["event_id"] for d in items} == {event.json["id"]}
    policy = lawyer.get(f"/api/v1/documents/{items[0]['id']}").json
    assert (policy["pages"], policy["text_status"], policy["visibility"]) == (2, "ok", "public")
    page = lawyer.get(f"/api/v1/documents/{items[0]['id']}/pages/2").json
    assert "Retention schedule" in page["text"]
    # The zip's member came out with the same date, event and visibility, and a researcher finds it.
    hits = api_as("researcher").get("/api/v1/search?q=Clearview").json["hits"]
    assert [h["filename"] for h in hits] == ["inner/contract.pdf"]
    member = lawyer.get(f"/api/v1/documents/{hits[0]['document_id']}").json
    assert member["filename"].endswith("contract.pdf")
    assert (member["released_on"], member["event_id"], member["parent_id"]) == (
        "2024-03-20", event.json["id"], items[1]["id"])


@pytest.mark.parametrize(("role", "form", "status", "field"), [
    ("lawyer", {"released_on": "2024-03-20", "visibility": "secret"}, 422, "visibility"),
    ("lawyer", {"released_on": "20 March"}, 422, "released_on"),
    ("lawyer", {"visibility": "internal"}, 422, "released_on"),
    ("lawyer", {"released_on": "2024-03-20", "event_id": "999999"}, 422, "event_id"),
    ("lawyer", {"released_on": "2024-03-20", "colour": "red"}, 400, None),
    ("volunteer", {"released_on": "2024-03-20", "visibility": "public"}, 403, None),
    ("researcher", {"released_on": "2024-03-20"}, 403, None),
])
def test_bad_uploads_are_refused_and_nothing_is_kept(api_as, make_request, role, form, status, field):
    req = make_request(received_on="2024-03-01")
    api = api_as(role)
    response = api.post(f"/api/v1/requests/{req.id}/documents",
                        data={**form, "file": _files(("a.pdf", make_pdf(["words"])))},
                        content_type="multipart/form-data")
    assert response.status_code == status, response.json
    if field:
        assert response.json["error"]["field"] == field
    assert api_as("admin").get(f"/api/v1/requests/{req.id}").json["messages"] == []
    from tracker.extensions import db
    from tracker.models import Document

    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


def test_no_file_or_an_empty_file_is_a_clear_error(api_as, make_request):
    req = make_request(received_on="2024-03-01")
    api = api_as("volunteer")
    url = f"/api/v1/requests/{req.id}/documents"
    none = api.post(url, data={"released_on": "2024-03-20"}, content_type="multipart/form-data")
    assert none.status_code == 422 and "multipart parts named 'file'" in none.json["error"]["message"]
    empty = api.post(url, data={"released_on": "2024-03-20", "file": _files(("blank.pdf", b""))},
                     content_type="multipart/form-data")
    assert empty.status_code == 422 and "blank.pdf is empty" in empty.json["error"]["message"]
    ok = api.post(url, data={"released_on": "2024-03-20", "file": _files(("a.pdf", make_pdf(["x"])))},
                  content_type="multipart/form-data")
    assert ok.status_code == 201 and ok.json["items"][0]["visibility"] == "internal"


def test_an_event_of_another_request_is_refused(api_as, make_request):
    first, second = make_request(received_on="2024-03-01"), make_request(received_on="2024-03-01")
    api = api_as("lawyer")
    event = api.post(f"/api/v1/requests/{first.id}/events",
                     json={"type": "denied", "occurred_on": "2024-03-20", "data": {"exemptions": ["87(2)(e)"]}})
    assert event.status_code == 201, event.json
    response = api.post(f"/api/v1/requests/{second.id}/documents",
                        data={"released_on": "2024-03-20", "event_id": str(event.json["id"]),
                              "file": _files(("denial.pdf", make_pdf(["Denied"])))},
                        content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["error"]["field"] == "event_id"

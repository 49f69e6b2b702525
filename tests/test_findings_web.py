"""Findings on the staff pages: made from the viewer's form, refused with a message when wrong, verified
one by one or as an imported batch, deleted; each in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.public_support import campaign  # noqa: F401 - fixture
from tests.search_support import add_pages


@pytest.fixture
def page(app, make_request, campaign):  # noqa: F811
    request = make_request(campaign=campaign.name, visibility="public")
    return add_pages(request, ["Forty-one cameras on Manhattan Avenue."])


def _findings():
    from tracker.extensions import db
    from tracker.models import Finding

    db.session.expire_all()
    return db.session.scalars(select(Finding).order_by(Finding.id)).all()


def _actions():
    from tracker.extensions import db
    from tracker.models import AuditEntry

    return [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("finding.%"))
                                                 .order_by(AuditEntry.id))]


def _post_finding(client, page, **fields):
    viewer = client.get(f"/documents/{page.id}?page=1")
    assert "Make a finding from this page" in viewer.get_data(as_text=True)
    data = {"csrf_token": csrf_token(viewer), "page": "1", "quote": "Forty-one cameras", "kind": "camera",
            "place_by": "nta", "nta_code": "BK0101", **fields}
    return client.post(f"/documents/{page.id}/findings", data=data, follow_redirects=True)


def test_a_finding_made_in_the_viewer_then_verified_by_someone_else(client, login, page, make_user):
    login("researcher")
    done = _post_finding(client, page)
    assert "Finding 1 saved (Camera, Greenpoint). It is not public until someone else verifies it." in \
        done.get_data(as_text=True)
    [finding] = _findings()
    assert (finding.document_id, finding.page, finding.nta_codes) == (page.id, 1, ["BK0101"])
    listing = client.get("/findings").get_data(as_text=True)
    assert "not verified" in listing and "Verify finding 1" not in listing  # not offered to its author

    client.post("/logout", data={"csrf_token": csrf_token(client.get("/findings"))})
    login("lawyer")
    listing = client.get("/findings")
    verified = client.post("/findings/1/verify", data={"csrf_token": csrf_token(listing)}, follow_redirects=True)
    assert "Finding 1 is verified." in verified.get_data(as_text=True)
    assert _findings()[0].verified
    deleted = client.post("/findings/1/delete", data={"csrf_token": csrf_token(listing)}, follow_redirects=True)
    assert "Finding 1 was deleted." in deleted.get_data(as_text=True) and _findings() == []
    assert _actions() == ["finding.create", "finding.verify", "finding.delete"]


@pytest.mark.parametrize("fields, message", [
    ({"nta_code": "", "place_by": "nta"}, "place a finding by exactly one of"),
    ({"place_by": "point", "latitude": "40.69", "longitude": "-74.03"}, "is in no neighborhood of New York City"),
    ({"place_by": "zip", "zip_code": "90210"}, "90210 is not a ZIP code of New York City"),
    ({"kind": "drone"}, "kind is one of"),
    ({"quote": ""}, "quote the passage"),
])
def test_a_wrong_finding_says_why_and_saves_nothing(client, login, page, fields, message):
    login("lawyer")
    answer = _post_finding(client, page, **fields).get_data(as_text=True)
    assert "The finding was not saved" in answer and message in answer
    assert _findings() == [] and _actions() == []


def test_a_volunteer_is_not_offered_the_control(client, login, page):
    login("volunteer")
    assert "Make a finding from this page" not in client.get(f"/documents/{page.id}?page=1").get_data(as_text=True)


def test_a_lawyer_verifies_an_imported_batch_on_the_findings_page(client, login, campaign, runner, tmp_path):  # noqa: F811
    path = tmp_path / "f.csv"
    path.write_text("nta_code,kind\nBK0101,camera\nBK0102,camera\nBK0103,camera\n")
    assert runner.invoke(args=["findings", "import", str(path), "--campaign", "ban-the-scan",
                               "--source", "A survey"]).exit_code == 0
    batch = _findings()[0].batch
    login("lawyer")
    listing = client.get("/findings")
    assert "Verify all 3" in listing.get_data(as_text=True)
    done = client.post("/findings/batches/verify", data={"csrf_token": csrf_token(listing),
                                                         "campaign_id": str(campaign.id), "batch": batch},
                       follow_redirects=True)
    assert f"Batch {batch} is verified." in done.get_data(as_text=True)
    assert all(f.verified for f in _findings())
    assert _actions() == ["finding.import", "finding.verify_batch"]

"""Findings through the API: made by researchers, lawyers and admins, verified by someone else, public only
once verified on a public page; every change in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.public_support import campaign, portal_config  # noqa: F401 - fixture
from tests.search_support import add_pages

GREENPOINT = {"latitude": 40.7295, "longitude": -73.9510}  # inside BK0101 (checked below with shapely)


@pytest.fixture
def app_config(app_config):
    return portal_config(app_config)


@pytest.fixture
def public_page(app, make_request, campaign):  # noqa: F811
    request = make_request(campaign=campaign.name, visibility="public")
    return add_pages(request, ["The department operates 41 cameras linked to the facial recognition section.",
                               "Second page."])


def _body(campaign, document, **extra):  # noqa: F811 - the fixture's value
    return {"kind": "camera_network", "campaign_id": campaign.id, "document_id": document.id, "page": 1,
            "quote": "operates 41 cameras", **GREENPOINT, "period_start": "2020-01-01", **extra}


def _audit_actions(finding_id=None):
    from tracker.extensions import db
    from tracker.models import AuditEntry

    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("finding.%"))).all()
    return [(r.action, r.actor_label) for r in rows if finding_id is None or r.subject_id == finding_id]


def test_a_researchers_finding_is_verified_by_a_lawyer_and_only_then_public(api_as, client, campaign,  # noqa: F811
                                                                           public_page):
    researcher, lawyer = api_as("researcher"), api_as("lawyer")
    made = researcher.post("/api/v1/findings", json=_body(campaign, public_page))
    assert made.status_code == 201, made.get_json()
    finding = made.get_json()
    assert finding["nta_codes"] == ["BK0101"] and finding["verified"] is False
    assert finding["created_by"] == researcher.user.email

    # Not public yet: anonymous list and one finding say nothing of it.
    assert client.get("/api/v1/findings").get_json()["total"] == 0
    assert client.get(f"/api/v1/findings/{finding['id']}").status_code == 404

    # Its author may not verify it; a lawyer may.
    own = researcher.patch(f"/api/v1/findings/{finding['id']}", json={"verified": True})
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "own_finding"
    done = lawyer.patch(f"/api/v1/findings/{finding['id']}", json={"verified": True})
    assert done.status_code == 200 and done.get_json()["verified_by"] == lawyer.user.email

    public = client.get("/api/v1/findings?nta=BK0101").get_json()
    assert [f["id"] for f in public["items"]] == [finding["id"]]
    assert public["items"][0]["verified_by"] is None and public["items"][0]["created_by"] is None
    assert public["items"][0]["page_url"] == f"/public/documents/{public_page.id}?page=1"
    assert _audit_actions(finding["id"]) == [("finding.create", researcher.user.email),
                                             ("finding.verify", lawyer.user.email)]


def test_a_verified_finding_on_a_page_made_internal_leaves_the_public_side(app, api_as, client, campaign,  # noqa: F811
                                                                          public_page):
    from tracker.dispatch import commit
    from tracker.operations.documents import set_visibility

    made = api_as("researcher").post("/api/v1/findings", json=_body(campaign, public_page)).get_json()
    api_as("admin").patch(f"/api/v1/findings/{made['id']}", json={"verified": True})
    assert client.get("/api/v1/findings").get_json()["total"] == 1
    set_visibility(public_page, "internal", None)
    commit()
    assert client.get("/api/v1/findings").get_json()["total"] == 0
    assert client.get(f"/api/v1/findings/{made['id']}").status_code == 404


@pytest.mark.parametrize("role, status", [("admin", 201), ("lawyer", 201), ("researcher", 201),
                                          ("volunteer", 403)])
def test_who_may_make_a_finding(api_as, campaign, public_page, role, status):  # noqa: F811
    assert api_as(role).post("/api/v1/findings", json=_body(campaign, public_page)).status_code == status


@pytest.mark.parametrize("extra, field", [
    ({"kind": "drone"}, "kind"),
    ({"page": 9}, "page"),
    ({"latitude": 40.0}, "latitude"),                       # south of the city
    ({"latitude": 40.70, "longitude": -74.03}, "latitude"),  # New York Harbor: no neighborhood
    ({"nta_codes": ["BK0101"]}, "nta_codes"),                # two places at once
    ({"quote": ""}, "quote"),
    ({"period_end": "2019-01-01"}, "period_end"),
])
def test_bad_findings_are_refused_with_the_field_and_nothing_saved(api_as, campaign, public_page, extra,  # noqa: F811
                                                                   field):
    from tracker.extensions import db
    from tracker.models import Finding

    answer = api_as("lawyer").post("/api/v1/findings", json=_body(campaign, public_page, **extra))
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["error"]["field"] == field
    assert db.session.scalar(select(db.func.count()).select_from(Finding)) == 0


@pytest.mark.parametrize("place, codes", [
    ({"nta_codes": ["bk0101", "BK0102"]}, ["BK0101", "BK0102"]),
    ({"community_district": "BK01"}, ["BK0101", "BK0102", "BK0103", "BK0104"]),
    ({"nta_code": "QN0101"}, ["QN0101"]),
])
def test_a_finding_can_be_placed_in_several_neighborhoods(api_as, campaign, public_page, place, codes):  # noqa: F811
    body = {k: v for k, v in _body(campaign, public_page).items() if k not in GREENPOINT}
    answer = api_as("lawyer").post("/api/v1/findings", json={**body, **place})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["nta_codes"] == codes


def test_a_zip_code_places_a_finding_in_the_neighborhoods_it_covers(api_as, campaign, public_page):  # noqa: F811
    from tracker.geo import neighborhoods_for_zip

    body = {k: v for k, v in _body(campaign, public_page).items() if k not in GREENPOINT}
    answer = api_as("lawyer").post("/api/v1/findings", json={**body, "zip_code": "11222"}).get_json()
    assert answer["nta_codes"] == [n.code for n in neighborhoods_for_zip("11222")]
    assert "BK0101" in answer["nta_codes"] and answer["place_label"] == "ZIP code 11222"


def test_a_researcher_cannot_cite_an_internal_page(api_as, make_request, campaign):  # noqa: F811
    internal = add_pages(make_request(campaign=campaign.name), ["Internal memo."], visibility="internal")
    answer = api_as("researcher").post("/api/v1/findings", json=_body(campaign, internal))
    assert answer.status_code == 422 and answer.get_json()["error"]["code"] == "unknown_document"


def test_deleting_a_finding_is_for_lawyers_and_audited(api_as, campaign, public_page):  # noqa: F811
    researcher, lawyer = api_as("researcher"), api_as("lawyer")
    made = researcher.post("/api/v1/findings", json=_body(campaign, public_page)).get_json()
    assert researcher.delete(f"/api/v1/findings/{made['id']}").status_code == 403
    assert lawyer.delete(f"/api/v1/findings/{made['id']}").status_code == 204
    assert lawyer.get(f"/api/v1/findings/{made['id']}").status_code == 404
    assert [a for a, _who in _audit_actions(made["id"])] == ["finding.create", "finding.delete"]


def test_the_point_really_is_in_greenpoint():
    from shapely.geometry import Point, shape

    from tracker.geo.boundaries import read_layer

    greenpoint = next(f for f in read_layer("neighborhood_tabulation_area")["features"]
                      if f["properties"]["nta2020"] == "BK0101")
    assert shape(greenpoint["geometry"]).contains(Point(GREENPOINT["longitude"], GREENPOINT["latitude"]))


def test_the_openapi_document_describes_the_findings_and_the_scorecard(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/findings"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/findings/{finding_id}"])
    assert "get" in paths["/api/v1/agencies/{agency_id}/scorecard"]
    assert paths["/api/v1/findings"]["post"]["requestBody"]

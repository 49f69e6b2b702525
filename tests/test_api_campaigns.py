"""GET/POST /api/v1/campaigns, GET/PATCH /api/v1/campaigns/<id>: name, slug, agency, letter template, public."""

from __future__ import annotations

import pytest


def test_create_read_and_change_a_public_campaign(api_as, make_agency):
    lawyer = api_as("lawyer")
    nypd = make_agency(name="New York City Police Department", short_name="NYPD")
    created = lawyer.post("/api/v1/campaigns", json={
        "name": "Ban the Scan", "slug": "ban-the-scan", "agency_id": nypd.id, "public": True,
        "letter_template": "Records about cameras in {{ neighborhood }}, {{ borough }} "
                           "({{ community_district }}).\n{{ resident_name }}"})
    assert created.status_code == 201, created.json
    body = created.json
    assert (body["name"], body["slug"], body["agency_id"], body["public"]) == ("Ban the Scan", "ban-the-scan",
                                                                              nypd.id, True)
    assert body["public_url"] == "/public/ban-the-scan/" and body["requests"] == 0
    assert "neighborhood" in body["letter_placeholders"]["letter_template"]
    assert "requester" in body["letter_placeholders"]["request_template"]

    fetched = lawyer.get(f"/api/v1/campaigns/{body['id']}")
    assert fetched.status_code == 200 and fetched.json == body
    listed = lawyer.get("/api/v1/campaigns").json
    assert listed["total"] == 1 and listed["items"][0]["slug"] == "ban-the-scan"

    changed = lawyer.patch(f"/api/v1/campaigns/{body['id']}", json={"public": False, "name": "Ban the Scan NYC"})
    assert changed.status_code == 200
    assert (changed.json["public"], changed.json["name"], changed.json["public_url"]) == (False, "Ban the Scan NYC",
                                                                                          None)


@pytest.mark.parametrize("body,status,field", [
    ({"name": "X", "slug": "Not A Slug"}, 422, "slug"),
    ({"name": "X", "slug": "x", "letter_template": "Hello {{ nobody }}"}, 400, "letter_template"),
    ({"name": "X", "slug": "x", "letter_template": "Hello {{ neighborhood"}, 400, "letter_template"),
    ({"name": "X", "slug": "x", "letter_template": "Hello {neighborhood}"}, 400, "letter_template"),
    ({"name": "X", "public": True}, 422, "slug"),
    ({"name": "X", "slug": "x", "agency_id": 999999}, 422, "agency_id"),
    ({"name": "X", "slug": "x", "agency_id": "1"}, 422, "agency_id"),
    ({"name": "X", "public": "yes", "slug": "x"}, 422, "public"),
    ({"name": 5}, 422, "name"),
    ({"slug": "x"}, 422, "name"),
    ({"name": "X", "colour": "red"}, 400, "colour"),
])
def test_bad_input_is_refused_and_nothing_is_created(api_as, body, status, field):
    lawyer = api_as("lawyer")
    response = lawyer.post("/api/v1/campaigns", json=body)
    assert response.status_code == status, response.json
    assert response.json["error"]["message"]
    if field:
        assert response.json["error"]["field"] == field
    assert lawyer.get("/api/v1/campaigns").json["total"] == 0


def test_slugs_and_names_are_unique(api_as):
    lawyer = api_as("lawyer")
    first = lawyer.post("/api/v1/campaigns", json={"name": "One", "slug": "one"}).json
    second = lawyer.post("/api/v1/campaigns", json={"name": "Two", "slug": "two"}).json
    taken = lawyer.patch(f"/api/v1/campaigns/{second['id']}", json={"slug": "one"})
    assert taken.status_code == 409 and taken.json["error"]["field"] == "slug"
    assert lawyer.post("/api/v1/campaigns", json={"name": "one"}).status_code == 409
    assert lawyer.get(f"/api/v1/campaigns/{first['id']}").json["slug"] == "one"
    assert lawyer.get("/api/v1/campaigns/999999").status_code == 404


@pytest.mark.parametrize("role,read,write", [("admin", 200, 201), ("lawyer", 200, 201),
                                             ("volunteer", 200, 403), ("researcher", 403, 403)])
def test_who_may_read_and_change_campaigns(api_as, role, read, write):
    client = api_as(role)
    assert client.get("/api/v1/campaigns").status_code == read
    assert client.post("/api/v1/campaigns", json={"name": f"{role} campaign"}).status_code == write


def test_no_token_no_campaigns(client, app):
    assert client.get("/api/v1/campaigns").status_code == 401


@pytest.mark.parametrize(("precincts", "field_words"), [
    ({"XX9999": ["94"]}, "not a 2020 neighborhood code"),
    ({"BK0101": "94"}, "precincts.BK0101"),
    ({"BK0101": ["94", "<script>"]}, "a list of at most"),
    ({"BK0101": [str(n) for n in range(11)]}, "a list of at most"),
])
def test_bad_precincts_are_refused_naming_the_field(api_as, make_agency, precincts, field_words):
    lawyer = api_as("lawyer")
    created = lawyer.post("/api/v1/campaigns", json={"name": "Ban the Scan", "slug": "ban-the-scan",
                                                      "agency_id": make_agency().id})
    changed = lawyer.patch(f"/api/v1/campaigns/{created.json['id']}", json={"precincts": precincts})
    assert changed.status_code in (400, 422), changed.json
    assert field_words in changed.json["error"]["message"]
    assert lawyer.get(f"/api/v1/campaigns/{created.json['id']}").json["precincts"] == {}


def test_the_precincts_a_campaign_supplies_are_named_in_its_neighborhood_letter(api_as, make_agency):
    from tracker.extensions import db
    from tracker.geo import find_neighborhood
    from tracker.models import Campaign, Resident
    from tracker.operations.residents import letter_for

    lawyer = api_as("lawyer")
    created = lawyer.post("/api/v1/campaigns", json={"name": "Ban the Scan", "slug": "ban-the-scan",
                                                      "agency_id": make_agency().id})
    changed = lawyer.patch(f"/api/v1/campaigns/{created.json['id']}",
                           json={"precincts": {"bk0101": ["94"], "BK0102": [90, "94"]}})
    assert changed.status_code == 200, changed.json
    assert changed.json["precincts"] == {"BK0101": ["94"], "BK0102": ["90", "94"]}
    campaign = db.session.get(Campaign, created.json["id"])
    resident = Resident(name="Rosa Parks", postal_address="")
    one = letter_for(campaign, find_neighborhood("BK0101"), resident)
    assert "police precinct 94" in one and "police precincts" not in one
    assert "police precincts 90 and 94" in letter_for(campaign, find_neighborhood("BK0102"), resident)
    assert "police precinct" not in letter_for(campaign, find_neighborhood("BK0201"), resident)

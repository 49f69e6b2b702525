"""Findings on the public side: a neighborhood's "what the records say", the map's findings layer, and the
open data (GeoJSON, CSV) hold verified findings on public pages only, with their citations."""

from __future__ import annotations

import csv
import io

import pytest

from tests.public_support import campaign, portal_config  # noqa: F401 - fixture
from tests.search_support import add_pages

BOTH_DATABASES = True  # the JSON list of codes and the visibility join, on SQLite and PostgreSQL


@pytest.fixture
def app_config(app_config):
    return portal_config(app_config)


@pytest.fixture
def findings(app, make_request, make_user, campaign):  # noqa: F811
    """A verified finding on a public page (Greenpoint), an unverified one (Williamsburg), a verified one on
    a page that is internal (Astoria), and a verified imported one with its source (Harlem)."""
    from tracker.dispatch import commit
    from tracker.operations.findings import create_finding, verify_finding

    researcher, lawyer = make_user("researcher"), make_user("lawyer")
    request = make_request(campaign=campaign.name, visibility="public")
    public = add_pages(request, ["NYPD operates 41 cameras on Manhattan Avenue."])
    internal = add_pages(request, ["Internal: the vendor is Clearview."], visibility="internal")
    made = {
        "verified": create_finding(researcher, campaign=campaign, kind="camera_network", document_id=public.id,
                                   page=1, quote="NYPD operates 41 cameras", nta_codes=["BK0101"]),
        "unverified": create_finding(researcher, campaign=campaign, kind="camera", document_id=public.id, page=1,
                                     quote="on Manhattan Avenue", nta_codes=["BK0102"]),
        "internal": create_finding(lawyer, campaign=campaign, kind="vendor_contract", document_id=internal.id,
                                   page=1, quote="the vendor is Clearview", nta_codes=["QN0101"]),
        "sourced": create_finding(researcher, campaign=campaign, kind="camera", source="Decode Surveillance NYC",
                                  source_url="https://example.org/decode", latitude=40.8116, longitude=-73.9465),
    }
    verify_finding(made["verified"], lawyer)
    verify_finding(made["internal"], researcher)
    verify_finding(made["sourced"], lawyer)
    commit()
    return made


def test_the_neighborhood_page_quotes_its_verified_findings_with_a_link(client, findings):
    html = client.get("/public/ban-the-scan/neighborhoods/BK0101").get_data(as_text=True)
    assert "What the records say about Greenpoint" in html
    assert "NYPD operates 41 cameras" in html
    doc = findings["verified"].document_id
    assert f'href="/public/documents/{doc}?page=1"' in html
    other = client.get("/public/ban-the-scan/neighborhoods/BK0102").get_data(as_text=True)
    assert "on Manhattan Avenue" not in other and "No verified findings about this neighborhood yet." in other
    astoria = client.get("/public/ban-the-scan/neighborhoods/QN0101").get_data(as_text=True)
    assert "Clearview" not in astoria


def test_the_geojson_holds_public_findings_with_citations(client, findings):
    answer = client.get("/public/ban-the-scan/findings.geojson")
    assert answer.mimetype == "application/geo+json"
    data = answer.get_json(force=True)
    assert data["licence"] == "CC-BY-4.0"
    by_id = {f["id"]: f for f in data["features"]}
    assert set(by_id) == {findings["verified"].id, findings["sourced"].id}
    cited = by_id[findings["verified"].id]["properties"]
    assert cited["citation"] == "production.pdf, page 1" and cited["nta_codes"] == ["BK0101"]
    assert cited["link"] == f"http://tracker.test/public/documents/{findings['verified'].document_id}?page=1"
    assert by_id[findings["verified"].id]["geometry"] is None  # placed in a neighborhood, not at a point
    sourced = by_id[findings["sourced"].id]
    assert sourced["geometry"] == {"type": "Point", "coordinates": [-73.9465, 40.8116]}
    assert sourced["properties"]["citation"] == "Decode Surveillance NYC"
    assert sourced["properties"]["link"] == "https://example.org/decode"


def test_the_csv_holds_the_same_findings_under_the_licence(client, findings, campaign):  # noqa: F811
    from tracker.dispatch import commit

    campaign.findings_licence = "ODbL-1.0"
    commit()
    rows = list(csv.DictReader(io.StringIO(client.get("/public/ban-the-scan/findings.csv").get_data(as_text=True))))
    assert sorted(int(r["id"]) for r in rows) == sorted([findings["verified"].id, findings["sourced"].id])
    assert {r["licence"] for r in rows} == {"ODbL-1.0"}
    assert any(r["quote"] == "NYPD operates 41 cameras" and r["neighborhoods"] == "Greenpoint, Brooklyn"
               for r in rows)


def test_the_map_colours_neighborhoods_by_their_findings_with_a_table(client, findings):
    html = client.get("/public/ban-the-scan/").get_data(as_text=True)
    harlem = findings["sourced"].nta_codes[0]
    assert '.citymap a[data-nta="BK0101"] path { fill: var(--f1); }' in html
    assert f'.citymap a[data-nta="{harlem}"] path' in html
    assert 'a[data-nta="BK0102"] path { fill' not in html and 'a[data-nta="QN0101"] path { fill' not in html
    assert '<tr data-code="BK0101">' in html and "Verified findings by neighborhood" in html


def test_the_anonymous_api_lists_only_public_findings(client, findings):
    listed = client.get("/api/v1/findings").get_json()
    assert {f["id"] for f in listed["items"]} == {findings["verified"].id, findings["sourced"].id}
    for hidden in ("unverified", "internal"):
        assert client.get(f"/api/v1/findings/{findings[hidden].id}").status_code == 404


def test_a_closed_portal_shows_no_findings(client, findings, app):
    app.config["PUBLIC_PORTAL"] = False
    assert client.get("/public/ban-the-scan/findings.geojson").status_code == 404
    assert client.get("/api/v1/findings").status_code == 401


@pytest.mark.parametrize("value, status", [("CC0-1.0", 200), ("ODbL-1.0", 200), ("not a licence!", 422),
                                           ("", 422)])
def test_a_campaign_chooses_its_findings_licence(api_as, campaign, value, status):  # noqa: F811
    answer = api_as("lawyer").patch(f"/api/v1/campaigns/{campaign.id}", json={"findings_licence": value})
    assert answer.status_code == status, answer.get_json()
    expected = value if status == 200 else "CC-BY-4.0"
    assert api_as("lawyer").get(f"/api/v1/campaigns/{campaign.id}").get_json()["findings_licence"] == expected

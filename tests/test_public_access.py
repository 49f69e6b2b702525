"""Anonymous visitors: every public route opens without an account while the portal is on, none when it
is off, and nothing private ever shows (residents' details, notes, internal or privileged pages)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import public_support as support
from tests.search_support import add_pages

BOTH_DATABASES = True
PRIVATE_WORDS = ("Rosa Parks", "rosa@example.net", "1 Main St", "Internal strategy", "quartermaster",
                 "privilegedword", "draft.docx", "counsel.pdf")


@pytest.fixture
def world(app, make_agency, make_user):
    """A public campaign with a resident's confirmed request in Greenpoint: a public PDF page mentioning
    'turnstile', an internal and a privileged one, and an internal note; plus the links a resident holds."""
    from tracker.clock import legal_today
    from tracker.dispatch import commit
    from tracker.geo import find_neighborhood
    from tracker.operations import record_event
    from tracker.operations.campaigns import create_public_campaign
    from tracker.operations.residents import confirm, submit

    nypd = make_agency(name="New York City Police Department", short_name="NYPD",
                       foil_email="foil@records.nypd.example.gov")
    campaign = create_public_campaign(None, name="Ban the Scan", slug="ban-the-scan", agency_id=nypd.id,
                                      public=True)
    resident, confirm_link = submit(campaign, find_neighborhood("BK0101"), "Rosa Parks", "rosa@example.net",
                                    "1 Main St\nBrooklyn, NY 11222")
    pending, pending_link = submit(campaign, find_neighborhood("BK0102"), "Rosa Parks", "rosa@example.net")
    commit()
    resident, status_link = confirm(confirm_link)
    request = resident.request
    record_event(request, "submitted", legal_today(), None)
    record_event(request, "note", legal_today(), make_user("lawyer"), note="Internal strategy: call the clerk")
    commit()
    public = add_pages(request, ["Contract for a turnstile camera at Greenpoint Avenue."], filename="reply.pdf")
    internal = add_pages(request, ["The quartermaster memo."], visibility="internal", filename="draft.docx")
    add_pages(request, ["privilegedword turnstile"], visibility="privileged", filename="counsel.pdf")
    # Findings: one verified on the public page; one verified but quoting the internal page (never public).
    from tracker.operations.findings import create_finding, verify_finding

    author, checker = make_user("researcher"), make_user("lawyer")
    shown = create_finding(author, campaign=campaign, kind="camera", document_id=public.id, page=1,
                           quote="a turnstile camera", nta_codes=["BK0101"])
    hidden = create_finding(checker, campaign=campaign, kind="policy", document_id=internal.id, page=1,
                            quote="The quartermaster memo", nta_codes=["BK0101"])
    verify_finding(shown, checker)
    verify_finding(hidden, make_user("admin"))
    commit()
    return {"slug": "ban-the-scan", "code": "BK0101", "document_id": public.id, "status_link": status_link,
            "confirm_link": pending_link, "request": request, "agency_id": nypd.id}


def public_urls(app, world) -> list[str]:
    """Every GET route of the public blueprint, filled in from the world."""
    from flask import url_for

    values = {**world, "link": None}
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("public.") or "GET" not in rule.methods:
                continue
            args = {}
            for name in rule.arguments:
                if name == "link":
                    args[name] = world["status_link"] if rule.endpoint == "public.status" else world["confirm_link"]
                else:
                    args[name] = values[name]
            urls.append(url_for(rule.endpoint, **args))
    return urls


class TestPortalOn:
    @pytest.fixture
    def app_config(self, app_config):
        return support.portal_config(app_config)

    def test_every_public_route_opens_without_an_account_and_leaks_nothing(self, app, client, world):
        urls = public_urls(app, world)
        assert len(urls) >= 8
        for url in [*urls, "/public/search?q=turnstile", "/public/ban-the-scan/request?nta=BK0101",
                    "/public/ban-the-scan/request?zip=11222"]:
            response = client.get(url, follow_redirects=True)  # the check-email page of no submission: the form
            html = response.get_data(as_text=True)
            assert response.status_code == 200, url
            if "/status/" in url or "/confirm/" in url:
                continue  # the resident's own pages, opened with their secret link
            for word in PRIVATE_WORDS:
                assert word not in html, f"{word!r} shows on {url}"

    def test_public_search_finds_public_pages_only(self, client, world):
        html = client.get("/public/search?q=turnstile").get_data(as_text=True)
        assert "reply.pdf" in html and "1 page found" in html
        for word in ("quartermaster", "privileged"):
            assert "0 pages found" in client.get(f"/public/search?q={word}").get_data(as_text=True)

    def test_the_api_without_a_token_answers_public_pages_only(self, client, world):
        response = client.get("/api/v1/search?q=turnstile")
        assert response.status_code == 200, response.json
        assert [h["document_id"] for h in response.json["hits"]] == [world["document_id"]]
        assert response.json["total"] == 1
        assert response.json["hits"][0]["url"].endswith(f"/public/documents/{world['document_id']}?page=1")
        assert client.get("/api/v1/search?q=quartermaster").json["total"] == 0
        # A wrong token is still refused: only a request with no token at all is the public.
        bad = client.get("/api/v1/search?q=turnstile", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        # Nothing else of the API opens without a token.
        assert client.get(f"/api/v1/requests/{world['request'].id}").status_code == 401
        assert client.get("/api/v1/campaigns").status_code == 401

    def test_internal_documents_and_requests_are_404_on_the_public_side(self, app, client, world):
        from tracker.extensions import db
        from tracker.models import Document

        hidden = db.session.scalars(select(Document).where(Document.visibility != "public")).all()
        assert hidden
        for document in hidden:
            assert client.get(f"/public/documents/{document.id}").status_code == 404

    def test_the_anonymous_role_searches_public_pages_in_the_query(self, app, world):
        from tracker import permissions
        from tracker.searching.service import search_for

        results = search_for(permissions.PUBLIC, "turnstile")
        assert {h.document_id for h in results.hits} == {world["document_id"]}
        assert results.total == 1  # the privileged page that matches is not even counted


class TestPortalOff:
    def test_no_public_route_opens_and_the_api_wants_a_token(self, app, client, world):
        for url in public_urls(app, world):
            assert client.get(url).status_code == 404, url
        assert client.get("/api/v1/search?q=turnstile").status_code == 401


class TestStaff:
    @pytest.fixture
    def app_config(self, app_config):
        return support.portal_config(app_config)

    @pytest.mark.parametrize("role,sees", [("admin", True), ("lawyer", True), ("volunteer", False)])
    def test_residents_details_are_for_lawyers_and_admins(self, client, world, login, role, sees):
        login(role)
        html = client.get(f"/requests/{world['request'].id}").get_data(as_text=True)
        assert ("rosa@example.net" in html) == sees and ("Rosa Parks" in html) == sees
        assert world["request"].resident.pseudonym in html or sees
        assert "Greenpoint" in html

    def test_the_request_list_csv_and_coverage_know_the_neighborhood(self, client, world, login):
        login("lawyer")
        campaign_id = world["request"].campaign_id
        listed = client.get("/requests/?nta=BK0101").get_data(as_text=True)
        assert world["request"].reference in listed
        assert world["request"].reference not in client.get("/requests/?nta=BK0102").get_data(as_text=True)
        assert "Give a 2020 neighborhood code" in client.get("/requests/?nta=ZZ").get_data(as_text=True)
        csv_text = client.get("/requests/export.csv?nta=BK0101").get_data(as_text=True)
        header, row = csv_text.splitlines()[:2]
        assert header.endswith("nta_code,neighborhood") and row.endswith('BK0101,"Greenpoint, Brooklyn"')
        coverage = client.get(f"/campaigns/{campaign_id}/coverage").get_data(as_text=True)
        assert "1 of 197 residential neighborhoods" in coverage
        assert f"/requests/bulk?campaign={campaign_id}&amp;nta=BK0101" in coverage
        bulk = client.get(f"/requests/bulk?campaign={campaign_id}&nta=BK0101").get_data(as_text=True)
        assert world["request"].reference in bulk
        def worklist(url):  # the dashboard's groups of requests (not its list of mail that was not sent)
            html = client.get(url).get_data(as_text=True)
            return "".join(re.findall(r'<section class="group.*?</section>', html, flags=re.S))

        assert world["request"].reference in worklist("/?scope=all&nta=BK0101")
        assert world["request"].reference not in worklist("/?scope=all&nta=BK0102")

    def test_a_lawyer_can_forget_a_resident(self, client, world, login):
        from tests.conftest import csrf_token
        from tracker.extensions import db

        login("lawyer")
        page = client.get(f"/requests/{world['request'].id}")
        response = client.post(f"/requests/{world['request'].id}/resident/forget",
                               data={"csrf_token": csrf_token(page)})
        assert response.status_code == 302
        db.session.expire_all()
        html = client.get(f"/requests/{world['request'].id}").get_data(as_text=True)
        assert "Rosa Parks" not in html and "forgotten at their request" in html

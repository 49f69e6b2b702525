"""No role ever finds a page it may not see: through the service and the API, after a rebuild, after PATCH.

Admins and lawyers find privileged pages; volunteers find public and internal ones; researchers only
public ones, with facet counts and totals that say nothing about the rest. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from tests import search_support as support
from tests.search_support import ROLES, SEES, add_pages

people = support.people  # fixture

BOTH_DATABASES = True
BOTH_SEARCH_ENGINES = True  # and once more with PostgreSQL full-text search


@pytest.fixture
def corpus(app, make_agency, make_request):
    """One document per visibility, all matching "surveillance"; the privileged one would rank first."""
    from tracker.dispatch import commit
    from tracker.operations.documents import add_document, store_extraction  # noqa: F401 - used by add_pages

    nypd = make_agency(name="New York City Police Department", short_name="NYPD")
    secret = make_agency(name="Office of Hidden Counsel", short_name="OHC")
    public_request = make_request(agency=nypd, title="Surveillance contracts", campaign="Ban the Scan")
    hidden_request = make_request(agency=secret, title="Legal strategy", campaign="Counsel only")
    docs = {
        "public": add_pages(public_request, ["A memo on surveillance cameras in Midtown.",
                                             "Budget lines for the surveillance program."],
                            filename="memo.pdf"),
        "internal": add_pages(public_request, ["Draft surveillance talking points for the volunteers."],
                              visibility="internal", filename="draft.docx"),
        # Every page privileged, and the term dense enough to outrank everything else.
        "privileged": add_pages(hidden_request, ["surveillance " * 40 + "privileged litigation strategy",
                                                 "Surveillance surveillance surveillance: counsel's notes."],
                                visibility="privileged", filename="counsel.pdf"),
    }
    commit()
    return docs


def found_visibilities(results, docs) -> set[str]:
    by_id = {d.id: name for name, d in docs.items()}
    return {by_id[h.document_id] for h in results.hits if h.document_id in by_id}


def test_each_role_finds_exactly_what_it_may_see(app, corpus, people):
    from tracker.searching.service import search_for

    pages = {"public": 2, "internal": 1, "privileged": 2}
    for role in ROLES:
        results = search_for(people[role], "surveillance")
        assert found_visibilities(results, corpus) == SEES[role], role
        # Staff also find the public request's title, "Surveillance contracts" (researchers never do).
        titles = 1 if "internal" in SEES[role] else 0
        assert results.total == sum(pages[v] for v in SEES[role]) + titles, role
        agencies = {value for value, _ in results.facets["agency"]}
        assert ("Office of Hidden Counsel" in agencies) == ("privileged" in SEES[role]), role
    # The privileged pages would rank first; the researcher's top hit is still a public page, and the
    # facets count only what the researcher may see.
    results = search_for(people["researcher"], "surveillance")
    assert results.hits[0].document_id == corpus["public"].id
    assert dict(results.facets["agency"]) == {"New York City Police Department": 2}
    assert dict(results.facets["campaign"]) == {"Ban the Scan": 2}


def test_the_api_leaks_nothing_either(app, corpus, api_as):
    by_id = {d.id: name for name, d in corpus.items()}
    for role in ROLES:
        client = api_as(role)
        body = client.get("/api/v1/search?q=surveillance&per_page=50").json
        assert {by_id[h["document_id"]] for h in body["hits"] if h["document_id"]} == SEES[role], role
        text = str(body)
        for hidden in {"public", "internal", "privileged"} - SEES[role]:
            assert corpus[hidden].filename not in text, role
        assert ("Office of Hidden Counsel" in text) == ("privileged" in SEES[role]), role
        # The privileged document's own words find nothing for those who may not see it.
        body = client.get("/api/v1/search", query_string={"q": "privileged litigation strategy"}).json
        assert (body["total"] > 0) == ("privileged" in SEES[role]), role


def test_no_leak_after_a_rebuild(app, corpus, people):
    from tracker.searching.service import reindex, search_for

    assert reindex(progress=False) == 7  # five pages and two requests
    for role in ROLES:
        assert found_visibilities(search_for(people[role], "surveillance"), corpus) == SEES[role], role


def test_a_visibility_patch_reindexes_at_once(app, corpus, api_as):
    lawyer, researcher, volunteer = api_as("lawyer"), api_as("researcher"), api_as("volunteer")

    def researcher_finds(q):
        body = researcher.get("/api/v1/search", query_string={"q": q}).json
        return {h["document_id"] for h in body["hits"]}

    counsel = corpus["privileged"].id
    assert counsel not in researcher_finds("litigation strategy")
    assert volunteer.patch(f"/api/v1/documents/{counsel}", json={"visibility": "public"}).status_code == 403
    response = lawyer.patch(f"/api/v1/documents/{counsel}", json={"visibility": "public"})
    assert response.status_code == 200, response.json
    assert counsel in researcher_finds("litigation strategy")
    # And back: withdrawn from the public, gone from the researcher's results in the same instant.
    memo = corpus["public"].id
    assert lawyer.patch(f"/api/v1/documents/{memo}", json={"visibility": "privileged"}).status_code == 200
    assert memo not in researcher_finds("surveillance cameras")
    assert memo not in {h["document_id"] for h in volunteer.get("/api/v1/search?q=surveillance").json["hits"]}
    assert memo in {h["document_id"] for h in lawyer.get("/api/v1/search?q=surveillance").json["hits"]}


def test_message_bodies_are_for_staff_only(app, corpus, people):
    """An agency's email, delivered as the mail worker does, is searched by staff, never by researchers."""
    from email.message import EmailMessage

    from ingest.blobs import BlobStore
    from tracker.api.serialize import reply_address
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Request
    from tracker.operations.mail import deliver_raw
    from tracker.searching.service import search_for

    msg = EmailMessage()
    msg["From"], msg["Subject"] = "Records Officer <records@nypd.example.org>", "Re: your FOIL request"
    msg["To"] = reply_address(db.session.get(Request, corpus["public"].request_id))
    msg.set_content("The zeppelin surveillance footage will follow by courier.")
    raw = msg.as_bytes()
    message, _ = deliver_raw(raw, BlobStore(app.config["BLOB_DIR"]).put(raw))
    commit()  # queues the message body for indexing (inline here: TASKS_EAGER)
    assert message.status == "delivered"
    for role in ROLES:
        hits = search_for(people[role], "zeppelin").hits
        assert ([h.kind for h in hits] == ["message"]) == ("internal" in SEES[role]), role


def test_a_role_that_cannot_search_is_refused(app, corpus, client):
    response = client.get("/api/v1/search?q=surveillance")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"

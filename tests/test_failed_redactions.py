"""A failed redaction is held back: made public, its document still never shows the text under the box to
researchers or the public (search, snippets, page API, document pages, the file), while lawyers read it
with a warning and decide; every decision is audited. Runs on both databases and both search engines."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import public_support as support

fpdf = pytest.importorskip("fpdf", reason="fpdf2 (test dependency) makes the PDFs these tests read")

BOTH_DATABASES = True
BOTH_SEARCH_ENGINES = True
UNDER_BOX = ("Zebediah", "Quartzfield")  # under the box on page 2: never public, never indexed
HELD_WORD = "precinctnine"  # visible on page 2: hidden with its page until a lawyer releases it
OPEN_WORD = "turnstile"  # on page 1: public with its document


@pytest.fixture
def app_config(app_config):
    return support.portal_config(app_config)


def redacted_pdf() -> bytes:
    doc = fpdf.FPDF(unit="pt", format="letter")
    doc.set_font("Helvetica", size=11)
    doc.add_page()
    doc.set_xy(40, 60)
    doc.multi_cell(500, 14, f"Contract for {OPEN_WORD} cameras at Greenpoint Avenue, awarded in 2021.")
    doc.add_page()
    doc.set_xy(40, 60)
    doc.cell(500, 14, f"Deployment memo for {HELD_WORD} of the facial recognition unit.")
    doc.set_xy(40, 100)
    doc.cell(500, 14, f"Source: informant {UNDER_BOX[0]} {UNDER_BOX[1]} of Flatbush.")
    doc.set_fill_color(0)
    doc.rect(120, 98, 160, 18, style="F")  # over the informant's name, which stays in the text layer
    return bytes(doc.output())


@pytest.fixture
def held(app, make_agency, make_request, make_user):
    """A public document, extracted for real, whose page 2 has a failed redaction."""
    from tracker.dispatch import commit
    from tracker.operations.documents import add_document, extract_text, set_visibility, store_extraction

    request = make_request(agency=make_agency(name="New York City Police Department", short_name="NYPD"),
                           visibility="public")
    document = add_document(redacted_pdf(), "production.pdf", request=request, queue_extraction=False)
    store_extraction(document, extract_text(document.sha256, document.media_type))
    commit()
    set_visibility(document, "public", make_user("lawyer", "counsel@example.org"))
    commit()
    return document


def hits(results) -> list[tuple[int, int]]:
    return [(h.document_id, h.page) for h in results.hits]


def test_extraction_holds_the_page_back(app, held):
    pages = {p.number: p for p in held.pages}
    assert not pages[1].failed_redaction and not pages[1].held_back
    assert pages[2].failed_redaction and pages[2].held_back
    assert HELD_WORD in pages[2].text and UNDER_BOX[0] in pages[2].text_under_redaction
    texts = " ".join(pages[n].text for n in pages)
    assert not any(word in texts for word in UNDER_BOX)
    assert 0 < pages[2].redacted_share < 0.02


def test_researchers_and_the_public_never_find_or_read_the_page(app, held, make_user, api_as, client):
    from tracker import permissions
    from tracker.searching.service import search_for

    researcher = make_user("researcher", "reader@example.org")
    for who in (researcher, permissions.PUBLIC):
        assert hits(search_for(who, OPEN_WORD)) == [(held.id, 1)]
        for word in (HELD_WORD, *UNDER_BOX):
            assert search_for(who, word).total == 0, word
    for word in (HELD_WORD, *UNDER_BOX):
        body = client.get(f"/api/v1/search?q={word}").json  # no token: the public portal's search
        assert body["total"] == 0 and not body["hits"], word
        assert "0 pages found" in client.get(f"/public/search?q={word}").get_data(as_text=True)
    api = api_as("researcher")
    page = api.get(f"/api/v1/documents/{held.id}/pages/2")
    assert page.status_code == 403 and page.json["error"]["code"] == "held_back"
    assert not any(word in page.get_data(as_text=True) for word in (HELD_WORD, *UNDER_BOX))
    document = api.get(f"/api/v1/documents/{held.id}").json
    assert document["redacted_share"] > 0 and document["pages_withheld_in_full"] == 0
    first = api.get(f"/api/v1/documents/{held.id}/pages/1").json
    assert OPEN_WORD in first["text"] and first["failed_redaction"] is False
    assert client.get(f"/public/documents/{held.id}?page=2").status_code == 404
    opened = client.get(f"/public/documents/{held.id}?page=1")
    assert opened.status_code == 200 and OPEN_WORD in opened.get_data(as_text=True)


def test_researchers_cannot_open_the_page_or_the_file_in_the_viewer(app, held, login, client):
    login("researcher")
    html = client.get(f"/documents/{held.id}?page=2").get_data(as_text=True)
    assert "held back while the campaign" in html
    assert not any(word in html for word in (HELD_WORD, *UNDER_BOX))
    assert client.get(f"/documents/{held.id}/file").status_code == 404  # the file still holds the name
    assert client.get(f"/documents/{held.id}/pages/2.png").status_code == 404


def test_lawyers_read_the_text_under_the_box_with_a_warning(app, held, api_as, login, client):
    from tracker.searching.service import search_for

    lawyer = api_as("lawyer")
    body = lawyer.get(f"/api/v1/documents/{held.id}/pages/2").json
    assert body["failed_redaction"] is True and body["held_back"] is True
    assert f"{UNDER_BOX[0]} {UNDER_BOX[1]}" in body["text_under_redaction"]
    assert "lawyers and admins only" in body["warning"]
    assert not any(word in body["text"] for word in UNDER_BOX)
    # Staff find the page by its visible words, never by the words under the box.
    assert hits(search_for(lawyer.user, HELD_WORD)) == [(held.id, 2)]
    assert search_for(lawyer.user, UNDER_BOX[0]).total == 0
    volunteer = api_as("volunteer").get(f"/api/v1/documents/{held.id}/pages/2").json
    assert HELD_WORD in volunteer["text"] and "text_under_redaction" not in volunteer
    login("lawyer")
    html = client.get(f"/documents/{held.id}?page=2").get_data(as_text=True)
    assert "Failed redaction on this page" in html and "never made public" in html
    assert f"{UNDER_BOX[0]} {UNDER_BOX[1]}" in html


def test_releasing_makes_the_visible_text_public_and_never_the_text_under_the_box(app, held, api_as, make_user,
                                                                                   client):
    from tracker import permissions
    from tracker.models import AuditEntry
    from tracker.searching.service import search_for

    assert api_as("volunteer").post(f"/api/v1/documents/{held.id}/pages/2/redaction-decision",
                                    json={"decision": "release"}).status_code == 403
    bad = api_as("lawyer").post(f"/api/v1/documents/{held.id}/pages/2/redaction-decision",
                                json={"decision": "publish everything"})
    assert bad.status_code == 422
    done = api_as("lawyer").post(f"/api/v1/documents/{held.id}/pages/2/redaction-decision",
                                 json={"decision": "release"})
    assert done.status_code == 200 and done.json["held_back"] is False
    researcher = make_user("researcher", "reader@example.org")
    for who in (researcher, permissions.PUBLIC):
        assert hits(search_for(who, HELD_WORD)) == [(held.id, 2)]
        found = search_for(who, HELD_WORD).hits[0]
        assert not any(word in found.snippet for word in UNDER_BOX)
        for word in UNDER_BOX:
            assert search_for(who, word).total == 0
    page = api_as("researcher").get(f"/api/v1/documents/{held.id}/pages/2").json
    assert HELD_WORD in page["text"] and "text_under_redaction" not in page
    public = client.get(f"/public/documents/{held.id}?page=2").get_data(as_text=True)
    assert HELD_WORD in public and not any(word in public for word in UNDER_BOX)
    trail = select(AuditEntry).where(AuditEntry.action == "page.redaction_decision")
    (entry,) = app.extensions["sqlalchemy"].session.scalars(trail).all()
    assert entry.changes["decision"] == {"before": None, "after": "release"} and entry.changes["page"] == 2
    # A lawyer may change their mind: kept hidden, the page leaves public search again.
    again = api_as("lawyer").post(f"/api/v1/documents/{held.id}/pages/2/redaction-decision",
                                  json={"decision": "keep_hidden"})
    assert again.status_code == 200 and again.json["held_back"] is True
    assert search_for(researcher, HELD_WORD).total == 0

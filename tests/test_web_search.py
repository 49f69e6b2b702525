"""The search page, the document viewer and the original file, as people use them in a browser."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.ingest_support import make_pdf
from tests.search_support import add_pages

BOTH_SEARCH_ENGINES = True  # every test on Whoosh (SQLite) and PostgreSQL full-text search


@pytest.fixture
def corpus(app, make_agency, make_request):
    nypd = make_agency(name="New York City Police Department", short_name="NYPD")
    request = make_request(agency=nypd, title="Cameras", campaign="Ban the Scan")
    pages = [f"Page {n}: routine paperwork about parking." for n in range(1, 31)]
    pages[21] = "Page 22: the facial recognition vendor <script>alert(1)</script> contract renewal."
    public = add_pages(request, pages, filename="production.pdf", content=make_pdf(pages[:3]))
    secret = add_pages(request, ["Privileged facial recognition litigation memo."], visibility="privileged",
                       filename="memo.pdf")
    return {"public": public, "secret": secret, "request": request}


def text(response) -> str:
    return response.get_data(as_text=True)


def test_search_page_shows_hits_with_marks_page_numbers_and_facets(client, login, corpus):
    login("researcher")
    response = client.get("/search?q=facial+recognition")
    assert response.status_code == 200
    page = text(response)
    assert "<mark>facial</mark> <mark>recognition</mark>" in page
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert f"/documents/{corpus['public'].id}?page=22&amp;q=facial+recognition" in page
    assert "page 22" in page
    assert "1 page matches" in page
    assert "memo.pdf" not in page and "Privileged" not in page
    assert "New York City Police Department</a> (1)" in page  # a facet with its count, as a link
    assert "?q=facial+recognition&amp;agency=New+York+City+Police+Department" in page


def test_estimated_totals_say_about(client, login, corpus):
    login("lawyer")
    page = text(client.get('/search?q="facial recognition"'))
    # Whoosh matches phrases by hashed word pairs and counts them as an estimate; PostgreSQL exactly.
    exact = client.application.config["SEARCH_ENGINE"] == "postgres"
    assert "2 pages match" in page and ("About 2 pages match" in page) == (not exact)


def test_malformed_and_empty_searches_explain_themselves(client, login, corpus):
    login("volunteer")
    response = client.get('/search?q=(((%22unbalanced')
    assert response.status_code == 400
    assert "That search could not run" in text(response) and "quotation mark" in text(response)
    empty = text(client.get("/search"))
    assert "How to search" in empty and 'href="/search?q=surveil*"' in empty
    none = client.get("/search?q=zeppelin&agency=NYPD")
    assert none.status_code == 200
    assert "No pages match “zeppelin” with these filters" in text(none)
    assert "the same words without the filters" in text(none)


def test_results_are_paginated(client, login, corpus):
    login("admin")
    page = text(client.get("/search?q=paperwork"))
    assert "29 pages match" in page and "page 1 of 3" in page
    assert 'href="/search?q=paperwork&amp;page=2"' in page and 'rel="next"' in page
    third = text(client.get("/search?q=paperwork&page=3"))
    assert 'rel="prev"' in third and 'rel="next"' not in third


def test_viewer_opens_on_the_hit_page_with_the_terms_marked(client, login, corpus):
    login("researcher")
    doc = corpus["public"]
    response = client.get(f"/documents/{doc.id}?page=22&q=facial+recognition")
    assert response.status_code == 200
    page = text(response)
    assert "page 22 of 30" in page
    assert "<mark>facial</mark> <mark>recognition</mark> vendor &lt;script&gt;" in page
    assert f'href="/documents/{doc.id}/file#page=22"' in page
    assert f'href="/documents/{doc.id}?page=21&amp;q=facial+recognition"' in page  # previous page
    assert f'href="/documents/{doc.id}?page=23&amp;q=facial+recognition"' in page  # next page
    beyond = text(client.get(f"/documents/{doc.id}?page=999"))
    assert "page 30 of 30" in beyond


def test_people_who_may_not_see_a_document_get_404(client, login, corpus):
    login("researcher")
    secret = corpus["secret"].id
    assert client.get(f"/documents/{secret}").status_code == 404
    assert client.get(f"/documents/{secret}/file").status_code == 404
    assert client.get("/documents/99999").status_code == 404


def test_the_original_pdf_is_shown_inline_without_sniffing(client, login, corpus):
    login("researcher")
    response = client.get(f"/documents/{corpus['public'].id}/file")
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    assert body.startswith(b"%PDF")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_html_files_are_downloaded_never_rendered(client, login, corpus):
    html = b"<html><body><script>document.cookie</script>Records</body></html>"
    document = add_pages(corpus["request"], ["Records"], filename="page.html", content=html)
    assert document.media_type == "text/html"
    login("admin")
    response = client.get(f"/documents/{document.id}/file")
    response.get_data()
    response.close()
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_save_a_search_and_see_it_listed(client, login, corpus):
    login("researcher")
    page = client.get("/search?q=facial&agency=NYPD")
    response = client.post("/search/saved", data={"csrf_token": csrf_token(page), "q": "facial",
                                                  "agency": "NYPD", "name": "Face rec"})
    assert response.status_code == 303
    listing = text(client.get("/search/saved"))
    assert "Face rec" in listing and "agency: NYPD" in listing
    assert "/search?q=facial&amp;agency=NYPD" in listing
    bad = client.post("/search/saved", data={"csrf_token": csrf_token(page), "q": '"open'}, follow_redirects=True)
    assert "The search was not saved" in text(bad)


def test_the_dashboard_partial_lists_saved_searches(app, make_user, corpus):
    from flask import render_template
    from flask_login import login_user

    from tracker.dispatch import commit
    from tracker.operations.saved_searches import save_search, search_url

    user = make_user("volunteer")
    save_search(user, "Vendors", "vendor*", {})
    commit()
    with app.test_request_context("/"):
        login_user(user)
        from tracker.operations.saved_searches import searches_of

        html = render_template("search/_saved_on_dashboard.html", saved_searches=searches_of(user),
                               saved_search_url=search_url)
    assert "Vendors" in html and "/search?q=vendor%2A&amp;sort=date" in html


def test_search_needs_sign_in(client, corpus):
    response = client.get("/search?q=facial")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

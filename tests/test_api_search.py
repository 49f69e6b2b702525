"""GET /api/v1/search: the documented shape, filters by id or name, facets, paging, and 400s (never 500s)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.search_support import add_pages

BOTH_SEARCH_ENGINES = True  # every test on Whoosh (SQLite) and PostgreSQL full-text search


@pytest.fixture
def corpus(app, make_agency, make_request):
    from tracker.dispatch import commit

    nypd = make_agency(name="New York City Police Department", short_name="NYPD")
    doc = make_agency(name="Department of Correction", short_name="DOC")
    cameras = make_request(agency=nypd, title="Cameras", campaign="Ban the Scan")
    rikers = make_request(agency=doc, title="Rikers", campaign="Rikers conditions")
    first = add_pages(cameras, ["Facial recognition contract with the vendor.",
                                "Facial recognition audit, rulemaking docket attached."], filename="contract.pdf")
    first.released_on = date(2021, 5, 3)
    second = add_pages(rikers, ["Use of force report; facial injuries recorded."], filename="force.pdf")
    second.released_on = date(2023, 2, 1)
    commit()
    from tracker.searching.service import index_documents_now

    index_documents_now([first.id, second.id])  # the release dates were set after the first indexing
    return {"first": first, "second": second, "nypd": nypd, "doc": doc}


@pytest.fixture
def researcher(api_as):
    return api_as("researcher")


def test_the_answer_has_the_documented_shape(corpus, researcher):
    response = researcher.get("/api/v1/search?q=facial+recognition")
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) >= {"total", "total_is_estimate", "hits", "facets", "page", "per_page"}
    assert (body["total"], body["total_is_estimate"], body["page"], body["per_page"]) == (2, False, 1, 10)
    hit = body["hits"][0]
    assert set(hit) >= {"document_id", "request_id", "page", "snippet", "filename", "agency", "campaign",
                        "released_on", "score", "kind"}
    assert hit["document_id"] == corpus["first"].id and hit["page"] in (1, 2)
    assert "<mark>Facial</mark> <mark>recognition</mark>" in hit["snippet"]
    assert (hit["agency"], hit["campaign"], hit["released_on"], hit["kind"]) == (
        "New York City Police Department", "Ban the Scan", "2021-05-03", "page")
    assert hit["url"].endswith(f"/documents/{corpus['first'].id}?page={hit['page']}&q=facial+recognition")
    assert body["facets"]["agency"] == [{"value": "New York City Police Department", "count": 2}]
    assert body["facets"]["year"] == [{"value": "2021", "count": 2}]
    assert set(body["facets"]) == {"agency", "campaign", "year", "type"}


@pytest.mark.parametrize("agency", ["NYPD", "nypd", "New York City Police Department", "{id}"])
def test_agency_filter_by_short_name_name_or_id(corpus, researcher, agency):
    agency = agency.format(id=corpus["nypd"].id)
    body = researcher.get("/api/v1/search", query_string={"q": "facial", "agency": agency}).json
    assert {h["document_id"] for h in body["hits"]} == {corpus["first"].id}


@pytest.mark.parametrize(("filters", "expected"), [
    ({"campaign": "Rikers conditions"}, {"second"}),
    ({"campaign": "ban the scan"}, {"first"}),
    ({"year": "2023"}, {"second"}),
    ({"year": "2019"}, set()),
    ({"type": "application/pdf"}, set()),  # these test files are not PDFs: the type is the sniffed one
    ({"type": "text/plain"}, {"first", "second"}),
])
def test_other_filters(corpus, researcher, filters, expected):
    body = researcher.get("/api/v1/search", query_string={"q": "facial", **filters}).json
    names = {name for name in ("first", "second") for h in body["hits"] if h["document_id"] == corpus[name].id}
    assert names == expected


def test_sort_by_date_and_paging(corpus, researcher):
    body = researcher.get("/api/v1/search?q=facial&sort=date&per_page=1").json
    assert body["total"] == 3 and len(body["hits"]) == 1
    assert body["hits"][0]["document_id"] == corpus["second"].id  # 2023 before 2021
    page3 = researcher.get("/api/v1/search?q=facial&sort=date&per_page=1&page=3").json
    assert page3["page"] == 3 and page3["hits"][0]["document_id"] == corpus["first"].id


def test_phrases_and_prefixes(corpus, researcher):
    phrase = researcher.get('/api/v1/search?q="rulemaking docket"').json
    assert [(h["document_id"], h["page"]) for h in phrase["hits"]] == [(corpus["first"].id, 2)]
    prefix = researcher.get("/api/v1/search?q=rulemak*").json
    assert prefix["total"] == 1


MALFORMED = ['((("unbalanced', '"open phrase', "(police", "police)", "", "   ", "-facial", "NOT", "the of and", "f*",
             "x" * 1200, "facial sort:weird", "agency:", "(" * 40 + "facial", "\x00", "facial OR", "*", ":", "-"]


def test_malformed_queries_are_400_with_a_message_never_500(corpus, researcher):
    for q in MALFORMED:
        response = researcher.get("/api/v1/search", query_string={"q": q})
        assert response.status_code in (200, 400), (q, response.json)
        if response.status_code == 400:
            error = response.json["error"]
            assert error["code"] == "invalid_query" and len(error["message"]) > 10, q


@pytest.mark.parametrize("q", ['((("unbalanced', '"open phrase', "(police", "police)"])
def test_unpaired_quotes_and_brackets_are_400(corpus, researcher, q):
    response = researcher.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_query"


@pytest.mark.parametrize(("args", "code"), [
    ({"agency": "Ministry of Truth"}, "invalid_query"),
    ({"year": "21"}, "invalid_query"),
    ({"page": "two"}, "invalid_page"),
    ({"per_page": "500"}, "invalid_page"),
    ({"sort": "alphabetical"}, "invalid_query"),
    ({"page": "200"}, "invalid_query"),  # beyond the first 1,000 results
])
def test_bad_parameters_say_what_to_send(corpus, researcher, args, code):
    response = researcher.get("/api/v1/search", query_string={"q": "facial", **args})
    assert response.status_code == 400
    assert response.json["error"]["code"] == code


# -- agency short names, release-date ranges, within one request, request titles -------------

def test_agency_short_name_in_the_query_finds_its_pages(corpus, researcher):
    # The agency's full name has no "NYPD" in it: the short name is searched as well.
    body = researcher.get("/api/v1/search", query_string={"q": "agency:NYPD facial"}).json
    assert {h["document_id"] for h in body["hits"]} == {corpus["first"].id}
    body = researcher.get("/api/v1/search", query_string={"q": "agency:doc facial"}).json
    assert {h["document_id"] for h in body["hits"]} == {corpus["second"].id}


@pytest.mark.parametrize(("args", "expected"), [
    ({"released_from": "2021-05-03"}, {"first", "second"}),
    ({"released_from": "2021-05-04"}, {"second"}),
    ({"released_to": "2021-05-03"}, {"first"}),
    ({"released_from": "2022-01-01", "released_to": "2022-12-31"}, set()),
    ({"released_from": "2021-01-01", "released_to": "2023-02-01"}, {"first", "second"}),
])
def test_release_date_ranges(corpus, researcher, args, expected):
    body = researcher.get("/api/v1/search", query_string={"q": "facial", **args}).json
    assert {h["document_id"] for h in body["hits"]} == {corpus[name].id for name in expected}
    assert body["total"] == sum(2 if name == "first" else 1 for name in expected)


def test_a_bad_release_date_is_a_400_saying_what_to_type(corpus, researcher):
    response = researcher.get("/api/v1/search", query_string={"q": "facial", "released_from": "May 2021"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json["error"]["message"]


def test_search_within_one_request_by_reference_or_id(corpus, researcher, api_as):
    from tracker.extensions import db
    from tracker.models import Request

    lawyer = api_as("lawyer")
    cameras = db.session.get(Request, corpus["first"].request_id)
    for value in (cameras.reference, str(cameras.id)):
        body = lawyer.get("/api/v1/search", query_string={"q": "facial", "request": value}).json
        assert {h["document_id"] for h in body["hits"]} == {corpus["first"].id}
        # The request is internal: a researcher hears what a request that does not exist would answer.
        hidden = researcher.get("/api/v1/search", query_string={"q": "facial", "request": value})
        assert hidden.status_code == 404 and "hits" not in hidden.json
    response = researcher.get("/api/v1/search", query_string={"q": "facial", "request": "FT-1999-99999"})
    assert response.status_code == 404 and response.json["error"]["field"] == "request"


def test_staff_find_request_titles_and_descriptions_researchers_never(app, corpus, api_as, make_request):
    from tracker.dispatch import commit
    from tracker.operations.requests import update_request

    drones = make_request(agency=corpus["nypd"], title="Drone fleet procurement")
    # A changed description is re-indexed after its commit.
    update_request(drones, None, description="All contracts for unmanned aircraft since 2019.")
    commit()
    for role, sees in (("volunteer", True), ("lawyer", True), ("researcher", False)):
        body = api_as(role).get("/api/v1/search", query_string={"q": "unmanned aircraft"}).json
        assert (body["total"] == 1) == sees, role
        if sees:
            (hit,) = body["hits"]
            assert hit["kind"] == "request" and hit["document_id"] is None and hit["request_id"]
            assert "<mark>unmanned</mark> <mark>aircraft</mark>" in hit["snippet"]

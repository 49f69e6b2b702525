"""One validation layer for pages and API: the inputs found by hand that gave a 500, each now a 4xx naming
the field with the API's message and nothing saved; the small leaks and permissions around them."""

from __future__ import annotations

import json
import logging

import pytest

from tests import page_support
from tracker.web.filters import filename

BOTH_DATABASES = True
page_app, records, as_role = page_support.page_app, page_support.records, page_support.as_role  # fixtures

DEEP = "(" * 250 + "cameras" + ")" * 250
HUGE = "9" * 24


def _counts() -> dict[str, int]:
    from tracker.extensions import db
    from tracker.models import Event, Litigation, Request

    return {model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Request, Event, Litigation)}


@pytest.mark.parametrize(("role", "method", "url", "form", "status", "says"), [
    # Brackets nested 250 deep: a RecursionError and a 125 KB traceback per request before.
    ("anonymous", "get", "/public/search?q=" + DEEP, None, 200, "nests more than 20 levels"),
    ("researcher", "get", "/search?q=" + DEEP, None, 400, "nests more than 20 levels"),
    ("lawyer", "get", "/search?q=" + "NOT " * 240 + "x", None, 400, "nests more than 20 levels"),
    ("volunteer", "get", "/search?q=" + "request:" * 120 + "1", None, 400, "nests more than 20 levels"),
    # Numbers beyond any id or page: OverflowError or ValueError in the database driver before.
    ("anonymous", "get", "/public/documents/{document}?page=" + "9" * 30, None, 400, "page: Input should be"),
    ("anonymous", "get", "/public/search?q=facial&page=" + "9" * 5000, None, 400, "page:"),
    ("admin", "get", "/requests/?assignee=" + "9" * 20, None, 400, "assignee: Input should be"),
    ("lawyer", "get", "/requests/?assignee=" + "9" * 20, None, 400, "assignee: Input should be"),
    ("volunteer", "get", "/requests/?assignee=" + "9" * 20, None, 400, "assignee: Input should be"),
    ("researcher", "get", "/requests/?agency=" + "9" * 20, None, 400, "agency: Input should be"),
    ("lawyer", "get", "/requests/?page=" + "9" * 40, None, 400, "page: Input should be"),
    ("lawyer", "get", "/requests/?campaign=%C2%B2", None, 400, "campaign:"),  # "²" passes str.isdigit
    ("lawyer", "get", "/?campaign=" + HUGE, None, 400, "campaign: Input should be"),
    ("admin", "get", "/audit/?request=%C2%B2", None, 400, "request: Input should be a valid integer"),
    ("admin", "get", "/audit/?user=" + HUGE, None, 400, "user: Input should be less than or equal to"),
    ("lawyer", "post", "/requests/new", {"agency": HUGE, "title": "x"}, 422, "agency.0: Input should be"),
    ("lawyer", "post", "/requests/new", {"agency": "{agency}", "campaign": HUGE, "title": "x"}, 422,
     "campaign: Input should be"),
    ("lawyer", "post", "/litigation/new", {"caption": "A v. B", "request_ids": "9" * 5000}, 422,
     "request_ids.0:"),
    ("admin", "post", "/litigation/new", {"caption": "A v. B", "request_ids": "{denied}, ٣"}, 422,
     "request_ids.1:"),
    # Text longer than its column: PostgreSQL's "value too long for type character varying(300)".
    ("admin", "post", "/agencies/new", {"name": "x" * 20_000}, 422, "name: String should have at most 300"),
    ("admin", "post", "/agencies/{agency}/edit", {"name": "NYPD", "short_name": "N" * 41}, 422,
     "short_name: String should have at most 40"),
    ("admin", "post", "/campaigns/", {"name": "é" * 3000}, 422, "name: String should have at most 300"),
    ("lawyer", "post", "/appeals/{appeal}", {"tracking_number": "x" * 20_000}, 422,
     "tracking_number: String should have at most 100"),
    ("lawyer", "post", "/requests/{refused}/appeal-letter", {"to": "appeals@nypd.example.org", "subject": "Appeal",
                                                           "body": "We appeal.", "tracking_number": "9" * 101}, 422,
     "tracking_number: String should have at most 100"),
    ("lawyer", "post", "/requests/new", {"agency": "{agency}", "title": "x", "tracking_number": "9" * 101}, 422,
     "tracking_number: String should have at most 100"),
    ("admin", "post", "/people/", {"email": "a" * 330 + "@example.org", "role": "volunteer"}, 422, "email:"),
    ("admin", "post", "/people/", {"email": "new@example.org", "name": "n" * 201, "role": "volunteer"}, 422,
     "name: String should have at most 200"),
    # A NUL character: PostgreSQL refuses it in text ("A string literal cannot contain NUL").
    ("lawyer", "post", "/requests/new", {"agency": "{agency}", "title": "a\x00b"}, 400,
     "title: a form field may not contain NUL characters"),
    ("anonymous", "get", "/public/search?q=a%00b", None, 400, "q: a query parameter may not contain NUL"),
    ("volunteer", "post", "/requests/{denied}/notes", {"note": "\x00"}, 400, "note: a form field may not"),
    ("volunteer", "post", "/requests/{denied}/events/new",
     {"type": "records_released", "occurred_on": "2024-02-02", "pages": "²"}, 422, "whole number"),
])
def test_inputs_that_gave_a_500_name_the_field(records, as_role, role, method, url, form, status, says):
    from tracker.extensions import db
    from tracker.models import Appeal

    records["appeal"] = db.session.scalar(db.select(Appeal).order_by(Appeal.id))
    ids = {name: str(getattr(value, "id", "")) for name, value in records.items()}
    url = url.format(**ids)
    if form:
        form = {k: v.format(**ids) for k, v in form.items()}
    before = _counts()
    response = getattr(as_role(role), method)(url, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:500]
    assert says in page, page[:2000]
    assert _counts() == before  # nothing was filed or logged


def test_a_huge_reference_typed_in_triage_is_no_match(records, as_role):
    client = as_role("volunteer")
    response = client.post(f"/messages/{records['message'].id}/assign", data={"reference": HUGE})
    assert response.status_code == 303
    assert f"No request matches “{HUGE}”" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post(f"/messages/{records['message'].id}/assign", data={"request_id": HUGE})
    assert response.status_code == 400 and "request_id: Input should be" in response.get_data(as_text=True)
    from tracker.extensions import db
    from tracker.models import Message

    assert db.session.get(Message, records["message"].id).status == "unmatched"


@pytest.mark.parametrize(("method", "url", "body", "field"), [
    ("post", "/api/v1/agencies", {"name": "x" * 301}, "name"),
    ("post", "/api/v1/agencies", {"name": "Parks", "short_name": "P" * 41}, "short_name"),
    ("patch", "/api/v1/agencies/{agency}", {"portal_url": "https://x.org/" + "a" * 500}, "portal_url"),
    ("patch", "/api/v1/agencies/{agency}", {"jurisdiction": "j" * 201}, "jurisdiction"),
])
def test_agency_text_longer_than_its_column_is_refused(records, api_as, method, url, body, field):
    from tracker.extensions import db
    from tracker.models import Agency

    url = url.format(agency=records["agency"].id)
    response = getattr(api_as("admin"), method)(url, data=json.dumps(body),
                                                headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json["error"]["field"] == field, response.json
    assert db.session.scalar(db.select(db.func.count()).select_from(Agency)) == 1


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"subject": None}, 422, "subject"),
    ({"to": None}, 422, "to"),
    ({"body": ["x"]}, 422, "body"),
    ({"tracking_number": 5}, 422, "tracking_number"),
])
def test_appeal_letter_refuses_null_and_wrong_types(records, api_as, body, status, field):
    from tracker.extensions import db
    from tracker.models import Message

    lawyer = api_as("lawyer")
    sent_before = db.session.scalar(db.select(db.func.count()).select_from(Message))
    response = lawyer.post(f"/api/v1/requests/{records['denied'].id}/appeal-letter", data=json.dumps(body),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.json
    assert response.json["error"]["field"] == field and response.json["error"]["message"].startswith(field)
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == sent_before


@pytest.mark.parametrize(("role", "status"), [("volunteer", 403), ("lawyer", 201), ("admin", 201)])
def test_only_lawyers_and_admins_log_an_article78_filing(records, api_as, make_request, role, status):
    from datetime import date

    from tracker.dispatch import commit
    from tracker.operations import record_event

    final = make_request(agency=records["agency"], title="Final", received_on=date(2024, 1, 8))
    record_event(final, "denied", date(2024, 1, 10), None)
    record_event(final, "appeal_filed", date(2024, 1, 20), None, {"filed_by": "post"})
    record_event(final, "appeal_denied", date(2024, 2, 1), None)
    commit()
    client = api_as(role)
    response = client.post(f"/api/v1/requests/{final.id}/events",
                           data=json.dumps({"type": "article78_filed", "occurred_on": "2024-03-01"}),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.json
    events = [e["type"] for e in client.get(f"/api/v1/requests/{final.id}").json["events"]]
    assert ("article78_filed" in events) == (status == 201)


def test_the_event_form_offers_and_takes_article78_from_lawyers_only(records, as_role):
    url = f"/requests/{records['public'].id}/events/new"
    volunteer, lawyer = as_role("volunteer"), as_role("lawyer")
    assert 'value="article78_filed"' not in volunteer.get(url).get_data(as_text=True)
    assert 'value="article78_filed"' in lawyer.get(url).get_data(as_text=True)
    refused = volunteer.post(url, data={"type": "article78_filed", "occurred_on": "2024-03-01"})
    assert refused.status_code == 403 and "lawyers and administrators" in refused.get_data(as_text=True)
    from tracker.extensions import db
    from tracker.models import Event

    assert db.session.scalar(db.select(Event).where(Event.type == "article78_filed",
                                                    Event.request_id == records["public"].id)) is None


@pytest.mark.parametrize(("who", "args"), [
    ("researcher", {"request": "{internal}"}),
    ("researcher", {"request": "{internal_reference}"}),
    ("researcher", {"request": "99999"}),
    ("researcher", {"request": HUGE}),
    ("researcher", {"q": "facial request:{internal}"}),
    ("researcher", {"q": "facial request:99999"}),
])
def test_a_request_the_searcher_cannot_open_answers_as_one_that_does_not_exist(records, api_as, as_role,
                                                                               who, args):
    values = {"internal": str(records["internal"].id), "internal_reference": records["internal"].reference}
    args = {"q": "facial", **{k: v.format(**values) for k, v in args.items()}}
    response = api_as(who).get("/api/v1/search", query_string=args)
    assert response.status_code == 404, response.json
    assert set(response.json) == {"error"} and response.json["error"]["code"] == "not_found"
    page = as_role(who).get("/search", query_string=args)
    assert page.status_code == 200 and records["internal_document"].filename not in page.get_data(as_text=True)
    # The team sees the request, so the same filter finds its public document.
    staff = api_as("lawyer").get("/api/v1/search", query_string=args)
    if "99999" not in str(args) and HUGE not in str(args):
        assert [h["document_id"] for h in staff.json["hits"]] == [records["internal_document"].id]


def test_the_public_search_gives_no_hint_of_an_internal_request(records, as_role):
    anonymous = as_role("anonymous")
    for q in (f"facial request:{records['internal'].id}", "facial request:99999"):
        page = anonymous.get("/public/search", query_string={"q": q}).get_data(as_text=True)
        assert "memo.pdf" not in page and "contract.pdf" not in page


@pytest.mark.parametrize(("name", "shown"), [
    ("résumé\u202efdp.exe", "résumé[U+202E]fdp.exe"),
    ("a\u202ab\u202bc\u202cd\u202de", "a[U+202A]b[U+202B]c[U+202C]d[U+202D]e"),
    ("\u2066x\u2067y\u2068z\u2069", "[U+2066]x[U+2067]y[U+2068]z[U+2069]"),
    ("l\u200er\u200fa\u061c.pdf", "l[U+200E]r[U+200F]a[U+061C].pdf"),
    ("تقرير.pdf", "تقرير.pdf"),  # right-to-left letters themselves are left alone
    ("plain.pdf", "plain.pdf"),
    (None, ""),
])
def test_filenames_show_bidirectional_controls_as_visible_marks(name, shown):
    assert filename(name) == shown


def test_pages_and_api_show_the_neutralised_filename(page_app, records, api_as, as_role):
    from tests.search_support import add_pages

    tricky = add_pages(records["public"], ["Budget"], filename="résumé\u202efdp.exe")
    api = api_as("lawyer").get(f"/api/v1/documents/{tricky.id}").json
    assert api["filename"] == "résumé[U+202E]fdp.exe"
    for client, url in ((as_role("lawyer"), f"/documents/{tricky.id}"),
                        (as_role("lawyer"), f"/requests/{records['public'].id}"),
                        (as_role("anonymous"), f"/public/documents/{tricky.id}")):
        page = client.get(url).get_data(as_text=True)
        assert "\u202e" not in page and "résumé[U+202E]fdp.exe" in page, url


@pytest.mark.parametrize(("value", "ok"), [
    ("foil@nypd.example.org", True),
    ("", True),
    ("foil@nypd.example.org\r\nBcc: everyone@example.org", False),
    ("foil@nypd.example.org, press@nypd.example.org", False),
    ("foil@nypd.example.org; press@nypd.example.org", False),
    ("Records <foil@nypd.example.org>", False),
    ("not an address", False),
    ("foil@", False),
])
def test_agency_addresses_are_one_valid_address(records, api_as, as_role, value, ok):
    from tracker.extensions import db
    from tracker.models import Agency

    admin = api_as("admin")
    agency_id = records["agency"].id
    for field in ("foil_email", "appeals_email"):
        response = admin.patch(f"/api/v1/agencies/{agency_id}", data=json.dumps({field: value}),
                               headers={"Content-Type": "application/json"})
        assert (response.status_code == 200) == ok, response.json
        if not ok:
            assert response.status_code == 422 and response.json["error"]["field"] == field
    page = as_role("admin").post(f"/agencies/{agency_id}/edit", data={
        "name": "New York City Police Department", "short_name": "NYPD", "foil_email": value})
    assert (page.status_code == 302) == ok, page.get_data(as_text=True)[:500]
    if not ok:
        assert page.status_code == 422 and "foil_email:" in page.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Agency, agency_id)
    assert "\n" not in stored.foil_email and "," not in stored.foil_email
    assert stored.foil_email == (value if ok else "foil@nypd.example.org")


def test_a_server_error_logs_its_traceback_once_per_cause(app_config, request, caplog):
    app_config["PROPAGATE_EXCEPTIONS"] = False
    app = request.getfixturevalue("app")

    @app.get("/boom/<int:n>")
    def boom(n: int):
        if n % 2:
            raise ValueError("odd")
        raise KeyError("even")

    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        for n in range(6):
            assert client.get(f"/boom/{n}").status_code == 500
    logged = [r for r in caplog.records if "Exception on /boom/" in r.getMessage()]
    with_traceback = [r for r in logged if r.exc_info]
    assert sorted(r.exc_info[0].__name__ for r in with_traceback) == ["KeyError", "ValueError"]
    repeats = [r.getMessage() for r in logged if not r.exc_info]
    assert len(repeats) == 4 and all("\n" not in m for m in repeats)
    assert any("seen 3 times" in m and "ValueError: odd" in m for m in repeats), repeats


def test_a_saved_search_naming_a_request_the_searcher_cannot_open_finds_nothing_from_it(records, app, make_user):
    from tracker.extensions import db
    from tracker.models import Document
    from tracker.searching.filters import NoSuchRequest
    from tracker.searching.service import matching_pages

    researcher = make_user("researcher")
    documents = [d.id for d in db.session.scalars(db.select(Document)).all()]
    for q in (f"facial request:{records['internal'].id}", "facial request:99999"):
        with pytest.raises(NoSuchRequest):  # as for a request that does not exist: no hint either way
            matching_pages(researcher, q, None, documents)
    lawyer = make_user("lawyer")
    found = matching_pages(lawyer, f"facial request:{records['internal'].id}", None, documents)
    assert {hit.document_id for hit in found} == {records["internal_document"].id}

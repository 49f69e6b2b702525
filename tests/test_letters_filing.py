"""Request letters, the agency's clock in letters, letters as PDF, and filing by email or by portal."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from tracker import letter_language, request_letter
from tracker.clock import legal_today

pytestmark = pytest.mark.filterwarnings("ignore:Task name 'foiltrack.deadlines.recompute_all'")


@dataclass
class D:
    kind: str
    due_on: date
    missed: bool = False


@pytest.mark.parametrize(("deadlines", "expected"), [
    ([], None),
    # Our own deadlines are never what a letter to the agency cites.
    ([D("appeal", date(2026, 12, 23)), D("article78", date(2027, 4, 1))], None),
    ([D("acknowledgment", date(2026, 12, 7)), D("appeal", date(2026, 12, 3))],
     "Under Public Officers Law §89(3)(a), the agency is required to grant or deny the request, or to acknowledge "
     "it in writing with an approximate date, within five business days of receiving it, that is by Monday, "
     "December 7, 2026."),
    ([D("determination", date(2026, 11, 2), missed=True), D("appeal", date(2026, 12, 2))],
     "Under Public Officers Law §89(3)(a), the agency was required to grant or deny the request within twenty "
     "business days of acknowledging it, that is by Monday, November 2, 2026; that day has passed."),
    ([D("date_certain", date(2027, 1, 15))], "by the date it set itself, that is by Friday, January 15, 2027."),
    ([D("appeal_determination", date(2027, 1, 15))], "Public Officers Law §89(4)(a)"),
])
def test_letters_cite_the_agencys_own_clock(deadlines, expected):
    clock = request_letter.agency_clock(deadlines)
    if expected is None:
        assert clock is None
    else:
        assert expected in clock.sentence()


def test_the_default_request_letter():
    values = {"date": "Monday, March 2, 2026", "agency": "New York City Police Department",
              "agency_email": "foil@nypd.example.org", "title": "Facial recognition",
              "description": "All contracts for facial recognition software.", "reference": "FT-2026-00001",
              "requester": "Ana Lawyer", "requester_email": "foil+abc@foil.example.org",
              "campaign": "Ban the Scan", "agency_deadline": ""}
    body = letter_language.fill("request", request_letter.DEFAULT_REQUEST_TEMPLATE, values)
    for words in ("Public Officers Law §89(3)(a)", "in electronic form", "Ana Lawyer",
                  "All contracts for facial recognition software.", "Monday, March 2, 2026", "FT-2026-00001",
                  "within five business days", "estimated amount of any fee",
                  "§87(1)(b)(iii) and §87(1)(c)", "25 cents a page for pages up to 9 by 14 inches",
                  "at least two hours of employee time", "lowest-paid employee",
                  "please contact me and I will clarify it"):
        assert words in body, words
    assert "{" not in body
    assert "waive" not in body  # a federal FOIA idea, not a FOIL one


@pytest.mark.parametrize(("include", "given", "precincts", "has_address", "precinct_words"), [
    (None, "1 Main St\nBrooklyn, NY 11222", (), True, ""),
    (False, "1 Main St\nBrooklyn, NY 11222", (), False, ""),
    (True, "1 Main St\nBrooklyn, NY 11222", ("94",), True, ", police precinct 94;"),
    (None, "", ("90", "94"), False, ", police precincts 90 and 94;"),
    (True, "", ("90", "94", "104"), False, ", police precincts 90, 94 and 104;"),
])
def test_the_neighborhood_letter(app, include, given, precincts, has_address, precinct_words):
    from tracker.geo import find_neighborhood
    from tracker.models import Agency, Campaign, Resident
    from tracker.operations.residents import letter_for

    place = find_neighborhood("BK0101")
    campaign = Campaign(name="Ban the Scan", letter_template="", agency=Agency(name="NYPD"))
    resident = Resident(name="Rosa Parks", postal_address=given)
    letter = letter_for(campaign, place, resident, include_postal_address=include, precincts=precincts)
    # Records, not answers to questions; a date range; electronic copies by email; the fee rule; clarification.
    for words in ("I request copies of the following records", "from January 1, 2016 through the date of this",
                  f"neighborhood of {place.name}, {place.borough} ({place.community_district}",
                  "2020 Neighborhood Tabulation Area BK0101", "by email in reply to this message",
                  "estimated amount of any fee", "25 cents a page", "I will clarify it", "Rosa Parks"):
        assert words in letter, words
    assert ("1 Main St" in letter) == has_address
    assert ("police precinct" in letter) == bool(precinct_words)
    if precinct_words:
        assert precinct_words in letter
    assert "?" not in letter and "{" not in letter


@pytest.fixture
def mail_app(app_config, smtp_sink, request):
    app_config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)
    return request.getfixturevalue("app")


@pytest.fixture
def lawyer_client(mail_app, client, login):
    login("lawyer")
    return client


def csrf(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_file_to_three_agencies_by_email_after_seeing_each_letter(lawyer_client, make_agency, smtp_sink):
    agencies = [make_agency(name=f"Agency {n}") for n in "ABC"]
    page = lawyer_client.get("/requests/new")
    created = lawyer_client.post("/requests/new", data={
        "csrf_token": csrf(page), "agency": [str(a.id) for a in agencies], "title": "Cameras at {{ agency }}",
        "description": "All records of cameras.", "new_campaign": "Cameras"})
    assert created.status_code == 302 and "/requests/file?ids=" in created.location
    preview = lawyer_client.get(created.location)
    html = preview.get_data(as_text=True)
    for agency in agencies:  # each agency's own letter, before anything is sent
        assert f"The letter to {agency.short_name} ({agency.foil_email})" in html
        assert f"Cameras at {agency.name}" in html
    assert html.count("Public Officers Law §89(3)(a)") >= 3
    from tracker.models import Message, Request

    assert Message.query.count() == 0
    sent = lawyer_client.post(created.location, data={"csrf_token": csrf(preview), "method": "email"})
    assert sent.status_code == 302
    mails = smtp_sink.wait_for(3)
    assert sorted(m.message["To"] for m in mails) == sorted(a.foil_email for a in agencies)
    assert all("estimated amount of any fee" in m.message.get_content() for m in mails)
    from tracker.extensions import db

    db.session.expire_all()
    assert {r.status for r in Request.query.all()} == {"submitted"}  # logged once the server accepted each
    landed = lawyer_client.get(sent.location).get_data(as_text=True)
    assert "3 requests queued to be emailed" in landed
    assert landed.count("Request email sent to") == 3


def test_record_a_request_filed_through_the_portal(lawyer_client, make_agency):
    agency = make_agency(name="New York City Police Department", short_name="NYPD")
    page = lawyer_client.get("/requests/new")
    created = lawyer_client.post("/requests/new", data={
        "csrf_token": csrf(page), "agency": [str(agency.id)], "title": "Facial recognition"})
    page = lawyer_client.get(created.location)
    from tracker.models import Request

    req = Request.query.one()
    day = legal_today() - timedelta(days=1)
    filed = lawyer_client.post(created.location, data={
        "csrf_token": csrf(page), "method": "portal", "received_on": day.isoformat(),
        f"tracking_{req.id}": "FOIL-2026-056-01234"}, follow_redirects=True)
    assert "1 request recorded as filed through the agency&#39;s portal" in filed.get_data(as_text=True)
    from tracker.extensions import db

    db.session.expire_all()
    assert req.status == "submitted" and [t.number for t in req.tracking_numbers] == ["FOIL-2026-056-01234"]
    assert req.events[0].data == {"method": "portal", "tracking_number": "FOIL-2026-056-01234"}
    again = lawyer_client.post(created.location, data={"csrf_token": csrf(page), "method": "post",
                                                       "received_on": day.isoformat()})
    assert again.status_code == 422 and "already filed" in again.get_data(as_text=True)
    future = (legal_today() + timedelta(days=3)).isoformat()
    page = lawyer_client.get("/requests/new")
    lawyer_client.post("/requests/new", data={"csrf_token": csrf(page), "agency": [str(agency.id)], "title": "B"})
    other = Request.query.filter_by(title="B").one()
    refused = lawyer_client.post(f"/requests/file?ids={other.id}", data={
        "csrf_token": csrf(page), "method": "hand", "received_on": future})
    assert refused.status_code == 422 and "is in the future" in refused.get_data(as_text=True)


def test_letters_download_as_pdf_with_the_letterhead(lawyer_client, make_request, api_as):
    import pypdfium2

    from tracker.dispatch import commit
    from tracker.models import Campaign
    from tracker.operations import record_event

    req = make_request(received_on=legal_today() - timedelta(days=30), campaign="Ban the Scan")
    req.campaign.letterhead = "Ban the Scan Coalition\n123 Example Street, New York, NY 10001"
    record_event(req, "denied", legal_today(), None, {"exemptions": ["87(2)(e)(iv)", "87(2)(g)"]})
    commit()
    api = api_as("lawyer")
    letter = api.get(f"/api/v1/requests/{req.id}/appeal-letter").json
    pdf = api.get(f"/api/v1/requests/{req.id}/appeal-letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(pdf.data)
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    flat = " ".join(text.split())
    assert "Ban the Scan Coalition" in flat and "123 Example Street" in flat
    for paragraph in letter["body"].split("\n\n")[2:6]:  # the same letter, word for word
        assert " ".join(paragraph.split())[:120] in flat
    assert "Fink v. Lefkowitz" in flat and "POL §87(2)(e)(iv)" in flat
    for kind in ("request", "followup", "appeal"):
        page = lawyer_client.get(f"/requests/{req.id}/letters/{kind}")
        assert page.status_code == 200 and 'class="letter-text"' in page.get_data(as_text=True)
        download = lawyer_client.get(f"/requests/{req.id}/letters/{kind}.pdf")
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert Campaign.query.count() == 1
    researcher = api_as("researcher").get(f"/api/v1/requests/{req.id}/appeal-letter.pdf")
    assert researcher.status_code in (403, 404)


def test_follow_up_cites_the_agencys_clock_not_our_appeal_deadline(app, make_request, make_user):
    from tracker.operations import record_event
    from tracker.operations.outbox import draft_email

    received = legal_today() - timedelta(days=2)
    req = make_request(received_on=received)
    body = draft_email(req, "followup", make_user("lawyer"))["body"]
    assert "§89(3)(a)" in body and "within five business days" in body
    assert "appeal" not in body.lower() and not re.search(r"\d{4}-\d{2}-\d{2}", body)
    record_event(req, "denied", legal_today(), None)
    body = draft_email(req, "followup", None)["body"]
    assert "appeal" not in body.lower()


def test_a_campaign_keeps_its_own_letter_and_refuses_unknown_variables(lawyer_client, make_request):
    req = make_request(campaign="Ban the Scan")
    url = f"/campaigns/{req.campaign_id}"
    page = lawyer_client.get(url)
    assert "Public Officers Law §89(3)(a)" in page.get_data(as_text=True)  # the default, ready to edit
    bad = lawyer_client.post(url + "/letter", data={"csrf_token": csrf(page), "letterhead": "Ban the Scan",
                                                    "request_template": "Dear {{ officer }}, {{ title }}"})
    assert bad.status_code == 400
    assert "line 1, column 9: unknown placeholder {{ officer }}" in html.unescape(bad.get_data(as_text=True))
    good = lawyer_client.post(url + "/letter", data={
        "csrf_token": csrf(page), "letterhead": "Ban the Scan Coalition\nNew York",
        "request_template": "To {{ agency }}: please send {{ title }}. Signed, {{ requester }} for {{ campaign }}."})
    assert good.status_code == 302
    letter = lawyer_client.get(f"/requests/{req.id}/letters/request").get_data(as_text=True)
    assert f"To {req.agency.name}: please send {req.title}. Signed, Test lawyer for Ban the Scan." in letter

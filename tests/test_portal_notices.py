"""Portal notifications read as events: a table of messages written the way records portals write them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from ingest.portal import cited_grounds, parse_date_words, parse_portal_notice, tracking_numbers

APPEAL_BOILERPLATE = ("If your request is denied in whole or in part, you may appeal within 30 days to the "
                      "Records Access Appeals Officer.")

CASES = [
    # NYC OpenRecords acknowledgment with an approximate date.
    ("[OpenRecords] Request FOIL-2023-056-11528 Acknowledged",
     "The New York City Police Department (NYPD) has acknowledged your FOIL request FOIL-2023-056-11528. "
     "You can expect a response on or about Friday, March 17, 2023.\n\n" + APPEAL_BOILERPLATE
     + "\nPlease visit FOIL-2023-056-11528 to view additional information.",
     ("FOIL-2023-056-11528", "acknowledged", date(2023, 3, 17), (), None)),
    # An extension to a new date, worded by another agency on the same portal.
    ("Your FOIL request FOIL-2024-032-00871 has been extended",
     "Dear Requester,\nThe Department of Investigation needs more time. Your request has been extended to "
     "06/14/2024 because of the volume of records to review.\n" + APPEAL_BOILERPLATE,
     ("FOIL-2024-032-00871", "extended", date(2024, 6, 14), (), None)),
    # Closed with a denial citing subparagraphs, as NYPD answers facial-recognition requests.
    ("[OpenRecords] Request FOIL-2023-056-11528 Closed",
     "Your request FOIL-2023-056-11528 has been closed for the following reason(s):\n"
     "Denied - The records are exempt pursuant to Public Officers Law §87(2)(e)(iv), as disclosure would reveal "
     "non-routine criminal investigative techniques, §87(2)(f) and §87(2)(i). Inter-agency materials are "
     "withheld under 87(2)(g).",
     ("FOIL-2023-056-11528", "denied", None, ("87(2)(e)(iv)", "87(2)(f)", "87(2)(i)", "87(2)(g)"), None)),
    # A denial resting on a statute through (a).
    ("FOIL-2020-056-03321: determination",
     "Your request is denied pursuant to POL 87(2)(a) and Civil Rights Law section 50-a, and 89(2)(b)(iii).",
     ("FOIL-2020-056-03321", "denied", None, ("87(2)(a): Civil Rights Law §50-a", "89(2)(b)(iii)"), None)),
    # Records released, with a page count.
    ("[OpenRecords] A response has been added to FOIL-2024-056-00412",
     "The NYPD has released records for your request FOIL-2024-056-00412. Files have been added: 312 pages "
     "in 3 files. " + APPEAL_BOILERPLATE,
     ("FOIL-2024-056-00412", "records_released", None, (), 312)),
    # Released with parts withheld: a partial grant with its grounds.
    ("Records released: FOIL-2024-056-00413",
     "Records have been released for FOIL-2024-056-00413 (1,204 pages). Portions were redacted under "
     "§87(2)(b) and §89(2)(b)(iv).",
     ("FOIL-2024-056-00413", "partially_granted", None, ("87(2)(b)", "89(2)(b)(iv)"), 1204)),
    # Closed with nothing more said.
    ("Request FOIL-2022-002-00007 Closed", "This request has been closed.",
     ("FOIL-2022-002-00007", "closed", None, (), None)),
    # An agency's own numbering, given by its tracking pattern.
    ("NYSP FOIL acknowledgment", "We acknowledge receipt of request NYSP-24-12345 and expect to respond by "
     "July 1, 2024.", ("NYSP-24-12345", "acknowledged", date(2024, 7, 1), (), None)),
]


@pytest.mark.parametrize(("subject", "body", "expected"), CASES)
def test_portal_notices_are_read_as_events(subject, body, expected):
    notice = parse_portal_notice(subject, body, patterns=[r"NYSP-\d{2}-\d{4,6}"])
    assert notice is not None
    assert (notice.tracking_number, notice.event_type, notice.date_certain, notice.exemptions,
            notice.pages) == expected
    assert notice.evidence  # the words that said so, shown to the person confirming


@pytest.mark.parametrize(("subject", "body"), [
    ("Your records request", "We acknowledge your request and will respond soon."),  # no number
    ("FOIL-2023-056-11528", "Thank you for your message."),  # no status words
    ("FOIL-2023-056-11528 reminder", APPEAL_BOILERPLATE),  # boilerplate is not a denial
])
def test_what_is_not_a_portal_notice(subject, body):
    assert parse_portal_notice(subject, body) is None


@pytest.mark.parametrize(("words", "day"), [
    ("Friday, March 17, 2023", date(2023, 3, 17)),
    ("Mar. 17 2023", date(2023, 3, 17)),
    ("March 17th, 2023", date(2023, 3, 17)),
    ("03/17/2023", date(2023, 3, 17)),
    ("2023-03-17", date(2023, 3, 17)),
    ("February 30, 2023", None),
    ("13/01/2023", None),
])
def test_dates_as_portals_write_them(words, day):
    assert parse_date_words(words) == day


def test_numbers_and_grounds_are_found_once_in_order():
    text = "FOIL-2023-056-11528 and foil-2023-056-11528, then FOIL-2023-056-11529"
    assert tracking_numbers(text) == ["FOIL-2023-056-11528", "FOIL-2023-056-11529"]
    assert tracking_numbers("x", patterns=["(unclosed"]) == []  # a broken agency pattern is skipped
    assert cited_grounds("§87(2)(e)(iv) and 87 (2) (e) (iv), 89(2)(a)") == ["87(2)(e)(iv)"]


# -- the tracker side: matched by number, from a known sender, confirmed in one click --------------------

from tests.ingest_support import build_email  # noqa: E402


@pytest.fixture
def portal_agency(make_agency):
    return make_agency(name="New York City Police Department", short_name="NYPD", foil_email="foil@nypd.example.org",
                       portal_url="https://a860-openrecords.nyc.example.gov/", tracking_patterns=[])


def deliver(raw: bytes):
    from tracker.dispatch import commit
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    message, _ = deliver_raw(raw, blob_store().put(raw))
    commit()
    return message


def test_a_portal_acknowledgment_is_offered_and_logged_in_one_click(client, login, portal_agency, make_request):
    req = make_request(agency=portal_agency, received_on="2023-03-01", tracking_numbers=["FOIL-2023-056-11528"])
    message = deliver(build_email(
        sender="noreply@a860-openrecords.nyc.example.gov", subject="[OpenRecords] Request FOIL-2023-056-11528 "
        "Acknowledged", body=CASES[0][1], date=datetime(2023, 3, 3, 15, 0, tzinfo=UTC)))
    login("volunteer")
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "The agency's portal says" in page and "date given: Friday, March 17, 2023" in page
    token = __import__("re").search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post(f"/messages/{message.id}/portal-event", data={"csrf_token": token}, follow_redirects=True)
    flashes = re.findall(r'class="flash[^<]*', done.get_data(as_text=True))
    assert any("Logged from the portal&#39;s email: Agency acknowledged on Friday, March 3, 2023" in f
               for f in flashes), flashes
    from tracker.extensions import db

    db.session.expire_all()
    logged = [e for e in req.events if e.type == "acknowledged"]
    assert len(logged) == 1 and logged[0].data["date_certain"] == "2023-03-17"
    assert logged[0].message_id == message.id and logged[0].actor is not None
    after = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "The agency's portal says" not in after  # offered once; logged now
    again = client.post(f"/messages/{message.id}/portal-event", data={"csrf_token": token}, follow_redirects=True)
    assert "offers no event to log" in again.get_data(as_text=True)


def test_an_unmatched_portal_denial_finds_its_request_by_number(app, portal_agency, make_request, make_user):
    from tracker.dispatch import commit
    from tracker.operations.portal_notices import confirm_portal_event, suggestion_for

    req = make_request(agency=portal_agency, received_on="2023-03-01")
    req_numbers = ["FOIL-2023-056-11528"]
    from tracker.operations.requests import add_tracking_number

    add_tracking_number(req, req_numbers[0])
    commit()
    message = deliver(build_email(sender="noreply@a860-openrecords.nyc.example.gov", to="campaign@foil.example.org",
                                  subject=CASES[2][0], body=CASES[2][1], date=datetime(2023, 3, 20, tzinfo=UTC)))
    # Whether or not the matcher placed it (a portal's mail has no reply token), the number finds the request;
    # here it is left in triage, as when the number's pattern is not on the agency yet.
    message.request_id, message.status = None, "unmatched"
    commit()
    suggestion = suggestion_for(message)
    assert suggestion.request.id == req.id and suggestion.event_type == "denied"
    assert suggestion.data["exemptions"] == ["87(2)(e)(iv)", "87(2)(f)", "87(2)(i)", "87(2)(g)"]
    event = confirm_portal_event(message, make_user("lawyer"))
    commit()
    assert event.type == "denied" and message.request_id == req.id and req.status == "denied"


def test_a_stranger_quoting_the_number_is_not_the_portal(app, portal_agency, make_request):
    from tracker.operations.portal_notices import suggestion_for

    make_request(agency=portal_agency, received_on="2023-03-01", tracking_numbers=["FOIL-2023-056-11528"])
    message = deliver(build_email(sender="someone@gmail.example.com", subject=CASES[2][0], body=CASES[2][1]))
    assert suggestion_for(message) is None

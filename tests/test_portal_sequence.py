"""A request's portal notices, one after another: acknowledged, extended, denied, then partially granted.

The notices are written the way NYC OpenRecords writes them (see tests/test_portal_notices.py); each is
delivered through the real mail path, offered, and logged in one click. Later determinations are logged
like the first, each with its own appeal clock; the extension's reason and the appeals officer a denial
names go into the events' data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.ingest_support import build_email

PORTAL = "a860-openrecords.nyc.example.gov"
NUMBER = "FOIL-2023-056-11528"
BOILERPLATE = ("If your request is denied in whole or in part, you may appeal within 30 days to the Records Access "
               "Appeals Officer.")

NOTICES = [
    (f"[OpenRecords] Request {NUMBER} Acknowledged",
     f"The New York City Police Department (NYPD) has acknowledged your FOIL request {NUMBER}. You can expect a "
     f"response on or about Friday, March 31, 2023.\n\n{BOILERPLATE}", datetime(2023, 3, 3, 15, tzinfo=UTC)),
    (f"[OpenRecords] Request {NUMBER} has been extended",
     f"The NYPD needs more time to respond to {NUMBER}. Your request has been extended to 05/26/2023 because of "
     f"the volume of records that must be reviewed for exempt material.\n{BOILERPLATE}",
     datetime(2023, 3, 29, 14, tzinfo=UTC)),
    (f"[OpenRecords] Request {NUMBER} Closed",
     f"Your request {NUMBER} has been closed for the following reason(s):\nDenied - The records are exempt "
     "pursuant to Public Officers Law §87(2)(e)(iv) and §87(2)(f). You may appeal this determination within 30 "
     "days to Jane Roe, Records Access Appeals Officer, at foil-appeals@nypd.example.org.",
     datetime(2023, 4, 20, 16, tzinfo=UTC)),
    (f"[OpenRecords] A response has been added to {NUMBER}",
     f"The NYPD has reopened {NUMBER} and released records: 412 pages in 2 files. Portions were redacted under "
     f"§87(2)(b) and §87(2)(e)(iv).\n{BOILERPLATE}", datetime(2023, 5, 24, 15, tzinfo=UTC)),
]


@pytest.fixture
def nypd(make_agency):
    return make_agency(name="New York City Police Department", short_name="NYPD", foil_email="foil@nypd.example.org",
                       appeals_email="foil-appeals@nypd.example.org", portal_url=f"https://{PORTAL}/",
                       closure_calendar="nyc")


def deliver(raw: bytes):
    from tracker.dispatch import commit
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    message, _ = deliver_raw(raw, blob_store().put(raw))
    commit()
    return message


def test_four_portal_notices_are_each_logged_in_one_click(app, nypd, make_request, make_user):
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.operations import request_state
    from tracker.operations.portal_notices import confirm_portal_event, suggestion_for

    req = make_request(agency=nypd, received_on="2023-03-01", tracking_numbers=[NUMBER])
    lawyer = make_user("lawyer")
    logged = []
    for subject, body, sent in NOTICES:
        message = deliver(build_email(sender=f"noreply@{PORTAL}", subject=subject, body=body, date=sent))
        suggestion = suggestion_for(message)
        assert suggestion is not None, subject
        logged.append(confirm_portal_event(message, lawyer))
        commit()
        assert suggestion_for(message) is None  # offered once
    db.session.expire_all()
    assert [e.type for e in logged] == ["acknowledged", "extended", "denied", "partially_granted"]
    acknowledged, extended, denied, partial = logged
    assert acknowledged.data["date_certain"] == "2023-03-31"
    assert extended.data == {"date_certain": "2023-05-26",
                             "reason": "the volume of records that must be reviewed for exempt material"}
    assert denied.data["appeals_officer"] == "Jane Roe"
    assert denied.data["exemptions"] == ["87(2)(e)(iv)", "87(2)(f)"]
    assert partial.data["pages"] == 412 and partial.data["exemptions"] == ["87(2)(b)", "87(2)(e)(iv)"]

    state = request_state(req, date(2023, 5, 25))
    assert state.status == "partially_granted"
    appeals = [(d.due_on, d.event_id) for d in state.deadlines if d.kind == "appeal" and not d.missed]
    # Denied Thu Apr 20: 30 days is Sat May 20 -> Mon May 22 (GCL §25-a), gone by May 25, so missed; the
    # partial grant of Wed May 24 opens its own clock: Fri Jun 23.
    assert appeals == [(date(2023, 6, 23), partial.id)]
    missed = [(d.kind, d.due_on, d.event_id) for d in state.deadlines if d.missed]
    assert ("appeal", date(2023, 5, 22), denied.id) in missed
    # The extension moved the agency's own date of Mar 31; that date stays, missed once it passed.
    assert ("date_certain", date(2023, 3, 31), acknowledged.id) in missed
    assert state.pages_released == 412


@pytest.mark.parametrize(("sender", "senders", "offered"), [
    (f"noreply@{PORTAL}", [], True),  # the portal's exact host
    ("records@nypd.example.org", [], True),  # the domain of its FOIL address
    ("clerk@legal.nypd.example.org", [], True),  # ... and its subdomains, as the matcher reads domains
    ("noreply@nyc.example.gov", [], False),  # a parent domain of the portal's host speaks for nobody
    ("someone@other.nyc.example.gov", [], False),
    ("noreply@nyc.example.gov", ["nyc.example.gov"], True),  # unless the agency lists it as a sender
    ("officer@dcas.example.gov", ["officer@dcas.example.gov"], True),  # a listed address
    ("intern@dcas.example.gov", ["officer@dcas.example.gov"], False),
])
def test_which_senders_speak_for_the_agency(app, nypd, make_request, sender, senders, offered):
    from tracker.dispatch import commit
    from tracker.operations import update_agency
    from tracker.operations.portal_notices import suggestion_for

    if senders:
        update_agency(nypd, None, senders=senders)
        commit()
    make_request(agency=nypd, received_on="2023-03-01", tracking_numbers=[NUMBER])
    message = deliver(build_email(sender=sender, subject=NOTICES[2][0], body=NOTICES[2][1], date=NOTICES[2][2]))
    assert (suggestion_for(message) is not None) is offered

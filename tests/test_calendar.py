"""Calendar feeds: a volunteer finds their request's deadlines in the .ics; a made-up secret gets nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from tests.conftest import csrf_token
from tracker.clock import legal_today


def parse(response) -> list:
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/calendar"
    return list(Calendar.from_ical(response.data).walk("VEVENT"))


@pytest.fixture
def volunteer(api_as):
    return api_as("volunteer")


def feed_path(api) -> str:
    url = api.get("/api/v1/me").json["calendar_url"]
    assert url.startswith("http://tracker.test/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://tracker.test")


def test_assigned_request_acknowledgment_in_feed(app, client, volunteer, make_request):
    received = legal_today() - timedelta(days=1)
    request = make_request(title="Body camera policy", received_on=received,
                           assignees=[volunteer.user.email], tracking_numbers=["FOIL-2024-056-00001"])
    make_request(title="Not assigned to anybody", received_on=received)
    events = parse(client.get(feed_path(volunteer)))
    assert len(events) == 1
    event = events[0]
    from tracker.operations import request_state

    due = request_state(request).deadlines[0]
    assert due.kind == "acknowledgment"
    # All-day: DTSTART is a date value on the legal due date, DTEND the next day.
    assert event.decoded("dtstart") == due.due_on and not hasattr(event.decoded("dtstart"), "hour")
    assert event.decoded("dtend") == due.due_on + timedelta(days=1)
    assert "Acknowledgment due" in str(event["summary"]) and request.reference in str(event["summary"])
    assert "Body camera policy" in str(event["summary"])
    text = str(event["description"])
    assert "POL §89(3)(a)" in text and f"http://tracker.test/requests/{request.id}" in text
    assert "FOIL-2024-056-00001" in text
    assert str(event["uid"]) == f"{request.id}-acknowledgment-{due.due_on.isoformat()}@tracker.test"
    alarms = list(event.walk("VALARM"))
    assert len(alarms) == 1 and alarms[0].decoded("trigger") == -timedelta(days=1)


def test_feed_follows_logged_events_and_keeps_uids(app, client, volunteer, lawyer_api, make_request):
    received = legal_today() - timedelta(days=2)
    request = make_request(received_on=received, assignees=[volunteer.user.email])
    path = feed_path(volunteer)
    first = parse(client.get(path))
    assert [str(e["uid"]) for e in first] == [str(e["uid"]) for e in parse(client.get(path))]
    response = lawyer_api.post(f"/api/v1/requests/{request.id}/events",
                               json={"type": "denied", "occurred_on": legal_today().isoformat(),
                                     "data": {"exemptions": ["87(2)(e)"]}})
    assert response.status_code == 201, response.json
    events = parse(client.get(path))
    assert [str(e["summary"]).split(" · ")[0] for e in events] == ["Appeal deadline"]
    assert events[0].decoded("dtstart") > legal_today() + timedelta(days=29)


def test_missed_deadlines_are_marked_and_raw_dates_shown(app, client, volunteer, make_request):
    # Denied Fri 2023-02-10: 30 days is Sun 2023-03-12, moved to Mon 2023-03-13 (GCL §25-a), long missed.
    request = make_request(received_on=date(2023, 1, 6), assignees=[volunteer.user.email])
    from tracker.dispatch import commit
    from tracker.operations import record_event

    record_event(request, "denied", date(2023, 2, 10), None)
    commit()
    events = parse(client.get(feed_path(volunteer)))
    assert len(events) == 1
    assert str(events[0]["summary"]).startswith("MISSED: Appeal deadline")
    assert events[0].decoded("dtstart") == date(2023, 3, 13)
    assert "2023-03-12" in str(events[0]["description"])
    assert list(events[0].walk("VALARM")) == []  # no alarm for a day that has passed


@pytest.fixture
def lawyer_api(api_as):
    return api_as("lawyer")


@pytest.mark.parametrize("path", [
    "/calendar/made-up-secret.ics",
    "/calendar/.ics",
    "/calendar/made-up-secret/campaign/1.ics",
])
def test_unknown_secret_is_404(client, path, make_request):
    make_request(received_on=legal_today(), campaign="Ban the Scan")
    assert client.get(path).status_code == 404


def test_renewed_secret_revokes_the_old_feed(app, client, volunteer):
    from tracker.dispatch import commit
    from tracker.operations import calendar_secret

    old = feed_path(volunteer)
    assert client.get(old).status_code == 200
    calendar_secret(volunteer.user, renew=True)
    commit()
    assert client.get(old).status_code == 404
    assert client.get(feed_path(volunteer)).status_code == 200


def test_campaign_feed_for_lawyers_only(app, client, lawyer_api, volunteer, make_request):
    received = legal_today() - timedelta(days=1)
    first = make_request(received_on=received, campaign="Ban the Scan")
    make_request(received_on=received, campaign="Ban the Scan")
    make_request(received_on=received, campaign="Other campaign")
    campaign_id = first.campaign_id
    secret = feed_path(lawyer_api).removeprefix("/calendar/").removesuffix(".ics")
    events = parse(client.get(f"/calendar/{secret}/campaign/{campaign_id}.ics"))
    assert len(events) == 2
    assert client.get(f"/calendar/{secret}/campaign/9999.ics").status_code == 404
    volunteer_secret = feed_path(volunteer).removeprefix("/calendar/").removesuffix(".ics")
    assert client.get(f"/calendar/{volunteer_secret}/campaign/{campaign_id}.ics").status_code == 404




def test_calendar_page_shows_feed_and_renews(app, client, make_user):
    user = make_user("lawyer")
    login = client.get("/login")
    client.post("/login", data={"email": user.email, "password": "correct horse battery",
                                "csrf_token": csrf_token(login)})
    page = client.get("/calendar")
    assert page.status_code == 200
    old = user.calendar_secret
    assert f"/calendar/{old}.ics" in page.get_data(as_text=True)
    response = client.post("/calendar/renew", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    from tracker.extensions import db

    db.session.refresh(user)
    assert user.calendar_secret != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404

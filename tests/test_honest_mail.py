"""Honest outcomes for outgoing mail: an appeal is filed when the mail server accepted it, or when a lawyer
says how else it went; pages say queued, sent at …, or failed: reason — try again.

Real SMTP: the aiosmtpd sink of tests/servers, and a port where nothing listens for the failing server.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.servers.ports import LOOPBACK, free_port
from tracker.clock import legal_today


@pytest.fixture
def sink_app(app_config, smtp_sink, request):
    """The app sending through the real SMTP sink."""
    app_config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)
    return request.getfixturevalue("app")


@pytest.fixture
def dead_smtp_app(app_config, request):
    """The app pointed at an SMTP port where nothing listens."""
    app_config.update(SMTP_HOST=LOOPBACK, SMTP_PORT=free_port())
    return request.getfixturevalue("app")


@pytest.fixture
def denied(make_agency, make_request):
    """A request the agency denied today (so it may be appealed), with an appeals address."""
    from tracker.dispatch import commit
    from tracker.operations import record_event

    agency = make_agency(name="New York City Police Department", short_name="NYPD",
                         appeals_email="appeals@nypd.example.org")
    found = make_request(agency, title="Drone program records", received_on=legal_today() - timedelta(days=10))
    record_event(found, "denied", legal_today(), None, data={"exemptions": ["87(2)(e)"]})
    commit()
    return found


def _appeal_events(request_id: int):
    from tracker.dispatch import rollback
    from tracker.extensions import db
    from tracker.models import Appeal, Event

    rollback()
    events = list(db.session.scalars(select(Event).where(Event.request_id == request_id,
                                                         Event.type == "appeal_filed")))
    appeals = db.session.scalar(select(func.count(Appeal.id)).where(Appeal.request_id == request_id))
    return events, appeals


def test_an_appeal_accepted_by_the_mail_server_is_filed_that_day(sink_app, smtp_sink, api_as, denied):
    lawyer = api_as("lawyer")
    url = f"/api/v1/requests/{denied.id}/appeal-letter"
    answer = lawyer.post(url, json={"tracking_number": "FOIL-A-2026-7"})
    assert answer.status_code == 202
    assert answer.json["status"] == "queued"
    message_id = answer.json["message"]["id"]
    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == ("appeals@nypd.example.org",)
    [event], appeals = _appeal_events(denied.id)
    assert appeals == 1
    assert (event.occurred_on, event.message_id) == (legal_today(), message_id)
    assert event.data["filed_by"] == "email" and event.data["tracking_number"] == "FOIL-A-2026-7"
    detail = lawyer.get(f"/api/v1/requests/{denied.id}").json
    assert detail["status"] == "appeal_filed"
    assert [m["status"] for m in detail["messages"] if m["id"] == message_id] == ["sent"]


def test_an_appeal_that_fails_to_send_files_nothing_and_says_so(dead_smtp_app, client, login, api_as, denied):
    lawyer = api_as("lawyer")
    answer = lawyer.post(f"/api/v1/requests/{denied.id}/appeal-letter", json={})
    assert answer.status_code == 202 and answer.json["status"] == "queued"
    events, appeals = _appeal_events(denied.id)
    assert (events, appeals) == ([], 0)  # no appeal_filed, no Appeal, no clock for a letter that never left
    detail = lawyer.get(f"/api/v1/requests/{denied.id}").json
    assert detail["status"] == "denied"
    assert [m["status"] for m in detail["messages"] if m["direction"] == "out"] == ["failed"]

    login("lawyer")
    page = client.get(f"/requests/{denied.id}").get_data(as_text=True)
    assert "failed: cannot connect to the SMTP server" in page and "try again</a>" in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "Mail that was not sent (1)" in dashboard and "failed: cannot connect to the SMTP server" in dashboard


def test_a_failed_appeal_sent_again_once_the_server_works_is_filed_then(dead_smtp_app, request, client, login,
                                                                         denied):
    from tracker.extensions import db
    from tracker.models import Message

    login("lawyer")
    page = client.get(f"/requests/{denied.id}/appeal-letter")
    response = client.post(f"/requests/{denied.id}/appeal-letter", data={
        "csrf_token": csrf_token(page), "to": "appeals@nypd.example.org", "subject": "FOIL appeal",
        "body": "I appeal. POL §89(4)(a).", "tracking_number": ""})
    assert response.status_code == 303
    assert _appeal_events(denied.id) == ([], 0)
    failed = db.session.scalar(select(Message).where(Message.direction == "out"))
    assert failed.status == "failed"

    sink = request.getfixturevalue("smtp_sink")
    dead_smtp_app.config.update(SMTP_HOST=sink.host, SMTP_PORT=sink.port)
    page = client.get(f"/messages/{failed.id}")
    assert client.post(f"/messages/{failed.id}/resend", data={"csrf_token": csrf_token(page)}).status_code == 303
    sink.wait_for(1)
    [event], appeals = _appeal_events(denied.id)
    assert appeals == 1 and event.data["filed_by"] == "email"
    assert "sent at " in client.get(f"/requests/{denied.id}").get_data(as_text=True)


def test_an_appeal_filed_another_way_says_how(app, api_as, denied):
    lawyer = api_as("lawyer")
    url = f"/api/v1/requests/{denied.id}/events"
    bare = lawyer.post(url, json={"type": "appeal_filed", "occurred_on": legal_today().isoformat()})
    assert bare.status_code == 422
    assert bare.json["error"]["code"] == "filed_by_required" and bare.json["error"]["field"] == "data.filed_by"
    faked = lawyer.post(url, json={"type": "appeal_filed", "occurred_on": legal_today().isoformat(),
                                   "data": {"filed_by": "email"}})
    assert faked.status_code == 422  # only the mail-out task logs an emailed appeal
    assert _appeal_events(denied.id) == ([], 0)
    posted = lawyer.post(url, json={"type": "appeal_filed", "occurred_on": legal_today().isoformat(),
                                    "data": {"filed_by": "post"}})
    assert posted.status_code == 201
    [event], appeals = _appeal_events(denied.id)
    assert appeals == 1 and event.data["filed_by"] == "post"


def test_send_pages_say_when_email_is_not_set_up(app, client, login, denied):
    assert not app.config["SMTP_HOST"]
    login("lawyer")
    for path in (f"/requests/{denied.id}/appeal-letter", f"/requests/{denied.id}/email"):
        page = client.get(path).get_data(as_text=True)
        notice = page.find("Email is not set up here")
        assert notice != -1, path
        assert notice < page.find('type="submit" class="primary"'), path  # before the button


def test_the_send_pages_say_nothing_of_the_kind_when_it_is(sink_app, client, login, denied):
    login("lawyer")
    assert "Email is not set up here" not in client.get(f"/requests/{denied.id}/appeal-letter").get_data(
        as_text=True)

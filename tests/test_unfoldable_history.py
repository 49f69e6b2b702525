"""Readers never fail on a history that cannot be folded (a restored backup, an old bug).

The history is written directly, as a bad restore would leave it: two `appeal_filed` events and two
Appeal rows. Every page and API answer about the request still works, the request shows its events,
the notice "the history is inconsistent at <event>: <reason>", and the deadlines as far as they go.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

BOTH_DATABASES = True


@pytest.fixture
def broken_request(app, make_user, make_agency):
    """A denied request whose stored history has two appeal filings (written around the operations)."""
    from tracker.clock import legal_today
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Appeal, Event
    from tracker.operations import file_request, record_event

    lawyer = make_user("lawyer")
    agency = make_agency(name="Department of Correction", short_name="DOC")
    today = legal_today()
    request = file_request(lawyer, agency, "Body camera footage", campaign="Jails",
                           received_on=today - timedelta(days=40))
    record_event(request, "denied", today - timedelta(days=20), lawyer, {"exemptions": ["87(2)(e)"]})
    record_event(request, "appeal_filed", today - timedelta(days=10), lawyer, {"filed_by": "post"})
    second = Event(request=request, type="appeal_filed", occurred_on=today - timedelta(days=9), actor=lawyer,
                   data={}, note="")
    db.session.add(second)
    db.session.flush()
    db.session.add(Appeal(request=request, filed_on=second.occurred_on, received_on=second.occurred_on,
                          filed_event_id=second.id))
    commit()
    return request, second


def test_the_fold_stops_where_the_history_breaks_and_says_so(app, broken_request):
    from tracker.operations import request_state

    request, second = broken_request
    state = request_state(request)
    assert state.inconsistency.startswith(f"the history is inconsistent at appeal filed on "
                                          f"{second.occurred_on.isoformat()} (event {second.id}): ")
    assert "there is nothing to appeal" in state.inconsistency
    # As far as it goes: the first appeal was folded, and its decision clock is there.
    assert state.status == "appeal_filed"
    assert [d.kind for d in state.deadlines] == ["appeal_determination"]


def test_every_page_and_api_answer_still_works(app, client, login, api_as, broken_request):
    request, second = broken_request
    api = api_as("lawyer")
    detail = api.get(f"/api/v1/requests/{request.id}")
    assert detail.status_code == 200
    body = detail.get_json()
    assert body["inconsistency"].startswith("the history is inconsistent at appeal filed on")
    assert [e["type"] for e in body["events"]].count("appeal_filed") == 2
    assert body["deadlines"] and body["deadlines"][0]["kind"] == "appeal_determination"
    for path in ("/api/v1/requests", "/api/v1/appeals", f"/api/v1/requests/{request.id}/events",
                 f"/api/v1/requests/{request.id}/appeal-letter"):
        answer = api.get(path)
        assert answer.status_code in (200, 409), (path, answer.get_json())
        assert answer.status_code != 500

    login("lawyer")
    page = client.get(f"/requests/{request.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "the history is inconsistent at appeal filed on" in text
    for path in ("/", "/requests/", "/requests/?status=appeal_filed", "/appeals", "/litigation",
                 f"/campaigns/{request.campaign_id}", f"/agencies/{request.agency_id}", "/requests/export.csv",
                 "/calendar", f"/requests/{request.id}/notes", f"/requests/{request.id}/events/new",
                 f"/requests/{request.id}/bundle.zip"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)


def test_a_further_event_is_refused_with_the_reason_not_a_500(app, api_as, broken_request):
    from tracker.clock import legal_today

    request, _ = broken_request
    api = api_as("lawyer")
    answer = api.post(f"/api/v1/requests/{request.id}/events",
                      json={"type": "appeal_denied", "occurred_on": legal_today().isoformat()})
    assert answer.status_code == 409
    message = answer.get_json()["error"]["message"]
    assert message.startswith("the history is inconsistent at appeal filed on") and "corrected" in message
    note = api.post(f"/api/v1/requests/{request.id}/events",
                    json={"type": "note", "occurred_on": legal_today().isoformat(), "note": "Restored from backup"})
    assert note.status_code == 201

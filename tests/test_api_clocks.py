"""The clocks through the JSON API: city agencies, later determinations, clarification, warnings, the CSV."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

BOTH_DATABASES = True  # the new event types and the calendar column pass the migrated CHECKs of both


@pytest.fixture
def lawyer(api_as):
    return api_as("lawyer")


@pytest.fixture
def city_agency(lawyer):
    response = lawyer.post("/api/v1/agencies", json={
        "name": "New York City Department of Investigation", "short_name": "DOI", "closure_calendar": "nyc",
        "foil_email": "records@doi.example.org"})
    assert response.status_code == 201, response.json
    assert response.json["closure_calendar"] == "nyc"
    return response.json["id"]


def new_request(lawyer, agency_id, received_on):
    created = lawyer.post("/api/v1/requests", json={"agency_id": agency_id, "title": "Complaints",
                                                    "received_on": received_on})
    assert created.status_code == 201, created.json
    return created.json["id"]


def log(lawyer, request_id, kind, day, **data):
    response = lawyer.post(f"/api/v1/requests/{request_id}/events", json={"type": kind, "occurred_on": day,
                                                                          "data": data})
    assert response.status_code == 201, response.json
    return response.json


def test_a_city_agency_counts_the_citys_closures_and_says_so(lawyer, city_agency):
    # Mon Dec 20, 2021: the city closed Fri Dec 24 (Christmas Day fell on a Saturday), so Tue Dec 28.
    request_id = new_request(lawyer, city_agency, "2021-12-20")
    body = lawyer.get(f"/api/v1/requests/{request_id}?as_of=2021-12-21").json
    (ack,) = body["deadlines"]
    assert (ack["kind"], ack["due_on"], ack["calendar"]) == ("acknowledgment", "2021-12-28", "nyc")
    assert "New York City's observed closures" in ack["basis"]
    # Back on the statute's calendar, GCL §24 alone: Mon Dec 27.
    changed = lawyer.patch(f"/api/v1/agencies/{city_agency}", json={"closure_calendar": "statute"})
    assert changed.status_code == 200 and changed.json["closure_calendar"] == "statute"
    body = lawyer.get(f"/api/v1/requests/{request_id}?as_of=2021-12-21").json
    assert [(d["due_on"], d["calendar"]) for d in body["deadlines"]] == [("2021-12-27", "statute")]


@pytest.mark.parametrize(("value", "status"), [("federal", 422), ("", 422), (7, 422)])
def test_an_unknown_calendar_is_refused(lawyer, city_agency, value, status):
    response = lawyer.patch(f"/api/v1/agencies/{city_agency}", json={"closure_calendar": value})
    assert response.status_code == status, response.json
    assert response.json["error"]["field"] == "closure_calendar" or "closure_calendar" in response.json["error"][
        "message"]
    assert lawyer.get(f"/api/v1/agencies/{city_agency}").json["closure_calendar"] == "nyc"  # nothing changed


def test_new_agencies_count_the_statutes_days(lawyer):
    response = lawyer.post("/api/v1/agencies", json={"name": "New York State Police"})
    assert response.json["closure_calendar"] == "statute"


def test_a_denial_then_a_partial_grant_each_get_an_appeal_deadline(lawyer, city_agency):
    request_id = new_request(lawyer, city_agency, "2023-01-06")
    denied = log(lawyer, request_id, "denied", "2023-02-10", exemptions=["87(2)(e)(iv)"],
                 appeals_officer="Jane Roe")
    partial = log(lawyer, request_id, "partially_granted", "2023-03-01", exemptions=["87(2)(b)"], pages=40)
    body = lawyer.get(f"/api/v1/requests/{request_id}?as_of=2023-03-02").json
    assert body["status"] == "partially_granted"
    appeals = [(d["due_on"], d["event_id"]) for d in body["deadlines"] if d["kind"] == "appeal" and not d["missed"]]
    assert appeals == [("2023-03-13", denied["id"]), ("2023-03-31", partial["id"])]
    assert body["events"][1]["data"]["appeals_officer"] == "Jane Roe"
    # The denial alone is appealed: the partial grant's clock keeps running.
    log(lawyer, request_id, "appeal_filed", "2023-03-06", filed_by="post", determination_event_id=denied["id"])
    body = lawyer.get(f"/api/v1/requests/{request_id}?as_of=2023-03-07").json
    open_ = sorted((d["kind"], d["due_on"]) for d in body["deadlines"] if not d["missed"])
    assert open_ == [("appeal", "2023-03-31"), ("appeal_determination", "2023-03-20")]


def test_clarification_answered_restarts_the_agencys_clock(lawyer, city_agency):
    request_id = new_request(lawyer, city_agency, "2023-01-06")
    log(lawyer, request_id, "clarification_requested", "2023-01-10")
    body = lawyer.get(f"/api/v1/requests/{request_id}?as_of=2023-02-01").json
    assert body["clarification_pending"] is True and body["deadlines"] == []
    answered = log(lawyer, request_id, "clarification_answered", "2023-02-01")
    body = lawyer.get(f"/api/v1/requests/{request_id}?as_of=2023-02-02").json
    assert [(d["kind"], d["due_on"], d["event_id"]) for d in body["deadlines"]] == [
        ("acknowledgment", "2023-02-08", answered["id"])]
    assert body["clarification_pending"] is False


def test_only_a_lawyer_marks_the_request_reasonably_described(lawyer, api_as, city_agency):
    request_id = new_request(lawyer, city_agency, "2023-01-06")
    log(lawyer, request_id, "clarification_requested", "2023-01-10")
    volunteer = api_as("volunteer")
    refused = volunteer.post(f"/api/v1/requests/{request_id}/events",
                             json={"type": "reasonably_described", "occurred_on": "2023-01-12"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    log(lawyer, request_id, "reasonably_described", "2023-01-12")
    # The original clocks kept running: the acknowledgment was due Fri Jan 13, so Jan 14 was a constructive
    # denial.
    body = lawyer.get(f"/api/v1/requests/{request_id}?as_of=2023-01-16").json
    assert body["status"] == "constructively_denied"
    assert [e["type"] for e in body["events"]][-1] == "reasonably_described"


def test_warnings_come_with_the_request(lawyer, city_agency):
    request_id = new_request(lawyer, city_agency, "2023-01-06")
    log(lawyer, request_id, "acknowledged", "2023-01-12", date_certain="2023-03-31")
    body = lawyer.get(f"/api/v1/requests/{request_id}?as_of=2023-01-13").json
    (warning,) = body["warnings"]
    assert set(warning) == {"code", "message", "citation"}
    assert warning["code"] == "date_certain_without_reason" and warning["citation"] == "POL §89(3)(a)"
    # Logging was not blocked, and a reason answers the flag.
    log(lawyer, request_id, "extended", "2023-02-01", date_certain="2023-03-31", reason="12,000 emails to review")
    body = lawyer.get(f"/api/v1/requests/{request_id}?as_of=2023-02-02").json
    assert [w["code"] for w in body["warnings"]] == ["date_certain_without_reason", "further_extension"]


def test_bad_event_facts_are_refused_and_nothing_is_logged(lawyer, city_agency):
    request_id = new_request(lawyer, city_agency, "2023-01-06")
    for data in ({"reason": 12}, {"appeals_officer": ["x"]}, {"determination_event_id": "2"},
                 {"reason": "x" * 2001}):
        response = lawyer.post(f"/api/v1/requests/{request_id}/events",
                               json={"type": "denied", "occurred_on": "2023-01-09", "data": data})
        assert response.status_code == 422, response.json
    assert [e["type"] for e in lawyer.get(f"/api/v1/requests/{request_id}").json["events"]] == ["submitted"]


def test_the_csv_shows_the_nearest_open_deadline_of_each_kind(app, lawyer, city_agency):
    from tracker.extensions import db
    from tracker.models import Request
    from tracker.web.exports import HEADER, request_row

    request_id = new_request(lawyer, city_agency, "2023-01-06")
    log(lawyer, request_id, "denied", "2023-02-10")
    log(lawyer, request_id, "partially_granted", "2023-03-01")
    row = dict(zip(HEADER, request_row(db.session.get(Request, request_id), date(2023, 3, 2)), strict=True))
    assert (row["appeal_due_on"], row["appeal_missed"]) == ("2023-03-13", "no")
    # Once the first has run out, the nearest open one is the partial grant's.
    row = dict(zip(HEADER, request_row(db.session.get(Request, request_id), date(2023, 3, 20)), strict=True))
    assert (row["appeal_due_on"], row["appeal_missed"]) == ("2023-03-31", "no")
    # When every one has run out, the latest missed one shows.
    row = dict(zip(HEADER, request_row(db.session.get(Request, request_id), date(2023, 4, 20)), strict=True))
    assert (row["appeal_due_on"], row["appeal_missed"]) == ("2023-03-31", "yes")


def test_a_late_acknowledgment_leaves_the_constructive_denial_appealable_by_letter(lawyer, city_agency):
    from tracker.clock import legal_today

    received = legal_today() - timedelta(days=30)
    request_id = new_request(lawyer, city_agency, received.isoformat())
    log(lawyer, request_id, "acknowledged", (legal_today() - timedelta(days=2)).isoformat(),
        approximate_date=(legal_today() + timedelta(days=20)).isoformat())
    state = lawyer.get(f"/api/v1/requests/{request_id}").json
    assert any(d["kind"] == "appeal" and not d.get("missed") for d in state["deadlines"]), state["deadlines"]
    letter = lawyer.get(f"/api/v1/requests/{request_id}/appeal-letter")
    assert letter.status_code == 200, letter.json
    # The letter appeals the constructive denial the late acknowledgment did not erase.
    assert "failed to acknowledge, grant or deny the request within five business days" in letter.json["body"]

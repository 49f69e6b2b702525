"""A client carries a request through the JSON API from receipt to Article 78, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

BOTH_DATABASES = True


@pytest.fixture
def lawyer(api_as):
    return api_as("lawyer")


@pytest.fixture
def agency_id(lawyer):
    response = lawyer.post("/api/v1/agencies", json={
        "name": "New York City Police Department", "short_name": "NYPD",
        "foil_email": "foil@nypd.example.org", "appeals_email": "appeals@nypd.example.org",
        "tracking_patterns": [r"FOIL-\d{4}-056-\d{5}"],
    })
    assert response.status_code == 201, response.json
    return response.json["id"]


def deadline(body, kind):
    found = [d for d in body["deadlines"] if d["kind"] == kind and not d["missed"]]
    assert len(found) == 1, body["deadlines"]
    return found[0]


def test_full_life_of_a_request(lawyer, agency_id, app):
    created = lawyer.post("/api/v1/requests", json={
        "agency_id": agency_id, "title": "Facial recognition contracts", "description": "All contracts.",
        "received_on": "2023-01-06", "campaign": "Ban the Scan", "tracking_numbers": ["FOIL-2023-056-11528"],
    })
    assert created.status_code == 201, created.json
    request_id = created.json["id"]
    body = lawyer.get(f"/api/v1/requests/{request_id}?as_of=2023-01-09").json
    assert body["status"] == "submitted"
    assert body["tracking_numbers"] == ["FOIL-2023-056-11528"]
    token = body["reply_address"].split("+")[1].split("@")[0]
    assert body["reply_address"] == f"foil+{token}@foil.example.org"
    # Received Friday 2023-01-06, a business day not itself counted: Mon 9 ... Fri 13 is the fifth.
    assert deadline(body, "acknowledgment")["due_on"] == "2023-01-13"

    def log(kind, day, **data):
        response = lawyer.post(f"/api/v1/requests/{request_id}/events",
                               json={"type": kind, "occurred_on": day, "data": data})
        assert response.status_code == 201, response.json
        # The state as it stood that day (today, years later, every clock has run out).
        return lawyer.get(f"/api/v1/requests/{request_id}?as_of={day}").json

    body = log("acknowledged", "2023-01-12")
    assert body["status"] == "acknowledged"
    assert body["next_deadline"] == {"kind": "determination", "due_on": "2023-02-10"}
    # 20 business days after Thu Jan 12, skipping MLK Day (Mon Jan 16): Fri Feb 10.
    assert deadline(body, "determination")["due_on"] == "2023-02-10"

    body = log("denied", "2023-02-10", exemptions=["87(2)(e)", "87(2)(g)"])
    assert body["status"] == "denied"
    appeal = deadline(body, "appeal")
    # 30 days after Fri Feb 10 is Sun Mar 12: GCL §25-a moves it to Mon Mar 13.
    assert (appeal["due_on"], appeal["raw_due_on"]) == ("2023-03-13", "2023-03-12")

    body = log("appeal_filed", "2023-03-01", filed_by="post")
    assert body["status"] == "appeal_filed"
    assert deadline(body, "appeal_determination")["due_on"] == "2023-03-15"

    body = log("appeal_denied", "2023-03-14")
    assert body["status"] == "appeal_denied"
    article78 = deadline(body, "article78")
    # Four months after Tue Mar 14 is Fri Jul 14 (GCL §30), a business day: no move.
    assert (article78["due_on"], article78["raw_due_on"]) == ("2023-07-14", None)

    body = log("article78_filed", "2023-06-01")
    assert body["status"] == "in_litigation"
    assert body["deadlines"] == []
    assert lawyer.get(f"/api/v1/requests/{request_id}").json["status"] == "in_litigation"
    assert [e["type"] for e in body["events"]] == [
        "submitted", "acknowledged", "denied", "appeal_filed", "appeal_denied", "article78_filed"]
    assert body["events"][2]["data"]["exemptions"] == ["87(2)(e)", "87(2)(g)"]


def test_acknowledgment_that_never_came_is_a_constructive_denial(lawyer, agency_id):
    created = lawyer.post("/api/v1/requests", json={
        "agency_id": agency_id, "title": "Audit logs", "received_on": "2024-03-01"})
    body = lawyer.get(f"/api/v1/requests/{created.json['id']}").json
    assert body["status"] == "constructively_denied"
    assert body["constructive_denial"] is True
    missed = [d for d in body["deadlines"] if d["missed"]]
    assert [d["kind"] for d in missed][0] == "acknowledgment"
    # Received Fri 2024-03-01: acknowledgment due Fri 2024-03-08; 30 days later is Sun Apr 7 -> Mon Apr 8,
    # and that appeal window has long gone too.
    assert missed[0]["due_on"] == "2024-03-08"
    appeal = [d for d in body["deadlines"] if d["kind"] == "appeal"][0]
    assert (appeal["due_on"], appeal["raw_due_on"], appeal["missed"]) == ("2024-04-08", "2024-04-07", True)
    assert "Constructive denial" in appeal["basis"]


def test_unanswered_appeal_opens_the_article78_clock(lawyer, agency_id):
    created = lawyer.post("/api/v1/requests", json={
        "agency_id": agency_id, "title": "Policies", "received_on": "2025-01-06"}).json
    url = f"/api/v1/requests/{created['id']}/events"
    lawyer.post(url, json={"type": "denied", "occurred_on": "2025-01-10"})
    lawyer.post(url, json={"type": "appeal_filed", "occurred_on": "2025-01-21", "data": {"filed_by": "hand"}})
    body = lawyer.get(f"/api/v1/requests/{created['id']}").json
    assert body["status"] == "appeal_constructively_denied"
    # Appeal received Tue 2025-01-21: ten business days end Tue Feb 4; four months later is Wed Jun 4.
    article78 = [d for d in body["deadlines"] if d["kind"] == "article78"][0]
    assert article78["due_on"] == "2025-06-04"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"title": "x", "agency_id": 999999}, 422, "unknown_agency"),
        ({"title": "x", "agency_id": "NYPD"}, 422, "invalid"),
        ({"title": "", "agency_id": None}, 422, "invalid"),
        ({"title": "x", "received_on": "2023-02-30"}, 422, "invalid_date"),
        ({"title": "x", "received_on": "yesterday"}, 422, "invalid_date"),
        ({"title": "x", "received_on": 20230101}, 422, "invalid"),  # a number, not text: the schema says so
        ({"title": "x", "received_on": "1850-01-01"}, 422, "invalid_date"),
        ({"title": "x", "received_on": "1999-12-31"}, 422, "invalid_date"),
        ({"title": "x", "assignees": ["nobody@example.org"]}, 422, "unknown_user"),
        ({"title": "x", "assignees": "nobody@example.org"}, 422, "invalid"),
        ({"title": "x", "tracking_numbers": "FOIL-2023-1"}, 422, "invalid"),
        ({"title": "x", "colour": "red"}, 400, "unknown_field"),
    ],
)
def test_bad_request_bodies_get_json_errors(lawyer, agency_id, payload, status, code):
    payload = {"agency_id": agency_id, **payload}
    response = lawyer.post("/api/v1/requests", json=payload)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


@pytest.mark.parametrize(
    ("event", "status", "code"),
    [
        ({"type": "teleported", "occurred_on": "2023-01-10"}, 422, "unknown_event_type"),
        ({"type": "acknowledged", "occurred_on": "2023-13-01"}, 422, "invalid_date"),
        ({"type": "acknowledged"}, 422, "invalid"),
        ({"type": "appeal_denied", "occurred_on": "2023-01-10"}, 409, "illegal_transition"),
        ({"type": "article78_filed", "occurred_on": "2023-01-10"}, 409, "illegal_transition"),
        ({"type": "acknowledged", "occurred_on": "2022-12-01"}, 422, "invalid_date"),
        ({"type": "acknowledged", "occurred_on": "2150-01-01"}, 409, "illegal_transition"),
        ({"type": "acknowledged", "occurred_on": "2999-01-01"}, 422, "invalid_date"),
        ({"type": "extended", "occurred_on": "2023-01-10"}, 409, "illegal_transition"),
        ({"type": "extended", "occurred_on": "2023-01-10", "data": {"date_certain": "2250-01-01"}}, 422,
         "invalid_date"),
        ({"type": "denied", "occurred_on": "2023-01-10", "data": {"exemptions": ["87(2)(z)"]}}, 422, "invalid"),
        ({"type": "records_released", "occurred_on": "2023-01-10", "data": {"pages": -3}}, 422, "invalid"),
        ({"type": "records_released", "occurred_on": "2023-01-10", "data": {"pages": 10**20}}, 422, "invalid"),
        ({"type": "fee_requested", "occurred_on": "2023-01-10", "data": {"fee": 1e308}}, 422, "invalid"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_recorded(lawyer, agency_id, event, status, code):
    created = lawyer.post("/api/v1/requests", json={
        "agency_id": agency_id, "title": "x", "received_on": "2023-01-06"}).json
    response = lawyer.post(f"/api/v1/requests/{created['id']}/events", json=event)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    after = lawyer.get(f"/api/v1/requests/{created['id']}?as_of=2023-01-09").json
    assert [e["type"] for e in after["events"]] == ["submitted"]


@pytest.mark.parametrize("as_of", ["1850-01-01", "9999-12-31"])
def test_as_of_outside_the_calendar_is_refused(lawyer, agency_id, as_of):
    created = lawyer.post("/api/v1/requests", json={
        "agency_id": agency_id, "title": "x", "received_on": "2023-01-06"}).json
    response = lawyer.get(f"/api/v1/requests/{created['id']}?as_of={as_of}")
    assert response.status_code == 422, response.json
    assert response.json["error"]["field"] == "as_of"


def test_illegal_transition_message_says_why(lawyer, agency_id):
    created = lawyer.post("/api/v1/requests", json={
        "agency_id": agency_id, "title": "x", "received_on": "2023-01-06"}).json
    response = lawyer.post(f"/api/v1/requests/{created['id']}/events",
                           json={"type": "appeal_denied", "occurred_on": "2023-01-09"})
    assert "appeal filed" in response.json["error"]["message"]


def test_malformed_json_and_missing_token(client, lawyer):
    assert client.get("/api/v1/requests").status_code == 401
    assert client.get("/api/v1/requests").json["error"]["code"] == "unauthenticated"
    bad = client.get("/api/v1/requests", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    response = lawyer.post("/api/v1/agencies", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"
    assert lawyer.get("/api/v1/requests/424242").status_code == 404
    assert lawyer.get("/api/v1/nothing-here").json["error"]["code"] == "not_found"


def test_roles_that_may_not_act_get_403(api_as, agency_id):
    volunteer = api_as("volunteer")
    researcher = api_as("researcher")
    body = {"agency_id": agency_id, "title": "x"}
    assert volunteer.post("/api/v1/requests", json=body).status_code == 403
    assert researcher.post("/api/v1/requests", json=body).status_code == 403
    assert volunteer.post("/api/v1/agencies", json={"name": "Other"}).status_code == 403


def test_researcher_sees_only_public_metadata(api_as, lawyer, agency_id):
    public = lawyer.post("/api/v1/requests", json={
        "agency_id": agency_id, "title": "Public one", "received_on": "2023-01-06", "visibility": "public"}).json
    private = lawyer.post("/api/v1/requests", json={
        "agency_id": agency_id, "title": "Internal one", "received_on": "2023-01-06"}).json
    lawyer.post(f"/api/v1/requests/{public['id']}/events",
                json={"type": "note", "occurred_on": "2023-01-09", "note": "Strategy: sue in March"})
    researcher = api_as("researcher")
    assert researcher.get(f"/api/v1/requests/{private['id']}").status_code == 404
    seen = researcher.get(f"/api/v1/requests/{public['id']}").json
    assert seen["title"] == "Public one"
    assert "events" not in seen and "Strategy" not in str(seen)
    listed = researcher.get("/api/v1/requests").json
    assert [r["id"] for r in listed["items"]] == [public["id"]]


def test_lists_are_paginated_and_filtered(lawyer, agency_id):
    for n in range(5):
        lawyer.post("/api/v1/requests", json={"agency_id": agency_id, "title": f"Request {n}",
                                              "tracking_numbers": [f"FOIL-2023-056-0000{n}"]})
    page = lawyer.get("/api/v1/requests?per_page=2&page=2").json
    assert (page["total"], page["page"], len(page["items"])) == (5, 2, 2)
    assert lawyer.get("/api/v1/requests?q=056-00003").json["items"][0]["title"] == "Request 3"
    assert lawyer.get("/api/v1/requests?status=draft").json["total"] == 5
    assert lawyer.get("/api/v1/requests?status=nonsense").status_code == 400
    assert lawyer.get("/api/v1/requests?page=0").status_code == 400


def test_patch_changes_assignees_and_tracking_numbers(api_as, lawyer, agency_id):
    volunteer = api_as("volunteer", "vol@example.org")
    created = lawyer.post("/api/v1/requests", json={"agency_id": agency_id, "title": "x",
                                                    "assignees": ["vol@example.org"]}).json
    assert created["assignees"] == ["vol@example.org"]
    patched = lawyer.patch(f"/api/v1/requests/{created['id']}", json={
        "title": "New title", "tracking_numbers": ["FOIL-2023-056-11111", {"number": "A-1", "kind": "appeal"}],
        "assignees": []})
    assert patched.status_code == 200, patched.json
    assert patched.json["title"] == "New title"
    assert patched.json["tracking_numbers"] == ["FOIL-2023-056-11111", "A-1"]
    assert patched.json["assignees"] == []
    assert volunteer.patch(f"/api/v1/requests/{created['id']}", json={"title": "no"}).status_code == 403


def test_agency_closure_days_extend_business_day_counts(lawyer, agency_id):
    created = lawyer.post("/api/v1/requests", json={
        "agency_id": agency_id, "title": "x", "received_on": "2023-01-06"}).json
    before = lawyer.get(f"/api/v1/requests/{created['id']}?as_of=2023-01-09").json
    assert deadline(before, "acknowledgment")["due_on"] == "2023-01-13"
    response = lawyer.patch(f"/api/v1/agencies/{agency_id}", json={"closure_days": ["2023-01-10"]})
    assert response.status_code == 200
    after = lawyer.get(f"/api/v1/requests/{created['id']}?as_of=2023-01-09").json
    # Closed Tue Jan 10: Mon 9, Wed 11, Thu 12, Fri 13, then MLK Day, so Tue Jan 17.
    assert deadline(after, "acknowledgment")["due_on"] == "2023-01-17"


def test_me_gives_role_and_calendar_url(lawyer):
    body = lawyer.get("/api/v1/me").json
    assert body["role"] == "lawyer"
    assert body["email"] == lawyer.user.email
    assert body["calendar_url"].startswith("http://tracker.test/calendar/")
    assert body["calendar_url"].endswith(".ics")


HUGE = "99999999999999999999"  # more than a database integer holds


@pytest.mark.parametrize("path", [f"/api/v1/requests/{HUGE}", f"/api/v1/requests/{HUGE}/events",
                                  f"/api/v1/agencies/{HUGE}", f"/api/v1/documents/{HUGE}",
                                  f"/api/v1/messages/{HUGE}", "/api/v1/documents/1/pages/" + HUGE])
def test_ids_too_big_for_the_database_are_not_found(lawyer, path):
    response = lawyer.get(path)
    assert response.status_code == 404, response.json
    assert response.json["error"]["code"] == "not_found"


def test_page_too_big_for_the_database_is_refused(lawyer):
    response = lawyer.get(f"/api/v1/requests?page={HUGE}")
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid_page"


def test_agency_id_too_big_for_the_database_is_unknown(lawyer):
    response = lawyer.post("/api/v1/requests", json={"agency_id": int(HUGE), "title": "x"})
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "unknown_agency"

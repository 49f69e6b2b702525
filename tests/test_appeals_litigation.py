"""Appeals and Article 78 suits as records: sending the appeal, recording decisions, suits and limits."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tracker.clock import legal_today

# tracker/tasks.py declares foiltrack.deadlines.recompute_all as a shared Celery task, so every app after the
# first warns when the outbox finalises its Celery app; not this module's concern (reported to the lead).
pytestmark = pytest.mark.filterwarnings("ignore:Task name 'foiltrack.deadlines.recompute_all'")


@pytest.fixture
def mail_app(app_config, smtp_sink, request):
    app_config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)
    return request.getfixturevalue("app")


@pytest.fixture
def lawyer(mail_app, api_as):
    return api_as("lawyer", "counsel@example.org")


@pytest.fixture
def denied_request(mail_app, make_agency, make_request):
    from tracker.dispatch import commit
    from tracker.operations import record_event

    agency = make_agency(name="New York City Police Department", short_name="NYPD",
                         appeals_email="appeals@nypd.example.org")
    created = make_request(agency, title="Drone program records", received_on=legal_today(),
                           tracking_numbers=["FOIL-2026-056-00042"])
    record_event(created, "denied", legal_today(), None, data={"exemptions": ["87(2)(e)"]})
    commit()
    return created


def test_send_appeal_by_api_records_the_appeal(lawyer, denied_request, smtp_sink):
    from tracker import deadlines

    url = f"/api/v1/requests/{denied_request.id}/appeal-letter"
    draft = lawyer.get(url).json
    response = lawyer.post(url, json={"body": draft["body"] + "\nEdited by counsel.",
                                      "tracking_number": "FOIL-A-2026-0001"})
    # Queued, not filed: the appeal counts once the mail server has accepted it.
    assert response.status_code == 202, response.json
    assert response.json["status"] == "queued" and response.json["message"]["status"] == "queued"
    assert response.json["message"]["to"] == ["appeals@nypd.example.org"]
    [sent] = smtp_sink.wait_for(1)
    [appeal] = lawyer.get("/api/v1/appeals").json["items"]
    assert appeal["outcome"] == "pending" and appeal["tracking_number"] == "FOIL-A-2026-0001"
    assert appeal["letter"].endswith("Edited by counsel.")
    assert appeal["determination_due_on"] == deadlines.appeal_determination_due(legal_today()).isoformat()
    assert sent.rcpt_tos == ("appeals@nypd.example.org",)
    assert "§89(4)(a)" in sent.message.get_content() and "Drone program records" in sent.message["Subject"]
    body = lawyer.get(f"/api/v1/requests/{denied_request.id}").json
    assert body["status"] == "appeal_filed"
    assert [d["kind"] for d in body["deadlines"]] == ["appeal_determination"]
    assert "FOIL-A-2026-0001" in body["tracking_numbers"]
    # A second appeal of the same denial is refused, and nothing more is sent.
    again = lawyer.post(url, json={})
    assert again.status_code == 409
    listed = lawyer.get("/api/v1/appeals").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == appeal["id"]
    assert lawyer.get(f"/api/v1/appeals/{appeal['id']}").json["request"] == denied_request.reference


def test_appeal_decision_by_patch_opens_article78(lawyer, denied_request, mail_app):
    from tracker.dispatch import commit
    from tracker.operations import record_event

    record_event(denied_request, "appeal_filed", legal_today(), None, {"filed_by": "post"})
    commit()
    appeal_id = lawyer.get("/api/v1/appeals").json["items"][0]["id"]
    response = lawyer.patch(f"/api/v1/appeals/{appeal_id}",
                            json={"outcome": "denied", "decided_on": legal_today().isoformat()})
    assert response.status_code == 200, response.json
    assert response.json["outcome"] == "denied"
    state = lawyer.get(f"/api/v1/requests/{denied_request.id}").json
    assert state["status"] == "appeal_denied"
    assert [d["kind"] for d in state["deadlines"]] == ["article78"]
    bad = lawyer.patch(f"/api/v1/appeals/{appeal_id}", json={"outcome": "lost"})
    assert bad.status_code == 422 and "outcome must be one of" in bad.json["error"]["message"]
    assert lawyer.get("/api/v1/appeals/999").status_code == 404


def _appeal_denied(request, day):
    from tracker.dispatch import commit
    from tracker.operations import record_event

    record_event(request, "acknowledged", date(2023, 1, 12), None)
    record_event(request, "denied", date(2023, 2, 10), None)
    record_event(request, "appeal_filed", date(2023, 3, 1), None, {"filed_by": "portal"})
    record_event(request, "appeal_denied", day, None)
    commit()


def test_litigation_records_limits_and_filing(lawyer, make_request, api_as):
    first = make_request(title="Contracts", received_on=date(2023, 1, 6))
    second = make_request(title="Audits", received_on=date(2023, 1, 6))
    _appeal_denied(first, date(2023, 3, 14))
    _appeal_denied(second, date(2023, 3, 14))
    response = lawyer.post("/api/v1/litigation", json={
        "caption": "Doe v. Test Agency", "index_number": "156672/2023", "judge": "Hon. A. Judge",
        "filed_on": "2023-07-14", "request_ids": [first.id, second.id]})
    assert response.status_code == 201, response.json
    suit = response.json
    assert suit["court"] == "Supreme Court of the State of New York"
    # Four months after Tue 2023-03-14 is Fri 2023-07-14 (CPLR 217(1), GCL §30): filed on the last day.
    assert [(r["article78_due_on"], r["filed_in_time"]) for r in suit["requests"]] == [
        ("2023-07-14", True), ("2023-07-14", True)]
    assert lawyer.get(f"/api/v1/requests/{first.id}").json["status"] == "in_litigation"
    patched = lawyer.patch(f"/api/v1/litigation/{suit['id']}", json={
        "decision": "Petition granted in part.", "outcome": "granted_in_part", "decided_on": "2024-01-10"})
    assert patched.status_code == 200, patched.json
    assert (patched.json["outcome"], patched.json["decided_on"]) == ("granted_in_part", "2024-01-10")
    assert lawyer.get(f"/api/v1/litigation?request_id={second.id}").json["total"] == 1
    assert lawyer.get(f"/api/v1/litigation/{suit['id']}").json["caption"] == "Doe v. Test Agency"
    volunteer = api_as("volunteer")
    refused = volunteer.post("/api/v1/litigation", json={"caption": "x", "request_ids": [first.id]})
    assert refused.status_code == 403


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"caption": "", "request_ids": [1]}, 422, "caption"),
    ({"caption": "A v. B", "request_ids": []}, 422, "at least one request"),
    ({"caption": "A v. B", "request_ids": [999]}, 404, "no request 999"),
    ({"caption": "A v. B", "request_ids": [1], "filed_on": "2023-02-30"}, 422, "not a real date"),
    ({"caption": "A v. B", "request_ids": [1], "filed_on": "2023-06-01"}, 409, "final determination"),
    ({"caption": "A v. B", "request_ids": [1], "venue": "x"}, 400, "unknown fields"),
])
def test_litigation_refusals(lawyer, make_request, body, status, words):
    make_request(received_on=date(2023, 1, 6))
    response = lawyer.post("/api/v1/litigation", json=body)
    assert response.status_code == status, response.json
    assert words in response.json["error"]["message"]


def sign_in(client, user):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/login", data={"email": user.email, "password": "correct horse battery",
                                "csrf_token": token})


def csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_letter_page_edit_and_send(mail_app, client, make_user, denied_request, smtp_sink):
    lawyer = make_user("lawyer")
    sign_in(client, lawyer)
    page = client.get(f"/requests/{denied_request.id}/appeal-letter")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "appeals@nypd.example.org" in html and "§89(4)(a)" in html
    response = client.post(f"/requests/{denied_request.id}/appeal-letter", data={
        "csrf_token": csrf(page), "to": "appeals@nypd.example.org", "subject": "FOIL appeal",
        "body": "I appeal. POL §89(4)(a).", "tracking_number": ""})
    assert response.status_code == 303, response.get_data(as_text=True)
    view = client.get(response.headers["Location"])
    assert view.status_code == 200 and "sent at " in view.get_data(as_text=True)
    [appeal_id] = [int(n) for n in re.findall(r'href="/appeals/(\d+)"', client.get("/appeals").get_data(as_text=True))]
    assert "I appeal. POL §89(4)(a)." in client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    assert smtp_sink.wait_for(1)[0].message.get_content().strip() == "I appeal. POL §89(4)(a)."
    assert client.get("/appeals").status_code == 200
    # Now there is nothing left to appeal: the page says so with 409.
    assert client.get(f"/requests/{denied_request.id}/appeal-letter").status_code == 409


def test_litigation_pages(mail_app, client, make_user, make_request):
    lawyer = make_user("lawyer")
    request = make_request(title="Contracts", received_on=date(2023, 1, 6))
    _appeal_denied(request, date(2023, 3, 14))
    sign_in(client, lawyer)
    page = client.get(f"/litigation/new?request_id={request.id}")
    assert page.status_code == 200
    response = client.post("/litigation/new", data={
        "csrf_token": csrf(page), "caption": "Doe v. Agency", "court": "Supreme Court, New York County",
        "index_number": "1/2023", "judge": "", "filed_on": "2023-07-17", "request_ids": str(request.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    view = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Doe v. Agency" in view and "filed after the limit" in view
    assert "Friday, July 14, 2023" in view
    assert "Doe v. Agency" in client.get("/litigation").get_data(as_text=True)
    volunteer = make_user("volunteer")
    client.post("/logout", data={"csrf_token": csrf(client.get("/litigation"))})
    sign_in(client, volunteer)
    assert client.get("/litigation/new").status_code == 403
    assert client.get("/litigation").status_code == 403  # Article 78 records are for lawyers and admins

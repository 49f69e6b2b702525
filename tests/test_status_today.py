"""Status and deadlines are derived as of today everywhere they are shown, with no scheduler running.

Each request here is stored as it stood on the last day before the law changed its status (the row's
status and next deadline written that day, as if nobody touched it since and no nightly job ran). Every
list, page, filter, feed and record must still show today's status.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker import deadlines

BOTH_DATABASES = True
ROOT = Path(__file__).resolve().parent.parent


def _received_for_ack_due_before(today: date) -> tuple[date, date]:
    """A receipt day whose acknowledgment deadline was the last possible day before today."""
    for back in range(1, 40):
        received = today - timedelta(days=back)
        due = deadlines.acknowledgment_due(received)
        if due < today:
            return received, due
    raise AssertionError("no receipt day found")


@pytest.fixture
def stored_yesterday(app, make_user, make_agency):
    """Factory: a request whose stored columns were last written on `as_of` (the scheduler never ran)."""
    from tracker.dispatch import commit
    from tracker.operations import file_request, recompute, record_event

    lawyer = make_user("lawyer")
    agency = make_agency(name="New York City Police Department", short_name="NYPD")

    def make(title: str, received: date, as_of: date, *events) -> object:
        request = file_request(lawyer, agency, title, campaign="Ban the Scan", received_on=received)
        for event_type, day, data in events:
            record_event(request, event_type, day, lawyer, data, today=day)
        recompute(request, as_of)  # what a write on that day stored
        commit()
        return request

    return make


def test_constructive_denial_shows_on_the_day_without_the_scheduler(app, client, login, api_as,
                                                                     stored_yesterday):
    from tracker.clock import legal_today
    from tracker.dispatch import rollback
    from tracker.extensions import db
    from tracker.models import Request

    today = legal_today()
    received, due = _received_for_ack_due_before(today)
    request = stored_yesterday("Silent agency", received, due)
    assert db.session.scalar(select(Request.status).where(Request.id == request.id)) == "submitted"

    api = api_as("lawyer")
    detail = api.get(f"/api/v1/requests/{request.id}").get_json()
    assert (detail["status"], detail["constructive_denial"]) == ("constructively_denied", True)
    assert detail["next_deadline"]["kind"] == "appeal"
    listed = api.get("/api/v1/requests?status=constructively_denied").get_json()
    assert [r["id"] for r in listed["items"]] == [request.id]
    assert api.get("/api/v1/requests?status=submitted").get_json()["items"] == []

    login("lawyer")
    for path in ("/requests/?status=constructively_denied", f"/requests/{request.id}", "/"):
        assert "Constructively denied" in client.get(path).get_data(as_text=True), path
    assert "Silent agency" not in client.get("/requests/?status=submitted").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(client.get("/requests/export.csv").get_data(as_text=True))))
    assert [(r["reference"], r["status"], r["constructive_denial"]) for r in rows] == [
        (request.reference, "constructively_denied", "yes")]
    rollback()
    # The list index itself was brought up to date, so it can never disagree with a page.
    assert db.session.scalar(select(Request.status).where(Request.id == request.id)) == "constructively_denied"


def test_an_appeal_past_its_decision_date_is_constructively_denied_in_every_list(app, client, login, api_as,
                                                                               stored_yesterday):
    from tracker.clock import legal_today
    from tracker.dispatch import rollback
    from tracker.extensions import db
    from tracker.models import Appeal

    today = legal_today()
    filed = today - timedelta(days=30)
    decision_due = deadlines.appeal_determination_due(filed)
    request = stored_yesterday("Unanswered appeal", filed - timedelta(days=40), decision_due,
                               ("denied", filed - timedelta(days=5), {"exemptions": ["87(2)(e)"]}),
                               ("appeal_filed", filed, {"received_on": filed.isoformat(), "filed_by": "post"}))
    assert db.session.scalar(select(Appeal.outcome).where(Appeal.request_id == request.id)) == "pending"

    api = api_as("lawyer")
    assert api.get(f"/api/v1/requests/{request.id}").get_json()["status"] == "appeal_constructively_denied"
    assert [r["status"] for r in api.get("/api/v1/requests").get_json()["items"]] == ["appeal_constructively_denied"]
    assert [a["outcome"] for a in api.get("/api/v1/appeals").get_json()["items"]] == ["constructively_denied"]

    login("lawyer")
    for path in ("/appeals", "/requests/", "/", f"/requests/{request.id}", f"/campaigns/{request.campaign_id}",
                 f"/agencies/{request.agency_id}", "/requests/?status=appeal_constructively_denied"):
        text = client.get(path).get_data(as_text=True).lower()
        assert "constructively denied" in text, path
    rows = list(csv.DictReader(io.StringIO(client.get("/requests/export.csv").get_data(as_text=True))))
    assert [(r["status"], r["appeal_outcome"]) for r in rows] == [("appeal_constructively_denied",
                                                                   "constructively_denied")]
    dashboard = client.get("/").get_data(as_text=True)
    assert "CPLR 217(1)" in dashboard  # the Article 78 limit cites its own statute, not POL §89(4)(a)
    rollback()
    assert db.session.scalar(select(Appeal.outcome).where(Appeal.request_id == request.id)) == "constructively_denied"


def test_every_deadline_cites_the_statute_of_its_own_kind(app, api_as, stored_yesterday):
    from tracker.clock import legal_today

    today = legal_today()
    filed = today - timedelta(days=30)
    request = stored_yesterday("Cited", filed - timedelta(days=40), today,
                               ("denied", filed - timedelta(days=5), {"exemptions": ["87(2)(e)"]}),
                               ("appeal_filed", filed, {"received_on": filed.isoformat(), "filed_by": "post"}))
    found = api_as("lawyer").get(f"/api/v1/requests/{request.id}").get_json()["deadlines"]
    statutes = {d["kind"]: d["statute"] for d in found}
    assert statutes["article78"] == "CPLR 217(1)"
    assert statutes["appeal_determination"] == "POL §89(4)(a)"
    assert next(d for d in found if d["kind"] == "article78")["basis"].startswith("CPLR 217(1)")

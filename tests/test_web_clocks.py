"""The clocks on the web forms: an agency's calendar, an extension's reason, a clarification answered."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def web_app(app_config, request):
    app_config["WTF_CSRF_ENABLED"] = False  # posting the forms directly; CSRF has its own tests
    return request.getfixturevalue("app")


@pytest.fixture
def lawyer_client(web_app, make_user):
    client = web_app.test_client()
    user = make_user("lawyer", "ana@example.org")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_the_agency_form_sets_and_shows_the_city_calendar(lawyer_client):
    from tracker.extensions import db
    from tracker.models import Agency

    form = lawyer_client.get("/agencies/new").get_data(as_text=True)
    assert 'name="closure_calendar" value="statute" checked' in form
    response = lawyer_client.post("/agencies/new", data={"name": "Department of Sanitation", "short_name": "DSNY",
                                                        "closure_calendar": "nyc"})
    assert response.status_code == 302
    agency = db.session.query(Agency).filter_by(short_name="DSNY").one()
    assert agency.closure_calendar == "nyc"
    page = lawyer_client.get(f"/agencies/{agency.id}").get_data(as_text=True)
    assert "the city's Friday closures before Saturday holidays" in page
    edit = lawyer_client.get(f"/agencies/{agency.id}/edit").get_data(as_text=True)
    assert 'value="nyc" checked' in edit
    refused = lawyer_client.post(f"/agencies/{agency.id}/edit", data={"name": "Department of Sanitation",
                                                                     "short_name": "DSNY", "closure_calendar": "moon"})
    assert refused.status_code == 422 and "must be one of statute, nyc" in refused.get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).closure_calendar == "nyc"


def test_an_extension_keeps_its_reason_and_the_page_shows_the_flags(lawyer_client, make_request):
    from tracker.extensions import db

    req = make_request(received_on="2023-01-06")
    for data in ({"type": "acknowledged", "occurred_on": "2023-01-12", "date_certain": "2023-02-24",
                  "reason": "records held off-site"},
                 {"type": "extended", "occurred_on": "2023-02-21", "date_certain": "2023-04-14", "reason": ""}):
        response = lawyer_client.post(f"/requests/{req.id}/events/new", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    acknowledged, extended = [e for e in req.events if e.type in ("acknowledged", "extended")]
    assert acknowledged.data["reason"] == "records held off-site" and "reason" not in extended.data
    page = lawyer_client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Check the agency's dates" in page
    assert 'data-code="further_extension"' in page and 'data-code="date_certain_without_reason"' in page
    assert "Reason: records held off-site" in page


def test_a_clarification_answered_from_the_form(lawyer_client, make_request):
    from tracker.extensions import db

    req = make_request(received_on="2023-01-06")
    assert lawyer_client.post(f"/requests/{req.id}/events/new", data={
        "type": "clarification_requested", "occurred_on": "2023-01-10"}).status_code == 302
    response = lawyer_client.post(f"/requests/{req.id}/events/new", data={
        "type": "clarification_answered", "occurred_on": "2023-02-01", "received_on": "2023-02-03"})
    assert response.status_code == 302
    db.session.expire_all()
    (answered,) = [e for e in req.events if e.type == "clarification_answered"]
    assert answered.data == {"received_on": "2023-02-03"}

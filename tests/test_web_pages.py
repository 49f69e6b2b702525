"""The web pages through the Flask test client: forms, CSRF, bad input, sign-in limits, flashes."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tracker import deadlines

PASSWORD = "correct horse battery"


@pytest.fixture
def web_app(app_config, request):
    """The app with CSRF checks off, for posting forms directly (CSRF has its own tests below)."""
    app_config["WTF_CSRF_ENABLED"] = False
    return request.getfixturevalue("app")


def signed_in(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def lawyer_client(web_app, make_user):
    return signed_in(web_app.test_client(), make_user("lawyer", "ana@example.org"))


def test_csrf_missing_token_gives_the_400_page(app, make_user):
    user = make_user("lawyer")
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "reload the page" in page and "What to do next" in page


def test_csrf_token_from_the_form_is_accepted(app, make_user):
    user = make_user("lawyer")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_wrong_password_keeps_the_email_and_is_logged(web_app, make_user, caplog):
    make_user("lawyer", "ana@example.org")
    response = web_app.test_client().post("/login", data={"email": "ana@example.org", "password": "nope"})
    assert response.status_code == 401
    assert 'value="ana@example.org"' in response.get_data(as_text=True)
    assert any("failed sign-in" in r.getMessage() for r in caplog.records)


@pytest.fixture
def limited_app(app_config, request):
    app_config.update(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="3 per minute")
    return request.getfixturevalue("app")


def test_failed_sign_ins_are_rate_limited_but_successes_are_not(limited_app, make_user):
    make_user("lawyer", "ana@example.org")
    client = limited_app.test_client()
    for _ in range(3):
        good = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
        assert good.status_code == 302
    codes = [client.post("/login", data={"email": "ana@example.org", "password": "bad"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    refused = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert refused.status_code == 429 and "Too many" in refused.get_data(as_text=True)
    # The limit holds this address off this account only: a colleague behind it signs in to theirs.
    make_user("lawyer", "ben@example.org")
    colleague = limited_app.test_client().post("/login", data={"email": "ben@example.org", "password": PASSWORD})
    assert colleague.status_code == 302


def test_session_cookie_stays_on_this_site(web_app, make_user):
    user = make_user("lawyer")
    response = web_app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert "SameSite=Lax" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]


def test_remember_me_is_off_unless_ticked(web_app, make_user):
    user = make_user("lawyer")
    response = web_app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert "remember_token" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize(("target", "location"), [
    ("//evil.example.org/", "/"),
    ("/%5Cevil.example.org", "/"),
    ("https://evil.example.org/", "/"),
    ("/requests?status=denied", "/requests?status=denied"),
])
def test_next_parameter_cannot_leave_the_site(web_app, make_user, target, location):
    user = make_user("lawyer")
    response = web_app.test_client().post(f"/login?next={target}",
                                          data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == location


def test_sign_out(lawyer_client):
    assert lawyer_client.post("/logout").status_code == 302
    assert "/login" in lawyer_client.get("/").headers["Location"]


@pytest.mark.parametrize("form,field,message", [
    ({"current_password": "wrong", "new_password": "a new long password",
      "confirm_password": "a new long password"},
     "current_password", "current password is not right"),
    ({"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
     "new_password", "at least 10 characters"),
    ({"current_password": PASSWORD, "new_password": "a new long password", "confirm_password": "other"},
     "confirm_password", "not the same"),
])
def test_password_change_refusals(lawyer_client, form, field, message):
    response = lawyer_client.post("/account/password", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert f'id="{field}-error"' in response.get_data(as_text=True)


def test_password_change_works(lawyer_client, web_app):
    response = lawyer_client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a new long password",
        "confirm_password": "a new long password"}, follow_redirects=True)
    assert "Your password is changed" in response.get_data(as_text=True)
    fresh = web_app.test_client()
    assert fresh.post("/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 401
    assert fresh.post("/login", data={"email": "ana@example.org",
                                      "password": "a new long password"}).status_code == 302


def test_api_token_is_shown_once_and_works_until_revoked(lawyer_client, web_app):
    page = lawyer_client.post("/account/tokens", data={"label": "script"}).get_data(as_text=True)
    secret = re.search(r'id="new-token"[^>]*value="(ft_[^"]+)"', page)[1]
    api = web_app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert secret not in lawyer_client.get("/account/").get_data(as_text=True)
    from tracker.models import ApiToken

    token = ApiToken.query.filter_by(label="script").one()
    lawyer_client.post(f"/account/tokens/{token.id}/revoke")
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_admin_invites_with_a_one_time_link(web_app, make_user):
    admin = signed_in(web_app.test_client(), make_user("admin"))
    page = admin.post("/people/", data={"email": "new@example.org", "role": "volunteer", "name": "Nia",
                                        "method": "link"}).get_data(as_text=True)
    link = re.search(r'id="invite-link"[^>]*value="http://[^/]+(/invitation/[^"]+)"', page)[1]
    guest = web_app.test_client()
    short = guest.post(link, data={"password": "short", "confirm_password": "short"})
    assert short.status_code == 422 and "at least 10" in short.get_data(as_text=True)
    done = guest.post(link, data={"password": "volunteer password", "confirm_password": "volunteer password"})
    assert done.status_code == 302
    assert guest.get("/").status_code == 200
    again = web_app.test_client().get(link)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)


def test_admin_invites_with_a_temporary_password_and_sets_roles(web_app, make_user):
    admin = signed_in(web_app.test_client(), make_user("admin"))
    page = admin.post("/people/", data={"email": "tmp@example.org", "role": "researcher",
                                        "method": "password"}).get_data(as_text=True)
    password = re.search(r'id="invite-password"[^>]*value="([^"]+)"', page)[1]
    assert web_app.test_client().post("/login", data={"email": "tmp@example.org",
                                                      "password": password}).status_code == 302
    from tracker.extensions import db
    from tracker.models import User

    user = User.query.filter_by(email="tmp@example.org").one()
    changed = admin.post(f"/people/{user.id}/role", data={"role": "lawyer"}, follow_redirects=True)
    assert "tmp@example.org is now a lawyer" in changed.get_data(as_text=True)
    db.session.refresh(user)
    assert user.role == "lawyer"
    duplicate = admin.post("/people/", data={"email": "tmp@example.org", "role": "lawyer"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.get_data(as_text=True)


def test_file_one_request_per_agency(lawyer_client, make_agency):
    a, b = make_agency(name="Agency Alpha"), make_agency(name="Agency Beta")
    response = lawyer_client.post("/requests/new", data={
        "agency": [str(a.id), str(b.id)], "title": "Contracts of {{ agency }}", "description": "All contracts.",
        "received_on": "2024-03-01", "new_campaign": "Contracts"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2 requests are filed" in page
    from tracker.models import Request

    titles = sorted(r.title for r in Request.query.all())
    assert titles == ["Contracts of Agency Alpha", "Contracts of Agency Beta"]
    assert {r.campaign.name for r in Request.query.all()} == {"Contracts"}


@pytest.mark.parametrize("received,message", [
    ("2024-02-30", "is not a real date"),
    ("03/01/2024", "is not a real date"),
    ("2999-01-01", "in the future"),
])
def test_new_request_bad_dates_keep_what_was_typed(lawyer_client, make_agency, received, message):
    agency = make_agency()
    response = lawyer_client.post("/requests/new", data={
        "agency": str(agency.id), "title": "Typed title", "description": "Typed text",
        "received_on": received})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert 'value="Typed title"' in page and "Typed text" in page and f'value="{received}"' in page
    assert f'value="{agency.id}" checked' in page


def test_new_request_needs_an_agency_and_a_title(lawyer_client):
    page = lawyer_client.post("/requests/new", data={}).get_data(as_text=True)
    assert "Choose at least one agency" in page and "Enter a title" in page


def business_days_ago(n: int) -> date:
    """The n-th business day before today (New York), so that deadlines are still running."""
    from datetime import timedelta

    from tracker.clock import legal_today

    day = legal_today()
    for _ in range(n):
        day -= timedelta(days=1)
        while not deadlines.is_business_day(day):
            day -= timedelta(days=1)
    return day


def test_log_acknowledgment_moves_the_deadline_and_says_so(lawyer_client, make_request):
    from tracker.web.filters import nydate as shortdate  # dates in messages are written in full

    received, acknowledged = business_days_ago(3), business_days_ago(1)
    filed = make_request(received_on=received)
    response = lawyer_client.post(f"/requests/{filed.id}/events/new", data={
        "type": "acknowledged", "occurred_on": acknowledged.isoformat(),
        "tracking_number": "FOIL-2024-056-00001"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    before = shortdate(deadlines.acknowledgment_due(received))
    after = shortdate(deadlines.determination_due(acknowledged))
    assert f"Next deadline was Acknowledgment due {before}; now Determination due {after}." in page
    assert "FOIL-2024-056-00001" in page


@pytest.mark.parametrize("data,message", [
    ({"type": "acknowledged", "occurred_on": "2024-02-31"}, "is not a real date"),
    ({"type": "extended", "occurred_on": "2024-03-05"}, "Enter the agency&#39;s date certain"),
    ({"type": "records_released", "occurred_on": "2024-03-05", "pages": "many"}, "whole number"),
    ({"type": "fee_requested", "occurred_on": "2024-03-05", "fee": "ten"}, "in dollars"),
    ({"type": "appeal_filed", "occurred_on": "2024-03-05"}, "nothing to appeal"),
    ({"type": "acknowledged", "occurred_on": "2024-02-01"}, "before the agency received"),
    ({"type": "exploded", "occurred_on": "2024-03-05"}, "Choose what happened"),
])
def test_log_event_refusals_keep_the_form(lawyer_client, make_request, data, message):
    filed = make_request(received_on=date(2024, 3, 1))
    response = lawyer_client.post(f"/requests/{filed.id}/events/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    assert message in page
    assert f'value="{data["occurred_on"]}"' in page


def test_denial_records_the_grounds(lawyer_client, make_request):
    filed = make_request(received_on=date(2024, 3, 1))
    lawyer_client.post(f"/requests/{filed.id}/events/new", data={
        "type": "denied", "occurred_on": "2024-03-04", "exemptions": ["87(2)(e)", "no_records"]})
    page = lawyer_client.get(f"/requests/{filed.id}").get_data(as_text=True)
    assert "POL §87(2)(e)" in page and "Appeal deadline" in page


def test_notes_are_added_and_hidden_from_researchers(web_app, make_user, make_request):
    filed = make_request(received_on=date(2024, 3, 1), visibility="public")
    volunteer = signed_in(web_app.test_client(), make_user("volunteer"))
    empty = volunteer.post(f"/requests/{filed.id}/notes", data={"note": "  "})
    assert empty.status_code == 422
    volunteer.post(f"/requests/{filed.id}/notes", data={"note": "Called the records officer."})
    assert "Called the records officer." in volunteer.get(f"/requests/{filed.id}").get_data(as_text=True)
    researcher = signed_in(web_app.test_client(), make_user("researcher"))
    page = researcher.get(f"/requests/{filed.id}").get_data(as_text=True)
    assert filed.title in page and "Called the records officer." not in page
    assert researcher.get(f"/requests/{filed.id}/notes").status_code == 403


def test_request_list_filters_sort_and_pages(web_app, make_user, make_request, make_agency):
    web_app.config["PAGE_SIZE"] = 2
    client = signed_in(web_app.test_client(), make_user("volunteer"))
    nypd = make_agency(short_name="NYPD", name="Police")
    make_request(nypd, title="Alpha", tracking_numbers=["FOIL-2024-056-11111"])
    make_request(nypd, title="Beta")
    make_request(title="Gamma")
    page = client.get(f"/requests/?agency={nypd.id}&sort=title").get_data(as_text=True)
    assert page.index("Alpha") < page.index("Beta") and "Gamma" not in page
    assert "11111" in client.get("/requests/?q=056-111").get_data(as_text=True)
    first = client.get("/requests/?sort=title").get_data(as_text=True)
    assert "page 1 of 2" in first and "Gamma" not in first
    assert "Gamma" in client.get("/requests/?sort=title&page=2").get_data(as_text=True)
    assert client.get("/requests/?status=bogus").status_code == 400


def test_dashboard_groups_demo_requests(web_app, make_user):
    from tracker.cli.demo import load_demo
    from tracker.dispatch import commit

    load_demo()
    commit()
    page = signed_in(web_app.test_client(), make_user("lawyer")).get("/?scope=all").get_data(as_text=True)
    for heading in ("Overdue", "Due within 7 days", "Waiting on the agency", "Not yet filed"):
        assert heading in page
    assert "Constructively denied" in page and "POL §89(4)(a)" in page


def test_agency_page_figures_and_chart(lawyer_client, make_agency, make_request):
    agency = make_agency()
    received = business_days_ago(10)
    on_time = make_request(agency, received_on=received)
    late = make_request(agency, received_on=received)
    for filed, days in ((on_time, 2), (late, 7)):
        answered = deadlines.add_business_days(received, days)
        lawyer_client.post(f"/requests/{filed.id}/events/new",
                           data={"type": "acknowledged", "occurred_on": answered.isoformat()})
    page = lawyer_client.get(f"/agencies/{agency.id}").get_data(as_text=True)
    assert "<svg" in page and "50%" in page  # the late acknowledgment followed a constructive denial
    assert "Median time to first answer</dt><dd>4.5 " in page


def test_agency_form_keeps_bad_input(lawyer_client):
    response = lawyer_client.post("/agencies/new", data={"name": "Dept", "closure_days": "2024-02-30"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "2024-02-30" in page and 'value="Dept"' in page


def test_error_pages_say_what_to_do(web_app, make_user):
    client = signed_in(web_app.test_client(), make_user("volunteer"))
    missing = client.get("/requests/999")
    assert missing.status_code == 404 and "What to do next" in missing.get_data(as_text=True)
    forbidden = client.get("/people/")
    assert forbidden.status_code == 403
    assert "Ask a lawyer or an administrator" in forbidden.get_data(as_text=True)


def test_server_error_page(app_config, request):
    app_config["PROPAGATE_EXCEPTIONS"] = False
    application = request.getfixturevalue("app")

    @application.get("/boom")
    def boom():
        raise RuntimeError("broken on purpose")

    response = application.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


@pytest.mark.parametrize("value,expected", [
    (date(2024, 3, 4), "Monday, March 4, 2024"),
    ("2023-12-25", "Monday, December 25, 2023"),
])
def test_nydate(app, value, expected):
    from tracker.web.filters import nydate

    assert nydate(value) == expected


def test_nytime_converts_utc_to_new_york(app):
    from datetime import datetime

    from tracker.web.filters import nytime

    assert nytime(datetime(2024, 7, 1, 3, 30)) == "Sun Jun 30, 2024, 11:30 PM EDT"


def test_oversized_bodies_are_refused_before_they_are_read(web_app, api_as):
    # Nothing the app takes is bigger than a letter; an unbounded body would fill memory or the temp disk.
    huge = b"x" * (17 << 20)
    # A file part: Werkzeug caps plain form fields by itself, but spools file parts to disk unbounded.
    multipart = (b'--b\r\nContent-Disposition: form-data; name="upload"; filename="a"\r\n\r\n' + huge
                 + b'\r\n--b--\r\n')
    response = web_app.test_client().post("/login", data=multipart,
                                          content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413
    api = api_as("lawyer").post("/api/v1/requests", data=b'{"title": "' + huge + b'"}',
                                headers={"Content-Type": "application/json"})
    assert api.status_code == 413 and api.json["error"]["code"] == "request_entity_too_large"


@pytest.fixture(params=[0, 1], ids=["direct", "behind-a-proxy"])
def proxied_app(app_config, request):
    app_config.update(LOGIN_RATE_LIMIT="2 per minute", PROXY_COUNT=request.param, WTF_CSRF_ENABLED=False)
    return request.getfixturevalue("app")


def test_sign_in_limits_count_each_client_behind_a_proxy(proxied_app, make_user):
    # Two clients behind one proxy: with PROXY_COUNT set, one client's failures do not lock out the other;
    # without it, everyone behind the proxy shares one count (and the proxy's headers are not trusted).
    user = make_user("lawyer")
    client = proxied_app.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(2):
        failed = client.post("/login", data={"email": user.email, "password": "wrong password!"},
                             headers={"X-Forwarded-For": "198.51.100.7"}, environ_base=proxy)
        assert failed.status_code == 401
    other = client.post("/login", data={"email": user.email, "password": PASSWORD},
                        headers={"X-Forwarded-For": "203.0.113.9"}, environ_base=proxy)
    assert other.status_code == (302 if proxied_app.config["PROXY_COUNT"] else 429)

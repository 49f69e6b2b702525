"""Revocable sessions, against a live server with a real HTTP client: a copy of the session and remember
cookies taken before sign-out everywhere, a password change, a role change or a deactivation stops
working; people are deactivated and reactivated on the people page, by the CLI and through the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import requests

from tests.conftest import PASSWORD

BOTH_DATABASES = True


@pytest.fixture
def site(app, db_backend, live_server):
    return live_server(app)


def _csrf(response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(site: str, email: str, password: str = PASSWORD, *, remember: bool = True) -> requests.Session:
    """A browser signed in through the form (remember-me ticked unless told)."""
    browser = requests.Session()
    form = {"email": email, "password": password, "csrf_token": _csrf(browser.get(f"{site}/login"))}
    if remember:
        form["remember"] = "on"
    answer = browser.post(f"{site}/login", data=form, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return browser


def copies(browser: requests.Session) -> dict[str, requests.Session]:
    """What a thief keeps: both cookies, or only the long-lived remember cookie."""
    whole, remembered = requests.Session(), requests.Session()
    for cookie in browser.cookies:
        whole.cookies.set(cookie.name, cookie.value)
        if cookie.name == "remember_token":
            remembered.cookies.set(cookie.name, cookie.value)
    assert "remember_token" in remembered.cookies
    return {"session and remember cookies": whole, "remember cookie alone": remembered}


def signed_in(site: str, browser: requests.Session) -> bool:
    answer = browser.get(f"{site}/account/", allow_redirects=False)
    assert answer.status_code in (200, 302), answer.status_code
    return answer.status_code == 200


def post_form(site: str, browser, page: str, action: str, data: dict):
    return browser.post(f"{site}{action}", data={**data, "csrf_token": _csrf(browser.get(f"{site}{page}"))},
                        allow_redirects=False)


def _stolen_before(site, user) -> dict[str, requests.Session]:
    stolen = copies(sign_in(site, user.email))
    assert all(signed_in(site, b) for b in stolen.values()), "the copies work until something revokes them"
    return stolen


def test_sign_out_everywhere_ends_every_copy(site, make_user):
    user = make_user("lawyer")
    here = sign_in(site, user.email)
    stolen = _stolen_before(site, user)
    answer = post_form(site, here, "/account/", "/logout/everywhere", {})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert not signed_in(site, here)
    assert not any(signed_in(site, b) for b in stolen.values())
    assert signed_in(site, sign_in(site, user.email))  # signing in again works


def test_a_new_password_ends_other_sessions_but_keeps_this_one(site, make_user):
    user = make_user("lawyer")
    here = sign_in(site, user.email)
    stolen = _stolen_before(site, user)
    answer = post_form(site, here, "/account/", "/account/password",
                       {"current_password": PASSWORD, "new_password": "an entirely new passphrase",
                        "confirm_password": "an entirely new passphrase"})
    assert answer.status_code == 302
    assert signed_in(site, here)
    assert not any(signed_in(site, b) for b in stolen.values())


def test_a_role_change_ends_the_persons_sessions(site, make_user):
    admin, user = make_user("admin"), make_user("lawyer")
    stolen = _stolen_before(site, user)
    answer = post_form(site, sign_in(site, admin.email), "/people/", f"/people/{user.id}/role",
                       {"role": "volunteer"})
    assert answer.status_code == 302
    assert not any(signed_in(site, b) for b in stolen.values())
    assert signed_in(site, sign_in(site, user.email))


def test_deactivation_on_the_people_page(site, make_user):
    from tracker.extensions import db
    from tracker.models import User

    admin, user = make_user("admin"), make_user("volunteer")
    stolen = _stolen_before(site, user)
    boss = sign_in(site, admin.email)
    assert "Deactivate" in boss.get(f"{site}/people/").text
    post_form(site, boss, "/people/", f"/people/{user.id}/active", {"active": "no"})
    assert not any(signed_in(site, b) for b in stolen.values())
    refused = requests.Session()
    answer = refused.post(f"{site}/login", data={"email": user.email, "password": PASSWORD,
                                                 "csrf_token": _csrf(refused.get(f"{site}/login"))})
    assert answer.status_code == 401
    post_form(site, boss, "/people/", f"/people/{user.id}/active", {"active": "yes"})
    db.session.expire_all()
    assert db.session.get(User, user.id).active
    assert not any(signed_in(site, b) for b in stolen.values())  # reactivation does not revive old cookies
    assert signed_in(site, sign_in(site, user.email))
    # An administrator cannot lock themselves out.
    post_form(site, boss, "/people/", f"/people/{admin.id}/active", {"active": "no"})
    db.session.expire_all()
    assert db.session.get(User, admin.id).active


def test_deactivation_through_the_api_and_the_command_line(site, app, make_user, api_as):
    admin_api = api_as("admin")
    user = make_user("lawyer", "leaving@example.org")
    from tracker.dispatch import commit
    from tracker.operations import issue_token

    token = issue_token(user, "laptop")
    commit()
    stolen = _stolen_before(site, user)
    listed = admin_api.get("/api/v1/users?per_page=500").json
    assert {"items", "page", "per_page", "total"} <= set(listed)
    assert {"email": user.email, "active": True}.items() <= next(
        p for p in listed["items"] if p["id"] == user.id).items()
    assert api_as("lawyer").get("/api/v1/users").status_code == 403
    assert admin_api.patch(f"/api/v1/users/{user.id}", json={"active": "no"}).status_code == 422
    assert admin_api.patch(f"/api/v1/users/{user.id}", json={"role": "admin"}).status_code == 422
    answer = admin_api.patch(f"/api/v1/users/{user.id}", json={"active": False})
    assert answer.status_code == 200 and answer.json["active"] is False
    assert not any(signed_in(site, b) for b in stolen.values())
    assert requests.get(f"{site}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert admin_api.patch(f"/api/v1/users/{admin_api.user.id}", json={"active": False}).status_code == 409

    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reactivate", user.email])
    assert result.exit_code == 0 and "Reactivated" in result.output
    # Reactivation lets the person sign in again, but revives neither their old cookies nor their old tokens.
    assert requests.get(f"{site}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert not any(signed_in(site, b) for b in stolen.values())
    again = _stolen_before(site, user)
    result = runner.invoke(args=["users", "deactivate", user.email])
    assert result.exit_code == 0 and "Deactivated" in result.output
    assert not any(signed_in(site, b) for b in again.values())
    assert runner.invoke(args=["users", "deactivate", "nobody@example.org"]).exit_code != 0
    from tracker import audit
    from tracker.extensions import db

    trail = db.session.scalars(audit.trail(user_id=user.id)).all()
    assert [(e.action, e.actor_kind) for e in trail][:3] == [
        ("user.deactivate", "cli"), ("user.reactivate", "cli"), ("user.deactivate", "user")]


@pytest.fixture(params=[None, 3], ids=["default", "3-days"])
def remember_app(app_config, request):
    if request.param is not None:
        app_config["REMEMBER_DAYS"] = request.param
    return request.getfixturevalue("app"), request.param


def test_remember_me_lasts_the_configured_days(remember_app, make_user):
    app, days = remember_app
    user = make_user("lawyer")
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "on",
                                         "csrf_token": token})
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    expected = datetime.now(UTC) + timedelta(days=days or 30)
    assert abs((expires - expected).total_seconds()) < 120
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")


def test_signing_out_ends_that_session_and_its_copies_only(site, make_user):
    user = make_user("lawyer")
    first, second = sign_in(site, user.email), sign_in(site, user.email)
    stolen = copies(first)
    assert all(signed_in(site, b) for b in stolen.values())
    answer = post_form(site, first, "/account/", "/logout", {})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert not signed_in(site, first)
    for what, copy in stolen.items():
        assert not signed_in(site, copy), f"the copy ({what}) still works after signing out"
    assert signed_in(site, second)  # the other sign-in is untouched


def test_the_account_page_lists_sessions_and_ends_one(site, make_user):
    from tracker.extensions import db
    from tracker.models import UserSession

    user = make_user("lawyer")
    here, phone = requests.Session(), requests.Session()
    for browser, user_agent in ((here, FIREFOX), (phone, IPHONE)):
        browser.headers["User-Agent"] = user_agent
        form = {"email": user.email, "password": PASSWORD, "csrf_token": _csrf(browser.get(f"{site}/login"))}
        assert browser.post(f"{site}/login", data=form, allow_redirects=False).status_code == 302
    page = here.get(f"{site}/account/").text
    assert "Mobile Safari on iPhone" in page and "127.0.0.1" in page
    assert page.count("(this browser)") == 1
    db.session.rollback()
    phone_row = next(s for s in db.session.scalars(db.select(UserSession)) if "iPhone" in s.user_agent)
    answer = post_form(site, here, "/account/", f"/account/sessions/{phone_row.id}/end", {})
    assert answer.status_code == 302
    assert not signed_in(site, phone) and signed_in(site, here)
    assert "Mobile Safari on iPhone" not in here.get(f"{site}/account/").text
    # Nobody ends another person's session.
    other = sign_in(site, make_user("lawyer").email)
    mine = next(s for s in db.session.scalars(db.select(UserSession).where(UserSession.user_id == user.id,
                                                                           UserSession.ended_at.is_(None))))
    assert post_form(site, other, "/account/", f"/account/sessions/{mine.id}/end", {}).status_code == 404
    assert signed_in(site, here)


def test_last_seen_is_written_at_most_once_a_minute(site, make_user):
    from sqlalchemy import update

    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import UserSession
    from tracker.models.base import utcnow

    user = make_user("lawyer")
    browser = sign_in(site, user.email)

    def seen_at_after_a_request(ago: timedelta):
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - ago))
        commit()
        stored = db.session.scalar(db.select(UserSession.last_seen_at))
        assert signed_in(site, browser)
        db.session.rollback()
        return stored, db.session.scalar(db.select(UserSession.last_seen_at))

    before, after = seen_at_after_a_request(timedelta(seconds=30))
    assert after == before  # seen 30 seconds ago: not written again
    before, after = seen_at_after_a_request(timedelta(minutes=2))
    assert after > before and utcnow() - after < timedelta(seconds=30)


def test_a_session_not_seen_for_remember_days_has_ended(site, make_user):
    from sqlalchemy import update

    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import UserSession
    from tracker.models.base import utcnow

    user = make_user("lawyer")
    browser = sign_in(site, user.email)
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(days=31)))
    commit()
    assert not signed_in(site, browser)


@pytest.mark.parametrize(("user_agent", "device"), [
    (FIREFOX, "Firefox on Windows"),
    (IPHONE, "Mobile Safari on iPhone"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
     "Safari/537.36", "Chrome on Mac OS X"),
    ("python-requests/2.32.3", "Python Requests"),
    ("", "Unknown browser"),
])
def test_the_device_a_user_agent_names(user_agent, device):
    from tracker.operations.sessions import device as device_of

    assert device_of(user_agent) == device

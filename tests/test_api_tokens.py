"""API tokens that can be governed: listed, issued and revoked through the API and on My account; they
expire (FOILTRACK_TOKEN_DAYS, shorter on request, never longer); issuing one asks for the password again
unless it was checked in the last 10 minutes; every action that ends every session revokes them all, and
reactivation revives none."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from tests.conftest import PASSWORD, ApiClient, csrf_token

BOTH_DATABASES = True


def _fresh_api(client, user, *, minutes_ago: int = 0) -> ApiClient:
    """An API client whose token was issued right after its maker's password was checked."""
    from tracker.dispatch import commit
    from tracker.models.base import utcnow
    from tracker.operations import issue_token

    checked = utcnow() - timedelta(minutes=minutes_ago)
    secret = issue_token(user, "fresh", password_checked_at=checked, now=checked)
    commit()
    return ApiClient(client, secret, user)


def _works(client, secret: str) -> bool:
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code in (200, 401), answer.status_code
    return answer.status_code == 200


def test_issue_list_and_revoke_through_the_api(app, client, api_as):
    from tracker.models.base import utcnow

    api = api_as("researcher")
    made = api.post("/api/v1/tokens", json={"label": "spreadsheet", "days": 7, "password": PASSWORD})
    assert made.status_code == 201, made.json
    secret = made.json["token"]
    assert secret.startswith("ft_") and made.json["label"] == "spreadsheet" and made.json["state"] == "active"
    expires = datetime.fromisoformat(made.json["expires_at"].removesuffix("Z"))
    assert abs(expires - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)
    assert _works(client, secret)

    listed = api.get("/api/v1/tokens").json
    assert {"items", "page", "per_page", "total"} <= set(listed) and listed["total"] == 2
    assert [t["label"] for t in listed["items"]] == ["spreadsheet", "tests"]
    assert [t["current"] for t in listed["items"]] == [False, True]
    assert all("token" not in t and secret not in str(t) for t in listed["items"])  # the secret is shown once

    other = api_as("lawyer")
    assert other.delete(f"/api/v1/tokens/{made.json['id']}").status_code == 404  # not theirs
    assert _works(client, secret)
    gone = api.delete(f"/api/v1/tokens/{made.json['id']}")
    assert gone.status_code == 200 and gone.json["state"] == "revoked"
    assert not _works(client, secret)
    assert api.get("/api/v1/tokens").json["items"][0]["state"] == "revoked"
    # A token can revoke itself: the next call is refused.
    assert api.delete(f"/api/v1/tokens/{listed['items'][1]['id']}").status_code == 200
    answer = api.get("/api/v1/tokens")
    assert answer.status_code == 401 and "revoked" in answer.json["error"]["message"]


def test_tokens_expire_after_token_days_or_sooner_never_later(app_config, request):
    app_config["TOKEN_DAYS"] = 30
    app = request.getfixturevalue("app")
    client = app.test_client()
    from tracker.dispatch import commit
    from tracker.models import ApiToken
    from tracker.models.base import utcnow
    from tracker.operations import Invalid, issue_token

    user = request.getfixturevalue("make_user")("lawyer")
    api = _fresh_api(client, user)
    default = api.post("/api/v1/tokens", json={"label": "default"}).json
    from tracker.extensions import db

    row = db.session.get(ApiToken, default["id"])
    assert abs((row.expires_at - row.created_at) - timedelta(days=30)) < timedelta(seconds=1)
    longer = api.post("/api/v1/tokens", json={"days": 31})
    assert longer.status_code == 422 and longer.json["error"]["field"] == "days"
    assert "30" in longer.json["error"]["message"]
    assert api.post("/api/v1/tokens", json={"days": 0}).status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 2  # nothing more issued
    with pytest.raises(Invalid):
        issue_token(user, "too long", days=45)

    # A one-day token issued two days ago has expired: refused, and listed as expired.
    two_days_ago = utcnow() - timedelta(days=2)
    old = issue_token(user, "old", days=1, now=two_days_ago)
    fresh = issue_token(user, "new", days=1)
    commit()
    assert not _works(client, old) and _works(client, fresh)
    states = {t["label"]: t["state"] for t in api.get("/api/v1/tokens").json["items"]}
    assert states["old"] == "expired" and states["new"] == "active"


def test_issuing_through_the_api_asks_for_the_password_unless_the_token_is_fresh(app, client, make_user):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import AuditEntry

    user = make_user("volunteer")
    stale = _fresh_api(client, user, minutes_ago=11)
    asked = stale.post("/api/v1/tokens", json={"label": "x"})
    assert asked.status_code == 403 and asked.json["error"]["code"] == "password_required"
    assert asked.json["error"]["field"] == "password"
    wrong = stale.post("/api/v1/tokens", json={"label": "x", "password": "not it at all"})
    assert wrong.status_code == 403 and wrong.json["error"]["code"] == "wrong_password"
    failures = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in.failed")).all()
    assert len(failures) == 1 and failures[0].subject_id == user.id  # counted and audited
    right = stale.post("/api/v1/tokens", json={"label": "checked", "password": PASSWORD})
    assert right.status_code == 201

    # The token just issued after a password check is fresh: it may issue one without the password...
    checked = ApiClient(client, right.json["token"], user)
    child = checked.post("/api/v1/tokens", json={"label": "child"})
    assert child.status_code == 201, child.json
    # ...but a token issued by a token was issued without the password: it must always give it.
    grandchild = ApiClient(client, child.json["token"], user).post("/api/v1/tokens", json={"label": "gc"})
    assert grandchild.status_code == 403 and grandchild.json["error"]["code"] == "password_required"
    # A token from the command line was issued without a password check too.
    assert _fresh_api(client, user, minutes_ago=0).post("/api/v1/tokens", json={}).status_code == 201
    from tracker.dispatch import commit
    from tracker.operations import issue_token

    cli_token = issue_token(user, "created from the command line")
    commit()
    assert ApiClient(client, cli_token, user).post("/api/v1/tokens", json={}).status_code == 403


def test_wrong_passwords_through_the_api_meet_the_sign_in_limit(app_config, request):
    app_config["LOGIN_RATE_LIMIT"] = "3 per minute"
    app = request.getfixturevalue("app")
    user = request.getfixturevalue("make_user")("lawyer")
    api = _fresh_api(app.test_client(), user, minutes_ago=30)
    codes = [api.post("/api/v1/tokens", json={"password": "guess number one"}).status_code for _ in range(4)]
    assert codes == [403, 403, 403, 429]
    refused = api.post("/api/v1/tokens", json={"password": PASSWORD})  # even the right one waits now
    assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_attempts"


def _sign_in(client, user):
    page = client.get("/login")
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                         "csrf_token": csrf_token(page)})
    assert answer.status_code == 302


def _post(client, action: str, data: dict):
    return client.post(action, data={**data, "csrf_token": csrf_token(client.get("/account/"))})


def test_the_account_page_asks_for_the_password_after_ten_minutes(app, client, make_user):
    from sqlalchemy import update

    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import ApiToken, UserSession
    from tracker.models.base import utcnow

    user = make_user("lawyer")
    _sign_in(client, user)
    page = client.get("/account/").get_data(as_text=True)
    assert 'name="token_password"' not in page  # signed in a moment ago
    made = _post(client, "/account/tokens", {"label": "fresh sign-in", "token_days": "5"})
    assert made.status_code == 200 and re.search(r'id="new-token"[^>]*value="ft_', made.get_data(as_text=True))

    db.session.execute(update(UserSession).values(verified_at=utcnow() - timedelta(minutes=11)))
    commit()
    page = client.get("/account/").get_data(as_text=True)
    assert 'name="token_password"' in page and "more than 10 minutes ago" in page
    asked = _post(client, "/account/tokens", {"label": "no password"})
    assert asked.status_code == 403 and "type your password again" in asked.get_data(as_text=True).lower()
    wrong = _post(client, "/account/tokens", {"label": "wrong", "token_password": "not my password"})
    assert wrong.status_code == 403 and "password is not right" in wrong.get_data(as_text=True)
    longer = _post(client, "/account/tokens", {"label": "long", "token_days": "400",
                                               "token_password": PASSWORD})
    assert longer.status_code == 422 and "at most 90 days" in longer.get_data(as_text=True)
    right = _post(client, "/account/tokens", {"label": "typed again", "token_password": PASSWORD})
    assert right.status_code == 200 and 'id="new-token"' in right.get_data(as_text=True)
    db.session.expire_all()
    labels = set(db.session.scalars(db.select(ApiToken.label)))
    assert labels == {"fresh sign-in", "typed again"}
    # Typing it again makes the session fresh for the next ten minutes.
    assert 'name="token_password"' not in client.get("/account/").get_data(as_text=True)


def _sign_out_everywhere(app, client, user, admin_api):
    _post(client, "/logout/everywhere", {})


def _new_password(app, client, user, admin_api):
    answer = _post(client, "/account/password", {"current_password": PASSWORD,
                                                 "new_password": "a brand new passphrase",
                                                 "confirm_password": "a brand new passphrase"})
    assert answer.status_code == 302


def _deactivation(app, client, user, admin_api):
    assert admin_api.patch(f"/api/v1/users/{user.id}", json={"active": False}).status_code == 200


def _deactivation_on_the_command_line(app, client, user, admin_api):
    assert app.test_cli_runner().invoke(args=["users", "deactivate", user.email]).exit_code == 0


@pytest.mark.parametrize("ending", [_sign_out_everywhere, _new_password, _deactivation,
                                    _deactivation_on_the_command_line], ids=lambda f: f.__name__.strip("_"))
def test_every_ending_action_revokes_every_token_and_reactivation_revives_none(app, client, make_user, api_as,
                                                                               ending):
    from tracker.dispatch import commit
    from tracker.operations import issue_token

    admin_api = api_as("admin")
    user = make_user("lawyer")
    secrets = [issue_token(user, "laptop"), issue_token(user, "server", days=3)]
    commit()
    browser = app.test_client()
    _sign_in(browser, user)
    assert all(_works(client, s) for s in secrets)
    ending(app, browser, user, admin_api)
    assert not any(_works(client, s) for s in secrets)
    assert admin_api.patch(f"/api/v1/users/{user.id}", json={"active": True}).status_code == 200
    assert not any(_works(client, s) for s in secrets)  # reactivation (or nothing) brings none back


def test_a_role_change_keeps_tokens_which_act_with_the_new_role(app, client, make_user, api_as):
    from tracker.dispatch import commit
    from tracker.operations import issue_token, set_role

    user = make_user("lawyer")
    secret = issue_token(user, "laptop")
    commit()
    set_role(user, "researcher")
    commit()
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200 and answer.json["role"] == "researcher"

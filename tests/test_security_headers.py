"""Security headers on every route (walked from the app's url_map), cookies' flags, and a strict policy
that the pages live with in a real browser."""

from __future__ import annotations

import pytest

from tests.test_roles_matrix import _sign_in, matrix_app, world  # noqa: F401 - fixtures

ALWAYS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def route_url(rule, values: dict) -> str:
    """A URL for `rule`, from the world's ids (1 for an argument the world does not name)."""
    from flask import url_for

    fixed = rule.defaults or {}  # a rule that fixes an argument (`defaults=`) is built with that value
    with_defaults = {name: fixed.get(name, values.get(name, 1)) for name in rule.arguments}
    from flask import current_app

    with current_app.test_request_context():
        return url_for(rule.endpoint, **with_defaults)


def check_headers(response, *, https: bool) -> list[str]:
    """What is wrong with a response's security headers (empty when nothing is)."""
    problems = [f"{name}: {response.headers.get(name)!r}" for name, value in ALWAYS.items()
                if response.headers.get(name) != value]
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors in {policy!r}")
    if directives.get("script-src") != ["'self'"]:
        problems.append(f"script-src in {policy!r}")
    if directives.get("object-src") != ["'none'"]:
        problems.append(f"object-src in {policy!r}")
    hsts = response.headers.get("Strict-Transport-Security")
    if https and not (hsts and hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 15552000):
        problems.append(f"HSTS {hsts!r}")
    if not https and hsts:
        problems.append(f"HSTS over plain http: {hsts!r}")
    return problems


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_route_answers_with_the_security_headers(matrix_app, world, signed_in):  # noqa: F811
    client = matrix_app.test_client()
    if signed_in:
        _sign_in(client, world["users"]["admin"])
    auth = {"Authorization": f"Bearer {world['token']}"} if signed_in else {}
    failures, seen = [], 0
    for rule in matrix_app.url_map.iter_rules():
        url = route_url(rule, world["values"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "auth.logout":
                continue  # checked below, last, so the rest runs signed in
            response = client.open(url, method=method, headers=auth if rule.endpoint.startswith("api.") else {})
            seen += 1
            failures += [f"{method} {url} ({response.status_code}): {p}" for p in check_headers(response, https=False)]
            response.close()
    response = client.post("/logout")
    failures += [f"POST /logout: {p}" for p in check_headers(response, https=False)]
    # Errors answer with the headers too: a page that does not exist, and an API route that does not.
    for url in ("/no-such-page", "/api/v1/no-such-thing"):
        failures += [f"{url}: {p}" for p in check_headers(client.get(url), https=False)]
    assert seen > 60, f"only {seen} routes were walked"
    assert not failures, "\n".join(failures)


@pytest.fixture
def https_app(app_config, request):
    app_config["BASE_URL"] = "https://foil.example.org"
    return request.getfixturevalue("app")


def test_behind_https_cookies_are_secure_and_hsts_is_sent(https_app, make_user):
    user = make_user("lawyer")
    client = https_app.test_client()
    page = client.get("/login", base_url="https://foil.example.org")
    assert not check_headers(page, https=True)
    from tests.conftest import csrf_token

    response = client.post("/login", base_url="https://foil.example.org",
                           data={"email": user.email, "password": "correct horse battery", "remember": "on",
                                 "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies), cookies
    for name in ("session", "remember_token"):
        flags = [part.strip().lower() for part in cookies[name].split(";")]
        assert "secure" in flags, cookies[name]
        assert "httponly" in flags, cookies[name]
        assert "samesite=lax" in flags, cookies[name]
    assert not check_headers(response, https=True)


def test_over_plain_http_cookies_are_not_secure_but_keep_samesite(client, make_user):
    from tests.conftest import csrf_token

    user = make_user("lawyer")
    page = client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery",
                                           "remember": "on", "csrf_token": csrf_token(page)})
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert "remember_token" in cookies, cookies
    flags = [part.strip().lower() for part in cookies["remember_token"].split(";")]
    assert "secure" not in flags and "samesite=lax" in flags, cookies["remember_token"]


def test_templates_have_no_inline_script_or_handlers():
    import re

    from tracker import ROOT

    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        offenders += [f"{path.name}: inline <script>" for _ in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text)]
        offenders += [f"{path.name}: {m.group(0)}" for m in re.finditer(r"\son[a-z]+\s*=", text)]
        offenders += [f"{path.name}: javascript: URL" for _ in re.finditer(r"javascript:", text, re.I)]
    assert not offenders, offenders


@pytest.mark.browser
def test_the_event_form_script_runs_under_the_policy(app, live_server, browser_page, make_user, make_request):
    """The one script we ship still works, and Chromium reports no policy violation on the page."""
    from tracker.dispatch import commit

    make_user("lawyer", "ana@example.org")
    request = make_request()
    commit()
    base = live_server(app)
    page = browser_page
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(base + "/login")
    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")
    page.goto(f"{base}/requests/{request.id}/events/new")
    hidden_before = page.locator("[data-field][hidden]").count()
    assert hidden_before > 0, "app.js did not run: no field was hidden for the chosen event type"
    assert not violations, violations

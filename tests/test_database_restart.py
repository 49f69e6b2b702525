"""A PostgreSQL restart costs only the requests in flight: each gets a proper error page (never the server's
bare one), and the next requests, same session, are served as before."""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import BASE_CONFIG, PASSWORD, _migrate
from tests.servers.postgres import start_postgres, stop_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(url: str, headers: dict | None = None, data: dict | None = None):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with OPENER.open(urllib.request.Request(url, data=body, headers=headers or {}), timeout=30) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def session_cookie(headers) -> str:
    """The `session=...` pair of a response's cookies."""
    return next(c.split(";")[0] for c in headers.get_all("Set-Cookie") if c.startswith("session="))


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own, since the test stops it."""
    server = start_postgres()
    try:
        yield server
    finally:
        stop_postgres(server)


@pytest.fixture
def served(own_postgres, tmp_path, live_server):
    """The app (not in testing mode: errors are handled as in production) on the server's database,
    with a signed-in lawyer; returns (base URL, session cookie, API token)."""
    url = own_postgres.create_database("restart")
    config = {**BASE_CONFIG, "TESTING": False, "DATA_DIR": str(tmp_path), "DATABASE_URL": url}
    _migrate(config)
    from tracker import create_app
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.operations import create_user, issue_token

    app = create_app(config)
    with app.app_context():
        user = create_user("ana@example.org", "lawyer", password=PASSWORD, name="Ana Lawyer")
        token = issue_token(user, "restart test")
        commit()
    base = live_server(app)
    status, headers, page = call(base + "/login")
    session = session_cookie(headers)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    status, headers, _ = call(base + "/login", {"Cookie": session},
                              {"email": "ana@example.org", "password": PASSWORD, "csrf_token": csrf})
    assert status == 302, "sign-in failed"
    yield base, session_cookie(headers), token
    with app.app_context():
        db.engine.dispose()


def is_proper_error(status: int, headers: dict, body: str, api: bool) -> bool:
    """Our own error answer: the JSON error shape for the API, our page (with its advice) otherwise."""
    if "Content-Security-Policy" not in headers:
        return False
    if api:
        return '"error"' in body and '"code"' in body
    return "What to do next:" in body and "FOIL Tracker" in body


def test_a_database_restart_costs_only_the_requests_in_flight(served, own_postgres):
    base, session, token = served
    pages = {"/": {"Cookie": session}, "/requests/": {"Cookie": session},
             "/api/v1/requests": {"Authorization": f"Bearer {token}"}}
    for path, headers in pages.items():
        assert call(base + path, headers)[0] == 200, path

    answers: list[tuple[float, str, int, bool]] = []
    stop = threading.Event()

    def keep_asking(path: str) -> None:
        while not stop.is_set():
            status, headers, body = call(base + path, pages[path])
            proper = status == 200 or is_proper_error(status, headers, body, path.startswith("/api/"))
            answers.append((time.monotonic(), path, status, proper, body[:300]))
            time.sleep(0.02)

    workers = [threading.Thread(target=keep_asking, args=(path,)) for path in pages for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)
        own_postgres.stop()
        time.sleep(2)
        # While it is down: a proper error page with advice, 503 and when to retry; the API, its JSON error.
        status, headers, body = call(base + "/", {"Cookie": session})
        assert status == 503 and is_proper_error(status, headers, body, api=False), (status, body[:500])
        assert headers.get("Retry-After") and "may not have been saved" in body
        status, headers, body = call(base + "/api/v1/requests", pages["/api/v1/requests"])
        assert status == 503 and '"database_unavailable"' in body, (status, body)
        own_postgres.start()
        restarted = time.monotonic()
        time.sleep(2)
    finally:
        stop.set()
        for worker in workers:
            worker.join(60)

    improper = [a for a in answers if not a[3]]
    assert not improper, improper[:10]
    assert {a[2] for a in answers} <= {200, 503}, sorted({a[2] for a in answers})
    assert any(a[2] == 503 for a in answers)
    # After the restart, everything asked a moment later is served, same session, same token.
    settled = [a for a in answers if a[0] > restarted + 0.5]
    assert settled and all(a[2] == 200 for a in settled), [a for a in settled if a[2] != 200][:10]
    status, _, body = call(base + "/", {"Cookie": session})
    assert status == 200 and "Ana Lawyer" in body

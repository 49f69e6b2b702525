"""Changes to one request's history are serialized: twenty clients at once through the real web server.

The server is `foiltrack serve --no-workers` (gunicorn, two processes of four threads) on the test's own
database, SQLite or PostgreSQL. Exactly one of twenty conflicting `appeal_filed` events is accepted, the
others are refused 409 with the reason, one Appeal exists, and every page and API answer stays 200.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests as http
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.servers.ports import LOOPBACK, free_port

BOTH_DATABASES = True
CLIENTS = 20
pytestmark = pytest.mark.slow


@pytest.fixture
def web_server(app, app_config, tmp_path):
    """The real web server on the test's database; yields its base URL."""
    port = free_port()
    env = {**os.environ, "FOILTRACK_DATA_DIR": app_config["DATA_DIR"],
           "FOILTRACK_DATABASE_URL": app_config["DATABASE_URL"], "FOILTRACK_HOST": LOOPBACK,
           "FOILTRACK_PORT": str(port), "FOILTRACK_TASKS_EAGER": "true", "FOILTRACK_BROKER_URL": "memory://",
           "FOILTRACK_SECRET_KEY": "tests-only-not-a-secret", "FOILTRACK_SMTP_HOST": "",
           "FOILTRACK_IMAP_HOST": "", "FOILTRACK_LOGIN_RATE_LIMIT": "1000 per minute"}
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "tracker.cli", "serve", "--no-workers"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if http.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except http.RequestException:  # not listening yet, or still starting its workers
                pass
            assert server.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture
def denied_request(app, make_user, make_agency):
    """A denied request (so an appeal may follow), a lawyer's API token and the lawyer."""
    from tracker.clock import legal_today
    from tracker.dispatch import commit
    from tracker.operations import file_request, issue_token, record_event

    lawyer = make_user("lawyer")
    token = issue_token(lawyer, "tests")
    agency = make_agency(name="New York City Police Department", short_name="NYPD")
    today = legal_today()
    request = file_request(lawyer, agency, "Facial recognition contracts", campaign="Ban the Scan",
                           received_on=today - timedelta(days=20))
    record_event(request, "denied", today - timedelta(days=3), lawyer, {"exemptions": ["87(2)(e)"]})
    commit()
    return request, token, lawyer


def test_twenty_clients_logging_conflicting_events_at_once(web_server, denied_request):
    from tracker.clock import legal_today
    from tracker.dispatch import rollback
    from tracker.extensions import db
    from tracker.models import Appeal, Event

    request, token, lawyer = denied_request
    request_id, agency_id, campaign_id = request.id, request.agency_id, request.campaign_id
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{web_server}/api/v1/requests/{request_id}/events"
    body = {"type": "appeal_filed", "occurred_on": legal_today().isoformat(),
            "data": {"filed_by": "post", "received_on": legal_today().isoformat()}}
    start = threading.Barrier(CLIENTS)

    def post(_):
        start.wait()  # all twenty leave together
        return http.post(url, json=body, headers=auth, timeout=120)

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(post, range(CLIENTS)))

    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (CLIENTS - 1), [a.text[:300] for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        error = refused.json()["error"]
        assert error["code"] == "illegal_transition"
        assert "appeal filed" in error["message"]  # the reason: the request is already under appeal
    rollback()
    assert db.session.scalar(select(func.count(Event.id)).where(
        Event.request_id == request_id, Event.type == "appeal_filed")) == 1
    assert db.session.scalar(select(func.count(Appeal.id)).where(Appeal.request_id == request_id)) == 1

    # Afterwards the request reads everywhere, through the API and on every page.
    for path in (f"/api/v1/requests/{request_id}", "/api/v1/requests", "/api/v1/appeals",
                 f"/api/v1/requests/{request_id}/events"):
        answer = http.get(web_server + path, headers=auth, timeout=30)
        assert answer.status_code == 200, (path, answer.text[:300])
    assert http.get(f"{web_server}/api/v1/requests/{request_id}", headers=auth).json()["status"] == "appeal_filed"
    browser = _signed_in(web_server, lawyer.email)
    for path in ("/", "/requests", f"/requests/{request_id}", "/appeals", f"/campaigns/{campaign_id}",
                 f"/agencies/{agency_id}"):
        page = browser.get(web_server + path, timeout=30)
        assert page.status_code == 200, (path, page.text[:300])


def _signed_in(base: str, email: str) -> http.Session:
    browser = http.Session()
    form = browser.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    signed = browser.post(f"{base}/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                          timeout=10, allow_redirects=False)
    assert signed.status_code == 302, signed.text[:300]
    return browser

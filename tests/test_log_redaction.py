"""Secrets are `…` in every log line: gunicorn's access and error logs and werkzeug's, for real requests."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.servers.ports import LOOPBACK, free_port, stop_process, wait_for_port

INVITATION = "eyJ1c2VyIjo3LCJzdGF0ZSI6Im5vbmUifQ.Z2x8Qw.Yw0Rk-9cT3Q0Xf1zK8mJqL2vB5sA"


def fetch(url: str, headers: dict | None = None) -> int:
    """GET `url` and return the status (4xx/5xx included)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def data_folder(tmp_path):
    """A migrated data folder with a lawyer who has an API token; returns (folder, env, token, secret)."""
    env = {**os.environ, "FOILTRACK_DATA_DIR": str(tmp_path), "FOILTRACK_SECRET_KEY": "tests-only"}
    env.pop("FOILTRACK_DATABASE_URL", None)
    run = [sys.executable, "-m", "tracker.cli"]
    assert subprocess.run([*run, "db", "upgrade"], env=env, capture_output=True, timeout=120).returncode == 0
    made = subprocess.run([*run, "users", "create", "ana@example.org", "--role", "lawyer", "--token"], env=env,
                          input="long enough password\nlong enough password\n", capture_output=True, text=True,
                          timeout=120)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    with sqlite3.connect(tmp_path / "foiltrack.sqlite3") as conn:
        secret = conn.execute("SELECT calendar_secret FROM users").fetchone()[0]
    return tmp_path, env, token, secret


def test_gunicorn_logs_show_no_secret(data_folder):
    folder, env, token, secret = data_folder
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
    assert gunicorn, "gunicorn is a dependency"
    port = free_port()
    access, errors = folder / "access.log", folder / "error.log"
    # This deployment even logs the Authorization header and the Referer: both must come out masked.
    log_format = '%(h)s "%(r)s" %(s)s auth="%({authorization}i)s" referer="%(f)s"'
    server = subprocess.Popen(
        [gunicorn, "--bind", f"{LOOPBACK}:{port}", "--workers", "1", "--access-logfile", str(access),
         "--error-logfile", str(errors), "--access-logformat", log_format, "--log-level", "info",
         "tracker.wsgi:app"],
        env={**env, "PYTHONPATH": os.environ.get("PYTHONPATH", os.getcwd())}, start_new_session=True)
    try:
        wait_for_port(port, process=server, log=errors)
        base = f"http://{LOOPBACK}:{port}"
        assert fetch(f"{base}/calendar/{secret}.ics") == 200
        assert fetch(f"{base}/calendar/{secret}/campaign/1.ics") in (200, 404)
        assert fetch(f"{base}/invitation/{INVITATION}") == 400
        assert fetch(f"{base}/api/v1/me", {"Authorization": f"Bearer {token}",
                                           "Referer": f"{base}/calendar/{secret}.ics"}) == 200
        assert fetch(f"{base}/api/v1/me", {"Authorization": "Bearer ft_notAValidTokenButSecretLooking1"}) == 401
    finally:
        stop_process(server)
    lines = access.read_text() + errors.read_text()
    assert "/calendar/…" in lines and "/invitation/…" in lines and 'auth="Bearer …"' in lines, lines
    for leaked in (secret, INVITATION, token, token[3:], "ft_notAValidTokenButSecretLooking1"):
        assert leaked not in lines, f"{leaked!r} is in the logs:\n{lines}"


def test_werkzeug_and_the_app_log_no_secret(app, live_server, make_user, caplog):
    from tracker.redaction import REDACTOR

    user = make_user("lawyer")
    base = live_server(app)
    caplog.set_level(logging.INFO)
    assert fetch(f"{base}/calendar/{user.calendar_secret}.ics") == 200
    assert fetch(f"{base}/invitation/{INVITATION}") == 400
    # The app's own loggers, and a child logger whose records propagate past the app's logger.
    logging.getLogger("tracker.auth").warning("odd link %s from %s", f"/invitation/{INVITATION}", "x")
    logging.getLogger("ingest.pipeline").info("reply to foil+k3x9qz7a@foil.example.org matched")
    try:
        raise ValueError(f"no calendar /calendar/{user.calendar_secret}.ics")
    except ValueError:
        logging.getLogger("tracker").exception("while serving")
    text = caplog.text + "".join(logging.Formatter().format(r) for r in caplog.records)
    assert "/calendar/…" in text and "foil+…@foil.example.org" in text, text
    for leaked in (user.calendar_secret, INVITATION, "k3x9qz7a"):
        assert leaked not in text, f"{leaked!r} is in the logs:\n{text}"
    assert REDACTOR.redact("GET /requests/12 HTTP/1.1") == "GET /requests/12 HTTP/1.1"


@pytest.mark.parametrize("line,expected", [
    ("GET /calendar/AbC-d_9.ics HTTP/1.1", "GET /calendar/… HTTP/1.1"),
    ("GET /calendar/AbC-d_9/campaign/3.ics HTTP/1.1", "GET /calendar/…/campaign/3.ics HTTP/1.1"),
    ("GET /invitation/a.b.c?next=/ HTTP/1.1", "GET /invitation/…?next=/ HTTP/1.1"),
    ("Authorization: Bearer ft_abcdefghijklmnopqrstuvwxyz", "Authorization: Bearer …"),
    ("token ft_abcdefghijklmnopqrstuvwxyz0123 issued", "token ft_… issued"),
    ("GET /x?q=a&token=abc&page=2", "GET /x?q=a&token=…&page=2"),
    ("To: FOIL+K3X9QZ7A@foil.example.org", "To: FOIL+…@foil.example.org"),
    ("GET /requests/12/events/new HTTP/1.1", "GET /requests/12/events/new HTTP/1.1"),
])
def test_what_is_masked(app, line, expected):
    from tracker.redaction import REDACTOR

    assert REDACTOR.redact(line) == expected

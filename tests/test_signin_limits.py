"""Sign-in limits shared by two real web processes (gunicorn) on one database, per account and per
address; with Redis configured the counts go there, and when Redis stops, sign-in keeps working on the
database's counts. Addresses are told apart through X-Forwarded-For (PROXY_COUNT=1)."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import PASSWORD
from tests.servers.ports import free_port, stop_process, wait_for_port
from tests.servers.redis import start_redis, stop_redis

BOTH_DATABASES = True
ROOT = Path(__file__).resolve().parents[1]
LONG_FORM = re.compile(r"(?:until|after) \w+day, \w+ \d{1,2}, \d{4} at \d{1,2}:\d\d [AP]M \w+")


class WebProcesses:
    """Two gunicorn processes serving the app from one database; `post_login` alternates between them."""

    def __init__(self, app_config: dict, tmp_path: Path, **settings):
        self.urls, self.processes = [], []
        env = {**os.environ, "PYTHONPATH": str(ROOT), "FOILTRACK_PROXY_COUNT": "1",
               "FOILTRACK_BROKER_URL": "memory://", "FOILTRACK_TASKS_EAGER": "true"}
        for name in ("DATABASE_URL", "SECRET_KEY", "BASE_URL"):
            env[f"FOILTRACK_{name}"] = str(app_config[name])
        env.update({f"FOILTRACK_{k}": str(v) for k, v in settings.items()})
        for n in range(2):
            port = free_port()
            log = tmp_path / f"web{n}.log"
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                     "tracker.wsgi:app"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    env={**env, "FOILTRACK_DATA_DIR": str(tmp_path / f"web{n}")})
            self.processes.append(process)
            wait_for_port(port, process=process, log=log, timeout=60)
            self.urls.append(f"http://127.0.0.1:{port}")
        self._turn = itertools.cycle(self.urls)

    def post_login(self, email: str, password: str, address: str) -> requests.Response:
        """Sign in through the form of the next process in turn, from `address`."""
        url = next(self._turn)
        browser = requests.Session()
        headers = {"X-Forwarded-For": address}
        page = browser.get(f"{url}/login", headers=headers)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return browser.post(f"{url}/login", data={"email": email, "password": password, "csrf_token": token},
                            headers=headers, allow_redirects=False, timeout=30)

    def stop(self) -> None:
        for process in self.processes:
            stop_process(process)


@pytest.fixture
def web_processes(app_config, db_backend, tmp_path, make_user):
    started = []

    def start(**settings) -> WebProcesses:
        settings.setdefault("LOGIN_RATE_LIMIT", "3 per minute")
        settings.setdefault("LOGIN_ACCOUNT_LIMIT", "5 per hour")
        started.append(WebProcesses(app_config, tmp_path, **settings))
        return started[-1]

    yield start
    for web in started:
        web.stop()


def test_limits_hold_across_two_processes_per_account_and_per_address(web_processes, make_user):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import AuditEntry

    victim, colleague = make_user("lawyer", "victim@example.org"), make_user("lawyer", "colleague@example.org")
    web = web_processes()
    attacker = "198.51.100.7"
    codes = [web.post_login(victim.email, "wrong guess!", attacker).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]  # 3 per minute from this address to this account, both processes
    refused = web.post_login(victim.email, PASSWORD, attacker)
    assert refused.status_code == 429 and "from your address" in refused.text and LONG_FORM.search(refused.text)
    # Others behind the attacker's address are not locked out of their own accounts...
    assert web.post_login(colleague.email, PASSWORD, attacker).status_code == 302
    # ...and the right password from another address still works: the account is not locked (3 < 5).
    assert web.post_login(victim.email, PASSWORD, "203.0.113.9").status_code == 302

    # Two more failures from elsewhere reach the account limit: now it is locked, and says until when.
    assert web.post_login(victim.email, "wrong again!", "192.0.2.1").status_code == 401
    locked = web.post_login(victim.email, "wrong again!", "192.0.2.2")
    assert locked.status_code == 401 and "This account is locked" in locked.text
    refused = web.post_login(victim.email, PASSWORD, "203.0.113.10")
    assert refused.status_code == 429 and "This account is locked" in refused.text
    assert LONG_FORM.search(refused.text), refused.text
    assert web.post_login(colleague.email, PASSWORD, "203.0.113.10").status_code == 302

    db.session.rollback()  # a fresh snapshot: the web processes wrote since
    failures = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in.failed")).all()
    assert len(failures) == 5 and {f.subject_id for f in failures} == {victim.id}
    assert {f.address for f in failures} == {attacker, "192.0.2.1", "192.0.2.2"}
    assert all(f.actor_kind == "anonymous" and f.changes["email"] == victim.email for f in failures)


def test_redis_counts_and_its_outage_falls_back_to_the_database(web_processes, make_user):
    from sqlalchemy import func, select

    from tracker.extensions import db
    from tracker.models import SignInFailure

    first, second = make_user("lawyer", "first@example.org"), make_user("lawyer", "second@example.org")
    redis = start_redis()
    try:
        web = web_processes(RATELIMIT_STORAGE_URI=redis.url)
        codes = [web.post_login(first.email, "wrong guess!", "198.51.100.7").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        assert b"foiltrack:signin:first@example.org" in redis.command("KEYS", "foiltrack:signin:*")
        db.session.rollback()  # a fresh snapshot: the web processes wrote since
        assert db.session.scalar(select(func.count(SignInFailure.id))) == 0  # counted in Redis only
        redis.stop()

        started = time.monotonic()
        assert web.post_login(second.email, PASSWORD, "198.51.100.7").status_code == 302
        assert time.monotonic() - started < 10
        # Failures are now counted in the database, still shared by both processes.
        codes = [web.post_login(second.email, "wrong guess!", "198.51.100.8").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        db.session.rollback()  # a fresh snapshot: the web processes wrote since
        assert db.session.scalar(select(func.count(SignInFailure.id))) == 3
    finally:
        stop_redis(redis)

"""The one rate limiter at sign-in, shared by two real web processes (gunicorn) on one database, with the
counts in the database or in a real Redis (and when Redis stops, sign-in keeps working on the database's
counts): per address and account, per address across accounts (password spraying gets 429), and per
account from everywhere, which slows sign-ins but never locks the owner out. Addresses are told apart
through X-Forwarded-For (PROXY_COUNT=1)."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
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
        settings.setdefault("LOGIN_ACCOUNT_LIMIT", "50 per hour")
        started.append(WebProcesses(app_config, tmp_path, **settings))
        return started[-1]

    yield start
    for web in started:
        web.stop()


@pytest.fixture(params=["database", "redis"])
def storage(request) -> str:
    """Where the limits count: the database, or a real Redis server started for the test."""
    if request.param == "database":
        return "database"
    redis = start_redis()
    request.addfinalizer(lambda: stop_redis(redis))
    return redis.url


def test_limits_hold_across_two_processes_per_account_and_address(web_processes, make_user):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import AuditEntry

    victim, colleague = make_user("lawyer", "victim@example.org"), make_user("lawyer", "colleague@example.org")
    web = web_processes()
    attacker = "198.51.100.7"
    codes = [web.post_login(victim.email, "wrong guess!", attacker).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]  # 3 per minute from this address to this account, both processes
    refused = web.post_login(victim.email, PASSWORD, attacker)
    assert refused.status_code == 429 and "to this account from your address" in refused.text
    assert LONG_FORM.search(refused.text), refused.text
    # Others behind the attacker's address are not locked out of their own accounts...
    assert web.post_login(colleague.email, PASSWORD, attacker).status_code == 302
    # ...and the right password from another address still works.
    assert web.post_login(victim.email, PASSWORD, "203.0.113.9").status_code == 302

    db.session.rollback()  # a fresh snapshot: the web processes wrote since
    failures = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in.failed")).all()
    assert len(failures) == 3 and {f.subject_id for f in failures} == {victim.id}
    assert {f.address for f in failures} == {attacker}
    assert all(f.actor_kind == "anonymous" and f.changes["email"] == victim.email for f in failures)


def test_failures_from_many_addresses_slow_the_account_but_never_lock_the_owner_out(web_processes, make_user,
                                                                                   storage):
    from werkzeug.security import generate_password_hash

    from tracker.dispatch import commit

    owner = make_user("admin", "owner@example.org")
    # A quick hash, so that a hundred real password checks fit in a test (the limits are what is tested).
    owner.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    commit()
    email = owner.email
    web = web_processes(RATELIMIT_STORAGE_URI=storage, LOGIN_RATE_LIMIT="10 per minute",
                        LOGIN_ADDRESS_LIMIT="20 per hour", LOGIN_ACCOUNT_LIMIT="90 per hour")

    def attempt(n: int) -> tuple[int, float]:
        started = time.monotonic()
        code = web.post_login(email, f"guess {n}!", f"192.0.2.{n % 20 + 1}").status_code
        return code, time.monotonic() - started

    # 100 failures, 5 from each of 20 addresses (under every per-address limit), two at a time.
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(attempt, range(100)))
    assert [code for code, _ in answers] == [401] * 100  # wrong passwords answer "wrong", never "locked"
    assert max(took for _, took in answers[-5:]) >= 0.5  # past 90 failures every try is slowed
    started = time.monotonic()
    answer = web.post_login(email, PASSWORD, "203.0.113.50")  # the owner, from a new address
    took = time.monotonic() - started
    assert answer.status_code == 302, answer.text
    assert 0.9 <= took < 3 + 2, took  # slowed 1 second (10 failures past the limit), at most 3 seconds


def test_password_spraying_from_one_address_is_refused(web_processes, make_user, storage):
    real = make_user("lawyer", "sprayed@example.org")
    web = web_processes(RATELIMIT_STORAGE_URI=storage, LOGIN_ADDRESS_LIMIT="20 per hour")
    sprayer = "198.51.100.66"
    emails = [f"person{n}@example.org" for n in range(39)] + [real.email]
    codes = [web.post_login(email, "Spring2026!", sprayer).status_code for email in emails]
    assert codes == [401] * 20 + [429] * 20
    refused = web.post_login(real.email, PASSWORD, sprayer)
    assert refused.status_code == 429 and "Too many failed sign-ins from your address" in refused.text
    assert LONG_FORM.search(refused.text), refused.text
    # The same account from another address (and another IPv4 address of the same /24) still signs in.
    assert web.post_login(real.email, PASSWORD, "198.51.100.67").status_code == 302


def test_redis_counts_and_its_outage_falls_back_to_the_database(web_processes, make_user):
    from sqlalchemy import func, select

    from tracker.extensions import db
    from tracker.models import LimitHit

    first, second = make_user("lawyer", "first@example.org"), make_user("lawyer", "second@example.org")
    redis = start_redis()
    try:
        web = web_processes(RATELIMIT_STORAGE_URI=redis.url)
        codes = [web.post_login(first.email, "wrong guess!", "198.51.100.7").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        keys = redis.command("KEYS", "foiltrack:limit:signin:*")
        assert b"foiltrack:limit:signin:account:first@example.org" in keys
        assert b"foiltrack:limit:signin:address:198.51.100.7" in keys
        db.session.rollback()  # a fresh snapshot: the web processes wrote since
        assert db.session.scalar(select(func.count(LimitHit.id))) == 0  # counted in Redis only
        redis.stop()

        started = time.monotonic()
        assert web.post_login(second.email, PASSWORD, "198.51.100.7").status_code == 302
        assert time.monotonic() - started < 10
        # Failures are now counted in the database, still shared by both processes.
        codes = [web.post_login(second.email, "wrong guess!", "198.51.100.8").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        db.session.rollback()  # a fresh snapshot: the web processes wrote since
        assert db.session.scalar(select(func.count(LimitHit.id))) == 3 * 3  # account, pair and address keys
    finally:
        stop_redis(redis)


@pytest.mark.parametrize(("address", "network", "client"), [
    ("203.0.113.77", "203.0.113.0/24", "203.0.113.77/32"),
    ("::ffff:203.0.113.77", "203.0.113.0/24", "203.0.113.77/32"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64", "2001:db8:1:2::/64"),
    ("2001:db8:1:3::1", "2001:db8:1:3::/64", "2001:db8:1:3::/64"),
    ("unknown", "unknown", "unknown"),
    ("", "unknown", "unknown"),
])
def test_the_keys_of_addresses(address, network, client):
    from tracker import signin_limits

    assert signin_limits.network(address) == network
    assert signin_limits.client_key(address) == client


@pytest.mark.parametrize(("failures", "seconds"), [
    (0, 0.0), (29, 0.0), (30, 0.25), (34, 0.25), (35, 0.5), (40, 1.0), (45, 2.0), (50, 3.0), (500, 3.0),
])
def test_the_delay_grows_with_failures_past_the_account_limit_up_to_three_seconds(app, failures, seconds):
    from datetime import timedelta

    from tracker import signin_limits
    from tracker.models.base import utcnow

    now = utcnow()
    for n in range(failures):
        signin_limits.hit(["signin:account:someone@example.org"], 3600, now - timedelta(seconds=n))
    assert signin_limits.delay("someone@example.org", now) == seconds
    assert signin_limits.delay("someone-else@example.org", now) == 0.0

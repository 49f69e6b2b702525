"""A deployment on many hosts, under load, survives a killed worker, a broker outage, a database restart and a
killed rebuild: every email is delivered once, every document extracted and searchable once, no search
fails while mail is indexed, no singleton works twice, and people can sign in throughout.

Each process runs from its own data folder, as on its own machine; they share only the database, the
broker, the blob folder and (for Whoosh) the index folder. Two web hosts (gunicorn, two workers each), two
general workers, the index writer (Whoosh), two schedulers and the mail worker. Singletons that lose their
lease exit and are restarted, as systemd's Restart=always does (deploy/).
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from tests.deployment_support import PASSWORD, Deployment, Load, api, outside
from tests.ingest_support import build_email, pdf_attachment
from tests.servers.postgres import start_postgres, stop_postgres
from tests.servers.redis import start_redis, stop_redis

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

EMAILS = 200
BATCHES = 4
SINGLETONS = ("scheduler1", "scheduler2", "mail", "indexer")


def word_for(number: int) -> str:
    """A made-up word found in email `number`'s PDF and nowhere else (letters only, so no analyzer splits it)."""
    letters = "".join(chr(ord("a") + (number // 26**i) % 26) for i in range(3))
    return f"zorblat{letters}"


class Supervisor:
    """Restarts a singleton that exited (as systemd would) and checks no two copies ever work at once."""

    def __init__(self, deployment: Deployment, commands: dict[str, tuple[str, ...]]):
        self.deployment, self.commands = deployment, commands
        self.doubled: list[str] = []
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        """Watch in a thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        self._thread.join(timeout=30)

    def _working(self, role: str, names: tuple[str, ...]) -> list[str]:
        working = []
        for name in names:
            process = self.deployment.processes.get(name)
            if process and process.alive() and f"{role}: lease held" in process.log.read_text(errors="replace"):
                working.append(name)
        return working

    def _watch(self) -> None:
        while not self._stop.is_set():
            schedulers = self._working("scheduler", ("scheduler1", "scheduler2"))
            if len(schedulers) > 1:
                self.doubled.append(f"both schedulers working: {schedulers}")
            for name, args in self.commands.items():
                process = self.deployment.processes.get(name)
                if process is not None and not process.alive():
                    # A restarted copy starts a fresh log section: its old "lease held" line no longer counts.
                    process.log.rename(process.log.with_suffix(f".{time.monotonic_ns()}.log"))
                    self.deployment.start_command(name, *args)
                    self.restarts += 1
            self._stop.wait(0.3)


def _feed(dovecot, replies: list[str], first: int, count: int) -> None:
    for number in range(first, first + count):
        raw = build_email(to=replies[number % len(replies)], subject=f"Production part {number}",
                          body=f"Part {number} of the production is attached.",
                          attachments=[pdf_attachment([f"Page one of part {number}: {word_for(number)} camera "
                                                       "deployment records.", "Page two: routine log."],
                                                      filename=f"part-{number}.pdf")])
        dovecot.append(raw)


def _wait_until(what: str, check, deployment: Deployment, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last is True:
                return
        except Exception as exc:  # noqa: BLE001 - the deployment may be mid-outage: look again
            last = exc
        time.sleep(1)
    raise AssertionError(f"{what} not reached after {timeout} s (last: {last})\n{deployment.logs()}")


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5) as conn:
        return int(conn.execute(sql).fetchone()[0])


@pytest.mark.parametrize("engine", ["postgres", "whoosh"])
def test_a_deployment_on_many_hosts_survives_kills_and_outages(engine, tmp_path, imap_mailbox):
    postgres, redis = start_postgres(), start_redis()
    deployment = supervisor = load = None
    try:
        url = postgres.create_database("foiltrack_deploy")
        shared = tmp_path / "shared"
        env = {
            "FOILTRACK_DATABASE_URL": url, "FOILTRACK_BROKER_URL": redis.url,
            "FOILTRACK_RATELIMIT_STORAGE_URI": redis.url, "FOILTRACK_LOGIN_RATE_LIMIT": "1000 per minute",
            "FOILTRACK_BLOB_DIR": str(shared / "blobs"), "FOILTRACK_SEARCH_ENGINE": engine,
            "FOILTRACK_SECRET_KEY": "one secret shared by every host of this deployment",
            "FOILTRACK_IMAP_HOST": "127.0.0.1", "FOILTRACK_IMAP_PORT": str(imap_mailbox.port),
            "FOILTRACK_IMAP_USER": imap_mailbox.user, "FOILTRACK_IMAP_PASSWORD": imap_mailbox.password,
            "FOILTRACK_IMAP_SSL": "false", "FOILTRACK_IMAP_POLL_SECONDS": "5",
            "FOILTRACK_BROKER_VISIBILITY_SECONDS": "30", "FOILTRACK_WORKER_CONCURRENCY": "1",
        }
        if engine == "whoosh":
            env["FOILTRACK_INDEX_DIR"] = str(shared / "index")
        deployment = Deployment(tmp_path, env)
        deployment.run("admin-host", "db", "upgrade")
        token = deployment.run("admin-host", "users", "create", "admin@campaign.example.org", "--role", "admin",
                               "--token", stdin=f"{PASSWORD}\n{PASSWORD}\n").strip().splitlines()[-1]
        webs = [deployment.start_web("web1"), deployment.start_web("web2")]
        deployment.start_worker("worker1")
        deployment.start_worker("worker2")
        commands = {"scheduler1": ("scheduler",), "scheduler2": ("scheduler",), "mail": ("ingest",)}
        if engine == "whoosh":
            commands["indexer"] = ("indexer",)
        for name, args in commands.items():
            deployment.start_command(name, *args)
        supervisor = Supervisor(deployment, commands)
        supervisor.start()

        status, agency = api(webs[0], "/api/v1/agencies", token, method="POST", body={
            "name": "New York City Police Department", "short_name": "NYPD",
            "foil_email": "foil@records.nypd.example.gov", "appeals_email": "appeals@records.nypd.example.gov"})
        assert status == 201, agency
        replies = []
        for number in range(10):
            status, filed = api(webs[number % 2], "/api/v1/requests", token, method="POST", body={
                "agency_id": agency["id"], "title": f"Facial recognition records, part {number}",
                "description": "All records of facial recognition use.", "received_on": "2024-03-01"})
            assert status == 201, filed
            replies.append(filed["reply_address"])

        # A new deployment's search answers 503 ("being built for the first time") until its index exists;
        # the load is about what happens once the deployment is up.
        _wait_until("search answering on both web hosts",
                    lambda: all(api(web, "/api/v1/search?q=camera", token)[0] == 200 for web in webs), deployment, 120)
        load = Load(webs, token, [word_for(n) for n in range(EMAILS)] + ["camera", "routine log"],
                    "admin@campaign.example.org")
        load.start()
        outages: list[tuple[float, float]] = []
        per_batch = EMAILS // BATCHES

        # 1. Mail arrives while a general worker is killed mid-work (and comes back, as systemd would).
        _feed(imap_mailbox, replies, 0, per_batch)
        time.sleep(3)
        deployment.kill("worker1")
        deployment.start_worker("worker1-again")

        # 2. Mail arrives while the broker is down for 20 seconds.
        _feed(imap_mailbox, replies, per_batch, per_batch)
        redis.restart(down_seconds=20)

        # 3. Mail arrives while the database restarts (the requests in flight may fail; nothing else).
        _feed(imap_mailbox, replies, 2 * per_batch, per_batch)
        time.sleep(2)
        started = time.monotonic()
        postgres.restart(down_seconds=3)
        outages.append((started, time.monotonic() + 10))

        # 4. Mail arrives while a rebuild of the index is killed (its own children with it or not).
        rebuild = deployment.start_command("rebuild", "reindex")
        _feed(imap_mailbox, replies, 3 * per_batch, per_batch)
        time.sleep(2)
        if rebuild.alive():
            rebuild.popen.kill()  # kill -9 of the command alone: its children, if any, are orphaned

        def everything_searchable():
            delivered = _count(url, "SELECT count(*) FROM messages WHERE status = 'delivered'")
            pending = _count(url, "SELECT count(*) FROM documents WHERE text_status = 'pending'")
            open_work = _count(url, "SELECT count(*) FROM pending_work WHERE done_at IS NULL")
            if delivered < EMAILS or pending or open_work:
                return f"{delivered} delivered, {pending} documents not extracted, {open_work} jobs not done"
            missing = [n for n in range(EMAILS)
                       if api(webs[n % 2], f"/api/v1/search?q={word_for(n)}", token)[1].get("total") != 1]
            return True if not missing else f"{len(missing)} parts not found exactly once, e.g. {missing[:5]}"

        _wait_until("every email delivered, extracted and searchable", everything_searchable, deployment, 420)
        load.stop()
        supervisor.stop()

        assert _count(url, "SELECT count(*) FROM messages WHERE status = 'delivered'") == EMAILS
        assert _count(url, "SELECT count(*) FROM documents") == EMAILS
        assert _count(url, "SELECT count(*) FROM pages") == 2 * EMAILS
        assert _count(url, "SELECT count(*) FROM pending_work WHERE done_at IS NULL") == 0
        failures = outside(load.failures, outages)
        assert failures == [], f"{len(failures)} searches failed outside the database restart: {failures[:5]}"
        assert sum(load.statuses.values()) > 100 and load.statuses[200] > 0, load.statuses
        refused = [s for s in outside([(t, s) for t, s in load.sign_ins], outages) if s != 200]
        assert refused == [] and len(load.sign_ins) > 5, load.sign_ins
        assert supervisor.doubled == [], supervisor.doubled
    finally:
        if load is not None:
            load.stop()
        if supervisor is not None:
            supervisor.stop()
        if deployment is not None:
            deployment.stop_all()
        stop_redis(redis)
        stop_postgres(postgres)

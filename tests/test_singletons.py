"""Singletons behind leases: a second scheduler or indexer waits as a standby and takes over from a killed one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from tracker.leases import TAKEOVER_SECONDS, Lease, _libpq_url, holders, watch

pytestmark = pytest.mark.slow


def _environment(data_dir: Path, database_url: str | None) -> dict:
    env = {**os.environ, "FOILTRACK_DATA_DIR": str(data_dir)}
    env.pop("FOILTRACK_BROKER_URL", None)
    if database_url:
        env["FOILTRACK_DATABASE_URL"] = database_url
    else:
        env.pop("FOILTRACK_DATABASE_URL", None)
    return env


def _start(command: str, env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "tracker.cli", command], env=env, stdout=handle,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(log: Path, words: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if words in log.read_text():
            return
        assert process.poll() is None, f"{log.name} ended early:\n{log.read_text()}"
        time.sleep(0.2)
    raise AssertionError(f"{words!r} not in {log.name} after {timeout} s:\n{log.read_text()}")


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(params=["sqlite", "postgres"])
def deployment(request, tmp_path, sqlite_template):
    """A migrated database (SQLite in the data folder, or a throwaway PostgreSQL) and its settings."""
    if request.param == "sqlite":
        target = tmp_path / "shared" / "foiltrack.sqlite3"
        target.parent.mkdir()
        target.write_bytes(sqlite_template.read_bytes())
        return tmp_path / "shared", f"sqlite:///{target}"
    url = request.getfixturevalue("database_url_postgres")
    return tmp_path / "shared", url


@pytest.fixture
def database_url_postgres(postgres, postgres_template, request):
    name = f"foiltrack_lease_{os.getpid()}_{time.monotonic_ns() % 10**6}"
    postgres.execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    request.addfinalizer(lambda: postgres.drop_database(name))
    return postgres.database_url(name)


@pytest.mark.parametrize("command, role", [("scheduler", "scheduler"), ("indexer", "index-writer")])
def test_second_copy_waits_and_takes_over_when_the_first_is_killed(deployment, tmp_path, command, role):
    data_dir, url = deployment
    env = _environment(data_dir, url)
    first = _start(command, env, tmp_path / "first.log")
    second = None
    try:
        _wait_for(tmp_path / "first.log", f"{role}: lease held", first)
        assert holders(role, url, str(data_dir)) == 1
        second = _start(command, env, tmp_path / "second.log")
        _wait_for(tmp_path / "second.log", "waiting as a standby", second)
        time.sleep(3)  # long enough for a second copy to have started working if the lease let it
        assert "lease held" not in (tmp_path / "second.log").read_text()
        _kill(first)
        _wait_for(tmp_path / "second.log", f"{role}: lease held", second, timeout=30)
        assert holders(role, url, str(data_dir)) == 1
    finally:
        _kill(first)
        if second is not None:
            _kill(second)


def test_file_lease_is_released_by_the_kernel_when_its_holder_dies(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from tracker.leases import Lease\n"
        f"lease = Lease('mail', 'sqlite://', {str(tmp_path)!r})\n"
        "assert lease.try_acquire(); print('held', flush=True); time.sleep(600)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        mine = Lease("mail", "sqlite://", str(tmp_path))
        assert not mine.try_acquire()
        holder.kill()
        holder.wait(timeout=10)
        assert mine.try_acquire() and mine.still_held()
        mine.release()
        assert holders("mail", "sqlite://", str(tmp_path)) == 0
    finally:
        holder.kill()
        holder.wait(timeout=10)
        holder.stdout.close()


def test_postgres_lease_lost_when_the_connection_ends(database_url_postgres, tmp_path):
    first = Lease("scheduler", database_url_postgres, str(tmp_path))
    second = Lease("scheduler", database_url_postgres, str(tmp_path))
    assert first.try_acquire() and first.still_held()
    assert not second.try_acquire()
    first._conn.close()  # what a database restart or a dead host does to the holder's session
    assert not first.still_held()
    assert second.try_acquire() and second.still_held()
    second.release()
    assert holders("scheduler", database_url_postgres, str(tmp_path)) == 0


def test_a_standby_works_only_after_a_holder_that_lost_its_session_has_stopped(database_url_postgres, tmp_path):
    # A database restart ends the holder's session, not its process: until the holder notices, it still
    # runs the schedule, so the standby that wins the lock at once must wait for it to stop first.
    holder = Lease("scheduler", database_url_postgres, str(tmp_path))
    assert holder.try_acquire()
    stopped = threading.Event()
    watch(holder, stopped.set)
    standby = Lease("scheduler", database_url_postgres, str(tmp_path))
    with psycopg.connect(_libpq_url(database_url_postgres), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (holder._conn.info.backend_pid,))
    started = time.monotonic()
    try:
        assert standby.acquire(poll_seconds=0.05)
        assert stopped.is_set(), "the standby began working while the old holder still thought it held the lease"
        assert time.monotonic() - started >= TAKEOVER_SECONDS
        assert standby.still_held() and holders("scheduler", database_url_postgres, str(tmp_path)) == 1
    finally:
        standby.release()


def test_a_standby_told_to_stop_while_taking_over_gives_the_lease_back(database_url_postgres, tmp_path):
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    lease = Lease("mail", database_url_postgres, str(tmp_path))
    assert lease.acquire(stop=stop, poll_seconds=0.05) is False
    assert not lease.held and holders("mail", database_url_postgres, str(tmp_path)) == 0


def test_unknown_role_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown lease"):
        Lease("beat", "sqlite://", str(tmp_path))

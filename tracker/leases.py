"""Leases: a named role (the scheduler, the mail worker, the search-index writer) held by one process at a time.

A second copy of a singleton does not double the work: it waits for the lease as a hot standby and takes
over when the holder dies. On PostgreSQL the lease is a session-level advisory lock held on a connection
of its own (the server releases it the moment that connection ends, so a `kill -9` or a lost host frees
it); with SQLite, where every process shares one machine and one data folder, it is an `flock` on a file
in that folder (the kernel releases it when the process dies).

The holder checks its lease every CHECK_SECONDS (``still_held``): a database restart ends the advisory lock's
connection, and a process that lost its lease must stop working as the singleton before another takes over.
So a standby that wins the advisory lock waits TAKEOVER_SECONDS before it works: longer than the old holder
needs to notice (one check, which a dead network fails within TCP_USER_TIMEOUT_MS) and stop. A holder that
cannot notice in time (frozen while it lost its session) is fenced off: each holding takes a new epoch
(tracker.fencing) that the singleton's work carries, and the database refuses work from an older one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tracker import fencing

log = logging.getLogger(__name__)

ROLES = ("scheduler", "mail", "index-writer")
# A lease key in PostgreSQL's advisory-lock space: a fixed class number for FOIL Tracker, then the role.
_LOCK_CLASS = 0x0F01
CHECK_SECONDS = 1.0  # how often a holder asks the server whether its lease is still its own
TCP_USER_TIMEOUT_MS = 2000  # a check that the server does not acknowledge fails after this long
TAKEOVER_SECONDS = 3 * CHECK_SECONDS + TCP_USER_TIMEOUT_MS / 1000  # a new holder's wait before it works
_HOLDERS_SQL = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid::bigint = %s AND objid::bigint = %s")


def _role_key(role: str) -> int:
    digest = hashlib.sha256(f"foiltrack:{role}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def _libpq_url(database_url: str) -> str:
    """A psycopg connection string from a SQLAlchemy URL (`postgresql+psycopg://...`)."""
    scheme, _, rest = database_url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgresql") else database_url


class Lease:
    """One process's hold on a role; `acquire` waits as a standby until the role is free."""

    def __init__(self, role: str, database_url: str, data_dir: str) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown lease {role!r}; known: {', '.join(ROLES)}")
        self.role = role
        self._postgres = database_url.startswith("postgresql")
        self._database_url = database_url
        self._path = Path(data_dir) / "leases" / f"{role}.lock"
        self._conn = None
        self._fd: int | None = None
        self.epoch: int | None = None  # the fencing token of this holding (PostgreSQL only)

    # -- taking and giving back -------------------------------------------------------------------
    def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True when this process now holds it."""
        if self.held:
            return True
        return self._try_postgres() if self._postgres else self._try_file()

    def acquire(self, *, poll_seconds: float = 2.0, stop: threading.Event | None = None,
                on_wait: Callable[[], None] | None = None) -> bool:
        """Wait (as a standby) until the lease is ours; False only when `stop` was set first."""
        told = False
        while not (stop and stop.is_set()):
            try:
                if self.try_acquire() and self._settled(stop):
                    if self._postgres:
                        # A fencing token for this holding: work it does is refused once another takes over.
                        self.epoch = fencing.take(self._conn, self.role)
                    log.info("lease %s: held by this process (pid %s, epoch %s)", self.role, os.getpid(),
                             self.epoch)
                    return True
            except Exception as exc:  # noqa: BLE001 - the database may be restarting: wait and try again
                log.warning("lease %s: cannot ask for it now (%s); trying again", self.role, exc)
                self._drop_connection()
            if not told:
                log.info("lease %s: held by another process; waiting as a standby", self.role)
                told = True
                if on_wait:
                    on_wait()
            _pause(poll_seconds, stop)
        return False

    def _settled(self, stop: threading.Event | None) -> bool:
        """After winning the advisory lock, wait until a holder that lost it (a database restart ends its
        session, not its process) has noticed and stopped, then confirm the lock is still ours."""
        if not self._postgres:
            return True  # a file lock is released only when its holder's process has ended
        log.info("lease %s: won; starting in %.0f s, once any previous holder has stopped",
                 self.role, TAKEOVER_SECONDS)
        _pause(TAKEOVER_SECONDS, stop)
        if (stop and stop.is_set()) or not self.still_held():
            self.release()
            return False
        return True

    def release(self) -> None:
        """Give the lease back (also done by the operating system or the server when the process dies)."""
        fencing.forget(self.role)
        self.epoch = None
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
        if self._conn is not None:
            # A broken connection means the server has released the lock already.
            with contextlib.suppress(Exception):
                self._conn.execute("SELECT pg_advisory_unlock(%s, %s)", (_LOCK_CLASS, _role_key(self.role)))
            self._drop_connection()

    @property
    def held(self) -> bool:
        """Whether this process believes it holds the lease (see `still_held` for a check)."""
        return self._fd is not None or self._conn is not None

    def still_held(self) -> bool:
        """Check with the server that the lease is still ours (a database restart takes it away)."""
        if self._fd is not None:
            return True
        if self._conn is None:
            return False
        try:
            row = self._conn.execute(
                _HOLDERS_SQL + " AND pid = pg_backend_pid()",
                (_LOCK_CLASS & 0xFFFFFFFF, _role_key(self.role) & 0xFFFFFFFF)).fetchone()
        except Exception:  # noqa: BLE001 - a broken connection means the advisory lock is gone
            self._drop_connection()
            return False
        return bool(row and row[0])

    # -- backends -----------------------------------------------------------------------------------
    def _try_postgres(self) -> bool:
        import psycopg

        if self._conn is None:
            self._conn = psycopg.connect(_libpq_url(self._database_url), autocommit=True, connect_timeout=5,
                                         tcp_user_timeout=TCP_USER_TIMEOUT_MS,
                                         application_name=f"foiltrack lease {self.role}")
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                 (_LOCK_CLASS, _role_key(self.role))).fetchone()
        if row and row[0]:
            return True
        self._drop_connection()
        return False

    def _try_file(self) -> bool:
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self._conn.close()
            self._conn = None


def _pause(seconds: float, stop: threading.Event | None) -> None:
    """Sleep, waking early when `stop` is set."""
    if stop:
        stop.wait(seconds)
    else:
        time.sleep(seconds)


def holders(role: str, database_url: str, data_dir: str) -> int | None:
    """How many processes hold `role` now (0 or 1), or None when that cannot be told from here."""
    if database_url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(_libpq_url(database_url), autocommit=True, connect_timeout=5) as conn:
            row = conn.execute(_HOLDERS_SQL, (_LOCK_CLASS & 0xFFFFFFFF, _role_key(role) & 0xFFFFFFFF)).fetchone()
        return int(row[0])
    probe = Lease(role, database_url, data_dir)
    if probe.try_acquire():
        probe.release()
        return 0
    return 1


def watch(lease: Lease, on_lost: Callable[[], None], *, every_seconds: float = CHECK_SECONDS) -> threading.Thread:
    """Check the lease in a daemon thread and call `on_lost` once if it is taken away."""

    def run() -> None:
        while True:
            time.sleep(every_seconds)
            if not lease.still_held():
                log.error("lease %s: lost (the database connection ended); stopping this copy", lease.role)
                on_lost()
                return

    thread = threading.Thread(target=run, name=f"lease-{lease.role}", daemon=True)
    thread.start()
    return thread

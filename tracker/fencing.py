"""Fencing tokens: a singleton that lost its lease while frozen cannot act once another has taken over.

On PostgreSQL a lease is an advisory lock held by its holder's database session (tracker.leases). A holder
that is frozen (SIGSTOP, a paused virtual machine) while its session ends (a network partition, a server
restart) still believes it holds the lease when it resumes, and could do one more piece of singleton work
before its next check notices. So every takeover adds one to the role's epoch in ``lease_epochs`` and the
new holder keeps that number; each piece of singleton work checks it in the transaction that does the
work (``check``), reading the row ``FOR SHARE``: a stale epoch is refused by the database, and a takeover
(which updates the row) waits for a check in flight to commit, so the two never interleave.

Work a singleton hands to other processes carries the epoch with it: the scheduler's tasks get it in a
message header (``foiltrack_fence``), checked by the task's unit of work (tracker.tasks).

With SQLite the lease is an ``flock`` that a frozen holder keeps (the kernel frees it only when the process
dies), so no standby takes over while it is frozen: no epoch is taken and ``check`` has nothing to refuse.
"""

from __future__ import annotations

import os
import socket

from sqlalchemy import text

from tracker.extensions import db

HEADER = "foiltrack_fence"
_epochs: dict[str, int] = {}  # the epochs this process took, by role


class StaleEpoch(RuntimeError):
    """Singleton work from a holder whose lease was taken over since: refused, nothing done."""


def take(conn, role: str) -> int:
    """Add one to role's epoch on `conn` (a psycopg connection in autocommit) and keep it as this process's."""
    holder = f"{socket.gethostname()} pid {os.getpid()}"[:200]
    row = conn.execute(
        "INSERT INTO lease_epochs (role, epoch, holder, taken_at) VALUES (%s, 1, %s, now() AT TIME ZONE 'UTC') "
        "ON CONFLICT (role) DO UPDATE SET epoch = lease_epochs.epoch + 1, holder = EXCLUDED.holder, "
        "taken_at = EXCLUDED.taken_at RETURNING epoch", (role, holder)).fetchone()
    _epochs[role] = int(row[0])
    return _epochs[role]


def held(role: str) -> int | None:
    """The epoch this process took for role, or None when it holds no fenced lease for it."""
    return _epochs.get(role)


def roles() -> list[str]:
    """The roles this process holds an epoch for."""
    return list(_epochs)


def forget(role: str) -> None:
    """This process no longer works as role (its lease was released)."""
    _epochs.pop(role, None)


def check(role: str, epoch: int | None = None) -> None:
    """Refuse (StaleEpoch) singleton work unless `epoch` (default: this process's) is role's newest.

    Call it inside the unit of work that does the work; the row stays share-locked until that unit ends.
    Nothing is checked when there is no epoch to check (the embedded mode, work outside any singleton).
    """
    epoch = held(role) if epoch is None else epoch
    if epoch is None:
        return
    current = db.session.execute(text("SELECT epoch FROM lease_epochs WHERE role = :role FOR SHARE"),
                                 {"role": role}).scalar()
    if current != epoch:
        raise StaleEpoch(f"{role}: this process's lease (epoch {epoch}) was taken over (epoch {current}); "
                         "its work is refused")

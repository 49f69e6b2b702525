"""Durable follow-up work: jobs written in the deciding transaction, relayed to the broker, swept when stuck.

A unit of work that queues a job (``tracker.dispatch.after_commit``) also writes a ``PendingWork`` row in
the same transaction, so the job exists exactly when the change that asked for it does. After the commit
the row is relayed to the broker under the task id ``work-<row>-<attempt>``, and the task marks the row
done when it has run. Nothing else keeps the job alive, so nothing is lost when:

- the broker is down at commit time: the relay fails, the row stays unrelayed, the sweeper relays it;
- the broker loses a queued job (Redis restarted without persistence): no worker claims the row, and the
  sweeper relays it again once it has waited UNCLAIMED_SECONDS (then twice that, four times... so that a
  long queue is not flooded with copies);
- a worker dies mid-task: the claim it renewed every CLAIM_RENEW_SECONDS lapses after CLAIM_SECONDS, and
  the sweeper relays the row again (the broker would only hand the task back after its visibility timeout,
  minutes later).

A worker claims the row before it runs the job (``claim``): one atomic update that succeeds only when the
row is not done and nobody holds a live claim, so a second copy of a job (relayed again, or handed back by
the broker) does nothing while the first runs or once it is done. Tasks are idempotent too (each checks
what is already done), and sending mail is claimed besides. A job that failed keeps a claim of nobody's
for a growing back-off (``give_up_for_now``), so a failing job is retried, but not every sweep.
The sweeper runs in the scheduler (which holds the scheduler lease), every ``SWEEP_SECONDS``.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from tracker import fencing
from tracker.extensions import db
from tracker.models.base import utcnow
from tracker.models.work import PendingWork

log = logging.getLogger(__name__)

SWEEP_SECONDS = 10
# A row not relayed after its commit (the broker was down) is relayed by the sweeper after this long.
RELAY_GRACE = timedelta(seconds=20)
# A relayed job no worker has claimed after this long (doubling with each relay) is relayed again.
UNCLAIMED_SECONDS = 45
# A worker's claim on the job it runs lasts this long, renewed every CLAIM_RENEW_SECONDS while it works.
CLAIM_SECONDS = 30
CLAIM_RENEW_SECONDS = 10
# A failed job waits this long times 2**(attempts - 1) before the sweeper relays it again, at most an hour.
FAILED_BACKOFF_SECONDS = 60
# Done rows are kept this long (to look at), then deleted by the sweeper.
KEEP_DONE = timedelta(days=7)
# Publishing gives up quickly when the broker is down: the row is kept, and the sweeper relays it.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
_TASK_ID = re.compile(r"^work-(\d+)-\d+$")


def record(task: str, args: list) -> PendingWork:
    """Write a job in the current transaction (flushed, never committed here)."""
    work = PendingWork(task=task, args=list(args))
    db.session.add(work)
    db.session.flush()
    return work


def relay(work_id: int, task: str, args: list, attempt: int) -> bool:
    """Hand one job to the broker; True when the broker took it (its row is then marked relayed)."""
    celery = current_app.extensions["celery"]
    try:
        celery.tasks[task].apply_async(args=args, task_id=f"work-{work_id}-{attempt}",
                                       retry=True, retry_policy=PUBLISH_RETRY)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the row stays, the sweeper tries again
        log.warning("job %s #%s not handed to the broker (%s); the sweeper will relay it", task, work_id, exc)
        _note_failure(work_id, f"{type(exc).__name__}: {exc}")
        return False
    _set(work_id, relayed_at=utcnow(), attempts=attempt)
    return True


def mark_done(task_id: str | None) -> None:
    """Mark the job behind a Celery task id done, in the task's own unit of work (committed with its work)."""
    match = _TASK_ID.match(task_id or "")
    if match:
        db.session.execute(update(PendingWork).where(PendingWork.id == int(match.group(1)))
                           .values(done_at=utcnow()))


def work_id(task_id: str | None) -> int | None:
    """The pending-work row behind a Celery task id, if it came from one."""
    match = _TASK_ID.match(task_id or "")
    return int(match.group(1)) if match else None


@dataclass
class Sweep:
    """What one sweep did."""

    relayed: int = 0
    failed: int = 0
    pruned: int = 0


def _unclaimed_wait(attempts: int) -> timedelta:
    """How long a relayed job may wait unclaimed before it is relayed again: longer at each relay."""
    return timedelta(seconds=UNCLAIMED_SECONDS * 2 ** min(max(attempts, 1) - 1, 6))


def sweep(now: datetime | None = None) -> Sweep:
    """Relay every job not done that was never relayed, that no worker claimed in time, or whose claim lapsed."""
    now = now or utcnow()
    fencing.check("scheduler")  # a sweeper whose lease was taken over relays nothing
    candidates = db.session.execute(
        select(PendingWork.id, PendingWork.task, PendingWork.args, PendingWork.attempts, PendingWork.relayed_at,
               PendingWork.claimed_until)
        .where(PendingWork.done_at.is_(None))
        .where(or_(
            PendingWork.relayed_at.is_(None) & (PendingWork.created_at < now - RELAY_GRACE),
            PendingWork.claimed_until.is_(None) & (PendingWork.relayed_at < now - _unclaimed_wait(1)),
            PendingWork.claimed_until < now,
        ))
        .order_by(PendingWork.id)
        .limit(500)
    ).all()
    db.session.rollback()  # end the read before talking to the broker
    due = [row for row in candidates
           if row.relayed_at is None or row.claimed_until is not None
           or row.relayed_at < now - _unclaimed_wait(row.attempts)]
    result = Sweep()
    for row in due:
        if relay(row.id, row.task, row.args, row.attempts + 1):
            result.relayed += 1
        else:
            result.failed += 1
            break  # the broker is down: the rest waits for the next sweep
    pruned = db.session.execute(delete(PendingWork).where(PendingWork.done_at < now - KEEP_DONE))
    db.session.commit()
    result.pruned = pruned.rowcount or 0
    if result.relayed or result.failed:
        log.info("sweeper: relayed %s jobs (%s could not be)", result.relayed, result.failed)
    return result


def claim(work_id: int, worker: str) -> bool:
    """Claim the job for this worker in a short transaction of its own; False when it is done or claimed.

    One conditional update decides, so of two copies of a job started at once exactly one runs it.
    """
    now = utcnow()
    with db.engine.begin() as conn:
        taken = conn.execute(
            update(PendingWork)
            .where(PendingWork.id == work_id, PendingWork.done_at.is_(None),
                   or_(PendingWork.claimed_until.is_(None), PendingWork.claimed_until < now))
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), claimed_by=worker[:200]))
    return taken.rowcount == 1


def keep_claim(work_id: int, worker: str) -> threading.Event:
    """Renew the claim every CLAIM_RENEW_SECONDS in a thread until the returned event is set."""
    engine, finished = db.engine, threading.Event()

    def renew() -> None:
        while not finished.wait(CLAIM_RENEW_SECONDS):
            try:
                with engine.begin() as conn:
                    conn.execute(update(PendingWork)
                                 .where(PendingWork.id == work_id, PendingWork.claimed_by == worker[:200],
                                        PendingWork.done_at.is_(None))
                                 .values(claimed_until=utcnow() + timedelta(seconds=CLAIM_SECONDS)))
            except Exception:  # noqa: BLE001 - the database may be restarting: the next renewal tries again
                log.warning("could not renew the claim on job #%s; trying again", work_id, exc_info=True)

    threading.Thread(target=renew, name=f"claim-{work_id}", daemon=True).start()
    return finished


def give_up_for_now(work_id: int, reason: str) -> None:
    """A job that failed: keep it claimed by nobody for a growing back-off, after which the sweeper retries it."""
    attempts = db.session.scalar(select(PendingWork.attempts).where(PendingWork.id == work_id)) or 1
    wait = min(3600, FAILED_BACKOFF_SECONDS * 2 ** (max(attempts, 1) - 1))
    _set(work_id, claimed_until=utcnow() + timedelta(seconds=wait), claimed_by="", last_error=reason[:2000])


def last_error(work_id: int) -> str:
    """Why the job's last relay failed (empty when it did not)."""
    return db.session.scalar(select(PendingWork.last_error).where(PendingWork.id == work_id)) or ""


def open_work() -> list[PendingWork]:
    """Jobs not done yet, oldest first (for `foiltrack doctor` and the tests)."""
    return list(db.session.scalars(
        select(PendingWork).where(PendingWork.done_at.is_(None)).order_by(PendingWork.id)))


def _set(work_id: int, **values) -> None:
    """Update one row in a short transaction of its own (the caller's unit of work is already over)."""
    try:
        db.session.execute(update(PendingWork).where(PendingWork.id == work_id).values(**values))
        db.session.commit()
    except Exception:  # noqa: BLE001 - the row stays as it was; the sweeper's next look decides
        db.session.rollback()
        log.exception("could not update pending work #%s", work_id)


def _note_failure(work_id: int, reason: str) -> None:
    _set(work_id, last_error=reason[:2000])

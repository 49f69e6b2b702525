"""The notification log: deadline reminders, the weekly digest and saved-search alerts all go
claim → send → record through here, so that a notice belongs to exactly one run.

A notice has a key naming what it is about ("reminder:<user>:<request>:<clock>:<due>:<threshold>",
"digest:<user>:<monday>", "alert:<saved search>:<watermark>"). A run claims it by inserting its row with
the run's token (INSERT … ON CONFLICT DO NOTHING: of two runs at once, exactly one inserts), or by a
conditional UPDATE that takes over a row that failed, or whose claim is older than NOTICE_CLAIM_SECONDS
(its run died before recording an outcome). The claim is committed before the email leaves; the outcome
is recorded afterwards. Two schedulers, or a scheduled run and `foiltrack reminders`, therefore never
send the same notice twice; a notice claimed by a run that died is sent once the claim has timed out.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from tracker.dispatch import commit, unit_of_work
from tracker.extensions import db
from tracker.models import Reminder
from tracker.models.base import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    """One run of a notification job; its token marks the notices it claimed."""

    token: str = field(default_factory=lambda: secrets.token_hex(16))


def _insert_if_new(values: dict) -> bool:
    """Insert the notice's row unless one with its key (or its reminder tuple) exists; True if inserted."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(Reminder).values(**values).on_conflict_do_nothing().returning(Reminder.id)
    return db.session.execute(statement).scalar() is not None


def claim(run: Run, key: str, *, user_id: int, kind: str, due_on: date, threshold: str,
          request_id: int | None = None) -> Reminder | None:
    """Claim the notice `key` for `run` (committed); None when it was sent, or another live run holds it."""
    now = utcnow()
    values = dict(key=key, user_id=user_id, request_id=request_id, kind=kind, due_on=due_on,
                  threshold=threshold, state="pending", attempts=0, error="", subject="", created_at=now,
                  claimed_by=run.token, claimed_at=now)
    commit()  # end what the run had open, so that the claim's unit takes the write lock first (SQLite)
    with unit_of_work(write=True):
        taken = _insert_if_new(values)
        if not taken:
            stale = now - timedelta(seconds=current_app.config["NOTICE_CLAIM_SECONDS"])
            taken = db.session.execute(
                update(Reminder)
                .where(Reminder.key == key,
                       or_(Reminder.state == "failed",
                           (Reminder.state == "pending")
                           & (Reminder.claimed_at.is_(None) | (Reminder.claimed_at < stale))))
                .values(claimed_by=run.token, claimed_at=now, state="pending")
                .execution_options(synchronize_session=False)).rowcount == 1
    if not taken:
        return None
    return db.session.scalar(select(Reminder).where(Reminder.key == key))


def send(run: Run, notice: Reminder, message, *, and_then: Callable[[str], None] | None = None
         ) -> tuple[str, str]:
    """Send the claimed notice's email now and record the outcome on its row (committed); (state, error).

    `and_then(state)` writes more in the same unit of work as the outcome (alerts move their watermark).
    """
    from ingest import smtp

    notice_id, key = notice.id, notice.key
    subject = str(message["Subject"] or "")[:300]
    commit()  # no transaction stays open while the mail server is talked to
    try:
        smtp.send(message)
    except smtp.SendError as exc:
        state, error, sent_at = "failed", exc.message, None
    else:
        state, error, sent_at = "sent", "", utcnow()
    with unit_of_work(write=True):
        recorded = db.session.execute(
            update(Reminder).where(Reminder.id == notice_id, Reminder.claimed_by == run.token)
            .values(state=state, error=error, sent_at=sent_at, subject=subject, attempts=Reminder.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if not recorded:
            # Our claim timed out and another run took the notice over: keep its record, say what happened.
            log.warning("notice %s (%s) was %s after its claim had been taken over", key, subject, state)
        if and_then is not None:
            and_then(state)
    return state, error


def record_failure(notice: Reminder, error: str) -> None:
    """Record that the notice's email could not even be built (committed); the next run tries again."""
    notice_id = notice.id
    commit()
    with unit_of_work(write=True):
        db.session.execute(update(Reminder).where(Reminder.id == notice_id)
                           .values(state="failed", error=error, attempts=Reminder.attempts + 1)
                           .execution_options(synchronize_session=False))

"""Reminder emails: each assignee hears once about each deadline of theirs coming up, and once if missed.

Idempotent by the Reminder table's unique key (user, request, kind, due date, threshold): a second run
sends nothing new, and a deadline that moves (an extension, say) is a new key and a new reminder.
Each reminder is committed as soon as its email is sent or fails, so a crash part-way through neither
loses nor repeats what was already done; a failed send stays `failed` with the reason and is tried
again on the next run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker import permissions
from tracker.clock import legal_today
from tracker.dispatch import commit
from tracker.extensions import db
from tracker.lifecycle import ENDED, LABELS, Deadline
from tracker.models import Reminder, Request, User
from tracker.models.base import utcnow
from tracker.models.requests import request_assignees
from tracker.operations import request_state


@dataclass(frozen=True)
class Outcome:
    """What one reminder run did about one reminder: sent, failed (with the reason) or already sent."""

    reminder_id: int
    email: str
    subject: str
    state: str
    error: str = ""

    def line(self) -> str:
        """One line for the command's output."""
        if self.state == "failed":
            return f"FAILED {self.email}: {self.subject} ({self.error})"
        return f"sent {self.email}: {self.subject}"


def threshold_for(deadline: Deadline, today: date, days: int) -> str | None:
    """'missed', 'upcoming' (due within `days` days) or None (too far off to mention yet)."""
    if deadline.missed:
        return "missed"
    if deadline.due_on <= today + timedelta(days=days):
        return "upcoming"
    return None


def due_reminders(today: date, days: int) -> Iterator[tuple[User, Request, Deadline, str]]:
    """Every (assignee, request, deadline, threshold) that deserves a reminder today."""
    ids = db.session.scalars(
        select(Request.id).where(Request.status.not_in(sorted(ENDED)),
                                 Request.id.in_(select(request_assignees.c.request_id)))
        .order_by(Request.id)).all()
    for request_id in ids:
        request = db.session.get(Request, request_id)
        people = [u for u in request.assignees if u.active and permissions.can_see_request(u, request)]
        if not people:
            continue
        for deadline in request_state(request, today).deadlines:
            threshold = threshold_for(deadline, today, days)
            if threshold is None:
                continue
            for user in people:
                yield user, request, deadline, threshold


def subject_for(request: Request, deadline: Deadline, threshold: str) -> str:
    """'Due Fri 2023-01-13: Acknowledgment due · FT-2023-00001 Facial recognition contracts'."""
    title = " ".join(request.title.split())
    when = f"{deadline.due_on:%a} {deadline.due_on.isoformat()}"
    head = f"MISSED {when}" if threshold == "missed" else f"Due {when}"
    return f"{head}: {LABELS[deadline.kind]} · {request.reference} {title}"


def _claim(user: User, request: Request, deadline: Deadline, threshold: str) -> Reminder | None:
    """The reminder row for this key, created if new; None when it was already sent."""
    key = dict(user_id=user.id, request_id=request.id, kind=deadline.kind, due_on=deadline.due_on,
               threshold=threshold)
    row = db.session.scalar(select(Reminder).filter_by(**key))
    if row is None:
        row = Reminder(**key)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            # Another run (a worker and the command at once) claimed it first: that run sends it.
            return None
    return None if row.state == "sent" else row


def deliver(reminder: Reminder, subject: str, body: str) -> Outcome:
    """Send one reminder email now and record the result on the row (committed)."""
    from ingest import smtp

    reminder.attempts += 1
    try:
        msg = smtp.build_message(to=[reminder.user.email], subject=subject, body=body)
        smtp.send(msg)
    except smtp.SendError as exc:
        reminder.state, reminder.error = "failed", exc.message
    else:
        reminder.state, reminder.error, reminder.sent_at = "sent", "", utcnow()
    commit()
    return Outcome(reminder.id, reminder.user.email, subject, reminder.state, reminder.error)


def send_due(today: date | None = None) -> list[Outcome]:
    """Send every reminder due today that was not sent before (failed ones are tried again)."""
    today = today or legal_today()
    days = current_app.config["REMINDER_DAYS"]
    base = current_app.config["BASE_URL"].rstrip("/")
    work = []
    for user, request, deadline, threshold in due_reminders(today, days):
        row = _claim(user, request, deadline, threshold)
        if row is not None:
            work.append((row, request, deadline, threshold))
    commit()  # the claims are recorded before any email leaves
    outcomes = []
    for row, request, deadline, threshold in work:
        body = render_template("notifications/reminder.txt", user=row.user, request=request,
                               deadline=deadline, threshold=threshold, label=LABELS[deadline.kind],
                               today=today, days_left=(deadline.due_on - today).days,
                               link=f"{base}/requests/{request.id}", calendar_url=f"{base}/calendar")
        outcomes.append(deliver(row, subject_for(request, deadline, threshold), body))
    return outcomes

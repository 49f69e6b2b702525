"""Reminder emails: each assignee hears once about each deadline of theirs coming up, and once if missed.

Each reminder is a notice of the notification log (tracker.notifications.log) keyed by user, request,
clock, due date and threshold: it is claimed by one run, sent, and its outcome recorded, so a second run
(even one running at the same time) sends nothing new, and a deadline that moves (an extension, say) is a
new key and a new reminder. A failed send stays `failed` with the reason and is tried again on the next
run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, render_template
from sqlalchemy import select

from tracker import permissions
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.lifecycle import ENDED, LABELS, Deadline
from tracker.models import Reminder, Request, User
from tracker.models.requests import request_assignees
from tracker.notifications import log as notices
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


def reminder_key(user: User, request: Request, deadline: Deadline, threshold: str) -> str:
    """The notice's key in the notification log."""
    return f"reminder:{user.id}:{request.id}:{deadline.kind}:{deadline.due_on.isoformat()}:{threshold}"


def deliver(run: notices.Run, notice: Reminder, subject: str, body: str) -> Outcome:
    """Send one claimed notice's email to its person now and record the result (committed)."""
    from ingest import smtp

    notice_id, email = notice.id, notice.user.email
    try:
        message = smtp.build_message(to=[email], subject=subject, body=body)
    except smtp.SendError as exc:
        state, error = "failed", exc.message
        notices.record_failure(notice, error)
    else:
        state, error = notices.send(run, notice, message)
    return Outcome(notice_id, email, subject, state, error)


def send_due(today: date | None = None) -> list[Outcome]:
    """Send every reminder due today that was not sent before (failed ones are tried again)."""
    today = today or legal_today()
    days = current_app.config["REMINDER_DAYS"]
    base = current_app.config["BASE_URL"].rstrip("/")
    run = notices.Run()
    due = [(user.id, request.id, deadline, threshold)
           for user, request, deadline, threshold in due_reminders(today, days)]
    outcomes = []
    for user_id, request_id, deadline, threshold in due:
        user, request = db.session.get(User, user_id), db.session.get(Request, request_id)
        notice = notices.claim(run, reminder_key(user, request, deadline, threshold), user_id=user_id,
                               request_id=request_id, kind=deadline.kind, due_on=deadline.due_on,
                               threshold=threshold)
        if notice is None:
            continue  # sent already, or another run is sending it
        body = render_template("notifications/reminder.txt", user=notice.user, request=request,
                               deadline=deadline, threshold=threshold, label=LABELS[deadline.kind],
                               today=today, days_left=(deadline.due_on - today).days,
                               link=f"{base}/requests/{request.id}", calendar_url=f"{base}/calendar")
        outcomes.append(deliver(run, notice, subject_for(request, deadline, threshold), body))
    return outcomes

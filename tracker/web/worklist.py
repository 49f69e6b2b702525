"""What needs doing: requests sorted into overdue, due soon, waiting on the agency, and not yet filed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from tracker import lifecycle
from tracker.extensions import db
from tracker.lifecycle import ENDED, Deadline, RequestState
from tracker.models import Request
from tracker.models.requests import request_assignees
from tracker.operations import request_state

SOON_DAYS = 7
# Clocks that run against the agency; the others (appeal, Article 78) run against us.
AGENCY_CLOCKS = frozenset(lifecycle.AGENCY_CLOCKS)

GROUPS = (
    ("overdue", "Overdue", "A deadline has passed. Where the agency missed its own, the request is "
                           "constructively denied and the appeal window shown is now running."),
    ("soon", f"Due within {SOON_DAYS} days", "Deadlines in the coming week, ours and the agency's."),
    ("waiting", "Waiting on the agency", "The agency's clock is running; nothing to do yet but watch."),
    ("ours", "Our deadlines later on", "Appeals and petitions we may file, due after this week."),
    ("draft", "Not yet filed", "Drafts: log the day the agency received them to start the clock."),
)


@dataclass
class Row:
    """One request on the dashboard, with the deadline that puts it in its group."""

    request: Request
    state: RequestState
    deadline: Deadline | None
    days_left: int | None
    missed: list[Deadline]

    @property
    def agency_clock(self) -> bool:
        return self.deadline is not None and self.deadline.kind in AGENCY_CLOCKS


def classify(request: Request, today: date) -> tuple[str, Row] | None:
    """The group a request belongs in today, and its row; None when nothing is pending."""
    state = request_state(request, today)
    missed = [d for d in state.deadlines if d.missed]
    open_ = state.open_deadlines
    deadline = open_[0] if open_ else (missed[-1] if missed else None)
    days = (deadline.due_on - today).days if deadline else None
    row = Row(request, state, deadline, days, missed)
    if state.status == "draft":
        return "draft", row
    if missed or state.constructive_denial:
        return "overdue", row
    if deadline is None:
        return None
    if deadline.due_on <= today + timedelta(days=SOON_DAYS):
        return "soon", row
    return ("waiting" if deadline.kind in AGENCY_CLOCKS else "ours"), row


def open_requests(user_id: int | None = None, campaign_id: int | None = None):
    """Requests not closed or withdrawn: all of them, a campaign's, or those a person created or holds."""
    query = (select(Request).where(Request.status.not_in(sorted(ENDED)))
             .options(selectinload(Request.events), selectinload(Request.agency),
                      selectinload(Request.campaign)))
    if user_id is not None:
        assigned = select(request_assignees.c.request_id).where(request_assignees.c.user_id == user_id)
        query = query.where(or_(Request.created_by_id == user_id, Request.id.in_(assigned)))
    if campaign_id is not None:
        query = query.where(Request.campaign_id == campaign_id)
    return db.session.scalars(query).all()


def worklist(requests, today: date) -> dict[str, list[Row]]:
    """Requests grouped by what needs doing, each group soonest first."""
    groups: dict[str, list[Row]] = {key: [] for key, _, _ in GROUPS}
    for request in requests:
        placed = classify(request, today)
        if placed:
            groups[placed[0]].append(placed[1])
    for rows in groups.values():
        rows.sort(key=lambda r: (r.deadline.due_on if r.deadline else date.max, r.request.id))
    return groups


def upcoming(requests, today: date, days: int = 30) -> list[tuple[Request, Deadline]]:
    """Every open deadline of these requests within `days`, soonest first."""
    found = []
    horizon = today + timedelta(days=days)
    for request in requests:
        for deadline in request_state(request, today).open_deadlines:
            if deadline.due_on <= horizon:
                found.append((request, deadline))
    return sorted(found, key=lambda pair: (pair[1].due_on, pair[0].id))

"""The weekly campaign digest for lawyers: every campaign's missed deadlines and those of the next two weeks.

Sent once per person per week: the notice "digest:<user>:<monday>" of the notification log
(tracker.notifications.log) is claimed by one run, sent and recorded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app, render_template
from sqlalchemy import select

from tracker import permissions
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.lifecycle import ENDED, Deadline
from tracker.models import Campaign, Request, User
from tracker.notifications import log as notices
from tracker.notifications.reminders import Outcome, deliver
from tracker.operations import request_state

HORIZON_DAYS = 14


@dataclass
class CampaignWeek:
    """One campaign's week: its status counts, missed deadlines and coming ones."""

    campaign: Campaign
    statuses: Counter = field(default_factory=Counter)
    missed: list[tuple[Request, Deadline]] = field(default_factory=list)
    coming: list[tuple[Request, Deadline]] = field(default_factory=list)


def campaign_weeks(user: User, today: date) -> list[CampaignWeek]:
    """The campaigns with open requests `user` may see, each with what happened to its deadlines."""
    weeks: dict[int, CampaignWeek] = {}
    rows = db.session.scalars(select(Request).where(Request.campaign_id.is_not(None),
                                                    Request.status.not_in(sorted(ENDED))).order_by(Request.id))
    for request in rows:
        if not permissions.can_see_request(user, request):
            continue
        week = weeks.setdefault(request.campaign_id, CampaignWeek(request.campaign))
        week.statuses[request.status] += 1
        for deadline in request_state(request, today).deadlines:
            if deadline.missed:
                week.missed.append((request, deadline))
            elif deadline.due_on <= today + timedelta(days=HORIZON_DAYS):
                week.coming.append((request, deadline))
    for week in weeks.values():
        week.missed.sort(key=lambda pair: pair[1].due_on)
        week.coming.sort(key=lambda pair: pair[1].due_on)
    return sorted(weeks.values(), key=lambda w: w.campaign.name.lower())


def send_digests(today: date | None = None) -> list[Outcome]:
    """Send this week's campaign digest to each lawyer and administrator who has not had it yet."""
    today = today or legal_today()
    monday = today - timedelta(days=today.weekday())
    base = current_app.config["BASE_URL"].rstrip("/")
    outcomes = []
    run = notices.Run()
    people = db.session.scalars(select(User.id).where(User.active.is_(True)).order_by(User.id)).all()
    for user_id in people:
        user = db.session.get(User, user_id)
        if not permissions.can(user, "campaign.watch"):
            continue
        weeks = campaign_weeks(user, today)
        if not weeks:
            continue
        row = notices.claim(run, f"digest:{user.id}:{monday.isoformat()}", user_id=user.id, kind="digest",
                            due_on=monday, threshold="digest")
        if row is None:
            continue  # sent this week already, or another run is sending it
        body = render_template("notifications/digest.txt", user=user, weeks=weeks, today=today, base=base,
                               horizon=HORIZON_DAYS)
        subject = f"FOIL campaigns, week of {monday.isoformat()}: " + "; ".join(
            f"{w.campaign.name} ({len(w.missed)} missed, {len(w.coming)} due)" for w in weeks)
        outcomes.append(deliver(run, row, subject[:280], body))
    return outcomes

"""Calendar feeds: a private, revocable .ics URL per person, and campaign feeds for lawyers.

Calendar apps cannot send headers or cookies, so the secret in the URL is the only credential: an
unknown or renewed (revoked) secret gets 404, the same answer as a page that does not exist.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import permissions
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.lifecycle import ENDED
from tracker.models import Campaign, Request, User
from tracker.models.requests import request_assignees
from tracker.notifications.feeds import build_feed, deadline_entries
from tracker.operations import calendar_secret, request_state

bp = Blueprint("calendar", __name__)



def _feed_owner(secret: str) -> User:
    user = db.session.scalar(select(User).where(User.calendar_secret == secret)) if secret else None
    if user is None or not user.active:
        abort(404)
    return user


def _ics(body: bytes, name: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.ics"'
    # The feed changes whenever an event is logged; calendar apps must not keep a stale copy.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def assigned_requests(user: User) -> list[Request]:
    """The open requests assigned to `user` that their role lets them see."""
    rows = db.session.scalars(
        select(Request).join(request_assignees).where(request_assignees.c.user_id == user.id,
                                                      Request.status.not_in(sorted(ENDED))).order_by(Request.id))
    return [r for r in rows if permissions.can_see_request(user, r)]


def campaign_requests(user: User, campaign: Campaign) -> list[Request]:
    """The open requests of a campaign, as `user` may see them."""
    rows = db.session.scalars(select(Request).where(Request.campaign_id == campaign.id,
                                                    Request.status.not_in(sorted(ENDED))).order_by(Request.id))
    return [r for r in rows if permissions.can_see_request(user, r)]


def feed_url(user: User, campaign: Campaign | None = None) -> str:
    """The person's private feed URL (or their feed of a campaign), absolute, from BASE_URL."""
    base = current_app.config["BASE_URL"].rstrip("/")
    secret = calendar_secret(user)
    if campaign is None:
        return f"{base}/calendar/{secret}.ics"
    return f"{base}/calendar/{secret}/campaign/{campaign.id}.ics"


@bp.get("/calendar/<secret:secret>.ics")
def feed(secret: str):
    """Every open and missed deadline of the requests assigned to the secret's owner."""
    user = _feed_owner(secret)
    entries = deadline_entries(assigned_requests(user), request_state, legal_today())
    body = build_feed(f"FOIL deadlines · {user.display_name}", entries, current_app.config["BASE_URL"])
    return _ics(body, "foil-deadlines")


@bp.get("/calendar/<secret:secret>/campaign/<int:campaign_id>.ics")
def campaign_feed(secret: str, campaign_id: int):
    """Every deadline of a campaign's requests, for the lawyers who watch it."""
    user = _feed_owner(secret)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not permissions.can(user, "campaign.watch"):
        abort(404)
    entries = deadline_entries(campaign_requests(user, campaign), request_state, legal_today())
    body = build_feed(f"FOIL deadlines · {campaign.name}", entries, current_app.config["BASE_URL"])
    return _ics(body, f"foil-campaign-{campaign.id}")


@bp.get("/calendar")
@login_required
def index():
    """The signed-in person's feed URLs, and a button to renew (revoke) them."""
    campaigns = []
    if permissions.can(current_user, "campaign.watch"):
        campaigns = db.session.scalars(select(Campaign).order_by(Campaign.name)).all()
    urls = {"own": feed_url(current_user), "campaigns": [(c, feed_url(current_user, c)) for c in campaigns]}
    return render_template("calendar/index.html", urls=urls)


@bp.post("/calendar/renew")
@login_required
def renew():
    """Give the person a new secret: every old feed URL stops working at once."""
    calendar_secret(current_user, renew=True)
    flash("Your calendar links were renewed; the old ones no longer work. Subscribe again with the new link.",
          "info")
    return redirect(url_for("calendar.index"))

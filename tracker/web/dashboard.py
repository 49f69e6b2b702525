"""The first page after sign-in: what needs doing, grouped."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import lifecycle, permissions
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.models import Campaign, Message
from tracker.web.forms import query_args
from tracker.web.schemas import CampaignChoice
from tracker.web.worklist import GROUPS, open_requests, worklist

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    """What needs doing: my requests or everyone's, overdue first."""
    if not permissions.can(current_user, "request.view"):
        # Researchers read released records; requests' internals are not theirs to see.
        return render_template("dashboard/researcher.html")
    today = legal_today()
    campaigns = db.session.scalars(db.select(Campaign).order_by(Campaign.name)).all()
    campaign_id = query_args(CampaignChoice).campaign
    nta = (request.args.get("nta") or "").strip().upper()
    scope = request.args.get("scope")
    mine = in_neighborhood(open_requests(user_id=current_user.id, campaign_id=campaign_id), nta)
    if scope not in ("mine", "all"):
        scope = "mine" if mine else "all"
    rows = mine if scope == "mine" else in_neighborhood(open_requests(campaign_id=campaign_id), nta)
    return render_template("dashboard/index.html", groups=worklist(rows, today), group_info=GROUPS,
                           scope=scope, today=today, campaigns=campaigns, campaign_id=campaign_id,
                           mine_count=len(mine), filters={"values": {"nta": nta}, "errors": {}},
                           failed_mail=failed_mail(), mail=mail_waiting())


def failed_mail() -> list[Message]:
    """Outgoing mail that could not be sent, on requests the person may see: it needs a person to act."""
    failed = db.session.scalars(db.select(Message).where(Message.direction == "out", Message.status == "failed")
                                .order_by(Message.id.desc()).limit(50))
    return [m for m in failed if m.request is None or permissions.can_see_request(current_user, m.request)]


def mail_waiting() -> dict:
    """Incoming mail no request has yet (triage) and outgoing mail that could not be sent."""
    from sqlalchemy import func, select

    if not permissions.can(current_user, "message.view"):
        return {"unmatched": 0, "failed": 0}
    counts = dict(db.session.execute(
        select(Message.status, func.count()).where(
            ((Message.direction == "in") & (Message.status == "unmatched"))
            | ((Message.direction == "out") & (Message.status == "failed")))
        .group_by(Message.status)).all())
    return {"unmatched": counts.get("unmatched", 0), "failed": counts.get("failed", 0)}


def in_neighborhood(rows, nta: str):
    """The requests about one 2020 neighborhood (all of them when `nta` is empty)."""
    return [r for r in rows if r.nta_code == nta] if nta else rows


@bp.app_template_global("article78_passed_step")
def article78_passed_step(row):
    """(words, link) for a request whose four months to petition (CPLR 217(1)) have run out: a new request is
    the way to the records now, not a petition. None otherwise."""
    if row.state.status not in lifecycle.APPEAL_DENIED:
        return None
    if not any(d.kind == "article78" and d.missed for d in row.state.deadlines):
        return None
    if not permissions.can(current_user, "request.create"):
        return None
    return "Four months passed: file a new request", url_for("filing.new")

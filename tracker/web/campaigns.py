"""Campaigns: the list, and each campaign's requests by status, coming deadlines and progress."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.clock import legal_today
from tracker.extensions import db
from tracker.lifecycle import ANSWERED, ENDED, STATUSES
from tracker.models import Campaign, Request
from tracker.operations import OperationError, create_campaign
from tracker.operations.request_letters import set_campaign_letter
from tracker.request_letter import DEFAULT_REQUEST_TEMPLATE, VARIABLES
from tracker.web.access import require
from tracker.web.forms import Form
from tracker.web.schemas import CampaignForm
from tracker.web.worklist import upcoming

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def _list(form: Form, status: int = 200):
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.name)).all()
    rows = db.session.execute(select(Request.campaign_id, Request.status, func.count())
                              .group_by(Request.campaign_id, Request.status)).all()
    totals: dict[int, Counter] = {}
    for campaign_id, state, count in rows:
        totals.setdefault(campaign_id, Counter())[state] += count
    return render_template("campaigns/index.html", campaigns=campaigns, totals=totals, answered=ANSWERED,
                           form=form), status


@bp.get("/")
@require("request.view")
def index():
    """Every campaign with its number of requests and progress."""
    return _list(Form({}))


@bp.post("/")
@require("campaign.edit")
def create():
    """Start a campaign."""
    form = Form()
    name = form.required("name", "the campaign's name")
    form.check(CampaignForm)
    if form:
        try:
            campaign = create_campaign(name, form.get("description"), actor=current_user)
        except OperationError as exc:
            form.operation_error(exc, "name")
        else:
            flash(f"The campaign “{campaign.name}” is started.", "success")
            return redirect(url_for("campaigns.view", campaign_id=campaign.id))
    return _list(form, 422)


@bp.get("/<int:campaign_id>")
@require("request.view")
def view(campaign_id: int, form: Form | None = None, status: int = 200):
    """A campaign: requests by status, deadlines in the next 30 days, how far along it is, its letter."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404, description=f"There is no campaign {campaign_id}.")
    requests = db.session.scalars(
        select(Request).where(Request.campaign_id == campaign.id).order_by(Request.id)
        .options(selectinload(Request.events), selectinload(Request.agency))).all()
    today = legal_today()
    by_status = Counter(r.status for r in requests)
    answered = sum(by_status[s] for s in ANSWERED)
    return render_template(
        "campaigns/view.html", campaign=campaign, requests=requests, today=today,
        by_status=[(s, by_status[s]) for s in STATUSES if by_status[s]], answered=answered,
        coming=upcoming([r for r in requests if r.status not in ENDED], today, 30),
        letter_form=form if form is not None else Form({
            "request_template": campaign.request_template or DEFAULT_REQUEST_TEMPLATE,
            "letterhead": campaign.letterhead}),
        variables=VARIABLES,
    ), status


@bp.post("/<int:campaign_id>/letter")
@require("campaign.edit")
def letter(campaign_id: int):
    """Change the campaign's request letter (a template with {{ placeholders }}) and its letterhead."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404, description=f"There is no campaign {campaign_id}.")
    form = Form()
    template = request.form.get("request_template", "")
    if template.replace("\r\n", "\n").strip() == DEFAULT_REQUEST_TEMPLATE.strip():
        template = ""  # unchanged: keep following the default as it improves
    if form.save(set_campaign_letter, campaign, current_user, template=template,
                 letterhead=request.form.get("letterhead", "")):
        flash("The campaign's request letter and letterhead are saved.", "success")
        return redirect(url_for("campaigns.view", campaign_id=campaign.id) + "#letter")
    return view(campaign_id, form, form.status)

"""For the campaign team: which neighborhoods have residents' requests, by state, and forgetting a resident."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker import geo
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.models import Campaign
from tracker.operations.residents import forget
from tracker.public.states import LABELS, ORDER, neighborhood_states
from tracker.web.access import require, visible_request

bp = Blueprint("residents", __name__)


@bp.get("/campaigns/<int:campaign_id>/coverage")
@require("request.view")
def coverage(campaign_id: int):
    """Every residential neighborhood with the state of the campaign's public requests there."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    states = neighborhood_states(campaign.id, legal_today())
    by_state: dict[str, list] = {state: [] for state in reversed(ORDER)}
    for place in geo.residential():
        by_state[states.get(place.code, "none")].append(place)
    with_requests = sum(len(v) for k, v in by_state.items() if k != "none")
    return render_template("public/coverage.html", campaign=campaign, by_state=by_state,
                           labels={k: str(v) for k, v in LABELS.items()}, with_requests=with_requests,
                           total=len(geo.residential()))


@bp.post("/requests/<int:request_id>/resident/forget")
@require("resident.view")
def forget_resident(request_id: int):
    """Remove the requester's personal data; the request stays under the resident's pseudonym."""
    found = visible_request(request_id)
    if found.resident is None:
        abort(404, description="This request has no resident requester.")
    forget(found.resident, current_user)
    flash(f"The resident's name, email and address are deleted; the request stays under "
          f"{found.resident.pseudonym}.", "success")
    return redirect(url_for("requests.view", request_id=found.id))

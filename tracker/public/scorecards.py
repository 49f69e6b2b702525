"""An agency's public scorecard within a campaign: /public/<slug>/agencies/<id> (and .json), counting only
the campaign's public requests (and public pages), as of today."""

from __future__ import annotations

from flask import abort, jsonify, render_template

from tracker.clock import legal_today
from tracker.extensions import db
from tracker.grounds import describe
from tracker.models import Agency
from tracker.operations.scorecards import agency_scorecard
from tracker.public import bp
from tracker.public.i18n import chosen_language
from tracker.public.views import campaign_or_404


def _scorecard(slug: str, agency_id: int):
    campaign = campaign_or_404(slug)
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    today = legal_today()
    card, counted = agency_scorecard(agency, today, public_only=True, campaign_id=campaign.id)
    return campaign, agency, today, card, counted


@bp.get("/<slug>/agencies/<int:agency_id>")
def agency_scorecard_page(slug: str, agency_id: int):
    """How an agency answers the campaign's public requests: figures, charts drawn on the server, tables."""
    from tracker.scorecard_charts import scorecard_charts

    campaign, agency, today, card, counted = _scorecard(slug, agency_id)
    grounds = [(key, *(describe(key) or (key, "")), count) for key, count in card.grounds]
    return render_template("public/scorecard.html", campaign=campaign, agency=agency, today=today, card=card,
                           requests=counted, charts=scorecard_charts(card), grounds=grounds,
                           lang=chosen_language())


@bp.get("/<slug>/agencies/<int:agency_id>.json")
def agency_scorecard_json(slug: str, agency_id: int):
    """The same figures as JSON."""
    campaign, agency, today, card, counted = _scorecard(slug, agency_id)
    return jsonify({"campaign": campaign.slug, "agency_id": agency.id, "agency": agency.name,
                    "as_of": today.isoformat(), "scope": "public requests", **card.as_dict()})

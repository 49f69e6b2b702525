"""The staff agency page's scorecard (templates/agencies/_scorecard.html): every request for the team,
public requests for researchers, as of today."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from tracker import permissions
from tracker.clock import legal_today
from tracker.grounds import describe
from tracker.operations.scorecards import agency_scorecard
from tracker.scorecard_charts import scorecard_charts

bp = Blueprint("scorecards", __name__)


@bp.app_template_global()
def staff_scorecard(agency) -> dict:
    """The scorecard of `agency` as the signed-in person may see it, with its charts and grounds."""
    public_only = not permissions.can(current_user, "request.view")
    today = legal_today()
    card, counted = agency_scorecard(agency, today, public_only=public_only)
    grounds = [(key, *(describe(key) or (key, "")), count) for key, count in card.grounds]
    scope = f"{len(counted)} {'public ' if public_only else ''}request{'' if len(counted) == 1 else 's'}, as of " \
            f"{today.isoformat()}"
    return {"card": card, "charts": scorecard_charts(card), "grounds": grounds, "today": today, "scope": scope}

"""An agency's scorecard: GET /api/v1/agencies/<id>/scorecard (staff: every request; researchers: public)."""

from __future__ import annotations

from flask import g, jsonify
from pydantic import Field

from tracker import permissions
from tracker.api import ApiError, bp, requires
from tracker.api.schemas import Query, described
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.models import Agency
from tracker.operations.scorecards import agency_scorecard


class ScorecardQuery(Query):
    campaign_id: int | None = Field(None, ge=1, le=2**31 - 1, description="only this campaign's requests")


@bp.get("/agencies/<int:agency_id>/scorecard")
@requires("request.view_public")
@described(query=ScorecardQuery)
def agency_scorecard_json(agency_id: int):
    """How the agency answers, as of today: requests filed, median business days to acknowledge and to
    determine, shares acknowledged late and constructively denied, appeals, pages, grounds cited."""
    from flask import request

    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise ApiError(404, "not_found", f"there is no agency {agency_id}")
    args = ScorecardQuery.model_validate({k: v for k, v in request.args.items() if v != ""})
    public_only = not permissions.can(g.api_user, "request.view")
    today = legal_today()
    card, counted = agency_scorecard(agency, today, public_only=public_only, campaign_id=args.campaign_id)
    return jsonify({"agency_id": agency.id, "agency": agency.name, "as_of": today.isoformat(),
                    "scope": "public requests" if public_only else "all requests",
                    "campaign_id": args.campaign_id, "request_ids": [r.id for r in counted], **card.as_dict()})

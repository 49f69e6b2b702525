"""Campaigns: GET/POST /api/v1/campaigns, GET/PATCH /api/v1/campaigns/<id>.

A campaign carries its public side: `slug` (the address of /public/<slug>/), `agency_id` (the agency the
residents' request generator files with), `letter_template` (the letter residents send, with
placeholders such as {{ neighborhood }}; `letter_placeholders` lists each letter's) and `public` (whether
its public pages are open).
"""

from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import func, select

from tracker.api import ApiError, bp, json_body, page_args, paginated, requires
from tracker.api.schemas import CampaignCreate, CampaignFields, Paged, described
from tracker.extensions import db
from tracker.letter_language import placeholders
from tracker.models import Campaign, Request
from tracker.operations.campaigns import create_public_campaign, update_campaign

# The campaign's letter fields and the kind of letter each holds.
LETTER_KINDS = {"letter_template": "neighborhood", "request_template": "request"}


def campaign_json(campaign: Campaign) -> dict:
    """A campaign as the API answers it."""
    requests = db.session.scalar(select(func.count()).select_from(Request)
                                 .where(Request.campaign_id == campaign.id))
    return {
        "id": campaign.id,
        "name": campaign.name,
        "description": campaign.description,
        "slug": campaign.slug,
        "agency_id": campaign.agency_id,
        "letter_template": campaign.letter_template,
        # Each editable letter of the campaign and the placeholders it offers, written {{ name }} in it.
        "letter_placeholders": {field: list(placeholders(kind)) for field, kind in LETTER_KINDS.items()},
        "public": campaign.public,
        "findings_licence": campaign.findings_licence,
        "precincts": campaign.precincts or {},
        "public_url": f"/public/{campaign.slug}/" if campaign.slug and campaign.public else None,
        "requests": requests,
        "created_at": campaign.created_at.isoformat() + "Z",
    }


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise ApiError(404, "not_found", f"there is no campaign {campaign_id}")
    return campaign


@bp.get("/campaigns")
@requires("request.view")
@described(query=Paged)
def list_campaigns():
    """Every campaign, by name."""
    page, per_page = page_args()
    return jsonify(paginated(select(Campaign).order_by(Campaign.name), page, per_page, campaign_json))


@bp.post("/campaigns")
@requires("campaign.edit")
@described(body=CampaignCreate)
def add_campaign():
    """Start a campaign: {name, description?, slug?, agency_id?, letter_template?, public?}."""
    body = json_body()
    if "name" not in body:
        raise ApiError(422, "invalid", "a campaign needs a name", field="name")
    campaign = create_public_campaign(g.api_user, **body)
    return jsonify(campaign_json(campaign)), 201


@bp.get("/campaigns/<int:campaign_id>")
@requires("request.view")
def get_campaign(campaign_id: int):
    """One campaign."""
    return jsonify(campaign_json(_campaign(campaign_id)))


@bp.patch("/campaigns/<int:campaign_id>")
@requires("campaign.edit")
@described(body=CampaignFields)
def patch_campaign(campaign_id: int):
    """Change a campaign's name, description, slug, agency, letter template, public flag or findings licence."""
    campaign = update_campaign(_campaign(campaign_id), g.api_user, **json_body())
    return jsonify(campaign_json(campaign))

"""Findings: GET/POST /api/v1/findings, GET/PATCH/DELETE /api/v1/findings/<id>, and verifying an imported
batch at once. Without a token (public portal on), the list and a finding answer public findings only."""

from __future__ import annotations

from typing import Annotated

from flask import g, jsonify, request
from pydantic import Field

from tracker import permissions
from tracker.api import ApiError, bp, json_body, page_args, requires
from tracker.api.schemas import Body, Date, Id, Paged, Text, described
from tracker.extensions import db
from tracker.models import Campaign, Finding
from tracker.models.findings import FINDING_KINDS
from tracker.operations.findings import create_finding, delete_finding, verify_batch, verify_finding

Degrees = Annotated[float, Field(ge=-180, le=180, description="degrees (WGS 84)")]
Codes = Annotated[list[Annotated[str, Field(max_length=10)]], Field(max_length=300)]


class FindingCreate(Body):
    kind: Annotated[str, Field(description=f"one of {', '.join(FINDING_KINDS)}")]
    campaign_id: Id
    document_id: Id | None = None
    page: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    quote: Text = ""
    source: Text = ""
    source_url: Annotated[str, Field(max_length=2000)] = ""
    nta_codes: Codes | None = Field(None, description="2020 neighborhood (NTA) codes, e.g. BK0101")
    nta_code: Annotated[str, Field(max_length=10)] | None = Field(None, description="one NTA code (as nta_codes)")
    latitude: Degrees | None = None
    longitude: Degrees | None = None
    zip_code: Annotated[str, Field(max_length=10)] | None = None
    community_district: Annotated[str, Field(max_length=100)] | None = None
    period_start: Date | None = None
    period_end: Date | None = None


class FindingPatch(Body):
    verified: bool


class FindingList(Paged):
    campaign_id: int | None = Field(None, ge=1, le=2**31 - 1)
    nta: str | None = Field(None, max_length=10, description="only findings placed in this neighborhood")
    verified: bool | None = None
    batch: str | None = Field(None, max_length=40)


class BatchVerify(Body):
    campaign_id: Id
    batch: Annotated[str, Field(min_length=1, max_length=40)]


def finding_json(f: Finding, user) -> dict:
    """A finding as the API shows `user`: who made and verified it only to signed-in staff."""
    staff = permissions.can(user, "request.view") or permissions.can(user, "finding.create")
    return {
        "id": f.id,
        "campaign_id": f.campaign_id,
        "kind": f.kind,
        "document_id": f.document_id,
        "page": f.page,
        "quote": f.quote,
        "source": f.source,
        "source_url": f.source_url,
        "page_url": f"/public/documents/{f.document_id}?page={f.page}" if f.document_id else None,
        "nta_codes": list(f.nta_codes or []),
        "nta_code": (f.nta_codes or [None])[0],
        "place_label": f.place_label,
        "latitude": f.latitude,
        "longitude": f.longitude,
        "period_start": f.period_start.isoformat() if f.period_start else None,
        "period_end": f.period_end.isoformat() if f.period_end else None,
        "verified": f.verified,
        "verified_by": (f.verified_by.email if f.verified_by else None) if staff else None,
        "created_by": f.created_by_label if staff else None,
        "batch": f.batch,
    }


def _finding(finding_id: int) -> Finding:
    found = db.session.get(Finding, finding_id)
    if found is None or not permissions.can_see_finding(g.api_user, found):
        raise ApiError(404, "not_found", f"there is no finding {finding_id}")
    return found


def _campaign(campaign_id: int) -> Campaign:
    found = db.session.get(Campaign, campaign_id)
    if found is None:
        raise ApiError(422, "unknown_campaign", f"there is no campaign {campaign_id}", "campaign_id")
    return found


@bp.get("/findings")
@described(query=FindingList)
def list_findings():
    """Findings, oldest first, filtered by campaign, neighborhood, verification or import batch.

    Without a token (the public portal), only verified findings that cite a public page or a source."""
    page, per_page = page_args()
    query = db.select(Finding).order_by(Finding.id)
    args = FindingList.model_validate({k: v for k, v in request.args.items() if v != ""})
    if args.campaign_id is not None:
        query = query.where(Finding.campaign_id == args.campaign_id)
    if args.verified is not None:
        query = query.where(Finding.verified_at.is_not(None) if args.verified else Finding.verified_at.is_(None))
    if args.batch:
        query = query.where(Finding.batch == args.batch)
    if not permissions.can(g.api_user, "request.view") and not permissions.can(g.api_user, "finding.create"):
        query = query.where(Finding.verified_at.is_not(None))
    wanted = (args.nta or "").strip().upper()
    rows = [f for f in db.session.scalars(query)
            if permissions.can_see_finding(g.api_user, f) and (not wanted or wanted in (f.nta_codes or []))]
    items = rows[(page - 1) * per_page: page * per_page]
    return jsonify({"items": [finding_json(f, g.api_user) for f in items], "page": page, "per_page": per_page,
                    "total": len(rows)})


@bp.post("/findings")
@requires("finding.create")
@described(body=FindingCreate)
def add_finding():
    """Make a finding: {kind, campaign_id, document_id and page with the quote (or a source), one place
    (latitude and longitude, nta_codes, zip_code or community_district), period_start?, period_end?}."""
    data = json_body()
    campaign = _campaign(data.pop("campaign_id"))
    if data.get("nta_code"):
        if data.get("nta_codes"):
            raise ApiError(422, "invalid", "give nta_code or nta_codes, not both", "nta_code")
        data["nta_codes"] = [data["nta_code"]]
    data.pop("nta_code", None)
    finding = create_finding(g.api_user, campaign=campaign, **data)
    return jsonify(finding_json(finding, g.api_user)), 201


@bp.get("/findings/<int:finding_id>")
def get_finding(finding_id: int):
    """One finding (without a token: only a public one)."""
    return jsonify(finding_json(_finding(finding_id), g.api_user))


@bp.patch("/findings/<int:finding_id>")
@requires("finding.verify")
@described(body=FindingPatch)
def patch_finding(finding_id: int):
    """Verify a finding: {"verified": true}, by anyone who may verify other than its author (403 for them)."""
    finding = _finding(finding_id)
    if json_body()["verified"] is not True:
        raise ApiError(422, "invalid", "a verification is not withdrawn; delete the finding instead", "verified")
    verify_finding(finding, g.api_user)
    return jsonify(finding_json(finding, g.api_user))


@bp.delete("/findings/<int:finding_id>")
@requires("finding.manage")
def remove_finding(finding_id: int):
    """Delete a finding (lawyers and admins); the audit trail keeps what it said."""
    delete_finding(_finding(finding_id), g.api_user)
    return "", 204


@bp.post("/findings/verify-batch")
@requires("finding.manage")
@described(body=BatchVerify)
def verify_imported_batch():
    """Verify every finding of an imported batch at once: {campaign_id, batch} (not by its importer)."""
    data = json_body()
    count = verify_batch(_campaign(data["campaign_id"]), data["batch"], g.api_user)
    return jsonify({"campaign_id": data["campaign_id"], "batch": data["batch"], "verified": count})

"""Findings on the staff side: make one from the document viewer (the selected passage), list them,
verify someone else's, verify an imported batch at once, delete one. Every change goes through
tracker.operations.findings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from tracker import geo, permissions
from tracker.extensions import db
from tracker.models import Campaign, Finding
from tracker.models.findings import FINDING_KINDS, KIND_LABELS
from tracker.operations import OperationError
from tracker.operations.findings import create_finding, delete_finding, verify_batch, verify_finding
from tracker.web.access import require
from tracker.web.documents import visible_document
from tracker.web.forms import Form, attempt

bp = Blueprint("findings", __name__)


def _place(form: Form) -> dict:
    """The one place the form names: a neighborhood, a point, a ZIP code or a community district."""
    chosen = form.get("place_by") or "nta"
    if chosen == "point":
        return {"latitude": form.get("latitude") or None, "longitude": form.get("longitude") or None}
    if chosen == "zip":
        return {"zip_code": form.get("zip_code")}
    if chosen == "district":
        return {"community_district": form.get("community_district")}
    return {"nta_codes": [form.get("nta_code")] if form.get("nta_code") else None}


@bp.post("/documents/<int:document_id>/findings")
@require("finding.create")
def create(document_id: int):
    """Make a finding from the passage selected on a page of the viewer."""
    document = visible_document(document_id)
    form = Form()
    page = form.whole_number("page", "the page number")
    owner = document.request or (document.message.request if document.message is not None else None)
    campaign_id = form.get("campaign_id")
    campaign = db.session.get(Campaign, int(campaign_id)) if campaign_id.isdigit() else (
        owner.campaign if owner is not None else None)
    if campaign is None:
        form.error("campaign_id", "Choose the campaign the finding belongs to.")
    if form:
        form.save(create_finding, current_user, campaign=campaign, kind=form.get("kind"),
                  document_id=document.id, page=page, quote=form.get("quote"),
                  period_start=form.get("period_start") or None, period_end=form.get("period_end") or None,
                  **_place(form))
    if form:
        finding = form.result
        names = ", ".join(geo.find_neighborhood(c).name for c in finding.nta_codes)
        flash(f"Finding {finding.id} saved ({KIND_LABELS[finding.kind]}, {names}). It is not public until "
              "someone else verifies it.", "success")
    else:
        flash("The finding was not saved: " + " ".join(form.errors.values()), "error")
    return redirect(url_for("documents.view", document_id=document.id, page=page or None))


@bp.get("/findings")
@require("finding.create")
def index():
    """Findings to verify and verified ones, newest first, with the import batches awaiting a lawyer."""
    rows = db.session.scalars(select(Finding).order_by(Finding.verified_at.is_not(None), Finding.id.desc())
                              .limit(500)).all()
    findings = [f for f in rows if permissions.can_see_finding(current_user, f)]
    batches = db.session.execute(
        select(Finding.campaign_id, Finding.batch, func.count(), func.min(Finding.source))
        .where(Finding.batch.is_not(None), Finding.verified_at.is_(None))
        .group_by(Finding.campaign_id, Finding.batch)).all()
    return render_template("findings/index.html", findings=findings, batches=batches, labels=KIND_LABELS,
                           campaigns={c.id: c for c in db.session.scalars(select(Campaign))})


def _finding(finding_id: int) -> Finding:
    found = db.session.get(Finding, finding_id)
    if found is None or not permissions.can_see_finding(current_user, found):
        abort(404, description=f"There is no finding {finding_id} that you can see.")
    return found


def _act(operation, *args, done: str):
    try:
        attempt(operation, *args)
    except OperationError as exc:
        flash(exc.message[0].upper() + exc.message[1:] + ".", "error")
    else:
        flash(done, "success")
    return redirect(url_for("findings.index"))


@bp.post("/findings/<int:finding_id>/verify")
@require("finding.verify")
def verify(finding_id: int):
    """Verify someone else's finding."""
    return _act(verify_finding, _finding(finding_id), current_user, done=f"Finding {finding_id} is verified.")


@bp.post("/findings/<int:finding_id>/delete")
@require("finding.manage")
def delete(finding_id: int):
    """Delete a finding."""
    return _act(delete_finding, _finding(finding_id), current_user, done=f"Finding {finding_id} was deleted.")


@bp.post("/findings/batches/verify")
@require("finding.manage")
def verify_imported():
    """Verify an imported batch at once."""
    campaign = db.session.get(Campaign, request.form.get("campaign_id", type=int) or 0)
    if campaign is None:
        abort(404)
    batch = request.form.get("batch", "")
    return _act(verify_batch, campaign, batch, current_user, done=f"Batch {batch} is verified.")


@bp.app_template_global()
def finding_form_choices() -> dict:
    """What the viewer's finding form offers: kinds, neighborhoods and campaigns."""
    return {"kinds": [(k, KIND_LABELS[k]) for k in FINDING_KINDS],
            "places": sorted(geo.neighborhoods().values(), key=lambda n: (n.borough, n.name)),
            "campaigns": db.session.scalars(select(Campaign).order_by(Campaign.name)).all()}

"""Failed redactions flagged to lawyers (request page, dashboard), and a request's redaction figures."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import func, or_, select

from tracker import permissions
from tracker.extensions import db
from tracker.models import Document, Message, Page

bp = Blueprint("redaction_flags", __name__)
FLAG_LIMIT = 50  # pages listed; the count says how many more wait


@bp.app_template_global("failed_redactions")
def failed_redactions(request=None) -> dict:
    """Pages with a failed redaction no lawyer has decided on (of one request, or of all), for lawyers and
    admins: ``{"total": n, "pages": [(document, page number), ...]}`` (empty for everyone else)."""
    if not permissions.can_read_under_redaction(current_user):
        return {"total": 0, "pages": []}
    query = (select(Document, Page.number).join(Page, Page.document_id == Document.id)
             .where(Page.failed_redaction.is_(True), Page.redaction_decision.is_(None)))
    if request is not None:
        via_mail = select(Message.id).where(Message.request_id == request.id)
        query = query.where(or_(Document.request_id == request.id, Document.message_id.in_(via_mail)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(query.order_by(Document.id, Page.number).limit(FLAG_LIMIT)).all()
    return {"total": total, "pages": [(row[0], row[1]) for row in rows]}


@bp.app_template_global("redaction_figures")
def redaction_figures(request) -> list[dict]:
    """The request's productions with their redaction figures and the sentence an appeal may state."""
    if not permissions.can(current_user, "request.view"):
        return []
    from tracker.operations.productions import request_redaction_figures

    return request_redaction_figures(request)["productions"]

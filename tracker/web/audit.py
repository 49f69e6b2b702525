"""The audit trail page (administrators): who changed what and when, by request or by person."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from tracker import audit
from tracker.api.schemas import AuditList
from tracker.extensions import db
from tracker.models import Request, User
from tracker.web.access import require
from tracker.web.forms import query_args
from tracker.web.paging import page_window

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
@require("users.manage")
def index():
    """The audit trail, newest first, filtered by request and by person."""
    args = query_args(AuditList)  # the API's own filters: a bad one is the 400 page naming it
    request_id, user_id, page = args.request, args.user, args.page
    per_page = current_app.config["PAGE_SIZE"]
    query = audit.trail(request_id=request_id, user_id=user_id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    last = max(1, -(-total // per_page))
    page = min(page, last)
    entries = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return render_template(
        "audit/index.html", entries=entries, total=total, page=page, pages=page_window(page, last), last=last,
        request_id=request_id, user_id=user_id,
        the_request=db.session.get(Request, request_id) if request_id else None,
        person=db.session.get(User, user_id) if user_id else None,
        people=db.session.scalars(select(User).order_by(User.email)).all())

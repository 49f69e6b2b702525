"""The request list, a request's page, and its internal notes."""

from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from tracker import permissions
from tracker.api.serialize import reply_address
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.lifecycle import STATUSES
from tracker.models import Agency, Campaign, Document, Message, User
from tracker.operations import OperationError, record_event, request_state
from tracker.web.access import require, visible_request
from tracker.web.forms import Form, as_id, query_args
from tracker.web.request_filters import SORTS, WINDOWS, request_query
from tracker.web.schemas import Paging

bp = Blueprint("requests", __name__, url_prefix="/requests")


def _choices():
    agencies = db.session.scalars(select(Agency).order_by(Agency.short_name)).all()
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.name)).all()
    people = db.session.scalars(select(User).where(User.role != "researcher").order_by(User.email)).all()
    return agencies, campaigns, people


@bp.get("/")
@require("request.view_public")
def index():
    """Requests with filters, sorting and pages."""
    today = legal_today()
    query, filters = request_query(request.args, current_user, today)
    page = query_args(Paging).page
    per_page = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(math.ceil(total / per_page), 1)
    page = min(page, pages)
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    full = permissions.can(current_user, "request.view")
    states = {r.id: request_state(r, today) for r in rows} if full else {}
    agencies, campaigns, people = _choices()
    status_code = 400 if filters.errors else 200
    return render_template(
        "requests/index.html", rows=rows, states=states, filters=filters, total=total, page=page,
        pages=pages, agencies=agencies, campaigns=campaigns, people=people, statuses=STATUSES,
        windows=WINDOWS, sorts={k: v[0] for k, v in SORTS.items()}, full=full, today=today,
    ), status_code


def _messages(found):
    if not permissions.can(current_user, "message.view"):
        return []
    return db.session.scalars(select(Message).where(Message.request_id == found.id)
                              .order_by(Message.received_at)).all()


def _documents(found):
    visible = permissions.visible_documents(current_user)
    if not permissions.can(current_user, "document.view") or not visible:
        return []
    return db.session.scalars(select(Document).where(Document.request_id == found.id,
                                                     Document.visibility.in_(visible))
                              .order_by(Document.id)).all()


@bp.get("/<int:request_id>")
@require("request.view_public")
def view(request_id: int):
    """One request: deadlines, timeline, tracking numbers, reply address, mail and documents, notes."""
    found = visible_request(request_id)
    if not permissions.can(current_user, "request.view"):
        return render_template("requests/public.html", request=found, documents=_documents(found))
    state = request_state(found)
    return render_template(
        "requests/view.html", request=found, state=state, reply_address=reply_address(found),
        messages=_messages(found), documents=_documents(found), today=legal_today(),
        show_notes=permissions.can(current_user, "note.view"), form=Form({}),
        upload_form=Form({"released_on": legal_today().isoformat(), "visibility": "internal"}),
        events=[e for e in reversed(found.events) if e.type != "note"],
        may_publish=permissions.can(current_user, "document.set_visibility"),
        added=as_id(request.args.get("added", "")),
        portal_suggestions=_portal_suggestions(found),
        lawsuits=_lawsuits(found),
    )


def _lawsuits(found) -> list:
    """The Article 78 proceedings covering this request, for those who may read them."""
    if not permissions.can(current_user, "litigation.view"):
        return []
    from tracker.models import Litigation
    from tracker.models.requests import litigation_requests

    return db.session.scalars(select(Litigation).join(litigation_requests)
                              .where(litigation_requests.c.request_id == found.id).order_by(Litigation.id)).all()


def _portal_suggestions(found) -> list:
    """Events the agency portal's latest emails on this request offer to log, for those who may log them."""
    if not permissions.can(current_user, "event.create"):
        return []
    from sqlalchemy import or_

    from tracker.operations.portal_notices import suggestion_for

    recent = db.session.scalars(select(Message).where(Message.request_id == found.id, Message.direction == "in")
                                .order_by(Message.id.desc()).limit(20)).all()
    # Portal mail carries no reply token, so it may wait in triage: the request's own numbers find it.
    numbers = [t.number for t in found.tracking_numbers if t.number]
    if numbers:
        mentions = or_(*[Message.subject.ilike(f"%{n}%") for n in numbers],
                       *[Message.body_text.ilike(f"%{n}%") for n in numbers])
        recent += db.session.scalars(select(Message).where(Message.status == "unmatched", Message.direction == "in",
                                                           mentions).order_by(Message.id.desc()).limit(10)).all()
    return [(m, s) for m in recent if (s := suggestion_for(m)) is not None and s.request.id == found.id]


@bp.route("/<int:request_id>/notes", methods=["GET", "POST"])
@require("note.view")
def notes(request_id: int):
    """The request's internal notes, and a form to add one."""
    found = visible_request(request_id)
    form = Form() if request.method == "POST" else Form({})
    status = 200
    if request.method == "POST":
        if not permissions.can(current_user, "note.create"):
            abort(403, description=f"A {current_user.role} may not add notes.")
        text = form.required("note", "the note")
        if form:
            try:
                record_event(found, "note", legal_today(), current_user, note=text)
            except OperationError as exc:
                form.operation_error(exc, "note")
        if form:
            flash("Your note is on the timeline.", "success")
            return redirect(url_for("requests.notes", request_id=found.id))
        status = 422
    items = [e for e in found.events if e.note]
    return render_template("requests/notes.html", request=found, items=items, form=form), status

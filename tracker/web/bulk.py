"""Acting on many requests at once: log an event, send follow-ups, reassign, or export the selection."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from tracker import lifecycle, permissions
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.models import Request, User
from tracker.operations import OperationError
from tracker.operations.bulk import (
    FOLLOW_UP_BODY,
    FOLLOW_UP_SUBJECT,
    PLACEHOLDERS,
    fill,
    follow_up_each,
    log_event_each,
    reassign_each,
)
from tracker.web.access import require
from tracker.web.exports import csv_response
from tracker.web.forms import Form, as_id
from tracker.web.request_filters import request_query

bp = Blueprint("bulk", __name__)

# Which permission each action needs (the page itself needs request.view).
ACTIONS = {"log": "event.create", "followup": "request.edit", "reassign": "request.edit", "export": "export"}
def _selection(matching: list[Request], form: Form) -> list[Request]:
    if form.get("all") == "1":
        return matching
    wanted = {as_id(x) for x in form.getlist("ids")} - {None}
    return [r for r in matching if r.id in wanted]


def _run(action: str, chosen: list[Request], form: Form):
    if action == "log":
        data = {}
        if form.get("exemptions"):
            data["exemptions"] = [x.strip() for x in form.get("exemptions").split(",") if x.strip()]
        if form.get("date_certain"):
            data["date_certain"] = form.get("date_certain")
        return log_event_each(chosen, current_user, form.get("event_type"), form.get("occurred_on"),
                              data or None, form.get("note"))
    if action == "followup":
        return follow_up_each(chosen, current_user, form.get("subject"), request.form.get("body", ""))
    emails = [e for e in form.get("assignees").replace(",", " ").split() if e]
    return reassign_each(chosen, current_user, emails, replace=form.get("mode") == "replace")


@bp.route("/requests/bulk", methods=["GET", "POST"])
@require("request.view")
def index():
    """The requests matching the list's filters, with checkboxes and the actions to take on them."""
    query, filters = request_query(request.args, current_user, legal_today())
    matching = [r for r in db.session.scalars(query) if permissions.can_see_request(current_user, r)]
    form = Form({"occurred_on": legal_today().isoformat(), "subject": FOLLOW_UP_SUBJECT,
                 "body": FOLLOW_UP_BODY})
    result, status, action, previews = None, 200, "", []
    if request.method == "POST":
        form = Form()
        action = form.get("action")
        if action not in ACTIONS:
            abort(400, description="Choose one of the actions on the page.")
        if not permissions.can(current_user, ACTIONS[action]):
            abort(403, description=f"A {current_user.role} may not do this to requests.")
        chosen = _selection(matching, form)
        if not chosen:
            form.error("ids", "Tick at least one request, or “all matching”.")
            status = 422
        elif action == "export":
            return csv_response(chosen, "foil-selection")
        elif action == "followup" and form.get("confirmed") != "1":
            # Every letter is shown, filled in for its request, before any is sent.
            try:
                previews = [(r, fill(form.get("subject"), r, "subject"), fill(request.form.get("body", ""), r))
                            for r in chosen]
            except OperationError as exc:  # a template the letter language refuses: shown on its field
                form.error(exc.field or "_form", exc.message)
                status = exc.status
        else:
            try:
                result = _run(action, chosen, form)
            except OperationError as exc:  # a mistake in the form itself: nothing was done
                form.error(exc.field or "_form", exc.message)
                status = exc.status
    people = db.session.scalars(select(User).where(User.active.is_(True), User.role != "researcher")
                                .order_by(User.email)).all()
    return render_template("bulk/index.html", matching=matching, filters=filters, form=form, result=result,
                           action=action, event_types=[t for t in lifecycle.EVENT_TYPES],
                           placeholders=PLACEHOLDERS, people=people, actions=ACTIONS, previews=previews), status

"""Appeal pages: the list, one appeal (edit its number and outcome), and the letter to edit and send."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker import permissions
from tracker.extensions import db
from tracker.models import Appeal, Request
from tracker.models.requests import APPEAL_OUTCOMES
from tracker.operations import OperationError
from tracker.operations.appeals import appeal_letter, file_appeal, update_appeal
from tracker.web.access import require, visible_request
from tracker.web.forms import Form
from tracker.web.schemas import AppealForm

bp = Blueprint("appeals", __name__)


def _appeal(appeal_id: int) -> Appeal:
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or not permissions.can_see_request(current_user, appeal.request):
        abort(404, description=f"There is no appeal {appeal_id} that you can see.")
    return appeal


@bp.get("/appeals")
@require("appeal.view")
def index():
    """Every appeal, pending first, with the date its decision is due."""
    outcome = request.args.get("outcome", "")
    query = select(Appeal).join(Request).order_by((Appeal.outcome != "pending"), Appeal.filed_on.desc())
    if outcome in APPEAL_OUTCOMES:
        query = query.where(Appeal.outcome == outcome)
    appeals = [a for a in db.session.scalars(query) if permissions.can_see_request(current_user, a.request)]
    return render_template("appeals/index.html", appeals=appeals, outcome=outcome, outcomes=APPEAL_OUTCOMES)


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@require("appeal.view")
def view(appeal_id: int):
    """One appeal: its letter, numbers and dates; lawyers record its tracking number and outcome."""
    appeal = _appeal(appeal_id)
    form = Form({"tracking_number": appeal.tracking_number, "outcome": appeal.outcome,
                 "decided_on": appeal.decided_on.isoformat() if appeal.decided_on else ""})
    status = 200
    if request.method == "POST":
        if not permissions.can(current_user, "appeal.manage"):
            abort(403, description="Only lawyers and administrators record appeal decisions.")
        form = Form()
        form.check(AppealForm)
        changes = {"tracking_number": form.get("tracking_number")}
        if form.get("outcome") and form.get("outcome") != appeal.outcome:
            changes["outcome"] = form.get("outcome")
            changes["decided_on"] = form.get("decided_on") or None
        if form and form.save(update_appeal, appeal, current_user, **changes):
            flash("The appeal was updated.", "info")
            return redirect(url_for("appeals.view", appeal_id=appeal.id))
        status = form.status
    from tracker import deadlines

    due = deadlines.appeal_determination_due(appeal.received_on, appeal.request.agency.closures)
    return render_template("appeals/view.html", appeal=appeal, form=form, due=due,
                           outcomes=APPEAL_OUTCOMES), status


@bp.route("/requests/<int:request_id>/appeal-letter", methods=["GET", "POST"])
@require("appeal.manage")
def letter(request_id: int):
    """The draft appeal, to edit and send to the agency's appeals officer."""
    found = visible_request(request_id)
    try:
        draft = appeal_letter(found, current_user)
    except OperationError as exc:
        return render_template("appeals/letter.html", request=found, draft=None, problem=exc.message,
                               form=Form({})), exc.status
    form = Form({"to": draft.to, "subject": draft.subject, "body": draft.body, "tracking_number": ""})
    status = 200
    if request.method == "POST":
        form = Form()
        checked = form.check(AppealForm)
        if checked and form.save(file_appeal, found, current_user, form.get("to"), form.get("subject"),
                                 request.form.get("body", ""), tracking_number=form.get("tracking_number")):
            flash(f"The appeal to {form.get('to')} is queued. It is logged as filed, and the agency's ten "
                  "business days start, when the mail server accepts it; its status shows below.", "info")
            return redirect(url_for("requests.view", request_id=found.id), code=303)
        status = form.status
    return render_template("appeals/letter.html", request=found, draft=draft, problem="", form=form), status

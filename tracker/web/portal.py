"""Portal notifications on the web: the event an agency portal's email offers, logged in one click."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from tracker import permissions
from tracker.extensions import db
from tracker.models import Message
from tracker.operations import OperationError
from tracker.operations.portal_notices import confirm_portal_event
from tracker.web.access import require
from tracker.web.filters import event_label, nydate
from tracker.web.forms import attempt

bp = Blueprint("portal", __name__)


@bp.post("/messages/<int:message_id>/portal-event")
@require("event.create")
def confirm(message_id: int):
    """Log the event a portal's email offers (its date, date certain and grounds as the email gives them)."""
    message = db.session.get(Message, message_id)
    if message is None or (message.request is not None
                           and not permissions.can_see_request(current_user, message.request)):
        abort(404, description=f"There is no email {message_id} that you can see.")
    try:
        event = attempt(confirm_portal_event, message, current_user)
    except OperationError as exc:
        flash(exc.message[0].upper() + exc.message[1:] + ".", "error")
        target = message.request_id
        return redirect(url_for("requests.view", request_id=target) if target else url_for("dashboard.index"))
    flash(f"Logged from the portal's email: {event_label(event.type)} on {nydate(event.occurred_on)}.",
          "success")
    return redirect(url_for("requests.view", request_id=event.request_id))


@bp.app_template_global("portal_suggestion")
def portal_suggestion(message: Message):
    """For a template: the event this email offers to the signed-in person, or None."""
    if not permissions.can(current_user, "event.create"):
        return None
    from tracker.operations.portal_notices import suggestion_for

    return suggestion_for(message)

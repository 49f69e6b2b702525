"""Filing new requests (one agency or many from one text) and logging what happened to a request."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker import letter_language, permissions
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.grounds import GROUNDS, STATUTE_PREFIX, SUBPARAGRAPHS, parent
from tracker.grounds import label as ground_text
from tracker.lifecycle import EVENT_TYPES
from tracker.models import Agency, Campaign, User
from tracker.operations import OperationError, file_request, record_event, request_state
from tracker.operations.requests import add_tracking_number
from tracker.operations.uploads import Upload, add_documents
from tracker.web.access import require, visible_request
from tracker.web.filters import deadline_label, event_label, nydate
from tracker.web.forms import Form
from tracker.web.schemas import NewRequestForm

bp = Blueprint("filing", __name__, url_prefix="/requests")

# Which extra fields each event type asks for: the form shows only these.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "acknowledged": ("date_certain", "reason", "tracking_number"),
    "extended": ("date_certain", "reason"),
    "partially_granted": ("exemptions", "appeals_officer"),
    "denied": ("exemptions", "appeals_officer"),
    "no_records": ("exemptions", "appeals_officer"),
    "clarification_answered": ("received_on",),
    "records_released": ("pages",),
    "fee_requested": ("fee",),
    "fee_paid": ("fee",),
    "appeal_filed": ("filed_by", "received_on", "tracking_number"),
}
# §87(2)(j)–(q) protect traffic-camera images; the form folds them away to keep the common grounds in view.
TRAFFIC_GROUNDS = frozenset(f"87(2)({letter})" for letter in "jklmnopq")
LOGGABLE = tuple(t for t in EVENT_TYPES if t != "note")


def _new_form(form: Form, status: int = 200):
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.name)).all()
    people = db.session.scalars(select(User).where(User.role != "researcher", User.active)
                                .order_by(User.email)).all()
    return render_template("requests/new.html", form=form, agencies=agencies, campaigns=campaigns,
                           people=people, today=legal_today()), status


@bp.route("/new", methods=["GET", "POST"])
@require("request.create")
def new():
    """File a request with one agency, or the same text with many agencies (one request each)."""
    if request.method == "GET":
        return _new_form(Form({}))
    form = Form()
    checked = form.check(NewRequestForm)
    ids = checked.agency if checked else []
    agencies = [db.session.get(Agency, i) for i in ids]
    if checked and (not ids or None in agencies):
        form.error("agency", "Choose at least one agency from the list.")
    title = form.required("title", "a title")
    description = form.get("description")
    received_on = form.date("received_on", "the day the agency received it", required=False)
    if received_on and received_on > legal_today():
        form.error("received_on", "That day is in the future. Leave it empty until the request is sent.")
    campaign = form.get("new_campaign") or (checked.campaign if checked else None)
    tracking = form.get("tracking_number")
    if tracking and len(agencies) > 1:
        form.error("tracking_number",
                   "A tracking number belongs to one agency: file with one agency to give one.")
    for name, text in (("title", title), ("description", description)):
        try:  # the same letter language as every letter: {{ agency }} is each agency's name
            letter_language.check("new_request", text or "")
        except letter_language.LetterTemplateError as exc:
            form.error(name, str(exc))
    if not form:
        return _new_form(form, 422)
    created = []
    try:
        for agency in agencies:
            named = {"agency": agency.name}
            created.append(file_request(
                current_user, agency, letter_language.fill("new_request", title, named),
                letter_language.fill("new_request", description or "", named), received_on=received_on,
                campaign=campaign,
                tracking_numbers=[tracking] if tracking else [], assignees=form.getlist("assignee"),
                visibility=form.get("visibility") or "internal",
            ))
    except OperationError as exc:
        form.operation_error(exc)
        return _new_form(form, 422)
    references = ", ".join(r.reference for r in created)
    if received_on is None:
        # Drafts: next comes the letter to each agency, previewed, then emailed or recorded as filed.
        flash(f"{'Request' if len(created) == 1 else str(len(created)) + ' requests'} {references} "
              f"{'is' if len(created) == 1 else 'are'} ready to file: check each letter, then send it or "
              "record how it was filed.", "success")
        return redirect(url_for("letters.file", ids=",".join(str(r.id) for r in created)))
    if len(created) == 1:
        flash(f"Request {created[0].reference} is filed with {created[0].agency.name}.", "success")
        return redirect(url_for("requests.view", request_id=created[0].id))
    flash(f"{len(created)} requests are filed, one with each agency: {references}.", "success")
    return redirect(url_for("letters.file", ids=",".join(str(r.id) for r in created)))


def _subparagraphs() -> dict[str, list[tuple[str, str]]]:
    """Each paragraph's subparagraphs, to show beside it: (e) and (g) their own, (b) those of §89(2)(b)."""
    beside: dict[str, list[tuple[str, str]]] = {}
    for key in SUBPARAGRAPHS:
        paragraph = "87(2)(b)" if key.startswith("89(2)(b)") else parent(key)
        beside.setdefault(paragraph, []).append((key, ground_text(key)))
    return beside


def _event_form(found, form: Form, status: int = 200):
    return render_template(
        "requests/log_event.html", request=found, form=form, fields=EVENT_FIELDS,
        types=[t for t in LOGGABLE if permissions.can_log_event(current_user, t)],
        grounds=[(key, ground_text(key)) for key in GROUNDS], traffic=TRAFFIC_GROUNDS,
        subparagraphs=_subparagraphs(),
        state=request_state(found), today=legal_today(),
    ), status


def _event_data(form: Form, event_type: str) -> dict:
    wanted = EVENT_FIELDS.get(event_type, ())
    data: dict = {}
    if "date_certain" in wanted:
        day = form.date("date_certain", "the agency's date certain", required=event_type == "extended")
        if day:
            data["date_certain"] = day.isoformat()
    if "exemptions" in wanted:
        cited = form.getlist("exemptions")
        if form.get("statute"):
            cited = [c for c in cited if c != "87(2)(a)"] + [STATUTE_PREFIX + form.get("statute")]
        if cited:
            data["exemptions"] = cited
    if "pages" in wanted:
        pages = form.whole_number("pages", "the pages released")
        if pages is not None:
            data["pages"] = pages
    if "fee" in wanted:
        fee = form.amount("fee", "the fee")
        if fee is not None:
            data["fee"] = fee
    for key in ("reason", "appeals_officer"):
        if key in wanted and form.get(key):
            data[key] = form.get(key)
    if "received_on" in wanted:
        day = form.date("received_on", "the day the agency received it", required=False)
        if day:
            data["received_on"] = day.isoformat()
    if "filed_by" in wanted:
        data["filed_by"] = form.get("filed_by")
    if event_type == "appeal_filed" and form.get("tracking_number"):
        data["tracking_number"] = form.get("tracking_number")
    return data


def describe_change(before, after) -> str:
    """In words, how the open deadlines moved: the old next deadline against the new one."""
    def text(deadline):
        if deadline is None:
            return "none"
        late = " (missed)" if deadline.missed else ""
        return f"{deadline_label(deadline.kind)} {nydate(deadline.due_on)}{late}"

    old, new = before.next_deadline, after.next_deadline
    if (old and (old.kind, old.due_on)) == (new and (new.kind, new.due_on)):
        return f"The next deadline is unchanged: {text(new)}."
    return f"Next deadline was {text(old)}; now {text(new)}."


@bp.route("/<int:request_id>/events/new", methods=["GET", "POST"])
@require("event.create")
def log_event(request_id: int):
    """Log what happened (a letter came, the agency called, records arrived); deadlines move at once."""
    found = visible_request(request_id)
    if request.method == "GET":
        preset = {"type": request.args.get("type", ""), "occurred_on": legal_today().isoformat()}
        return _event_form(found, Form(preset))
    form = Form()
    event_type = form.get("type")
    if event_type not in LOGGABLE:
        form.error("type", "Choose what happened from the list.")
    occurred = form.date("occurred_on", "the date it happened")
    data = _event_data(form, event_type) if event_type in LOGGABLE else {}
    if not form:
        return _event_form(found, form, 422)
    before = request_state(found)
    try:
        event = record_event(found, event_type, occurred, current_user, data, form.get("note"))
        letters = [Upload(part.filename, part.read()) for part in request.files.getlist("letter") if part.filename]
        if letters:
            add_documents(found, letters, current_user, released_on=occurred, visibility="internal",
                          event_id=event.id)
        if event_type == "acknowledged" and form.get("tracking_number"):
            add_tracking_number(found, form.get("tracking_number"), "request")
    except OperationError as exc:
        form.operation_error(exc, "letter" if exc.field == "file" else "type")
        return _event_form(found, form, 403 if exc.status == 403 else 422)
    after = request_state(found)
    attached = f" {len(letters)} file{'' if len(letters) == 1 else 's'} attached." if letters else ""
    flash(f"Logged: {event_label(event_type)} on {nydate(occurred)}.{attached} {describe_change(before, after)}",
          "success")
    return redirect(url_for("requests.view", request_id=found.id))

"""Requests and their timelines."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from tracker import permissions
from tracker.api import ApiError, bp, json_body, page_args, paginated, requires
from tracker.api import serialize as out
from tracker.api.schemas import EventCreate, RequestCreate, RequestList, RequestPatch, RequestView, described
from tracker.extensions import db
from tracker.lifecycle import STATUSES
from tracker.models import Agency, Campaign, Message, Request, TrackingNumber, User
from tracker.models.base import MAX_ID
from tracker.models.requests import request_assignees
from tracker.operations import file_request, record_event, request_state, update_request
from tracker.operations.requests import parse_date
from tracker.web.filters import filename


def load_request(request_id: int) -> Request:
    """The request, if the token's user may see it; 404 otherwise (its existence is not leaked)."""
    found = db.session.get(Request, request_id)
    if found is None or not permissions.can_see_request(g.api_user, found):
        raise ApiError(404, "not_found", f"there is no request {request_id}")
    return found


def message_summaries(r: Request, user) -> list[dict]:
    """The request's messages with the documents `user` may see."""
    visible = permissions.visible_documents(user)
    rows = db.session.scalars(select(Message).where(Message.request_id == r.id).order_by(Message.received_at))
    result = []
    for m in rows:
        result.append({
            "id": m.id,
            "direction": m.direction,
            "status": m.status,
            "subject": m.subject,
            "from": m.from_addr,
            "to": list(m.to_addrs or []),
            "sent_at": out.iso(m.sent_at),
            "received_at": out.iso(m.received_at),
            "is_auto_reply": m.is_auto_reply,
            "is_bounce": m.is_bounce,
            "documents": [
                {"id": d.id, "filename": filename(d.filename), "media_type": d.media_type, "pages": d.page_count,
                 "text_status": d.text_status, "visibility": d.visibility}
                for d in m.documents if d.visibility in visible
            ],
        })
    return result


def detail(r: Request, as_of=None) -> dict:
    """The request as GET returns it (as it stood at the end of `as_of`), trimmed to what the role may read."""
    user = g.api_user
    if not permissions.can(user, "request.view"):
        return out.request_public(r)
    state = request_state(r, as_of=as_of)
    body = out.request_detail(r, state, messages=message_summaries(r, user),
                              with_notes=permissions.can(user, "note.view"))
    if as_of is not None:
        # The stored status and next deadline are today's; that day's come from the events up to it.
        upcoming = state.next_deadline
        body.update(
            as_of=as_of.isoformat(),
            status=state.status,
            next_deadline={"kind": upcoming.kind, "due_on": out.iso(upcoming.due_on)} if upcoming else None,
            events=[e for e in body["events"] if e["occurred_on"] <= as_of.isoformat()],
        )
    return body


@bp.get("/requests")
@requires("request.view_public")
@described(query=RequestList)
def list_requests():
    """Requests, filtered by agency, campaign, status, assignee or text, newest first."""
    query = select(Request).order_by(Request.id.desc()).options(
        selectinload(Request.agency), selectinload(Request.campaign), selectinload(Request.tracking_numbers))
    if not permissions.can(g.api_user, "request.view"):
        query = query.where(Request.visibility == "public")
    args = request.args
    try:
        if args.get("agency_id"):
            query = query.where(Request.agency_id == int(args["agency_id"]))
        if args.get("agency"):
            query = query.join(Agency).where(Agency.short_name == args["agency"])
        if args.get("campaign"):
            value = args["campaign"]
            query = query.join(Campaign).where(
                Campaign.id == int(value) if value.isdigit() and int(value) <= MAX_ID else Campaign.name == value)
    except ValueError:
        raise ApiError(400, "invalid_filter", "agency_id must be a number") from None
    if args.get("status"):
        if args["status"] not in STATUSES:
            raise ApiError(400, "invalid_filter", f"status must be one of {', '.join(STATUSES)}")
        query = query.where(Request.status == args["status"])
    if args.get("assignee"):
        query = query.join(request_assignees).join(User).where(User.email == args["assignee"].lower())
    if args.get("q"):
        like = f"%{args['q']}%"
        numbers = select(TrackingNumber.request_id).where(TrackingNumber.number.ilike(like))
        query = query.where(or_(Request.title.ilike(like), Request.reference.ilike(like), Request.id.in_(numbers)))
    page, per_page = page_args()
    serialise = out.request_summary if permissions.can(g.api_user, "request.view") else out.request_public
    return jsonify(paginated(query, page, per_page, serialise))


@bp.post("/requests")
@requires("request.create")
@described(body=RequestCreate)
def create_request():
    """File a request with an agency (received_on logs it as submitted that day)."""
    body = json_body()
    allowed = {"agency_id", "title", "description", "received_on", "campaign", "tracking_numbers", "assignees",
               "visibility"}
    unknown = set(body) - allowed
    if unknown:
        raise ApiError(400, "unknown_field", f"unknown fields: {', '.join(sorted(unknown))}")
    agency_id = body.get("agency_id")
    if isinstance(agency_id, bool) or not isinstance(agency_id, int):
        raise ApiError(422, "invalid", "agency_id must be the id of an agency", "agency_id")
    agency = db.session.get(Agency, agency_id) if 0 < agency_id <= MAX_ID else None
    if agency is None:
        raise ApiError(422, "unknown_agency", f"there is no agency {agency_id}", "agency_id")
    created = file_request(
        g.api_user, agency, body.get("title", ""), body.get("description", ""),
        received_on=body.get("received_on"), campaign=body.get("campaign"),
        tracking_numbers=body.get("tracking_numbers") or [], assignees=body.get("assignees") or [],
        visibility=body.get("visibility", "internal"),
    )
    return jsonify(detail(created)), 201


@bp.get("/requests/<int:request_id>")
@described(query=RequestView)
def get_request(request_id: int):
    """One request with its status, deadlines, timeline and messages (`?as_of=YYYY-MM-DD`: on that day)."""
    as_of = None
    if request.args.get("as_of"):
        as_of = parse_date(request.args["as_of"], "as_of")
    return jsonify(detail(load_request(request_id), as_of))


@bp.patch("/requests/<int:request_id>")
@requires("request.edit")
@described(body=RequestPatch)
def patch_request(request_id: int):
    """Change a request's title, assignees, tracking numbers or visibility."""
    found = load_request(request_id)
    update_request(found, g.api_user, **json_body())
    return jsonify(detail(found))


@bp.get("/requests/<int:request_id>/events")
@requires("request.view")
def list_events(request_id: int):
    """A request's timeline."""
    found = load_request(request_id)
    with_notes = permissions.can(g.api_user, "note.view")
    return jsonify({"items": [out.event(e, with_note=with_notes) for e in found.events]})


@bp.post("/requests/<int:request_id>/events")
@requires("event.create")
@described(body=EventCreate)
def add_event(request_id: int):
    """Log an event; the status and deadlines are recomputed at once."""
    found = load_request(request_id)
    body = json_body()
    unknown = set(body) - {"type", "occurred_on", "data", "note"}
    if unknown:
        raise ApiError(400, "unknown_field", f"unknown fields: {', '.join(sorted(unknown))}")
    if "type" not in body or "occurred_on" not in body:
        raise ApiError(422, "invalid", "an event needs a type and the date it occurred_on (YYYY-MM-DD)")
    event = record_event(found, body["type"], body["occurred_on"], g.api_user, body.get("data"),
                         body.get("note") or "")
    result = out.event(event)
    result["request"] = detail(found)
    return jsonify(result), 201



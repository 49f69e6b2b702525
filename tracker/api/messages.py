"""Incoming email: the delivered, unmatched and rejected lists, one message, and assigning it by hand."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from tracker import permissions
from tracker.api import ApiError, bp, json_body, page_args, paginated, requires
from tracker.api import serialize as out
from tracker.api.schemas import MessageAssign, MessageList, described
from tracker.extensions import db
from tracker.models import Message, Request
from tracker.models.base import MAX_ID
from tracker.operations.mail import assign_message, redeliver
from tracker.web.filters import filename

INCOMING_STATUSES = ("delivered", "unmatched", "rejected")


def message_json(m: Message, user) -> dict:
    """An incoming message as the API shows it, with the documents `user` may see."""
    visible = permissions.visible_documents(user)
    return {
        "id": m.id,
        "status": m.status,
        "reason": m.reason,
        "match_method": m.match_method or None,
        "request_id": m.request_id,
        "message_id": m.message_id,
        "subject": m.subject,
        "from": m.from_addr,
        "from_name": m.from_name,
        "to": list(m.to_addrs or []),
        "cc": list(m.cc_addrs or []),
        "date": out.iso(m.sent_at),
        "received_at": out.iso(m.received_at),
        "size": m.size,
        "raw_sha256": m.raw_sha256,
        "is_auto_reply": m.is_auto_reply,
        "is_bounce": m.is_bounce,
        "suggestions": list(m.suggestions or []),
        "documents": [
            {"id": d.id, "filename": filename(d.filename), "media_type": d.media_type, "size": d.size,
             "pages": d.page_count, "text_status": d.text_status, "visibility": d.visibility,
             "parent_id": d.parent_id}
            for d in m.documents if d.visibility in visible
        ],
    }


def load_message(message_id: int) -> Message:
    """An incoming message, or 404."""
    found = db.session.get(Message, message_id)
    if found is None or found.direction != "in":
        raise ApiError(404, "not_found", f"there is no incoming message {message_id}")
    return found


@bp.get("/messages")
@requires("message.view")
@described(query=MessageList)
def list_messages():
    """Incoming messages, newest first, by `status` (delivered, unmatched, rejected) or request_id."""
    query = select(Message).where(Message.direction == "in").order_by(Message.id.desc())
    status = request.args.get("status")
    if status:
        if status not in INCOMING_STATUSES:
            raise ApiError(400, "invalid_filter", f"status must be one of {', '.join(INCOMING_STATUSES)}")
        query = query.where(Message.status == status)
    if request.args.get("request_id"):
        try:
            query = query.where(Message.request_id == int(request.args["request_id"]))
        except ValueError:
            raise ApiError(400, "invalid_filter", "request_id must be a number") from None
    page, per_page = page_args()
    return jsonify(paginated(query, page, per_page, lambda m: message_json(m, g.api_user)))


@bp.get("/messages/<int:message_id>")
@requires("message.view")
def get_message(message_id: int):
    """One incoming message with its text, sanitised HTML and headers."""
    m = load_message(message_id)
    body = message_json(m, g.api_user)
    body.update(text=m.body_text, html=m.body_html, headers=[list(h) for h in (m.headers or [])],
                in_reply_to=m.in_reply_to, references=list(m.references or []))
    return jsonify(body)


@bp.post("/messages/<int:message_id>/assign")
@requires("message.assign")
@described(body=MessageAssign)
def assign(message_id: int):
    """Put a message on a request (its sender is remembered for the next one unless learn_sender is false)."""
    m = load_message(message_id)
    data = json_body()
    request_id = data.get("request_id")
    if isinstance(request_id, bool) or not isinstance(request_id, int):
        raise ApiError(422, "invalid", "request_id must be the id of a request", "request_id")
    target = db.session.get(Request, request_id) if 0 < request_id <= MAX_ID else None
    if target is None or not permissions.can_see_request(g.api_user, target):
        raise ApiError(422, "unknown_request", f"there is no request {request_id}", "request_id")
    learn = data.get("learn_sender", True)
    if not isinstance(learn, bool):
        raise ApiError(422, "invalid", "learn_sender must be true or false", "learn_sender")
    assign_message(m, target, g.api_user, learn_sender=learn)
    return jsonify(message_json(m, g.api_user))


@bp.post("/messages/<int:message_id>/redeliver")
@requires("message.assign")
def redeliver_message(message_id: int):
    """Read a rejected message's original again and deliver it (once what stopped it is fixed)."""
    delivered = redeliver(load_message(message_id), g.api_user)
    return jsonify(message_json(delivered, g.api_user))

"""Appeals, Article 78 suits and appeal letters in the JSON API."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from tracker import deadlines, permissions
from tracker.api import ApiError, bp, json_body, page_args, paginated, requires
from tracker.api.requests import load_request
from tracker.api.schemas import (
    AppealLetterSend,
    AppealList,
    AppealPatch,
    LitigationCreate,
    LitigationList,
    LitigationPatch,
    described,
)
from tracker.api.serialize import iso
from tracker.extensions import db
from tracker.models import Appeal, Litigation, Request
from tracker.models.requests import APPEAL_OUTCOMES, LITIGATION_OUTCOMES, litigation_requests
from tracker.operations.appeals import appeal_letter, file_appeal, update_appeal
from tracker.operations.litigation import article78_limit, create_litigation, update_litigation


def appeal_json(a: Appeal) -> dict:
    """An appeal as the API returns it."""
    due = deadlines.appeal_determination_due(a.received_on, a.request.agency.closures)
    return {
        "id": a.id, "request_id": a.request_id, "request": a.request.reference,
        "agency": a.request.agency.short_name, "tracking_number": a.tracking_number,
        "filed_on": iso(a.filed_on), "received_on": iso(a.received_on), "decided_on": iso(a.decided_on),
        "outcome": a.outcome, "letter": a.letter, "determination_due_on": iso(due),
    }


def litigation_json(lit: Litigation) -> dict:
    """A lawsuit as the API returns it, with each covered request's CPLR 217(1) limit."""
    covered = []
    for r in lit.requests:
        limit = article78_limit(r, lit.filed_on)
        covered.append({
            "id": r.id, "reference": r.reference, "title": r.title, "status": r.status,
            "article78_due_on": iso(limit.deadline.due_on) if limit.deadline else None,
            "article78_raw_due_on": iso(limit.deadline.raw_due_on) if limit.deadline else None,
            "article78_basis": limit.deadline.basis if limit.deadline else None,
            "filed_in_time": limit.filed_in_time,
        })
    return {
        "id": lit.id, "caption": lit.caption, "court": lit.court, "index_number": lit.index_number,
        "judge": lit.judge, "filed_on": iso(lit.filed_on), "decided_on": iso(lit.decided_on),
        "decision": lit.decision, "outcome": lit.outcome, "requests": covered,
        "request_ids": [r.id for r in lit.requests],
    }


@bp.get("/requests/<int:request_id>/appeal-letter")
@requires("appeal.manage")
def get_appeal_letter(request_id: int):
    """A draft appeal of the request's denial: {to, subject, body}; 409 when there is nothing to appeal."""
    letter = appeal_letter(load_request(request_id), g.api_user)
    return jsonify(letter.as_dict())


@bp.get("/requests/<int:request_id>/appeal-letter.pdf")
@requires("appeal.manage")
def get_appeal_letter_pdf(request_id: int):
    """The same draft appeal as /appeal-letter, laid out as a PDF under the campaign's letterhead."""
    from tracker.web.letters import pdf_response

    found = load_request(request_id)
    letter = appeal_letter(found, g.api_user, by_post=True)  # printed: its ten days run from its arrival
    return pdf_response(found, letter.body, letter.subject, f"{found.reference}-appeal.pdf")


@bp.post("/requests/<int:request_id>/appeal-letter")
@requires("appeal.manage")
@described(body=AppealLetterSend)
def send_appeal_letter(request_id: int):
    """Queue the (edited) appeal email: 202 with the outgoing message (status "queued").

    Body: {to?, subject?, body?, tracking_number?}. The appeal is logged as filed (and the agency's ten
    business days start) when the mail server accepts the email; its status shows on the request.
    """
    found = load_request(request_id)
    data = json_body()
    unknown = set(data) - {"to", "subject", "body", "tracking_number"}
    if unknown:
        raise ApiError(400, "unknown_field", f"unknown fields: {', '.join(sorted(unknown))}")
    draft = appeal_letter(found, g.api_user)
    message = file_appeal(found, g.api_user, data.get("to", draft.to), data.get("subject", draft.subject),
                          data.get("body", draft.body), tracking_number=data.get("tracking_number", ""))
    return jsonify({"status": message.status, "message": outgoing_json(message)}), 202


def outgoing_json(m) -> dict:
    """An outgoing message as the API shows it: whom to, what, and whether it left (queued, sent, failed)."""
    return {"id": m.id, "request_id": m.request_id, "status": m.status, "reason": m.reason,
            "to": list(m.to_addrs or []), "subject": m.subject, "message_id": m.message_id,
            "sent_at": iso(m.sent_at)}


@bp.get("/appeals")
@requires("appeal.view")
@described(query=AppealList)
def list_appeals():
    """Appeals, newest first; filters: request_id, outcome, campaign (id)."""
    query = select(Appeal).order_by(Appeal.id.desc())
    args = request.args
    try:
        if args.get("request_id"):
            query = query.where(Appeal.request_id == int(args["request_id"]))
        if args.get("campaign"):
            query = query.join(Request).where(Request.campaign_id == int(args["campaign"]))
    except ValueError:
        raise ApiError(400, "invalid_filter", "request_id and campaign must be numbers") from None
    if args.get("outcome"):
        if args["outcome"] not in APPEAL_OUTCOMES:
            raise ApiError(400, "invalid_filter", f"outcome must be one of {', '.join(APPEAL_OUTCOMES)}")
        query = query.where(Appeal.outcome == args["outcome"])
    page, per_page = page_args()
    return jsonify(paginated(query, page, per_page, appeal_json))


def _load_appeal(appeal_id: int) -> Appeal:
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or not permissions.can_see_request(g.api_user, appeal.request):
        raise ApiError(404, "not_found", f"there is no appeal {appeal_id}")
    return appeal


@bp.get("/appeals/<int:appeal_id>")
@requires("appeal.view")
def get_appeal(appeal_id: int):
    """One appeal with its letter."""
    return jsonify(appeal_json(_load_appeal(appeal_id)))


@bp.patch("/appeals/<int:appeal_id>")
@requires("appeal.manage")
@described(body=AppealPatch)
def patch_appeal(appeal_id: int):
    """Change tracking_number, letter, or outcome (+ decided_on; granted/denied are logged on the request)."""
    appeal = _load_appeal(appeal_id)
    update_appeal(appeal, g.api_user, **json_body())
    return jsonify(appeal_json(appeal))


@bp.get("/litigation")
@requires("litigation.view")
@described(query=LitigationList)
def list_litigation():
    """Article 78 suits, newest first; filters: request_id, outcome."""
    query = select(Litigation).order_by(Litigation.id.desc())
    args = request.args
    if args.get("request_id"):
        if not args["request_id"].isdigit():
            raise ApiError(400, "invalid_filter", "request_id must be a number")
        covered = select(litigation_requests.c.litigation_id).where(
            litigation_requests.c.request_id == int(args["request_id"]))
        query = query.where(Litigation.id.in_(covered))
    if args.get("outcome"):
        if args["outcome"] not in LITIGATION_OUTCOMES:
            raise ApiError(400, "invalid_filter", f"outcome must be one of {', '.join(LITIGATION_OUTCOMES)}")
        query = query.where(Litigation.outcome == args["outcome"])
    page, per_page = page_args()
    return jsonify(paginated(query, page, per_page, litigation_json))


@bp.post("/litigation")
@requires("litigation.manage")
@described(body=LitigationCreate)
def post_litigation():
    """Open an Article 78 record: {caption, court?, index_number?, judge?, filed_on?, request_ids}."""
    data = json_body()
    allowed = {"caption", "court", "index_number", "judge", "filed_on", "request_ids"}
    unknown = set(data) - allowed
    if unknown:
        raise ApiError(400, "unknown_field", f"unknown fields: {', '.join(sorted(unknown))}")
    for request_id in data.get("request_ids") or []:
        if isinstance(request_id, int) and not isinstance(request_id, bool):
            load_request(request_id)
    lit = create_litigation(g.api_user, data.get("caption", ""), request_ids=data.get("request_ids") or [],
                            court=data.get("court"), index_number=data.get("index_number", ""),
                            judge=data.get("judge", ""), filed_on=data.get("filed_on"))
    return jsonify(litigation_json(lit)), 201


def _load_litigation(litigation_id: int) -> Litigation:
    lit = db.session.get(Litigation, litigation_id)
    if lit is None:
        raise ApiError(404, "not_found", f"there is no lawsuit {litigation_id}")
    return lit


@bp.get("/litigation/<int:litigation_id>")
@requires("litigation.view")
def get_litigation(litigation_id: int):
    """One lawsuit with its covered requests and their four-month limits."""
    return jsonify(litigation_json(_load_litigation(litigation_id)))


@bp.patch("/litigation/<int:litigation_id>")
@requires("litigation.manage")
@described(body=LitigationPatch)
def patch_litigation(litigation_id: int):
    """Change a lawsuit: decision, outcome, decided_on, filed_on, caption, court, index_number, judge..."""
    lit = _load_litigation(litigation_id)
    update_litigation(lit, g.api_user, **json_body())
    return jsonify(litigation_json(lit))

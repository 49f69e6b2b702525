"""Incoming mail: find the request an email answers, deliver it (or hold it unmatched), assign by hand.

Matching, in order (DESIGN §5): a reply token in any recipient header; In-Reply-To/References (and a
bounce's embedded original) pointing at a message we sent or received; our reference or an agency
tracking number in the subject, then the body; a sender a person taught us; otherwise unmatched, with
ranked suggestions. Nothing is dropped: what cannot be parsed is kept raw and marked rejected.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, select

from ingest import matching
from tracker.extensions import db
from tracker.models import Agency, Event, Message, Request, SenderRoute, TrackingNumber
from tracker.models.base import utcnow
from tracker.operations.documents import add_document, after_commit, clean_text
from tracker.operations.errors import Conflict
from tracker.operations.requests import add_tracking_number, record_event

log = logging.getLogger(__name__)

RECENT_REQUESTS = 500


def _reply_local_part() -> str:
    return matching.reply_local_part(current_app.config["REPLY_ADDRESS"])


def _recipients(parsed) -> list[str]:
    return list(parsed.recipients_for_matching or [*parsed.to, *parsed.cc])


def _by_token(tokens: list[str]) -> Request | None:
    for token in tokens:
        found = db.session.scalar(select(Request).where(func.lower(Request.reply_token) == token))
        if found is not None:
            return found
    return None


def _by_thread(ids: list[str]) -> Request | None:
    if not ids:
        return None
    # Outgoing Message-IDs may be stored with their angle brackets; ours (parsed) are stored without.
    forms = [*ids, *(f"<{i}>" for i in ids)]
    rows = db.session.execute(
        select(Message.message_id, Message.request_id)
        .where(Message.message_id.in_(forms), Message.request_id.is_not(None))
        .order_by(Message.id)
    ).all()
    found = {mid.strip("<>"): request_id for mid, request_id in rows}
    for mid in ids:
        if mid in found:
            return db.session.get(Request, found[mid])
    return None


def _agency_numbers(text: str) -> list[tuple[Agency, str]]:
    """(agency, number) for every agency tracking-number pattern that matches the text."""
    found = []
    for agency in db.session.scalars(select(Agency).where(Agency.tracking_patterns.is_not(None))):
        for number in matching.tracking_numbers_in(text, agency.tracking_patterns or []):
            found.append((agency, number))
    return found


def _by_numbers(text: str) -> tuple[Request | None, str]:
    refs = matching.references_in(text)
    if refs:
        found = db.session.scalar(select(Request).where(func.upper(Request.reference).in_(refs)))
        if found is not None:
            return found, "reference"
    candidates = matching.number_candidates(text)
    candidates += [n.upper() for _, n in _agency_numbers(text) if n.upper() not in candidates]
    if candidates:
        rows = db.session.execute(
            select(TrackingNumber.number, TrackingNumber.request_id).where(
                func.upper(TrackingNumber.number).in_(candidates)
            )
        ).all()
        by_number = {number.upper(): request_id for number, request_id in rows}
        for candidate in candidates:  # the first number the email mentions wins
            if candidate in by_number:
                return db.session.get(Request, by_number[candidate]), "tracking_number"
    return None, ""


def _searchable_texts(parsed) -> list[str]:
    return [parsed.subject or "", (parsed.text or "")[: matching.BODY_SEARCH_CHARS]]


def find_request_for(parsed) -> tuple[Request | None, str, list[dict]]:
    """The request an email answers and how it was found, or (None, "", ranked suggestions)."""
    found = _by_token(matching.reply_tokens(_recipients(parsed), _reply_local_part()))
    if found is not None:
        return found, "reply_token", []
    found = _by_thread(matching.thread_ids(parsed))
    if found is not None:
        return found, "bounce_thread" if parsed.is_bounce else "thread", []
    # An email we sent coming back to our own mailbox (Bcc, a list) belongs with the original.
    if parsed.message_id:
        found = _by_thread([parsed.message_id])
        if found is not None:
            return found, "own_message", []
    for text in _searchable_texts(parsed):
        found, method = _by_numbers(text)
        if found is not None:
            return found, method, []
    if parsed.from_addr:
        route = db.session.scalar(select(SenderRoute).where(SenderRoute.address == parsed.from_addr.lower()))
        if route is not None:
            return db.session.get(Request, route.request_id), "sender_route", []
    return None, "", suggestions_for(parsed)


def suggestions_for(parsed) -> list[dict]:
    """Ranked guesses for an unmatched email: near-miss tokens, the sender's agency, numbers, subject."""
    candidates: list[dict] = []
    near = matching.near_tokens(_recipients(parsed))
    recent = db.session.execute(
        select(Request.id, Request.reply_token, Request.title, Request.agency_id)
        .order_by(Request.id.desc())
        .limit(RECENT_REQUESTS)
    ).all()
    for token in near:
        for request_id, reply_token, _, _ in recent:
            distance = matching.token_distance(token, reply_token.lower())
            if distance <= 2:
                candidates.append(
                    {
                        "request_id": request_id,
                        "score": 0.9 - 0.1 * distance,
                        "reason": f"the reply address token {token} is close to this request's",
                    }
                )
    agencies = {}
    domain = matching.domain_of(parsed.from_addr)
    if domain:
        for agency in db.session.scalars(select(Agency)):
            if domain in (matching.domain_of(agency.foil_email), matching.domain_of(agency.appeals_email)):
                agencies[agency.id] = (0.5, f"the sender's domain {domain} is {agency.short_name}'s")
    for text in _searchable_texts(parsed):
        for agency, number in _agency_numbers(text):
            agencies.setdefault(
                agency.id, (0.6, f"it carries {agency.short_name} number {number}, not yet on any request")
            )
    for request_id, _, title, agency_id in recent:
        if agency_id in agencies:
            score, reason = agencies[agency_id]
            candidates.append({"request_id": request_id, "score": score, "reason": reason})
        similarity = matching.subject_similarity(parsed.subject, title)
        if similarity >= 0.5:
            candidates.append(
                {
                    "request_id": request_id,
                    "score": 0.7 * similarity,
                    "reason": f"the subject resembles the title \u201c{title[:80]}\u201d",
                }
            )
    return matching.rank_suggestions(candidates)


def find_duplicate(raw_sha256: str, message_id: str | None) -> Message | None:
    """The incoming message already stored with these bytes, or with this Message-ID."""
    found = db.session.scalar(
        select(Message).where(Message.raw_sha256 == raw_sha256, Message.direction == "in")
    )
    if found is None and message_id:
        found = db.session.scalar(
            select(Message)
            .where(Message.message_id == message_id[:998], Message.direction == "in")
            .order_by(Message.id)
            .limit(1)
        )
    return found


def reject(raw_sha256: str, size: int, reason: str, *, mailbox: str = "", uid: int | None = None) -> Message:
    """Keep an email that cannot be parsed, listed as rejected with the reason (its raw bytes are stored)."""
    message = Message(
        direction="in",
        status="rejected",
        reason=clean_text(reason, 2000),
        raw_sha256=raw_sha256,
        size=size,
        mailbox=mailbox[:200],
        uid=uid,
        suggestions=[],
        references=[],
        headers=[],
        to_addrs=[],
        cc_addrs=[],
    )
    db.session.add(message)
    db.session.flush()
    return message


def _utc_naive(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None)


def _message_from(parsed, raw_sha256: str, size: int, mailbox: str, uid: int | None) -> Message:
    return Message(
        direction="in",
        status="unmatched",
        raw_sha256=raw_sha256,
        size=size,
        mailbox=mailbox[:200],
        uid=uid,
        message_id=clean_text(parsed.message_id, 998) or None,
        in_reply_to=clean_text(parsed.in_reply_to, 998) or None,
        references=[clean_text(r, 998) for r in parsed.references],
        from_addr=clean_text((parsed.from_addr or "").lower(), 320),
        from_name=clean_text(parsed.from_name, 300),
        to_addrs=[clean_text(a, 320) for a in parsed.to[:200]],
        cc_addrs=[clean_text(a, 320) for a in parsed.cc[:200]],
        sent_at=_utc_naive(parsed.date),
        subject=clean_text(parsed.subject, 5000),
        body_text=clean_text(parsed.text),
        body_html=clean_text(parsed.html_sanitized or ""),
        headers=[[clean_text(k, 200), clean_text(v, 5000)] for k, v in parsed.headers[:500]],
        is_auto_reply=bool(parsed.is_auto_reply),
        is_bounce=bool(parsed.is_bounce),
        suggestions=[],
        reason="; ".join(parsed.defects[:20])[:2000] if parsed.defects else "",
    )


def deliver_parsed(
    parsed,
    raw_sha256: str,
    size: int,
    *,
    mailbox: str = "",
    uid: int | None = None,
    queue_work: bool = True,
) -> Message:
    """Record a parsed email with its documents, on its request when one is found, else unmatched.

    Extraction and indexing are queued for after the commit; with `queue_work=False` the caller does
    them itself (`ingest --once` extracts inline and indexes in one batch at the end).
    """
    message = _message_from(parsed, raw_sha256, size, mailbox, uid)
    db.session.add(message)
    db.session.flush()
    for attachment in parsed.attachments:
        add_document(
            attachment.content, attachment.filename, message=message, queue_extraction=queue_work
        )
    request, method, suggestions = find_request_for(parsed)
    if request is None:
        message.suggestions = suggestions
        message.reason = clean_text(_unmatched_reason(parsed, suggestions), 2000)
        db.session.flush()
    else:
        _deliver_to(message, request, method, actor=None, parsed=parsed)
    if queue_work:
        after_commit(_index_message_later, message.id)
    return message


def _unmatched_reason(parsed, suggestions: list[dict]) -> str:
    kind = "bounce" if parsed.is_bounce else "auto-reply" if parsed.is_auto_reply else "email"
    hint = f"; {len(suggestions)} suggestion(s)" if suggestions else ""
    return (f"no reply address, thread, reference, tracking number or known sender ties this {kind} "
            f"to a request{hint}")


def deliver_raw(
    raw: bytes,
    raw_sha256: str | None = None,
    *,
    mailbox: str = "",
    uid: int | None = None,
    queue_work: bool = True,
) -> tuple[Message, bool]:
    """Parse and deliver raw bytes already kept in the blob store; (message, False) when seen before."""
    from ingest.parsing import UnparseableEmail, parse_message

    sha = raw_sha256 or hashlib.sha256(raw).hexdigest()
    existing = find_duplicate(sha, None)
    if existing is not None:
        return existing, False
    try:
        parsed = parse_message(raw)
    except UnparseableEmail as exc:
        return reject(sha, len(raw), str(exc), mailbox=mailbox, uid=uid), True
    except Exception as exc:  # noqa: BLE001 - a parser bug must not lose the email: keep it, say why
        log.exception("parsing crashed on message %s", sha)
        return reject(
            sha, len(raw), f"the parser failed: {type(exc).__name__}: {exc}", mailbox=mailbox, uid=uid
        ), True
    existing = find_duplicate(sha, parsed.message_id)
    if existing is not None:
        return existing, False
    return deliver_parsed(
        parsed, sha, len(raw), mailbox=mailbox, uid=uid, queue_work=queue_work
    ), True


def _timeline_day(message: Message):
    """The legal day the email arrived: its Date in New York time, unless that date is implausible."""
    now = utcnow()
    moment = message.sent_at
    if moment is None or moment > now + timedelta(days=1) or moment.year < 1990:
        moment = message.received_at or now
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _deliver_to(message: Message, request: Request, method: str, *, actor, parsed=None) -> None:
    message.request_id = request.id
    message.status = "delivered"
    message.match_method = method
    message.suggestions = []
    for document in message.documents:
        document.request_id = request.id
    label = "Bounce" if message.is_bounce else "Auto-reply" if message.is_auto_reply else "Email"
    record_event(
        request,
        "note",
        _timeline_day(message),
        actor,
        data={
            "email": message.message_id or "",
            "auto_reply": message.is_auto_reply,
            "bounce": message.is_bounce,
        },
        note=f"{label} received: {message.subject or '(no subject)'}"[:2000],
        message=message,
    )
    if not message.is_bounce:
        _learn_tracking_numbers(request, message)
    db.session.flush()


def _learn_tracking_numbers(request: Request, message: Message) -> None:
    """Add the agency's tracking numbers the email carries that the request lacks."""
    patterns = request.agency.tracking_patterns or []
    for text in (message.subject, (message.body_text or "")[: matching.BODY_SEARCH_CHARS]):
        for number in matching.tracking_numbers_in(text, patterns)[:5]:
            taken = db.session.scalar(
                select(TrackingNumber.request_id).where(func.upper(TrackingNumber.number) == number.upper())
            )
            if taken is None:
                add_tracking_number(request, number[:100])


def assign_message(message: Message, request: Request, actor) -> Message:
    """Move an email onto a request by hand, deliver its documents and remember its sender for next time."""
    if message.direction != "in":
        raise Conflict("only incoming emails can be assigned to a request")
    if message.status == "rejected":
        raise Conflict(
            "this email could not be read, so it cannot be assigned; open the original .eml instead"
        )
    if message.request_id == request.id:
        return message
    if message.request_id is not None:
        # The matcher's automatic timeline entry on the wrong request goes; people's own entries stay.
        db.session.execute(
            delete(Event).where(
                Event.message_id == message.id, Event.type == "note", Event.actor_id.is_(None)
            )
        )
        db.session.expire_all()
    _deliver_to(message, request, "manual", actor=actor)
    if message.from_addr:
        route = db.session.scalar(select(SenderRoute).where(SenderRoute.address == message.from_addr.lower()))
        if route is None:
            db.session.add(SenderRoute(address=message.from_addr.lower()[:320], request_id=request.id))
        else:
            route.request_id = request.id
    db.session.flush()
    after_commit(_index_message_later, message.id)
    for document in message.documents:
        after_commit(_index_document_later, document.id)
    return message


def _index_message_later(message_id: int) -> None:
    from search import service

    service.queue_message(message_id)


def _index_document_later(document_id: int) -> None:
    from search import service

    service.queue_document(document_id)

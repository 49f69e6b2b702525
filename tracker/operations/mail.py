"""Incoming mail: deliver it to its request (or hold it unmatched with suggestions), assign it by hand.

`find_request_for` (in mail_matching) decides where an email goes. Nothing is dropped: what cannot be
parsed is kept raw and marked rejected; a message seen before (same bytes or Message-ID) is not
delivered again. A rejected copy never blocks the same bytes: a later delivery (or a person, once the
cause is fixed) reads them again into the same row.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, inspect, select

from ingest import matching
from tracker import audit
from tracker.dispatch import after_commit
from tracker.extensions import db
from tracker.models import Event, Message, Request, SenderRoute, TrackingNumber
from tracker.models.base import utcnow
from tracker.operations.documents import add_document, clean_text
from tracker.operations.errors import Conflict
from tracker.operations.mail_matching import find_request_for, suggestions_for
from tracker.operations.requests import add_tracking_number, record_event

log = logging.getLogger(__name__)

__all__ = ["assign_message", "deliver_parsed", "deliver_raw", "find_duplicate", "find_request_for",
           "redeliver", "reject", "suggestions_for"]

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
    earlier = db.session.scalar(select(Message).where(Message.raw_sha256 == raw_sha256, Message.direction == "in",
                                                      Message.status == "rejected"))
    if earlier is not None:  # read again and refused again: the row says why, this time
        earlier.reason = clean_text(reason, 2000)
        db.session.flush()
        return earlier
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
    audit.record(audit.SYSTEM, "message.reject", message, changes={"reason": message.reason})
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
    into: Message | None = None,
) -> Message:
    """Record a parsed email with its documents, on its request when one is found, else unmatched.

    Extraction and indexing are queued for after the commit; with `queue_work=False` the caller does
    them itself (`ingest --once` extracts inline and indexes in one batch at the end). `into`: the
    rejected row of the same bytes, filled in rather than duplicated.
    """
    message = _message_from(parsed, raw_sha256, size, mailbox, uid)
    if into is not None:
        for attribute in inspect(Message).column_attrs:
            value = getattr(message, attribute.key)
            if attribute.key not in ("id", "received_at") and value is not None:
                setattr(into, attribute.key, value)
        message = into
    else:
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
    audit.record(audit.SYSTEM, "message.receive", message, request=request,
                 changes={"status": message.status, "match": message.match_method, "from": message.from_addr,
                          "subject": message.subject})
    if queue_work:
        after_commit("foiltrack.index.message", message.id)
    return message


def _unmatched_reason(parsed, suggestions: list[dict]) -> str:
    kind = "bounce" if parsed.is_bounce else "auto-reply" if parsed.is_auto_reply else "email"
    if suggestions and suggestions[0].get("unknown_sender"):
        return f"held for a person to check: {suggestions[0]['reason']}"
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
    if existing is not None and existing.status != "rejected":
        return existing, False
    into = existing  # a rejected copy of these bytes: read them again into its row
    try:
        parsed = parse_message(raw)
    except UnparseableEmail as exc:
        return reject(sha, len(raw), str(exc), mailbox=mailbox, uid=uid), True
    except Exception as exc:  # noqa: BLE001 - a parser bug must not lose the email: keep it, say why
        log.exception("parsing crashed on message %s", sha)
        return reject(
            sha, len(raw), f"the parser failed: {type(exc).__name__}: {exc}", mailbox=mailbox, uid=uid
        ), True
    existing = None if parsed.message_id is None else find_duplicate(sha, parsed.message_id)
    if existing is not None and existing is not into and existing.status != "rejected":
        return existing, False
    return deliver_parsed(
        parsed, sha, len(raw), mailbox=mailbox, uid=uid, queue_work=queue_work, into=into
    ), True


def redeliver(message: Message, actor) -> Message:
    """Read a rejected email's stored bytes again and deliver them (once the cause is fixed).

    Conflict when the email is not rejected or its original is missing; still unreadable, it stays
    rejected with today's reason.
    """
    from tracker.operations.documents import blob_store

    if message.direction != "in" or message.status != "rejected":
        raise Conflict("only a rejected incoming email can be delivered again")
    try:
        raw = blob_store().get(message.raw_sha256)
    except FileNotFoundError:
        raise Conflict(f"the original of this email (blob {message.raw_sha256}) is missing from the blob "
                       "store; it cannot be read again") from None
    delivered, _ = deliver_raw(raw, message.raw_sha256, mailbox=message.mailbox, uid=message.uid)
    return delivered


def _timeline_day(message: Message):
    """The legal day the email arrived: its Date in New York time, unless that date is implausible."""
    now = utcnow()
    moment = message.sent_at
    if moment is None or moment > now + timedelta(days=1) or moment.year < 1990:
        moment = message.received_at or now
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _deliver_to(message: Message, request: Request, method: str, *, actor, parsed=None) -> None:
    message.request = request  # the relationship too: a row read again had it loaded as None
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


def assign_message(message: Message, request: Request, actor, *, learn_sender: bool = True) -> Message:
    """Move an email onto a request by hand and deliver its documents.

    `learn_sender`: also remember its sender, so that their next emails go to this request by themselves
    (the triage page asks the person first; a sender who writes about many requests should not be learned).
    """
    if message.direction != "in":
        raise Conflict("only incoming emails can be assigned to a request")
    if message.status == "rejected":
        raise Conflict(
            "this email could not be read, so it cannot be assigned; open the original .eml instead"
        )
    if message.request_id == request.id:
        return message
    audit.record(actor, "message.assign", message, request=request,
                 changes={"request": {"before": message.request_id, "after": request.id}})
    if message.request_id is not None:
        # The matcher's automatic timeline entry on the wrong request goes; people's own entries stay.
        db.session.execute(
            delete(Event).where(
                Event.message_id == message.id, Event.type == "note", Event.actor_id.is_(None)
            )
        )
        db.session.expire_all()
    _deliver_to(message, request, "manual", actor=actor)
    if learn_sender and message.from_addr:
        audit.record(actor, "sender_route.learn", message, request=request,
                     changes={"sender": message.from_addr.lower()[:320]})
        route = db.session.scalar(select(SenderRoute).where(SenderRoute.address == message.from_addr.lower()))
        if route is None:
            db.session.add(SenderRoute(address=message.from_addr.lower()[:320], request_id=request.id))
        else:
            route.request_id = request.id
    db.session.flush()
    after_commit("foiltrack.index.message", message.id)
    for document in message.documents:
        after_commit("foiltrack.index.document", document.id)
    return message

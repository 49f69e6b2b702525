"""Mail we send: a request, a follow-up or an appeal, recorded before it leaves and sent after the commit.

The message is built once, its exact bytes are kept in the blob store and recorded as a Message
(direction "out", status "queued") with a note on the request's timeline. After the commit the
`foiltrack.mail.send` task sends those stored bytes, so the evidence kept is exactly what went out,
and marks the message "sent", or "failed" with the reason once retrying cannot help. A request
emailed to the agency (kind "request") on a draft request is logged as `submitted` when the send
succeeds, not when it is queued: the statutory clock starts when the agency can receive it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from email.utils import getaddresses

from flask import current_app
from sqlalchemy import select

from ingest import smtp
from ingest.blobs import BlobStore
from tracker import audit
from tracker.api.serialize import reply_address
from tracker.clock import legal_today, local
from tracker.dispatch import after_commit, when_not_handed_over
from tracker.extensions import db
from tracker.models import Event, Message, Request, User
from tracker.models.base import utcnow
from tracker.operations.errors import Invalid
from tracker.operations.requests import record_event, request_state

log = logging.getLogger(__name__)

KINDS = ("request", "followup", "appeal")
TASK_NAME = "foiltrack.mail.send"
# Six tries in all, 1, 2, 4, 8 and 16 minutes apart: a server down for half an hour still gets the mail.
MAX_RETRIES = 5
FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 3600
# A message whose hand-over to the task queue failed keeps status "queued" with a reason starting so.
NOT_QUEUED = "not handed to the task queue"
MAX_SUBJECT = 300
_ADDRESS = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


def _blobs() -> BlobStore:
    return BlobStore(current_app.config["BLOB_DIR"])


def parse_addresses(value: str | Sequence[str], field: str) -> list[str]:
    """Addresses from text ('a@b, Name <c@d>') or a list; Invalid naming the field if one is malformed."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"{field} must be email addresses", field=field)
    found: list[str] = []
    for text in value:
        if "\r" in text or "\n" in text:
            raise Invalid(f"{field} must be on one line", field=field)
        for name, addr in getaddresses([text]):
            if not addr and not name:
                continue
            if not _ADDRESS.fullmatch(addr):
                raise Invalid(f"{(addr or name)!r} in {field} is not an email address", field=field)
            if addr.lower() not in (a.lower() for a in found):
                found.append(addr)
    return found


def thread_parent(request: Request) -> Message | None:
    """The request's latest message with a Message-ID: a follow-up answers it, so it threads."""
    return db.session.scalar(
        select(Message)
        .where(Message.request_id == request.id, Message.message_id.is_not(None),
               Message.status != "rejected")
        .order_by(Message.received_at.desc(), Message.id.desc())
        .limit(1)
    )


def _threading(request: Request, kind: str, in_reply_to) -> tuple[str | None, list[str]]:
    """(In-Reply-To, References) for a new message: the given parent, else the thread's last message."""
    if isinstance(in_reply_to, Message):
        if in_reply_to.request_id != request.id:
            raise Invalid("the message answered belongs to another request", field="in_reply_to")
        parent = in_reply_to
    elif isinstance(in_reply_to, str) and in_reply_to.strip():
        return smtp.unbracket(in_reply_to), [smtp.unbracket(in_reply_to)]
    elif kind == "request":
        # The request itself starts the thread, even when an earlier draft was emailed.
        return None, []
    else:
        parent = thread_parent(request)
    if parent is None or not parent.message_id:
        return None, []
    references = [r for r in (parent.references or []) if isinstance(r, str)]
    return parent.message_id, [*references, parent.message_id][-smtp.MAX_REFERENCES:]


def send_email(
    request: Request,
    actor: User | None,
    to: str | Sequence[str],
    subject: str,
    body: str,
    kind: str = "followup",
    cc: str | Sequence[str] = (),
    in_reply_to: Message | str | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    note_data: dict | None = None,
) -> Message:
    """Record an email to send for `request` (queued, with a timeline note); it is sent after the commit.

    `note_data` is kept on the timeline note, for what happens once the message is accepted (an appeal's
    tracking number).
    """
    if kind not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}", field="kind")
    recipients = parse_addresses(to, "to")
    if not recipients:
        raise Invalid("say whom to send the email to", field="to")
    copies = parse_addresses(cc or [], "cc")
    subject = " ".join((subject or "").split())
    if not subject:
        raise Invalid("the email needs a subject", field="subject")
    if len(subject) > MAX_SUBJECT:
        raise Invalid(f"the subject is longer than {MAX_SUBJECT} characters", field="subject")
    if not isinstance(body, str) or not body.strip():
        raise Invalid("the email needs some text", field="body")
    body = body.replace("\r\n", "\n")
    parent_id, references = _threading(request, kind, in_reply_to)
    msg = smtp.build_message(
        to=recipients, cc=copies, subject=subject, body=body,
        reply_to=reply_address(request), in_reply_to=parent_id, references=references,
        attachments=attachments,
    )
    raw = msg.as_bytes(policy=smtp.SMTP_POLICY)
    sha = _blobs().put(raw)  # kept before anything refers to it; an orphan blob is harmless
    sender = str(msg["From"])
    message = Message(
        request=request, direction="out", status="queued", match_method=f"sent:{kind}",
        message_id=smtp.unbracket(str(msg["Message-ID"])), in_reply_to=parent_id,
        references=[r for r in (smtp.unbracket(x) for x in str(msg.get("References", "")).split()) if r],
        from_addr=smtp.mailbox(sender), from_name=smtp.display_name(sender),
        to_addrs=recipients, cc_addrs=copies, subject=subject, body_text=body,
        headers=[[k, str(v)] for k, v in msg.items()], raw_sha256=sha, size=len(raw),
    )
    db.session.add(message)
    db.session.flush()
    audit.record(actor, "email.queue", message, request=request,
                 changes={"kind": kind, "to": recipients, "cc": copies, "subject": subject})
    record_event(request, "note", legal_today(), actor,
                 data={**(note_data or {}), "email": kind, "message": message.id, "to": recipients},
                 note=f"Email queued: {subject}",
                 message=message)
    after_commit(TASK_NAME, message.id)
    return message


def kind_of(message: Message) -> str:
    """Which kind of email an outgoing message is: request, followup or appeal."""
    method = message.match_method or ""
    return method.removeprefix("sent:") if method.startswith("sent:") else "followup"


@when_not_handed_over(TASK_NAME)
def _not_queued(message_id: int, *, reason: str) -> None:
    """The broker refused the send job: the message stays queued, says why, and retry_failed() re-queues it."""
    message = db.session.get(Message, message_id)
    if message is not None and message.status == "queued":
        message.reason = f"{NOT_QUEUED}: {reason}; it is sent again with the next retry"
        db.session.flush()


def deliver(message: Message) -> bool:
    """Send a queued outgoing message's stored bytes and mark it sent; SendError when it cannot be."""
    if message.direction != "out":
        raise Invalid("only outgoing messages are sent")
    if message.status == "sent":
        return False  # a redelivered task after a crash: the message already went out
    try:
        raw = _blobs().get(message.raw_sha256)
    except FileNotFoundError:
        raise smtp.SendError(f"the stored copy of the message (blob {message.raw_sha256}) is missing from "
                             "BLOB_DIR", permanent=True) from None
    smtp.send_bytes(raw, message.from_addr, [*message.to_addrs, *message.cc_addrs])
    message.status, message.sent_at, message.reason = "sent", utcnow(), ""
    db.session.flush()
    audit.record(audit.SYSTEM, "email.sent", message, changes={"to": message.to_addrs})
    _log_submission(message)
    _log_appeal(message)
    return True


def _sending_event(message: Message) -> Event | None:
    return db.session.scalar(select(Event).where(Event.message_id == message.id, Event.type == "note")
                             .order_by(Event.id).limit(1))


def _log_submission(message: Message) -> None:
    """A request emailed to a draft request's agency is received the day it is sent (POL §89(3)(a))."""
    request = message.request
    if kind_of(message) != "request" or request is None or request.status != "draft":
        return
    noted = _sending_event(message)
    record_event(request, "submitted", local(message.sent_at).date(), noted.actor if noted else None,
                 data={"via": "email"}, note=f"Emailed to {', '.join(message.to_addrs)}", message=message)


def _log_appeal(message: Message) -> None:
    """An emailed appeal is filed when the mail server accepted it: log appeal_filed and keep the letter.

    The agency's ten business days (POL §89(4)(a)) start from the day it was sent. If the timeline took
    another appeal meanwhile (filed by post, say), the email stays sent and a note says why it is not
    logged as a second filing.
    """
    from tracker.models import Appeal
    from tracker.operations.errors import Conflict
    from tracker.operations.requests import add_tracking_number

    request = message.request
    if kind_of(message) != "appeal" or request is None:
        return
    noted = _sending_event(message)
    actor = noted.actor if noted else None
    tracking_number = str((noted.data or {}).get("appeal_tracking_number", "")) if noted else ""
    day = local(message.sent_at).date()
    data = {"received_on": day.isoformat(), "message": message.id}
    if tracking_number:
        data["tracking_number"] = tracking_number
    try:
        event = record_event(request, "appeal_filed", day, actor, data, message=message,
                             note=f"Appeal emailed to {', '.join(message.to_addrs)}; the mail server accepted it")
    except Conflict as exc:
        record_event(request, "note", day, actor, data={"appeal_email": message.id}, message=message,
                     note=f"The appeal email was sent but is not logged as a filing: {exc.message}")
        return
    appeal = db.session.scalar(select(Appeal).where(Appeal.filed_event_id == event.id))
    appeal.letter = message.body_text
    if tracking_number:
        add_tracking_number(request, tracking_number, "appeal")
    db.session.flush()


def backoff(retries_done: int) -> int:
    """Seconds to wait before the next try after `retries_done` retries: doubling, capped."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(retries_done, 0), MAX_RETRY_SECONDS)


def record_failure(message: Message, reason: str, *, attempt: int, final: bool) -> None:
    """Note a failed try on the message; the last one marks it failed and says so on the timeline."""
    if not final:
        message.reason = f"try {attempt} failed: {reason}; trying again in {backoff(attempt - 1) // 60} min"
        db.session.flush()
        return
    message.status = "failed"
    message.reason = f"{reason} (gave up after {attempt} {'try' if attempt == 1 else 'tries'})"
    db.session.flush()
    audit.record(audit.SYSTEM, "email.failed", message, changes={"reason": message.reason})
    if message.request is not None:
        record_event(message.request, "note", legal_today(), None,
                     data={"email_failed": message.id, "reason": reason},
                     note=f"Email not sent: {message.subject} ({reason})", message=message)
    log.error("outgoing message %s failed: %s", message.id, message.reason)


def retry_failed(ids: Iterable[int] | None = None, request: Request | None = None, actor=None
                 ) -> list[Message]:
    """Queue again the failed outgoing messages (or those the broker never got), all or the ones given."""
    query = select(Message).where(
        Message.direction == "out",
        (Message.status == "failed") | ((Message.status == "queued") & Message.reason.startswith(NOT_QUEUED)),
    )
    if ids is not None:
        query = query.where(Message.id.in_(list(ids)))
    if request is not None:
        query = query.where(Message.request_id == request.id)
    messages = list(db.session.scalars(query.order_by(Message.id)))
    for message in messages:
        message.status, message.reason = "queued", ""
        audit.record(actor, "email.retry", message)
        after_commit(TASK_NAME, message.id)
    db.session.flush()
    return messages


def reply_subject(subject: str) -> str:
    """'Re: <subject>', without stacking prefixes."""
    subject = " ".join((subject or "").split())
    return subject if re.match(r"(?i)re\s*:", subject) else f"Re: {subject}".strip()


def draft_email(request: Request, kind: str, actor: User | None = None, reply_to: Message | None = None
                ) -> dict:
    """A starting text for an email about `request`: {to, cc, subject, body}, for a person to edit."""
    agency = request.agency
    numbers = [t.number for t in request.tracking_numbers if t.kind == "request"]
    ours = f"{request.reference}" + (f", your no. {numbers[0]}" if numbers else "")
    name = actor.display_name if actor else ""
    signature = f"\n\nSincerely,\n{name}\nReplies to {reply_address(request)} reach us directly.\n"
    greeting = f"To the Records Access Officer of {agency.name}:\n\n"
    if kind == "request":
        subject = f"Freedom of Information Law request: {request.title} ({request.reference})"
        wanted = request.description.strip() or request.title
        body = (greeting + "Under the New York Freedom of Information Law (Public Officers Law §§84-90), "
                "I request copies of the following records:\n\n" + wanted
                + "\n\nIf any record is withheld in whole or in part, please cite the exemption under Public "
                "Officers Law §87(2) for each withholding and release every reasonably segregable part. "
                "Please send the records electronically where they are kept that way.\n\n"
                "Public Officers Law §89(3)(a) asks you to acknowledge this request within five "
                "business days." + signature)
    else:
        from tracker.request_letter import agency_clock, long_date

        state = request_state(request)
        subject = f"Follow-up: FOIL request {ours}: {request.title}"
        # The agency's own clock (POL §89(3)(a) or §89(4)(a)), never our appeal or Article 78 deadline.
        clock = agency_clock(state.deadlines)
        when = f" {clock.sentence()}" if clock else ""
        received = f", which you received on {long_date(state.received_on)}" if state.received_on else ""
        body = (greeting + f"I write about our Freedom of Information Law request {ours} "
                f"(\u201c{request.title}\u201d){received}.{when}\n\n"
                "Please tell us where the request stands and when we can expect the records." + signature)
    to, cc = [agency.foil_email] if agency.foil_email else [], []
    if reply_to is not None:
        subject = reply_subject(reply_to.subject) or subject
        to = [reply_to.from_addr] if reply_to.direction == "in" and reply_to.from_addr else reply_to.to_addrs
    return {"to": ", ".join(a for a in to if a), "cc": ", ".join(cc), "subject": subject[:MAX_SUBJECT],
            "body": body}

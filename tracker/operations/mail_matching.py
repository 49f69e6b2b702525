"""Finding the request an incoming email answers, or ranked guesses when nothing ties it.

In order: a reply token in any recipient header; In-Reply-To/References (and a bounce's embedded
original) pointing at a message we sent or received; our reference or an agency tracking number in the
subject, then the body; a sender a person taught us. The clues themselves are read by ingest.matching.

A reference or a tracking number is written in the subject by anyone who wants to: it files an email
by itself only when the sender is one the request's agency writes from (its FOIL and appeals addresses,
its list of `senders`, or an address a person taught in triage for one of its requests). From anyone
else the email waits in triage with that request as its first suggestion.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from ingest import matching
from tracker.extensions import db
from tracker.models import Agency, Message, Request, SenderRoute, TrackingNumber

RECENT_REQUESTS = 500
SUGGESTIONS = 5


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


def known_sender(address: str | None, request: Request) -> bool:
    """Whether `address` is one the request's agency writes from, or one a person taught for its requests."""
    agency = request.agency
    if matching.sender_is_known(address, [agency.foil_email, agency.appeals_email, *(agency.senders or [])]):
        return True
    if not address:
        return False
    taught = select(SenderRoute.id).join(Request, Request.id == SenderRoute.request_id).where(
        SenderRoute.address == address.strip().lower(), Request.agency_id == request.agency_id)
    return db.session.scalar(taught.limit(1)) is not None


def _held_suggestion(request: Request, method: str, address: str | None) -> dict:
    what = "our reference" if method == "reference" else "a tracking number of this request"
    return {"request_id": request.id, "score": 0.95, "unknown_sender": True,
            "reason": f"it carries {what}, but {address or 'its sender'} is not among "
                      f"{request.agency.short_name}'s known senders"}


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
    held = None
    for text in _searchable_texts(parsed):
        found, method = _by_numbers(text)
        if found is not None:
            if known_sender(parsed.from_addr, found):
                return found, method, []
            held = _held_suggestion(found, method, parsed.from_addr)
            break
    if parsed.from_addr:
        route = db.session.scalar(select(SenderRoute).where(SenderRoute.address == parsed.from_addr.lower()))
        if route is not None:
            return db.session.get(Request, route.request_id), "sender_route", []
    suggestions = suggestions_for(parsed)
    if held is not None:
        others = [s for s in suggestions if s["request_id"] != held["request_id"]]
        suggestions = [held, *others][:SUGGESTIONS]
    return None, "", suggestions


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
    for text in _searchable_texts(parsed):
        for reference in matching.references_in(text):
            if reference != matching.reference_base(reference):
                continue  # a full reference either matched or is wrong; only a bare one is looked up
            for request_id in db.session.scalars(select(Request.id).where(
                    func.upper(Request.reference).like(reference + "-%")).limit(3)):
                candidates.append({"request_id": request_id, "score": 0.8,
                                   "reason": f"it names {reference}, this request's reference without its "
                                             "check part"})
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
    return matching.rank_suggestions(candidates, SUGGESTIONS)

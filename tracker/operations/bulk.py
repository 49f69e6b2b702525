"""Campaign-wide actions: the same change on many requests, each in its own savepoint.

One request's failure (an event that cannot follow its history, an agency without an email address)
is reported with its reason and rolls back only that request's part; the others still go through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from tracker import letter_language
from tracker.dispatch import savepoint
from tracker.extensions import db
from tracker.models import Request, User
from tracker.operations.errors import Invalid, OperationError
from tracker.operations.request_letters import template_invalid
from tracker.operations.requests import _users_by_email, record_event, request_state, update_request

PLACEHOLDERS = tuple(letter_language.placeholders("bulk"))
# The follow-up offered on the campaign page, ready to edit (in the letter language).
FOLLOW_UP_SUBJECT = "Follow-up: FOIL request {{ tracking_numbers }} ({{ title }})"
FOLLOW_UP_BODY = ("Dear Records Access Officer,\n\nI write to follow up on my Freedom of Information Law "
                  "request “{{ title }}” ({{ tracking_numbers }}), received by {{ agency }} on {{ received_on }}. "
                  "{{ agency_deadline }} Please let me know when I can expect a response.\n\nThank you.")


@dataclass
class BulkResult:
    """Which requests the action was done on, and which failed with what reason."""

    done: list[Request] = field(default_factory=list)
    failed: list[tuple[Request, str]] = field(default_factory=list)


def each(requests: Iterable[Request], action: Callable[[Request], object]) -> BulkResult:
    """Run `action` on every request in a savepoint of its own; collect the failures, keep the rest."""
    result = BulkResult()
    for request in requests:
        try:
            with savepoint():  # what failed is undone, with the work it queued (an email to send)
                action(request)
        except OperationError as exc:
            db.session.expire(request)
            result.failed.append((request, exc.message))
        else:
            result.done.append(request)
    return result


def log_event_each(requests: Iterable[Request], actor: User, event_type: str, occurred_on: date | str,
                   data: dict | None = None, note: str = "") -> BulkResult:
    """Log one event on each request (through record_event, so each is checked against its history)."""
    return each(requests, lambda r: record_event(r, event_type, occurred_on, actor, data, note))


def fill(template: str, request: Request, field: str = "body") -> str:
    """The text with the PLACEHOLDERS ({{ reference }}, {{ title }}...) filled in for `request`.

    A template the letter language refuses raises TemplateInvalid naming `field`, the line and the column.
    """
    from tracker.request_letter import agency_clock, long_date

    try:
        letter_language.check("bulk", template)
    except letter_language.LetterTemplateError as exc:
        raise template_invalid(exc, field) from None
    state = request_state(request)
    # Letters go to the agency: they cite the agency's own clock, in long-form dates, never our deadlines.
    clock = agency_clock(state.deadlines)
    values = {
        "reference": request.reference, "title": request.title, "agency": request.agency.name,
        "tracking_numbers": ", ".join(t.number for t in request.tracking_numbers) or request.reference,
        "received_on": long_date(state.received_on) if state.received_on else "(not yet received)",
        "agency_deadline": clock.sentence() if clock else "",
    }
    return letter_language.fill("bulk", template, values)


def follow_up_each(requests: Iterable[Request], actor: User, subject: str, body: str) -> BulkResult:
    """Email a follow-up to each request's agency (its FOIL address), filled in per request."""
    from tracker.operations.outbox import send_email

    if not (subject or "").strip() or not (body or "").strip():
        raise Invalid("a follow-up needs a subject and a text")
    for text, field_name in ((subject, "subject"), (body, "body")):  # refused before anything is sent
        try:
            letter_language.check("bulk", text)
        except letter_language.LetterTemplateError as exc:
            raise template_invalid(exc, field_name) from None

    def send(request: Request) -> None:
        if not request.agency.foil_email:
            raise Invalid(f"{request.agency.name} has no FOIL email address on record")
        send_email(request, actor, request.agency.foil_email, fill(subject, request, "subject"),
                   fill(body, request), kind="followup")

    return each(requests, send)


def reassign_each(requests: Iterable[Request], actor: User, emails: list[str], *, replace: bool = False
                  ) -> BulkResult:
    """Assign people to each request, in addition to (or, with `replace`, instead of) those assigned now."""
    people = _users_by_email(emails)  # Invalid at once for an unknown person: nothing is half-done

    def assign(request: Request) -> None:
        current = [] if replace else [u.email for u in request.assignees]
        added = [u.email for u in people if u.email not in current]
        update_request(request, actor, assignees=current + added)

    return each(requests, assign)

"""Appeals under POL §89(4)(a): drafting the letter, sending it, and keeping the Appeal record current."""

from __future__ import annotations

from datetime import date

from tracker import audit, letters, lifecycle
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.models import Appeal, Message, Request, User
from tracker.models.requests import APPEAL_OUTCOMES
from tracker.operations.errors import Conflict, Invalid
from tracker.operations.requests import add_tracking_number, parse_date, record_event, request_state

AGENCY_CLOCKS = lifecycle.ANSWER_CLOCKS
APPEAL_AUDITED = ("tracking_number", "letter", "outcome", "decided_on")


def denial_facts(request: Request, state: lifecycle.RequestState) -> letters.DenialFacts:
    """What there is to appeal, from the request's timeline; Conflict when there is nothing."""
    if not state.appealable:
        raise Conflict(
            f"there is no denial to appeal: {request.reference} is {state.status.replace('_', ' ')}. "
            "An appeal follows a denial, a partial grant, a no-records answer or a missed deadline "
            "(POL §89(4)(a)).",
            code="nothing_to_appeal",
        )
    appeal = next((d for d in state.deadlines if d.kind == "appeal"), None)
    # A constructive denial stays appealable after a late acknowledgment (until its appeal clock runs out).
    if state.status == "constructively_denied" or state.status not in lifecycle.APPEALABLE:
        missed = [d for d in state.deadlines if d.missed and d.kind in AGENCY_CLOCKS]
        clock = max(missed, key=lambda d: d.due_on) if missed else None
        return letters.DenialFacts(
            kind="constructively_denied", on=clock.due_on if clock else legal_today(),
            missed_deadline_kind=clock.kind if clock else "",
            missed_deadline_basis=clock.basis if clock else "",
            appeal_due_on=appeal.due_on if appeal else None,
        )
    answer = [e for e in request.events if e.type == state.status]
    event = answer[-1] if answer else None
    data = (event.data or {}) if event else {}
    named = data.get("appeals_officer_named")
    return letters.DenialFacts(
        kind=state.status, on=event.occurred_on if event else legal_today(),
        exemptions=list(data.get("exemptions", [])),
        appeal_due_on=appeal.due_on if appeal else None,
        # The appeals officer the denial names (recorded from the agency's notice), when it names one.
        appeals_officer_named=named.strip() if isinstance(named, str) else "",
    )


def request_facts(request: Request, state: lifecycle.RequestState) -> letters.RequestFacts:
    """The request as the letter names it."""
    return letters.RequestFacts(
        reference=request.reference, title=request.title, received_on=state.received_on,
        tracking_numbers=[t.number for t in request.tracking_numbers if t.kind == "request"],
        description=request.description or "",
    )


def agency_facts(request: Request) -> letters.AgencyFacts:
    """The agency as the letter addresses it."""
    a = request.agency
    return letters.AgencyFacts(name=a.name, appeals_email=a.appeals_email,
                               appeals_officer=a.appeals_officer, appeals_address=a.appeals_address,
                               foil_email=a.foil_email, closures=a.closures)


def appeal_letter(request: Request, actor: User | None, today: date | None = None, *,
                  by_post: bool = False) -> letters.Letter:
    """A draft appeal of the request's denial, dated `today`, or Conflict when nothing can be appealed.

    `by_post`: the letter will go by post (the PDF), so it says the agency's ten business days run from
    the day it arrives rather than giving a date.
    """
    from tracker.api.serialize import reply_address

    today = today or legal_today()
    state = request_state(request, today)
    signature = actor.display_name if actor is not None else ""
    return letters.draft_appeal(request_facts(request, state), agency_facts(request),
                                denial_facts(request, state), today, signature=signature,
                                reply_to=reply_address(request), by_post=by_post,
                                withheld=withheld_facts(request))


def withheld_facts(request: Request) -> list[str]:
    """What the request's productions show the agency withheld, as sentences an appeal states as facts."""
    from tracker.operations.productions import request_redaction_report
    from tracker.redaction_figures import withheld_sentence

    sentences = (withheld_sentence(p.figures, p.released_on) for p in request_redaction_report(request).productions)
    return [sentence for sentence in sentences if sentence]


def file_appeal(request: Request, actor: User, to: str, subject: str, body: str, *,
                tracking_number: str = "", today: date | None = None) -> Message:
    """Queue the appeal email; it is logged as `appeal_filed` once the mail server accepts it.

    Returns the outgoing message (status "queued"): the ten-business-day clock starts only when the
    appeal has left (tracker.operations.outbox), never for a letter that was not sent.
    """
    from tracker.operations.outbox import send_email

    today = today or legal_today()
    denial_facts(request, request_state(request, today))  # Conflict, before anything is sent
    if not isinstance(body, str) or not body.strip():
        raise Invalid("the appeal letter is empty", field="body")
    if not isinstance(to, str) or not to.strip():
        raise Invalid(f"send the appeal to the appeals officer of {request.agency.name}: the address is "
                      "empty", field="to")
    tracking_number = (tracking_number or "").strip()
    subject = subject.strip() or letters.subject_for(request_facts(request, request_state(request, today)))
    message = send_email(request, actor, to.strip(), subject, body, kind="appeal",
                         note_data={"appeal_tracking_number": tracking_number} if tracking_number else None)
    audit.record(actor, "appeal.queue", message, request=request,
                 changes={"to": to.strip(), "tracking_number": tracking_number})
    return message


def update_appeal(appeal: Appeal, actor: User, **changes) -> Appeal:
    """Change an appeal's tracking number, letter or outcome; a decision is logged on the timeline."""
    allowed = {"tracking_number", "letter", "outcome", "decided_on"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"these appeal fields cannot be changed: {', '.join(sorted(unknown))}")
    before = audit.snapshot(appeal, APPEAL_AUDITED)
    if "tracking_number" in changes:
        number = changes["tracking_number"]
        if not isinstance(number, str):
            raise Invalid("tracking_number must be text", field="tracking_number")
        appeal.tracking_number = number.strip()
        if appeal.tracking_number:
            add_tracking_number(appeal.request, appeal.tracking_number, "appeal", actor=actor)
    if "letter" in changes:
        if not isinstance(changes["letter"], str):
            raise Invalid("letter must be text", field="letter")
        appeal.letter = changes["letter"]
    if "outcome" in changes:
        _set_outcome(appeal, actor, changes["outcome"], changes.get("decided_on"))
    elif "decided_on" in changes:
        raise Invalid("decided_on goes with an outcome", field="decided_on")
    db.session.flush()
    audit.record(actor, "appeal.update", appeal,
                 changes=audit.diff(before, audit.snapshot(appeal, APPEAL_AUDITED)))
    return appeal


def _set_outcome(appeal: Appeal, actor: User, outcome, decided_on) -> None:
    if outcome not in APPEAL_OUTCOMES:
        raise Invalid(f"outcome must be one of {', '.join(APPEAL_OUTCOMES)}", field="outcome")
    if outcome == appeal.outcome:
        return
    if outcome in ("granted", "denied"):
        # A decision is an event of the request: it closes the appeal clock and (denied) opens CPLR 217(1)'s.
        day = parse_date(decided_on, "decided_on") if decided_on else legal_today()
        record_event(appeal.request, f"appeal_{outcome}", day, actor)
        appeal.outcome, appeal.decided_on = outcome, day
        return
    if outcome == "pending":
        raise Conflict("a decided appeal cannot be made pending again; log a note on the request instead")
    appeal.outcome = outcome
    appeal.decided_on = parse_date(decided_on, "decided_on") if decided_on else appeal.decided_on

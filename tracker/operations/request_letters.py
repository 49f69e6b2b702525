"""Filing a request: its letter (the campaign's template, filled in), sent by email or recorded as filed
by portal, post or hand; and the facts every letter to an agency draws on (letterhead, the agency's clock).
"""

from __future__ import annotations

from datetime import date

from tracker import audit, letter_language, request_letter
from tracker.clock import legal_today
from tracker.models import Request, User
from tracker.operations.errors import Conflict, Invalid
from tracker.operations.requests import add_tracking_number, parse_date, record_event, request_state

FILING_METHODS = {"email": "by email", "portal": "through the agency's portal", "post": "by post",
                  "hand": "by hand"}


def letterhead_lines(request: Request) -> list[str]:
    """The campaign's letterhead, one line each; without one, the campaign's name and the reply address."""
    from tracker.api.serialize import reply_address

    campaign = request.campaign
    if campaign is not None and (campaign.letterhead or "").strip():
        return [line.strip() for line in campaign.letterhead.splitlines() if line.strip()]
    return [campaign.name if campaign is not None else "Freedom of Information Law request", reply_address(request)]


def letter_values(request: Request, actor: User | None, today: date | None = None) -> dict[str, str]:
    """The values of request_letter.VARIABLES for this request."""
    from tracker.api.serialize import reply_address

    today = today or legal_today()
    clock = request_letter.agency_clock(request_state(request, today).deadlines)
    return {
        "date": request_letter.long_date(today),
        "agency": request.agency.name,
        "agency_email": request.agency.foil_email or "",
        "title": request.title,
        "description": (request.description or "").strip() or request.title,
        "reference": request.reference,
        "requester": actor.display_name if actor is not None else "",
        "requester_email": reply_address(request),
        "campaign": request.campaign.name if request.campaign is not None else "",
        "agency_deadline": clock.sentence() if clock else "",
    }


def request_letter_for(request: Request, actor: User | None, today: date | None = None) -> dict:
    """The request letter as it would go out: {to, subject, body}, from the campaign's template or ours."""
    template = DEFAULT_TEMPLATE
    if request.campaign is not None and (request.campaign.request_template or "").strip():
        template = request.campaign.request_template
    try:
        body = letter_language.fill("request", template, letter_values(request, actor, today))
    except letter_language.LetterTemplateError as exc:
        raise template_invalid(exc, "request_template", "the campaign's request letter cannot be filled in") from None
    subject = f"Freedom of Information Law request: {request.title} ({request.reference})"
    return {"to": request.agency.foil_email or "", "subject": subject[:300], "body": body}


DEFAULT_TEMPLATE = request_letter.DEFAULT_REQUEST_TEMPLATE


class TemplateInvalid(Invalid):
    """A letter template the letter language refuses: a malformed field of the request (400)."""

    status = 400
    code = "invalid_template"


def template_invalid(exc: letter_language.LetterTemplateError, field: str, what: str = "") -> TemplateInvalid:
    """The error an edge shows for a refused template: the field, the line and column, and the problem."""
    return TemplateInvalid(f"{what or field}: {exc}", field=field)


def check_template_field(kind: str, template, field: str) -> str:
    """The template a person typed into `field`, if the letter language accepts it as a `kind` letter."""
    try:
        return letter_language.check(kind, template)
    except letter_language.LetterTemplateError as exc:
        raise template_invalid(exc, field) from None


def set_campaign_letter(campaign, actor: User | None, *, template: str | None = None,
                        letterhead: str | None = None):
    """Change a campaign's request letter template and letterhead (a template the letter language refuses
    is refused with the line and column of the problem)."""
    before = audit.snapshot(campaign, ("request_template", "letterhead"))
    if template is not None:
        check_template_field("request", template, "request_template")
        campaign.request_template = template.replace("\r\n", "\n").strip() + ("\n" if template.strip() else "")
    if letterhead is not None:
        campaign.letterhead = letterhead.replace("\r\n", "\n").strip()
    audit.record(actor, "campaign.request_letter", campaign,
                 changes=audit.diff(before, audit.snapshot(campaign, ("request_template", "letterhead"))))
    return campaign


def _check_draft(request: Request) -> None:
    if request_state(request).received_on is not None or request.status != "draft":
        raise Conflict(f"{request.reference} is already filed (received by the agency on "
                       f"{request_letter.long_date(request_state(request).received_on)})"
                       if request_state(request).received_on else f"{request.reference} is already filed",
                       code="already_filed")


def file_by_email(request: Request, actor: User, *, to: str, subject: str, body: str):
    """Email the request letter to the agency; it is logged as submitted once the mail server accepts it."""
    from tracker.operations.outbox import send_email

    _check_draft(request)
    if not (to or "").strip():
        raise Invalid(f"{request.agency.name} has no FOIL email address on record: add it to the agency, or "
                      "record the request as filed by portal, post or hand", field="to")
    return send_email(request, actor, to, subject, body, kind="request")


def record_filing(request: Request, actor: User, *, method: str, received_on, tracking_number: str = "",
                  note: str = ""):
    """Record that the request was filed by portal, post or hand, received by the agency on a date."""
    if method not in ("portal", "post", "hand"):
        raise Invalid("say how the request was filed: portal, post or hand", field="method")
    _check_draft(request)
    day = parse_date(received_on, "received_on")
    if day > legal_today():
        raise Invalid(f"{request_letter.long_date(day)} is in the future: record the filing once the agency "
                      "has it", field="received_on")
    number = (tracking_number or "").strip()
    data = {"method": method}
    if number:
        data["tracking_number"] = number
    event = record_event(request, "submitted", day, actor, data,
                         note or f"Filed {FILING_METHODS[method]}" + (f", tracking number {number}" if number else ""))
    if number:
        add_tracking_number(request, number, "request")
    return event

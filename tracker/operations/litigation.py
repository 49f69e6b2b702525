"""Article 78 proceedings as records: opening them, their decision, and the CPLR 217(1) limit to meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker import audit, lifecycle
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.models import Litigation, Request, User
from tracker.models.requests import LITIGATION_OUTCOMES
from tracker.operations.errors import Conflict, Invalid
from tracker.operations.requests import parse_date, record_event

TEXT_FIELDS = {"caption": 500, "court": 300, "index_number": 100, "judge": 200}
LITIGATION_AUDITED = (*TEXT_FIELDS, "filed_on", "decided_on", "decision", "outcome", "requests")


@dataclass(frozen=True)
class Limit:
    """A covered request's four-month limit: the deadline, and whether the petition met it."""

    request: Request
    deadline: lifecycle.Deadline | None
    filed_in_time: bool | None  # None while the petition is not filed


def _facts(request: Request, *, without_filing: bool) -> list[lifecycle.EventFact]:
    return [lifecycle.EventFact(e.type, e.occurred_on, dict(e.data or {}), e.id) for e in request.events
            if not (without_filing and e.type == "article78_filed")]


def article78_limit(request: Request, filed_on: date | None, today: date | None = None) -> Limit:
    """The request's CPLR 217(1) deadline as it stood when the petition was filed (or stands today)."""
    day = filed_on or today or legal_today()
    # Filing stops the clock in the timeline; fold the history without it to see the limit it had to meet.
    state = lifecycle.fold(_facts(request, without_filing=True), day, request.agency.closures)
    deadline = next((d for d in state.deadlines if d.kind == "article78"), None)
    in_time = None if filed_on is None or deadline is None else filed_on <= deadline.due_on
    return Limit(request, deadline, in_time)


def _clean_text(changes: dict) -> dict:
    clean = {}
    for key, size in TEXT_FIELDS.items():
        if key in changes:
            value = changes[key]
            if not isinstance(value, str):
                raise Invalid(f"{key} must be text", field=key)
            if len(value.strip()) > size:
                raise Invalid(f"{key} is longer than {size} characters", field=key)
            clean[key] = value.strip()
    return clean


def _requests(ids) -> list[Request]:
    if isinstance(ids, str) or not isinstance(ids, list | tuple):
        raise Invalid("request_ids must be a list of request ids", field="request_ids")
    found = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("request_ids must be a list of request ids", field="request_ids")
        request = db.session.get(Request, value)
        if request is None:
            raise Invalid(f"there is no request {value}", code="unknown_request", field="request_ids")
        if request not in found:
            found.append(request)
    return found


def _log_filing(litigation: Litigation, requests: list[Request], actor: User | None) -> None:
    """Log `article78_filed` on each covered request that has not logged it yet."""
    for request in requests:
        if any(e.type == "article78_filed" for e in request.events):
            continue
        try:
            record_event(request, "article78_filed", litigation.filed_on, actor,
                         note=f"Article 78: {litigation.caption}"
                              + (f", Index No. {litigation.index_number}" if litigation.index_number else ""))
        except Conflict as exc:
            raise Conflict(f"{request.reference}: {exc.message}", code=exc.code) from None


def create_litigation(actor: User | None, caption: str, *, request_ids=(), court: str | None = None,
                      index_number: str = "", judge: str = "", filed_on=None) -> Litigation:
    """Open an Article 78 record covering requests; with `filed_on`, log the filing on each of them."""
    fields = _clean_text({"caption": caption, "index_number": index_number, "judge": judge,
                          **({"court": court} if court is not None else {})})
    if not fields["caption"]:
        raise Invalid("a lawsuit needs a caption, e.g. Amnesty International USA v. NYPD", field="caption")
    requests = _requests(list(request_ids or []))
    if not requests:
        raise Invalid("a lawsuit covers at least one request", field="request_ids")
    litigation = Litigation(**fields)
    litigation.requests = requests
    db.session.add(litigation)
    if filed_on:
        litigation.filed_on = parse_date(filed_on, "filed_on")
        _log_filing(litigation, requests, actor)
    db.session.flush()
    after = audit.snapshot(litigation, LITIGATION_AUDITED)
    for request in requests:
        audit.record(actor, "litigation.create", litigation, request=request, changes=after)
    return litigation


def update_litigation(litigation: Litigation, actor: User | None, **changes) -> Litigation:
    """Change a lawsuit's particulars, its covered requests, its filing date or its decision."""
    allowed = set(TEXT_FIELDS) | {"filed_on", "decided_on", "decision", "outcome", "request_ids"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"these lawsuit fields cannot be changed: {', '.join(sorted(unknown))}")
    before = audit.snapshot(litigation, LITIGATION_AUDITED)
    for key, value in _clean_text(changes).items():
        if key == "caption" and not value:
            raise Invalid("a lawsuit needs a caption", field="caption")
        setattr(litigation, key, value)
    if "request_ids" in changes:
        requests = _requests(changes["request_ids"])
        if not requests:
            raise Invalid("a lawsuit covers at least one request", field="request_ids")
        litigation.requests = requests
    if "decision" in changes:
        if not isinstance(changes["decision"], str):
            raise Invalid("decision must be text", field="decision")
        litigation.decision = changes["decision"]
    if "outcome" in changes:
        if changes["outcome"] not in LITIGATION_OUTCOMES:
            raise Invalid(f"outcome must be one of {', '.join(LITIGATION_OUTCOMES)}", field="outcome")
        litigation.outcome = changes["outcome"]
    for key in ("filed_on", "decided_on"):
        if key in changes:
            setattr(litigation, key, parse_date(changes[key], key) if changes[key] else None)
    if litigation.decided_on and litigation.filed_on and litigation.decided_on < litigation.filed_on:
        raise Invalid("the decision cannot come before the filing", field="decided_on")
    if litigation.filed_on and ("filed_on" in changes or "request_ids" in changes):
        _log_filing(litigation, litigation.requests, actor)
    db.session.flush()
    changed = audit.diff(before, audit.snapshot(litigation, LITIGATION_AUDITED))
    for request in litigation.requests:
        audit.record(actor, "litigation.update", litigation, request=request, changes=changed)
    return litigation

"""Agency scorecards from the database: each request folded by the lifecycle rules as of today, then
scored by tracker.scorecard. The public scorecard counts only public requests (and public pages)."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import median

from sqlalchemy import select

from tracker import lifecycle
from tracker.extensions import db
from tracker.models import Agency, Document, Page, Request
from tracker.operations.requests import request_state
from tracker.scorecard import ANSWERS, DECISIONS, RequestFacts, Scorecard, score

# Determinations whose cited grounds the scorecard counts.
CITING = frozenset(lifecycle.WITHHOLDING + ("appeal_denied",))


def was_constructively_denied(request, today: date) -> bool:
    """Whether the agency let a deadline pass unanswered at any point: the rules decide, today and on the
    eve of each answer (a late answer does not erase a constructive denial, POL §89(3)(a))."""
    if request_state(request, today).constructive_denial:
        return True
    answers = sorted({e.occurred_on for e in request.events if e.type in ANSWERS})
    return any(request_state(request, as_of=day - timedelta(days=1)).constructive_denial for day in answers)


def request_facts(request, today: date) -> RequestFacts | None:
    """The scorecard's facts of one request, or None for a request never filed (a draft)."""
    state = request_state(request, today)
    if state.received_on is None:
        return None
    events = [e for e in request.events if e.occurred_on <= today]
    answers = [e.occurred_on for e in events if e.type in ANSWERS]
    decisions = [e.occurred_on for e in events if e.type in DECISIONS]
    grounds = tuple(str(g) for e in events if e.type in CITING for g in (e.data or {}).get("exemptions", []) or [])
    return RequestFacts(
        received_on=state.received_on, first_answer=min(answers, default=None),
        first_decision=min(decisions, default=None),
        constructive_denial=was_constructively_denied(request, today),
        appeals_filed=sum(e.type == "appeal_filed" for e in events),
        appeals_granted=sum(e.type == "appeal_granted" for e in events),
        grounds=grounds, closures=frozenset(request.agency.closures))


def page_figures(request_ids: list[int], public_only: bool) -> tuple[int | None, float | None]:
    """(pages released, median redacted share) of these requests' documents, from the per-page
    measurements `withheld_in_full` and `redacted_share`; (None, None) where pages are not measured."""
    if not (hasattr(Page, "redacted_share") and hasattr(Page, "withheld_in_full")):
        return None, None  # the pages are not measured on this version of the product
    if not request_ids:
        return 0, None
    query = (select(Page.redacted_share, Page.withheld_in_full).join(Document, Document.id == Page.document_id)
             .where(Document.request_id.in_(request_ids)))
    if public_only:
        query = query.where(Document.visibility == "public")
    rows = db.session.execute(query).all()
    released = [share for share, withheld in rows if not withheld]
    shares = [share for share in released if share is not None]
    return len(released), (float(median(shares)) if shares else None)


def agency_scorecard(agency: Agency, today: date, *, public_only: bool, campaign_id: int | None = None
                     ) -> tuple[Scorecard, list[Request]]:
    """The agency's scorecard as of `today` and the requests it counts: every request for staff, only
    public ones for the public; within one campaign when `campaign_id` is given."""
    query = select(Request).where(Request.agency_id == agency.id).order_by(Request.id)
    if public_only:
        query = query.where(Request.visibility == "public")
    if campaign_id is not None:
        query = query.where(Request.campaign_id == campaign_id)
    counted, facts = [], []
    for request in db.session.scalars(query):
        found = request_facts(request, today)
        if found is not None:
            counted.append(request)
            facts.append(found)
    return score(facts, today, page_figures([r.id for r in counted], public_only)), counted

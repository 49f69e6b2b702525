"""Gathering an Article 78 petition's facts from a Litigation record or a request, for tracker.petition.

Reads only: the petition is a draft to download and edit; nothing is saved and nothing is filed. A request
qualifies when its appeal was denied or not decided in time (POL §89(4)(b)) and the four months of
CPLR 217(1) have not run out; otherwise Conflict says why (and, once the four months are over, that a new
request is the way to the records).
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import or_, select

from tracker import lifecycle, permissions, petition
from tracker.clock import legal_today, local
from tracker.extensions import db
from tracker.models import Appeal, Document, Litigation, Message, Request, User
from tracker.operations.errors import Conflict
from tracker.petition_draft import draft_petition

FINAL = lifecycle.APPEAL_DENIED
AGENCY_CLOCKS = lifecycle.ANSWER_CLOCKS
DETERMINATIONS = lifecycle.WITHHOLDING
# The papers a petition annexes, by the history fact they show (the evidence bundle holds them).
EXHIBIT_TITLES = {
    "received": "The request",
    "acknowledged": "The agency's acknowledgment",
    "extended": "The agency's letter extending its time",
    "denied": "The agency's denial",
    "partially_granted": "The agency's partial grant and denial",
    "no_records": "The agency's answer that it has no records",
    "appeal_filed": "The administrative appeal",
    "appeal_denied": "The appeal determination",
}
# The five counties of New York City, by borough (CPLR 506(b) names counties).
BOROUGH_COUNTIES = {"Manhattan": "New York", "Brooklyn": "Kings", "Queens": "Queens", "Bronx": "Bronx",
                    "Staten Island": "Richmond"}
DEFAULT_COURT = "Supreme Court of the State of New York"


def _event_facts(request: Request) -> list[lifecycle.EventFact]:
    # The filing itself stops the clocks; the petition is judged against the history before it.
    return [lifecycle.EventFact(e.type, e.occurred_on, dict(e.data or {}), e.id) for e in request.events
            if e.type != "article78_filed"]


def petition_state(request: Request, filed_on: date | None = None, today: date | None = None):
    """The request's state on the day of filing (or today), and its CPLR 217(1) deadline, or Conflict."""
    day = filed_on or today or legal_today()
    state = lifecycle.fold(_event_facts(request), day, request.agency.closures)
    if state.status not in FINAL:
        raise Conflict(
            f"{request.reference} has no final denial to take to court: it is "
            f"{state.status.replace('_', ' ')}. An Article 78 petition follows an appeal that was denied or not "
            "decided within ten business days (POL §89(4)(a)-(b)).",
            code="no_final_denial")
    deadline = next((d for d in state.deadlines if d.kind == "article78"), None)
    if deadline is not None and (deadline.missed or deadline.due_on < day):
        raise Conflict(
            f"The four months to bring an Article 78 proceeding on {request.reference} (CPLR 217(1)) ended on "
            f"{deadline.due_on.isoformat()}. A petition can no longer be brought on it; file a new request for "
            "the same records and appeal again if it is denied.",
            code="article78_time_passed")
    return state, deadline


def _constructive_denial_before_appeal(request: Request) -> lifecycle.Deadline | None:
    events = _event_facts(request)
    appeal = next((e for e in events if e.type == "appeal_filed"), None)
    if appeal is None:
        return None
    before = events[:events.index(appeal)]  # request.events is in legal-date order
    state = lifecycle.fold(before, appeal.occurred_on, request.agency.closures)
    if state.status != "constructively_denied":
        return None
    missed = [d for d in state.deadlines if d.missed and d.kind in AGENCY_CLOCKS]
    return max(missed, key=lambda d: d.due_on) if missed else None


def _history(request: Request, state) -> list[petition.HistoryFact]:
    facts = []
    for e in request.events:
        data = e.data or {}
        if e.type == "submitted":
            facts.append(petition.HistoryFact("received", state.received_on or e.occurred_on))
        elif e.type in lifecycle.PROMISES:
            certain = data.get("date_certain")
            facts.append(petition.HistoryFact(e.type, e.occurred_on,
                                              date_certain=date.fromisoformat(certain) if certain else None))
        elif e.type == "records_released":
            facts.append(petition.HistoryFact(e.type, e.occurred_on, pages=int(data.get("pages") or 0)))
        elif e.type in DETERMINATIONS:
            facts.append(petition.HistoryFact(e.type, e.occurred_on, grounds=tuple(data.get("exemptions") or ())))
        elif e.type in ("appeal_filed", "appeal_denied"):
            facts.append(petition.HistoryFact(e.type, e.occurred_on))
    missed = _constructive_denial_before_appeal(request)
    if missed is not None:
        facts.append(petition.HistoryFact("constructively_denied", missed.due_on, missed_deadline=missed.kind))
    if state.status == "appeal_constructively_denied":
        clock = next((d for d in state.deadlines if d.kind == "appeal_determination" and d.missed), None)
        if clock is not None:
            facts.append(petition.HistoryFact("appeal_constructively_denied", clock.due_on))
    order = {id(f): n for n, f in enumerate(facts)}
    return sorted(facts, key=lambda f: (f.on, order[id(f)]))


def _grounds(history: list[petition.HistoryFact]) -> list[str]:
    grounds: list[str] = []
    for fact in history:
        extra = ["no_records"] if fact.kind == "no_records" else []
        grounds += [g for g in [*fact.grounds, *extra] if g not in grounds]
    return grounds


def _sources(request: Request, event, actor) -> list[str]:
    """What is on file for the paper that shows `event`: its email, its documents, the sent request or appeal."""
    found = []
    message = db.session.get(Message, event.message_id) if event.message_id else None
    if message is not None:
        day = local(message.sent_at or message.received_at).date()
        found.append(f"email “{message.subject or '(no subject)'}” of {day.isoformat()}")
    documents = db.session.scalars(select(Document).where(or_(
        Document.event_id == event.id,
        Document.message_id == (event.message_id or 0))).order_by(Document.id)).all()
    found += [f"document {d.id}, {d.filename}" for d in documents if permissions.can_see_document(actor, d)]
    if event.type == "submitted" and message is None:
        sent = db.session.scalars(select(Message).where(
            Message.request_id == request.id, Message.direction == "out", Message.match_method == "sent:request",
            Message.status == "sent").order_by(Message.id)).all()
        found += [f"email “{m.subject}” sent {local(m.sent_at).date().isoformat()}" for m in sent if m.sent_at]
    if event.type == "appeal_filed":
        appeal = db.session.scalar(select(Appeal).where(Appeal.filed_event_id == event.id))
        if appeal is not None and appeal.letter.strip() and message is None:
            found.append(f"the appeal letter recorded on appeal {appeal.id}")
    return found


def _exhibits(request: Request, actor, received_on: date | None) -> list[tuple[str, petition.Exhibit]]:
    exhibits = []
    for e in request.events:
        kind = "received" if e.type == "submitted" else e.type
        if kind not in EXHIBIT_TITLES:
            continue
        # An exhibit carries the date of the fact it shows, so the allegation can point at it.
        on = (received_on or e.occurred_on) if kind == "received" else e.occurred_on
        exhibits.append((kind, petition.Exhibit(EXHIBIT_TITLES[kind], on, tuple(_sources(request, e, actor)))))
    return exhibits


def request_history(request: Request, actor, filed_on: date | None = None,
                    today: date | None = None) -> petition.RequestHistory:
    """One covered request's facts, grounds and exhibits, or Conflict when no petition can be brought on it."""
    state, deadline = petition_state(request, filed_on, today)
    history = _history(request, state)
    final = next((f for f in reversed(history) if f.kind in FINAL), None)
    return petition.RequestHistory(
        reference=request.reference, title=request.title, description=request.description or "",
        facts=history, grounds=_grounds(history), final_kind=state.status,
        final_on=final.on if final else (deadline.due_on if deadline else legal_today()),
        article78_due_on=deadline.due_on if deadline else None,
        tracking_numbers=[t.number for t in request.tracking_numbers if t.kind == "request"],
        appeal_numbers=[t.number for t in request.tracking_numbers if t.kind == "appeal"],
        exhibits=_exhibits(request, actor, state.received_on))


def _caption_party(caption: str) -> str:
    text = re.sub(r"^(in the )?matter of (the application of )?", "", caption.strip(), flags=re.I)
    party = re.split(r"\s+(?:v\.?|vs\.?|against)\s+", text, maxsplit=1, flags=re.I)[0].strip(" ,")
    return party if party and party != text.strip(" ,") else ""


def petitioners(requests: list[Request], caption: str, warnings: list[str]) -> list[petition.Party]:
    """The residents who asked (for a resident's request), else the party the caption names."""
    from tracker.geo import find_neighborhood

    parties: list[petition.Party] = []
    for r in requests:
        resident = r.resident
        if resident is None:
            continue
        place = find_neighborhood(r.nta_code) if r.nta_code else None
        where = f"a resident of {place.name}, {place.borough}" if place else "a resident of New York City"
        if not resident.name.strip():
            warnings.append(f"The resident who asked for {r.reference} is no longer on record (they asked to be "
                            "forgotten or withdrew): name the petitioner before filing.")
            name = "[Petitioner]"
        else:
            name = resident.name.strip()
        if all(p.name != name for p in parties):
            parties.append(petition.Party(name, resident.postal_address.strip().replace("\n", ", "), where))
    if any(r.resident is None for r in requests):
        named = _caption_party(caption)
        campaign = next((r.campaign for r in requests if r.campaign is not None), None)
        name = named or (campaign.name if campaign else "")
        if not name:
            warnings.append("Neither the caption nor a campaign names the petitioner: fill it in.")
            name = "[Petitioner]"
        parties.append(petition.Party(name))
    return parties


def venue(court: str, requests: list[Request], warnings: list[str]) -> tuple[str, str]:
    """(county, why) under CPLR 506(b): the county the court names, else the appeals officer's office.

    Courts read CPLR 506(b) as allowing the county where the challenged determination was made, where the
    material events took place, or where the respondent's principal office is; the appeals officer's office
    is the first of these as far as the record shows, so the draft asks counsel to confirm it."""
    named = re.search(r"county of ([a-z .'-]+)|([a-z.'-]+(?: [a-z.'-]+)?) county", court, flags=re.I)
    if named:
        county = (named.group(1) or named.group(2)).strip().title()
        warnings.append(f"Venue: the lawsuit record names {county} County; confirm that CPLR 506(b) allows it "
                        "and state the reason in the petition.")
        return county, ("[state where respondents made the determination complained of, where the material "
                        "events took place, or where respondents' principal office is located, in this county]")
    agency = requests[0].agency
    address = " ".join((agency.appeals_address or "").split())
    zip_codes = re.findall(r"\b(\d{5})(?:-\d{4})?\b", address)
    if zip_codes:
        from tracker.geo import ZipCodeError, neighborhoods_for_zip

        try:
            places = neighborhoods_for_zip(zip_codes[-1])
        except ZipCodeError:
            places = []
        if places and places[0].borough in BOROUGH_COUNTIES:
            county = BOROUGH_COUNTIES[places[0].borough]
            warnings.append(f"Venue: {county} County comes from the appeals officer's address on record "
                            f"({address}); confirm that the determination was made there, or that the material "
                            "events took place or respondents' principal office is there (CPLR 506(b)).")
            return county, (f"the appeal was made to respondents' records access appeals officer at {address}, "
                            f"in {county} County, where the determination complained of was made.")
    warnings.append(f"Venue: no county could be found for {agency.name} (its appeals address has no New York City "
                    "ZIP code); name the county under CPLR 506(b) before filing.")
    return "", ""


def _facts(requests: list[Request], actor, *, court: str, caption: str, index_number: str,
           filed_on: date | None, today: date) -> petition.PetitionFacts:
    histories = [request_history(r, actor, filed_on, today) for r in requests]
    warnings: list[str] = []
    agencies = list(dict.fromkeys(r.agency for r in requests))
    if len(agencies) > 1:
        warnings.append("The requests went to several agencies: name each agency's records access appeals officer.")
    county, why = venue(court, requests, warnings)
    return petition.PetitionFacts(
        court=court or DEFAULT_COURT, county=county, venue_reason=why, index_number=index_number,
        petitioners=petitioners(requests, caption, warnings), agency=" and ".join(a.name for a in agencies),
        appeals_officer=agencies[0].appeals_officer if len(agencies) == 1 else "", requests=histories,
        today=today, warnings=warnings)


def petition_for_litigation(litigation: Litigation, actor: User, today: date | None = None):
    """The draft petition for a lawsuit record's covered requests; Conflict when one cannot be brought."""
    today = today or legal_today()
    if not litigation.requests:
        raise Conflict("the lawsuit covers no request, so there is nothing to petition about", code="no_requests")
    facts = _facts(list(litigation.requests), actor, court=litigation.court, caption=litigation.caption,
                   index_number=litigation.index_number, filed_on=litigation.filed_on, today=today)
    return draft_petition(facts)


def covering_litigation(request: Request) -> Litigation | None:
    """The newest lawsuit record that covers `request`, if any."""
    from tracker.models.requests import litigation_requests

    covered = select(litigation_requests.c.litigation_id).where(litigation_requests.c.request_id == request.id)
    return db.session.scalar(select(Litigation).where(Litigation.id.in_(covered)).order_by(Litigation.id.desc()))


def petition_for_request(request: Request, actor: User, today: date | None = None):
    """The request's petition: from the lawsuit that covers it, or a draft made from the request alone."""
    today = today or legal_today()
    litigation = covering_litigation(request)
    if litigation is not None:
        return petition_for_litigation(litigation, actor, today)
    facts = _facts([request], actor, court=DEFAULT_COURT, caption="", index_number="", filed_on=None, today=today)
    return draft_petition(facts)

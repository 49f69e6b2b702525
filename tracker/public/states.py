"""What the public map shows for each neighborhood: the state of the campaign's requests there.

Each request's state comes from the lifecycle fold the staff pages use (`operations.request_state`, i.e.
`tracker.lifecycle.fold` over its events as of today), never from a list of events of its own or a
stored column: the map, the neighborhood pages, the resident's page and the staff coverage page cannot
disagree. A neighborhood shows the furthest along of its requests: records released, under appeal,
denied, overdue, waiting for the agency, being sent, or none yet. A resident's confirmed request counts
at once, as "being sent" until its letter has gone out.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import lifecycle
from tracker.extensions import db
from tracker.lifecycle import ENDED, RequestState
from tracker.models import Request
from tracker.operations import request_state as fold_request

# From least to furthest along; a neighborhood shows the furthest state of its requests.
ORDER = ("none", "sending", "waiting", "overdue", "denied", "appeal", "released")
LABELS = {
    "none": _l("No request yet"),
    "sending": _l("Request being sent"),
    "waiting": _l("Waiting for the agency"),
    "overdue": _l("Overdue"),
    "denied": _l("Denied"),
    "appeal": _l("Under appeal"),
    "released": _l("Records released"),
}
GRANTING = lifecycle.GRANTING
DENIED = lifecycle.REFUSING
# The agency let a deadline pass without answering (a constructive denial, POL §89(3)(a), §89(4)(b)).
LATE = lifecycle.TIME_DRIVEN
APPEALING = lifecycle.CONTESTED
# The agency's own clocks: one of them missed makes the request overdue (the requester's are not the agency's).
AGENCY_CLOCKS = lifecycle.AGENCY_CLOCKS


def map_state(state: RequestState) -> str | None:
    """The map state of one request from its folded lifecycle state; None when it does not count."""
    if state.status in ENDED and not state.pages_released:
        return None
    if state.pages_released or state.status in GRANTING:
        return "released"
    if state.status in APPEALING:
        return "appeal"
    if state.status in DENIED:
        return "denied"
    if state.status in LATE or any(d.missed and d.kind in AGENCY_CLOCKS for d in state.deadlines):
        return "overdue"
    if state.status == "draft":
        return "sending"
    return "waiting"


def furthest(states) -> str:
    """The furthest-along of several states ('none' for no states)."""
    return max(states, key=ORDER.index, default="none")


def counted_requests(campaign_id: int, today: date, nta_code: str | None = None
                     ) -> list[tuple[Request, RequestState, str]]:
    """The campaign's public requests that name a neighborhood and count on the map, with their folded
    state and map state. Drafts count only when a resident confirmed them (their letter is on its way)."""
    query = (select(Request).options(selectinload(Request.events), selectinload(Request.agency))
             .where(Request.campaign_id == campaign_id, Request.visibility == "public",
                    Request.nta_code.is_not(None))
             .order_by(Request.id))
    if nta_code:
        query = query.where(Request.nta_code == nta_code)
    found = []
    for request in db.session.scalars(query):
        state = fold_request(request, today)
        if state.status == "draft" and request.resident_id is None:
            continue
        shown = map_state(state)
        if shown is not None:
            found.append((request, state, shown))
    return found


def neighborhood_states(campaign_id: int, today: date) -> dict[str, str]:
    """NTA code -> map state, for every neighborhood with at least one counted request."""
    by_place: dict[str, list[str]] = {}
    for request, _state, shown in counted_requests(campaign_id, today):
        by_place.setdefault(request.nta_code, []).append(shown)
    return {code: furthest(states) for code, states in by_place.items()}

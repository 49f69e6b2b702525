"""What the public map shows for each neighborhood: the state of the campaign's requests there.

One state per neighborhood, the furthest along of its requests: records released, under appeal,
denied, overdue, waiting, or none yet. "Overdue" is derived as of today (a deadline before today),
never stored. Read in three queries whatever the number of requests, so the map stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Event, Request

# From least to furthest along; a neighborhood shows the furthest state of its requests.
ORDER = ("none", "waiting", "overdue", "denied", "appeal", "released")
LABELS = {
    "none": _l("No request yet"),
    "waiting": _l("Waiting for the agency"),
    "overdue": _l("Overdue"),
    "denied": _l("Denied"),
    "appeal": _l("Under appeal"),
    "released": _l("Records released"),
}
RELEASING_EVENTS = ("records_released", "granted", "partially_granted", "appeal_granted")
DENIED = ("denied", "no_records", "appeal_denied")
# The agency let a deadline pass without answering (a constructive denial): shown as overdue.
LATE = ("constructively_denied", "appeal_constructively_denied")
APPEALING = ("appeal_filed", "in_litigation")
NOT_COUNTED = ("draft", "withdrawn")


@dataclass(frozen=True)
class RequestRow:
    """What the map needs of one request."""

    id: int
    nta_code: str
    status: str
    next_deadline_on: date | None


def request_state(row: RequestRow, released: bool, today: date) -> str:
    """The map state of one request."""
    if released:
        return "released"
    if row.status in APPEALING:
        return "appeal"
    if row.status in DENIED:
        return "denied"
    if row.status in LATE or (row.next_deadline_on is not None and row.next_deadline_on < today):
        return "overdue"
    return "waiting"


def furthest(states) -> str:
    """The furthest-along of several states ('none' for no states)."""
    return max(states, key=ORDER.index, default="none")


def campaign_rows(campaign_id: int, nta_code: str | None = None) -> list[RequestRow]:
    """The campaign's public requests that name a neighborhood (and are not drafts or withdrawn)."""
    query = select(Request.id, Request.nta_code, Request.status, Request.next_deadline_on).where(
        Request.campaign_id == campaign_id, Request.visibility == "public", Request.nta_code.is_not(None),
        Request.status.not_in(NOT_COUNTED))
    if nta_code:
        query = query.where(Request.nta_code == nta_code)
    return [RequestRow(*r) for r in db.session.execute(query)]


def released_ids(campaign_id: int) -> set[int]:
    """The campaign's requests that have had records released (or were granted)."""
    return set(db.session.scalars(
        select(Event.request_id).join(Request, Request.id == Event.request_id)
        .where(Request.campaign_id == campaign_id, Event.type.in_(RELEASING_EVENTS)).distinct()))


def neighborhood_states(campaign_id: int, today: date) -> dict[str, str]:
    """NTA code -> map state, for every neighborhood with at least one counted request."""
    rows = campaign_rows(campaign_id)
    released = released_ids(campaign_id)
    by_place: dict[str, list[str]] = {}
    for row in rows:
        by_place.setdefault(row.nta_code, []).append(request_state(row, row.id in released, today))
    return {code: furthest(states) for code, states in by_place.items()}

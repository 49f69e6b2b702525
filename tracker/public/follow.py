"""What a resident's status page says, each part read from what was stored and sent: the letter's own
outgoing message (sent, on its way, or failed), the request's events folded by the lifecycle rules, its
deadlines, and any lawsuit recorded for it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tracker import geo
from tracker.extensions import db
from tracker.lifecycle import ALWAYS_ALLOWED
from tracker.models import Message, Resident
from tracker.models.requests import litigation_requests
from tracker.operations import request_state


def letter_message(request) -> Message | None:
    """The first outgoing message of the request: the letter that asked for the records."""
    return db.session.scalar(select(Message).where(Message.request_id == request.id, Message.direction == "out")
                             .order_by(Message.id).limit(1))


def sent_on_day(request) -> date | None:
    """The day the request's letter was sent (its `submitted` event), or None while it has not been."""
    letter = letter_message(request)
    if letter is None or letter.status != "sent":
        return None
    return min((e.occurred_on for e in request.events if e.type == "submitted"), default=None)


def resident_view(resident: Resident) -> dict:
    """Everything the status page shows for this resident, read now."""
    request = resident.request
    view = {"resident": resident, "request_": request, "place": geo.find_neighborhood(resident.nta_code),
            "state": None, "events": [], "letter": None, "sent_on": None, "in_court": False}
    if request is None:
        return view
    state = request_state(request)
    letter = letter_message(request)
    view.update(
        state=state, letter=letter,
        events=[e for e in request.events if e.type not in ALWAYS_ALLOWED],
        sent_on=sent_on_day(request),
        in_court=state.status == "in_litigation" or db.session.scalar(
            select(litigation_requests.c.litigation_id).where(litigation_requests.c.request_id == request.id)
            .limit(1)) is not None,
    )
    return view

"""An agency portal's notification, offered as the event to log, for a person to confirm in one click.

ingest.portal reads the email; here the tracking number finds the request, the sender must be one the
agency writes from, and the event is logged only when a person confirms. The agency's senders are read as
the mail matcher reads them (its FOIL and appeals addresses, its list of `senders`, addresses a person taught
for its requests), with the domains of its FOIL and appeals addresses and its portal's exact host. Never a
parent domain of the portal's host: a portal at a860-openrecords.nyc.gov does not make every nyc.gov address
speak for the agency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import func, select

from ingest import matching
from ingest.portal import PortalNotice, parse_portal_notice
from tracker import audit, lifecycle
from tracker.extensions import db
from tracker.models import Event, Message, Request, TrackingNumber
from tracker.operations.errors import Conflict
from tracker.operations.mail_matching import known_sender as matcher_knows


@dataclass(frozen=True)
class PortalSuggestion:
    """The event a portal's email says happened, on which request, ready to log."""

    request: Request
    notice: PortalNotice
    event_type: str
    occurred_on: date
    data: dict

    @property
    def summary(self) -> str:
        """What will be logged, in words ('Acknowledged, approximate date March 17, 2023')."""
        from tracker.request_letter import long_date

        parts = []
        if self.data.get("date_certain"):
            parts.append(f"date given: {long_date(date.fromisoformat(self.data['date_certain']))}")
        if self.data.get("exemptions"):
            from tracker.grounds import describe

            parts.append("grounds: " + "; ".join(describe(g)[0] for g in self.data["exemptions"]))
        if self.data.get("pages") is not None:
            parts.append(f"{self.data['pages']:,} pages")
        if self.data.get("reason"):
            parts.append(f"reason: {self.data['reason']}")
        if self.data.get("appeals_officer"):
            parts.append(f"appeals officer: {self.data['appeals_officer']}")
        return ", ".join(parts)


def known_sender(request: Request, address: str | None) -> bool:
    """Whether mail from `address` can speak for the request's agency in a portal notice."""
    address = (address or "").strip().lower()
    if not matching.domain_of(address):
        return False
    if matcher_knows(address, request):
        return True
    agency = request.agency
    domains = [matching.domain_of(a) for a in (agency.foil_email, agency.appeals_email)]
    if matching.sender_is_known(address, [d for d in domains if d]):
        return True
    host = (urlsplit(agency.portal_url or "").hostname or "").lower()
    return bool(host) and matching.domain_of(address) == host


def suggestion_for(message: Message) -> PortalSuggestion | None:
    """The event an incoming portal notification offers, or None (not one, unknown number, unknown sender,
    or already logged from this email)."""
    if message.direction != "in" or message.status == "rejected" or message.is_bounce:
        return None
    patterns = []
    if message.request is not None:
        patterns = message.request.agency.tracking_patterns or []
    notice = parse_portal_notice(message.subject or "", (message.body_text or "")[:20000], patterns)
    if notice is None:
        return None
    request = db.session.scalar(select(Request).join(TrackingNumber).where(
        func.upper(TrackingNumber.number) == notice.tracking_number.upper()))
    if request is None and message.request is not None:
        request = message.request  # the number is new to us, but the email was matched to its request
    if request is None or not known_sender(request, message.from_addr):
        return None
    if message.request_id not in (None, request.id):
        return None
    logged = db.session.scalar(select(Event.id).where(Event.message_id == message.id, Event.type != "note"))
    if logged is not None:
        return None
    from tracker.operations.mail import _timeline_day

    data: dict = {}
    if notice.date_certain and notice.event_type in lifecycle.PROMISES:
        data["date_certain"] = notice.date_certain.isoformat()
    if notice.exemptions:
        from tracker.grounds import describe, normalise

        data["exemptions"] = [normalise(g) for g in notice.exemptions if describe(normalise(g)) is not None]
    if notice.pages is not None:
        data["pages"] = notice.pages
    if notice.reason:
        data["reason"] = notice.reason[:2000]
    if notice.appeals_officer:
        data["appeals_officer"] = notice.appeals_officer[:2000]
    return PortalSuggestion(request, notice, notice.event_type, _timeline_day(message), data)


def confirm_portal_event(message: Message, actor) -> Event:
    """Log the event the portal's email offers (the email is put on its request first, if it was not)."""
    from tracker.dispatch import after_commit
    from tracker.operations.mail import _deliver_to
    from tracker.operations.requests import add_tracking_number, record_event

    suggestion = suggestion_for(message)
    if suggestion is None:
        raise Conflict("this email offers no event to log (it was logged already, or is not a portal notice "
                       "from a known sender of the agency)", code="no_portal_event")
    request = suggestion.request
    if message.request_id is None:
        # Put on its request by the portal's number; no sender rule is learnt: a portal writes for every request.
        _deliver_to(message, request, "portal", actor=actor)
        after_commit("foiltrack.index.message", message.id)
    event = record_event(request, suggestion.event_type, suggestion.occurred_on, actor, suggestion.data,
                         note=f"From the portal's email: {suggestion.notice.evidence}"[:2000], message=message)
    add_tracking_number(request, suggestion.notice.tracking_number, actor=actor)
    audit.record(actor, "message.portal_event", message, request=request,
                 changes={"event": suggestion.event_type, "occurred_on": suggestion.occurred_on})
    return event

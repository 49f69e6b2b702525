"""iCalendar feeds of deadlines: a person's assigned requests, or a whole campaign for its lawyers.

Computed on every fetch from the requests' events, so a feed follows the timeline as it is logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from tracker.lifecycle import LABELS, Deadline
from tracker.models import Request

PRODID = "-//FOIL Tracker//Deadlines//EN"


def event_uid(request: Request, deadline: Deadline, domain: str) -> str:
    """Stable across fetches: the same request, clock and date are the same calendar event."""
    return f"{request.id}-{deadline.kind}-{deadline.due_on.isoformat()}@{domain}"


def summary(request: Request, deadline: Deadline) -> str:
    """'MISSED: Appeal deadline · FT-2023-00001 Facial recognition contracts'."""
    prefix = "MISSED: " if deadline.missed else ""
    return f"{prefix}{LABELS[deadline.kind]} · {request.reference} {request.title}"


def description(request: Request, deadline: Deadline, link: str) -> str:
    """The rule behind the date, the raw date where GCL §25-a moved it, and a link to the request."""
    lines = [f"{request.agency.name}: {request.title} ({request.reference})"]
    numbers = [t.number for t in request.tracking_numbers]
    if numbers:
        lines.append("Agency tracking numbers: " + ", ".join(numbers))
    if deadline.missed:
        lines.append(f"This deadline passed on {deadline.due_on.isoformat()} without the step it required.")
    lines.append(f"Legal last day: {deadline.due_on.isoformat()}")
    if deadline.raw_due_on:
        lines.append(f"Raw date before GCL §25-a: {deadline.raw_due_on.isoformat()}")
    lines.append(f"Rule: {deadline.basis}")
    lines.append(link)
    return "\n".join(lines)


def vevent(request: Request, deadline: Deadline, base_url: str, domain: str, stamp: datetime) -> Event:
    """One all-day event on the legal due date, with an alarm the day before."""
    link = f"{base_url}/requests/{request.id}"
    item = Event()
    item.add("uid", event_uid(request, deadline, domain))
    item.add("dtstamp", stamp)
    item.add("dtstart", deadline.due_on)
    item.add("dtend", deadline.due_on + timedelta(days=1))
    item.add("summary", summary(request, deadline))
    item.add("description", description(request, deadline, link))
    item.add("url", link)
    item.add("transp", "TRANSPARENT")
    item.add("categories", ["FOIL", "missed" if deadline.missed else "open"])
    if not deadline.missed:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Tomorrow: {summary(request, deadline)}")
        alarm.add("trigger", timedelta(days=-1))
        item.add_component(alarm)
    return item


def build_feed(name: str, entries: Iterable[tuple[Request, Deadline]], base_url: str,
               now: datetime | None = None) -> bytes:
    """An iCalendar document with one VEVENT per (request, deadline)."""
    base_url = base_url.rstrip("/")
    domain = base_url.split("://", 1)[-1].split("/", 1)[0] or "foiltrack"
    stamp = (now or datetime.now(UTC)).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    # Calendar apps poll; ask for a refresh every few hours so logged events show up the same day.
    calendar.add("refresh-interval", timedelta(hours=4), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT4H")
    for request, deadline in entries:
        calendar.add_component(vevent(request, deadline, base_url, domain, stamp))
    return calendar.to_ical()


def deadline_entries(requests: Iterable[Request], state_of, today: date) -> list[tuple[Request, Deadline]]:
    """Every deadline, open or missed, of `requests`, ordered by date (state_of: request -> RequestState)."""
    entries = []
    for request in requests:
        for deadline in state_of(request, today).deadlines:
            entries.append((request, deadline))
    entries.sort(key=lambda pair: (pair[1].due_on, pair[0].id, pair[1].kind))
    return entries

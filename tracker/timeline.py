"""Walking a request's events in legal-date order: the clocks that run, stop and run out (tracker.lifecycle).

Pure rules, like tracker.lifecycle whose vocabulary they use: no Flask, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from tracker import deadlines
from tracker.lifecycle import (
    ALWAYS_ALLOWED,
    APPEALABLE,
    ENDED,
    EVENT_TYPES,
    Deadline,
    EventFact,
    IllegalTransition,
    RequestState,
)


def parse_date(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise IllegalTransition(f"{what} must be a date written YYYY-MM-DD, not {value!r}") from None


class Walk:
    """Walks a request's events in legal-date order and keeps the clocks that are running."""

    def __init__(self, today: date, closures: Iterable[date]):
        self.today = today
        self.closures = frozenset(closures)
        self.state = RequestState()
        self.phase = "draft"  # draft, agency, determined, appeal, appeal_decided, litigation, ended
        self.clocks: dict[str, Deadline] = {}

    # -- clocks ---------------------------------------------------------------------------------
    def start(self, kind: str, start: date, event: EventFact) -> None:
        due = deadlines.compute(kind, start, self.closures)
        self.clocks[kind] = Deadline(kind, due.due_on, due.raw_due_on, due.basis, event.id)

    def stop(self, *kinds: str) -> None:
        for kind in kinds:
            self.clocks.pop(kind, None)

    def expire_before(self, day: date) -> None:
        """Apply every constructive denial whose deadline passed before `day`."""
        agency_clock = self.governing_agency_clock()
        if self.phase == "agency" and agency_clock and agency_clock.due_on < day:
            self.phase = "constructively_denied"
            self.state.status = "constructively_denied"
            self.state.constructive_denial = True
            self.stop("acknowledgment", "determination", "date_certain")
            self.clocks["missed:" + agency_clock.kind] = missed(agency_clock)
            due = deadlines.compute("appeal", agency_clock.due_on, self.closures)
            self.clocks["appeal"] = Deadline(
                "appeal",
                due.due_on,
                due.raw_due_on,
                f"{due.basis}. Constructive denial: the agency missed its "
                f"{agency_clock.kind.replace('_', ' ')} deadline of {agency_clock.due_on.isoformat()} "
                f"({agency_clock.basis})",
                agency_clock.event_id,
            )
        appeal_clock = self.clocks.get("appeal_determination")
        if self.phase == "appeal" and appeal_clock and appeal_clock.due_on < day:
            self.phase = "appeal_decided"
            self.state.status = "appeal_constructively_denied"
            self.state.constructive_denial = True
            self.stop("appeal_determination")
            self.clocks["missed:appeal_determination"] = missed(appeal_clock)
            due = deadlines.compute("article78", appeal_clock.due_on, self.closures)
            self.clocks["article78"] = Deadline(
                "article78",
                due.due_on,
                due.raw_due_on,
                f"{due.basis}. Constructive denial of the appeal: no decision by "
                f"{appeal_clock.due_on.isoformat()} (POL §89(4)(a))",
                appeal_clock.event_id,
            )
        for key, clock in list(self.clocks.items()):
            if key in ("appeal", "article78") and clock.due_on < day:
                self.clocks["missed:" + key] = missed(clock)
                del self.clocks[key]

    def governing_agency_clock(self) -> Deadline | None:
        """The agency's controlling deadline; of two, the later (requester-safe) reading (DESIGN §4)."""
        candidates = [self.clocks[k] for k in ("acknowledgment", "determination", "date_certain") if k in self.clocks]
        return max(candidates, key=lambda d: d.due_on) if candidates else None

    # -- events ---------------------------------------------------------------------------------
    def apply(self, event: EventFact) -> None:
        self.expire_before(event.occurred_on)
        kind = event.type
        if kind not in EVENT_TYPES:
            raise IllegalTransition(f"unknown event type {kind!r}; known types: {', '.join(EVENT_TYPES)}")
        if kind in ALWAYS_ALLOWED:
            return
        if self.phase in ENDED:
            raise IllegalTransition(f"the request is {self.phase}; only notes can be added now")
        if kind == "withdrawn":
            self.end("withdrawn")
            return
        if kind != "submitted" and self.phase == "draft":
            raise IllegalTransition(f"{kind} cannot be logged before the request is submitted")
        getattr(self, "on_" + kind)(event)

    def end(self, status: str) -> None:
        self.phase = status
        self.state.status = status
        self.clocks.clear()

    def on_submitted(self, event: EventFact) -> None:
        if self.phase != "draft":
            raise IllegalTransition("the request was already submitted")
        received = parse_date(event.data.get("received_on") or event.occurred_on, "received_on")
        self.state.received_on = received
        self.phase = "agency"
        self.state.status = "submitted"
        self.start("acknowledgment", received, event)

    def on_acknowledged(self, event: EventFact) -> None:
        if self.phase not in ("agency", "constructively_denied"):
            raise IllegalTransition(f"an acknowledgment cannot follow a request that is {self.state.status}")
        self.phase = "agency"
        self.state.status = "acknowledged"
        self.state.constructive_denial = False
        self.stop("acknowledgment", "appeal", "missed:acknowledgment")
        self.start("determination", event.occurred_on, event)
        self._date_certain(event, required=False)

    def on_extended(self, event: EventFact) -> None:
        if self.phase not in ("agency", "constructively_denied"):
            raise IllegalTransition(f"an extension cannot follow a request that is {self.state.status}")
        self.phase = "agency"
        self.state.status = "extended"
        self.state.constructive_denial = False
        self.stop("acknowledgment", "appeal", "missed:acknowledgment", "missed:determination",
                  "missed:date_certain")
        if "determination" not in self.clocks:
            self.start("determination", event.occurred_on, event)
        self._date_certain(event, required=True)

    def _date_certain(self, event: EventFact, required: bool) -> None:
        value = event.data.get("date_certain")
        if value is None:
            if required:
                raise IllegalTransition("an extension needs the agency's date certain (data.date_certain)")
            return
        day = parse_date(value, "date_certain")
        if day < event.occurred_on:
            raise IllegalTransition("the date certain cannot be before the day the agency gave it")
        self.clocks["date_certain"] = Deadline(
            "date_certain",
            day,
            None,
            "POL §89(3)(a): the date the agency itself gave for granting or denying the request",
            event.id,
        )
        # Of the 20-business-day limit and the agency's own date, only the later one governs (DESIGN §4).
        governing = self.governing_agency_clock()
        for kind in ("determination", "date_certain"):
            if kind in self.clocks and self.clocks[kind] is not governing:
                del self.clocks[kind]

    def on_granted(self, event: EventFact) -> None:
        self._determine(event, "granted")

    def on_partially_granted(self, event: EventFact) -> None:
        self._determine(event, "partially_granted")

    def on_denied(self, event: EventFact) -> None:
        self._determine(event, "denied")

    def on_no_records(self, event: EventFact) -> None:
        self._determine(event, "no_records")

    def _determine(self, event: EventFact, status: str) -> None:
        if self.phase not in ("agency", "constructively_denied"):
            raise IllegalTransition(f"{status.replace('_', ' ')} cannot follow a request that is "
                                    f"{self.state.status.replace('_', ' ')}")
        self.phase = "determined"
        self.state.status = status
        self.state.constructive_denial = False
        self.clocks.clear()
        if status in APPEALABLE:
            self.start("appeal", event.occurred_on, event)

    def on_appeal_filed(self, event: EventFact) -> None:
        if not (self.phase == "constructively_denied"
                or (self.phase == "determined" and self.state.status in APPEALABLE)):
            raise IllegalTransition(
                f"there is nothing to appeal: the request is {self.state.status.replace('_', ' ')}; an appeal "
                "follows a denial, a partial grant, a no-records answer or a constructive denial"
            )
        received = parse_date(event.data.get("received_on") or event.occurred_on, "received_on")
        self.phase = "appeal"
        self.state.status = "appeal_filed"
        self.clocks.clear()
        self.start("appeal_determination", received, event)

    def _check_appeal_open(self, kind: str) -> None:
        # A late answer to an appeal the agency let lapse still counts: it replaces the constructive denial.
        if not (self.phase == "appeal" or self.state.status == "appeal_constructively_denied"):
            raise IllegalTransition(f"{kind} needs an appeal filed and not yet decided; the request is "
                                    f"{self.state.status.replace('_', ' ')}")

    def on_appeal_granted(self, event: EventFact) -> None:
        self._check_appeal_open("appeal_granted")
        self.phase = "appeal_decided"
        self.state.status = "appeal_granted"
        self.state.constructive_denial = False
        self.clocks.clear()

    def on_appeal_denied(self, event: EventFact) -> None:
        self._check_appeal_open("appeal_denied")
        self.phase = "appeal_decided"
        self.state.status = "appeal_denied"
        self.state.constructive_denial = False
        self.clocks.clear()
        self.start("article78", event.occurred_on, event)

    def on_article78_filed(self, event: EventFact) -> None:
        if self.state.status not in ("appeal_denied", "appeal_constructively_denied"):
            raise IllegalTransition(
                "an Article 78 petition follows a final determination: an appeal denied, or not answered "
                "in time (CPLR 217(1), POL §89(4)(b))"
            )
        self.phase = "litigation"
        self.state.status = "in_litigation"
        self.clocks.clear()

    def on_closed(self, event: EventFact) -> None:
        self.end("closed")

    def on_records_released(self, event: EventFact) -> None:
        pages = event.data.get("pages", 0)
        if not isinstance(pages, int) or isinstance(pages, bool) or pages < 0:
            raise IllegalTransition("pages released must be a whole number of pages, 0 or more")
        self.state.pages_released += pages

    def on_fee_requested(self, event: EventFact) -> None:
        self.state.fee_pending = True

    def on_fee_paid(self, event: EventFact) -> None:
        self.state.fee_pending = False

    def on_clarification_requested(self, event: EventFact) -> None:
        self.state.clarification_pending = True

    def finish(self) -> RequestState:
        # A deadline is missed when its whole last day has gone by.
        self.expire_before(self.today)
        self.state.deadlines = sorted(self.clocks.values(), key=lambda d: (d.due_on, d.kind))
        return self.state


def missed(clock: Deadline) -> Deadline:
    return Deadline(clock.kind, clock.due_on, clock.raw_due_on, clock.basis, clock.event_id, missed=True)


def ordered(events: Iterable[EventFact]) -> list[EventFact]:
    # Legal date first; events of the same day keep the order they were recorded in.
    indexed = list(enumerate(events))
    indexed.sort(key=lambda pair: (pair[1].occurred_on, pair[0]))
    return [event for _, event in indexed]

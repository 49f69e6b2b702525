"""Walking a request's events in legal-date order: the clocks that run, stop and run out (tracker.lifecycle).

Pure rules, like tracker.lifecycle whose vocabulary they use: no Flask, no database, no clock.

The agency's clocks (acknowledgment, determination, its own date certain, and each appeal's decision) are
counted on the agency's calendar; the requester's (each appeal, each Article 78 petition) on the statute's
days alone. Every appealable determination opens its own appeal clock; every appeal its own decision
clock; a clock that ran out stays in the list, marked missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from tracker import agency_dates, deadlines
from tracker.lifecycle import (
    ALWAYS_ALLOWED,
    APPEALABLE,
    EVENT_TYPES,
    Deadline,
    EventFact,
    IllegalTransition,
    RequestState,
)
from tracker.timeline_agency import AgencyDates, missed, parse_date

AGENCY_CLOCKS = ("acknowledgment", "determination", "date_certain")
NOT_REASONABLY_DESCRIBED = "not_reasonably_described"


@dataclass
class Determination:
    """An appealable answer: a denial, partial grant, no-records answer, or a constructive denial."""

    event_id: int | None
    on: date
    status: str
    constructive: bool = False
    appealed: bool = False
    superseded: bool = False  # a constructive denial the agency's own later answer replaced


@dataclass
class Appeal:
    """An appeal filed and what became of it ("", granted, denied, constructively_denied)."""

    event_id: int | None
    outcome: str = ""


class Walk(AgencyDates):
    """Walks a request's events in legal-date order and keeps the clocks that are running."""

    def __init__(self, today: date, closures: Iterable[date], calendar: str = "statute",
                 events: Sequence[EventFact] = ()):
        self.today = today
        self.calendar = calendar
        self.closures = deadlines.calendar_closures(calendar, closures)
        self.state = RequestState()
        self.phase = "draft"  # draft, open, ended
        self.awaiting = False  # the agency owes an answer and its clocks run
        self.agency: dict[str, Deadline] = {}
        # Dates the agency gave and later replaced: (the date, the day it was given, the date replacing it).
        self.promises: list[tuple[Deadline, date, date]] = []
        self.determinations: list[Determination] = []
        self.appeals: list[Appeal] = []
        self.open: dict[tuple[str, int], Deadline] = {}  # ("appeal", determination) / ("decision", appeal) ...
        self.missed: dict[tuple[str, int], Deadline] = {}
        self.acknowledged_on: date | None = None
        self.last_date_given: Deadline | None = None  # the agency's latest own date, governing or not
        self.last_given_on: date | None = None  # ... and the day it gave it
        self.extensions = 0
        self.numbers = 0  # keys for missed clocks that have no key of their own
        self.overruled = False  # the latest clarification request was overruled by a lawyer
        # A lawyer's mark that the request reasonably described the records reaches back: clarification
        # requests up to that day paused nothing (the original clocks, and what they produced, stand).
        marks = [e.occurred_on for e in events if e.type == "reasonably_described"]
        self.marked_on = max(marks) if marks else None

    # -- clocks ---------------------------------------------------------------------------------
    def clock(self, kind: str, start: date, event_id: int | None, note: str = "") -> Deadline:
        agency = kind in deadlines.AGENCY_KINDS
        due = deadlines.compute(kind, start, self.closures if agency else (), self.calendar if agency else "statute")
        basis = f"{due.basis}. {note}" if note else due.basis
        return Deadline(kind, due.due_on, due.raw_due_on, basis, event_id,
                        calendar=self.calendar if agency else "statute")

    def governing_agency_clock(self) -> Deadline | None:
        """The agency's controlling deadline; of two, the later (requester-safe) reading."""
        candidates = list(self.agency.values())
        return max(candidates, key=lambda d: d.due_on) if candidates else None

    def expire_before(self, day: date) -> None:
        """Apply, in date order, every clock that ran out before `day` (constructive denials included)."""
        while True:
            due = []
            governing = self.governing_agency_clock()
            if self.awaiting and governing and governing.due_on < day:
                due.append((governing.due_on, 0, "agency", None))
            due += [(p[0].due_on, 1, "promise", i) for i, p in enumerate(self.promises) if p[0].due_on < day]
            due += [(d.due_on, 2, "clock", key) for key, d in self.open.items() if d.due_on < day]
            if not due:
                return
            _, _, what, key = min(due, key=lambda t: (t[0], t[1]))
            if what == "agency":
                self.constructive_denial(governing)
            elif what == "promise":
                promise, given_on, replaced_by = self.promises.pop(key)
                self.missed[("promise", self._number())] = missed(promise)
                self.state.warnings.append(agency_dates.promised_date_missed(
                    promise.due_on, given_on, replaced_by, promise.event_id))
            else:
                self.run_out(key)

    def _number(self) -> int:
        self.numbers += 1
        return self.numbers

    def constructive_denial(self, clock: Deadline) -> None:
        # POL §89(3)(a), §89(4)(a): an agency that misses its deadline has denied the request.
        self.awaiting = False
        self.agency.clear()
        self.promises.clear()
        self.missed[("agency", self._number())] = missed(clock)
        self.state.status = "constructively_denied"
        note = (f"Constructive denial: the agency missed its {clock.kind.replace('_', ' ')} deadline of "
                f"{clock.due_on.isoformat()} ({clock.basis})")
        self._determined(Determination(clock.event_id, clock.due_on, "constructively_denied", constructive=True),
                         self.clock("appeal", clock.due_on, clock.event_id, note))

    def run_out(self, key: tuple[str, int]) -> None:
        clock = self.open.pop(key)
        self.missed[key] = missed(clock)
        if key[0] == "decision":
            # POL §89(4)(b): no decision in time is a denial of the appeal, a final determination.
            appeal = self.appeals[key[1]]
            appeal.outcome = "constructively_denied"
            if appeal.event_id is not None:
                self.state.lapsed_appeals.append(appeal.event_id)
            self.state.status = "appeal_constructively_denied"
            note = (f"Constructive denial of the appeal: no decision by {clock.due_on.isoformat()} "
                    "(POL §89(4)(b))")
            self.open[("article78", key[1])] = self.clock("article78", clock.due_on, clock.event_id, note)

    def _determined(self, determination: Determination, appeal_clock: Deadline | None) -> None:
        self.determinations.append(determination)
        if appeal_clock is not None:
            self.open[("appeal", len(self.determinations) - 1)] = appeal_clock

    # -- events ---------------------------------------------------------------------------------
    def apply(self, event: EventFact) -> None:
        self.expire_before(event.occurred_on)
        kind = event.type
        if kind not in EVENT_TYPES:
            raise IllegalTransition(f"unknown event type {kind!r}; known types: {', '.join(EVENT_TYPES)}")
        if kind in ALWAYS_ALLOWED:
            return
        if self.phase == "ended":
            raise IllegalTransition(f"the request is {self.state.status}; only notes can be added now")
        if kind == "withdrawn":
            self.end("withdrawn")
            return
        if kind != "submitted" and self.phase == "draft":
            raise IllegalTransition(f"{kind} cannot be logged before the request is submitted")
        getattr(self, "on_" + kind)(event)

    def end(self, status: str) -> None:
        self.phase = "ended"
        self.state.status = status
        self.awaiting = False
        self.agency.clear()
        self.promises.clear()
        self.open.clear()

    def on_submitted(self, event: EventFact) -> None:
        if self.phase != "draft":
            raise IllegalTransition("the request was already submitted")
        received = parse_date(event.data.get("received_on") or event.occurred_on, "received_on")
        self.state.received_on = received
        self.phase = "open"
        self.awaiting = True
        self.state.status = "submitted"
        self.agency["acknowledgment"] = self.clock("acknowledgment", received, event.id)

    def on_granted(self, event: EventFact) -> None:
        self._determine(event, "granted")

    def on_partially_granted(self, event: EventFact) -> None:
        self._determine(event, "partially_granted")

    def on_denied(self, event: EventFact) -> None:
        self._determine(event, "denied")

    def on_no_records(self, event: EventFact) -> None:
        self._determine(event, "no_records")

    def _determine(self, event: EventFact, status: str) -> None:
        # Any number of determinations may follow one another: a production rolls out in parts.
        self.awaiting = False
        self.agency.clear()
        self.promises.clear()
        self.last_date_given = None  # a later extension (the rest of a production) starts the dates over
        self.state.status = status
        self._count_pages(event)  # a grant that releases records says how many pages
        # The agency's own answer, late as it is, replaces a constructive denial not yet appealed: what can be
        # appealed now is the answer (with its own, later clock), not the silence before it.
        for index, d in enumerate(self.determinations):
            if d.constructive and not d.appealed:
                d.appealed = d.superseded = True
                self.open.pop(("appeal", index), None)
                self.missed.pop(("appeal", index), None)
        for key in [k for k in self.missed if k[0] == "agency"]:
            del self.missed[key]
        if NOT_REASONABLY_DESCRIBED in (event.data.get("exemptions") or ()):
            self.overruled = self.marked_on is not None and event.occurred_on <= self.marked_on
            self.state.clarification_pending = not self.overruled
        if status in APPEALABLE:
            self._determined(Determination(event.id, event.occurred_on, status),
                             self.clock("appeal", event.occurred_on, event.id))

    def on_appeal_filed(self, event: EventFact) -> None:
        targets = [i for i, d in enumerate(self.determinations) if not d.appealed]
        wanted = event.data.get("determination_event_id")
        if wanted is not None:
            targets = [i for i in targets if self.determinations[i].event_id == wanted]
            if not targets:
                raise IllegalTransition(f"event {wanted} is not an appealable determination of this request "
                                        "that is still to be appealed")
        if not targets:
            raise IllegalTransition(
                f"there is nothing to appeal: the request is {self.state.status.replace('_', ' ')}; an appeal "
                "follows a denial, a partial grant, a no-records answer or a constructive denial"
            )
        for index in targets:
            self.determinations[index].appealed = True
            self.open.pop(("appeal", index), None)
            self.missed.pop(("appeal", index), None)
        received = parse_date(event.data.get("received_on") or event.occurred_on, "received_on")
        self.state.status = "appeal_filed"
        self.appeals.append(Appeal(event.id))
        self.open[("decision", len(self.appeals) - 1)] = self.clock("appeal_determination", received, event.id)

    def _appeal_answered(self, event: EventFact, kind: str) -> int:
        # A late answer to an appeal the agency let lapse still counts: it replaces the constructive denial.
        candidates = [i for i, a in enumerate(self.appeals) if a.outcome in ("", "constructively_denied")]
        wanted = event.data.get("appeal_event_id")
        if wanted is not None:
            candidates = [i for i in candidates if self.appeals[i].event_id == wanted]
        if not candidates:
            raise IllegalTransition(f"{kind} needs an appeal filed and not yet decided; the request is "
                                    f"{self.state.status.replace('_', ' ')}")
        index = candidates[-1]
        if self.appeals[index].event_id in self.state.lapsed_appeals:  # answered late: no longer lapsed
            self.state.lapsed_appeals.remove(self.appeals[index].event_id)
        for group in ("decision", "article78"):
            self.open.pop((group, index), None)
        self.missed.pop(("decision", index), None)
        return index

    def on_appeal_granted(self, event: EventFact) -> None:
        self.appeals[self._appeal_answered(event, "appeal_granted")].outcome = "granted"
        self.state.status = "appeal_granted"

    def on_appeal_denied(self, event: EventFact) -> None:
        index = self._appeal_answered(event, "appeal_denied")
        self.appeals[index].outcome = "denied"
        self.state.status = "appeal_denied"
        self.open[("article78", index)] = self.clock("article78", event.occurred_on, event.id)

    def on_article78_filed(self, event: EventFact) -> None:
        if not any(a.outcome in ("denied", "constructively_denied") for a in self.appeals):
            raise IllegalTransition(
                "an Article 78 petition follows a final determination: an appeal denied, or not answered "
                "in time (CPLR 217(1), POL §89(4)(b))"
            )
        self.state.status = "in_litigation"
        for key in [k for k in self.open if k[0] == "article78"]:
            del self.open[key]

    def on_closed(self, event: EventFact) -> None:
        self.end("closed")

    def on_records_released(self, event: EventFact) -> None:
        self._count_pages(event)

    def _count_pages(self, event: EventFact) -> None:
        pages = event.data.get("pages", 0)
        if not isinstance(pages, int) or isinstance(pages, bool) or pages < 0:
            raise IllegalTransition("pages released must be a whole number of pages, 0 or more")
        self.state.pages_released += pages

    def on_fee_requested(self, event: EventFact) -> None:
        self.state.fee_pending = True

    def on_fee_paid(self, event: EventFact) -> None:
        self.state.fee_pending = False

    def on_clarification_requested(self, event: EventFact) -> None:
        # POL §89(3)(a) runs the agency's time from the receipt of a request "for a record reasonably
        # described": asking what is meant leaves the next step to the requester, unless a lawyer marks the
        # request as reasonably described after all (then the original clocks keep running).
        self.overruled = self.marked_on is not None and event.occurred_on <= self.marked_on
        self.state.clarification_pending = not self.overruled
        if not self.overruled and self.awaiting:
            self.awaiting = False
            self.agency.clear()
            self.promises.clear()
            self.last_date_given = None

    def on_clarification_answered(self, event: EventFact) -> None:
        if not self.state.clarification_pending and not self.overruled:
            raise IllegalTransition("a clarification answered follows a clarification the agency asked for, or "
                                    "its answer that the request does not reasonably describe the records")
        self.state.clarification_pending = False
        if self.overruled:
            return  # the original request was reasonably described: its clocks never stopped
        received = parse_date(event.data.get("received_on") or event.occurred_on, "received_on")
        self.awaiting = True
        self.agency.clear()
        self.agency["acknowledgment"] = self.clock(
            "acknowledgment", received, event.id,
            f"Counted as from a new receipt: the requester's clarification reached the agency on "
            f"{received.isoformat()}. This is the product's reading: POL §89(3)(a) runs the agency's time from "
            "the receipt of a request that reasonably describes the records, and has no tolling clause")

    def on_reasonably_described(self, event: EventFact) -> None:
        if not self.overruled:
            raise IllegalTransition("there is no clarification request to overrule: the request is marked "
                                    "reasonably described after the agency asked for a clarification")
        self.state.clarification_pending = False

    def finish(self) -> RequestState:
        # A deadline is missed when its whole last day has gone by.
        self.expire_before(self.today)
        clocks = [*self.agency.values(), *(p[0] for p in self.promises), *self.open.values(),
                  *self.missed.values()]
        self.state.deadlines = sorted(clocks, key=lambda d: (d.due_on, d.kind, d.missed))
        constructive_open = any(d.constructive and ("appeal", i) in self.open
                                for i, d in enumerate(self.determinations))
        self.state.constructive_denial = self.state.status in ("constructively_denied",
                                                               "appeal_constructively_denied") or constructive_open
        return self.state


def ordered(events: Iterable[EventFact]) -> list[EventFact]:
    """Events in legal-date order; events of the same day keep the order they were recorded in."""
    indexed = list(enumerate(events))
    indexed.sort(key=lambda pair: (pair[1].occurred_on, pair[0]))
    return [event for _, event in indexed]

"""The life of a FOIL request: statuses, events, which event may follow which, and open deadlines.

Pure rules: this module takes a request's events and today's date and returns its status and its
deadlines. Nothing here touches Flask, the database or the clock.

Statuses are derived, never stored as truth. A missed acknowledgment or determination deadline is a
constructive denial (POL §89(3)(a), §89(4)(a)); an unanswered appeal is a constructive denial of the
appeal (POL §89(4)(b)). Both are flagged and open the next clock, rather than silently assumed away.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tracker import deadlines

STATUSES = (
    "draft", "submitted", "acknowledged", "extended",
    "granted", "partially_granted", "denied", "no_records", "constructively_denied",
    "appeal_filed", "appeal_granted", "appeal_denied", "appeal_constructively_denied",
    "in_litigation", "closed", "withdrawn",
)

EVENT_TYPES = (
    "submitted", "acknowledged", "extended", "records_released",
    "granted", "partially_granted", "denied", "no_records",
    "appeal_filed", "appeal_granted", "appeal_denied", "article78_filed",
    "fee_requested", "fee_paid", "clarification_requested", "closed", "withdrawn", "note",
)

DEADLINE_KINDS = ("acknowledgment", "determination", "date_certain", "appeal", "appeal_determination", "article78")

# Answers that can be appealed to the agency's appeals officer (POL §89(4)(a)).
APPEALABLE = ("partially_granted", "denied", "no_records", "constructively_denied")

# Events that may be logged at any point in a request's life, even after it is closed.
ALWAYS_ALLOWED = frozenset({"note"})

LABELS = {
    "acknowledgment": "Acknowledgment due",
    "determination": "Determination due",
    "date_certain": "Agency's date certain",
    "appeal": "Appeal deadline",
    "appeal_determination": "Appeal decision due",
    "article78": "Article 78 deadline",
}


class IllegalTransition(ValueError):
    """An event that cannot follow the request's history, with a message a person can act on."""


@dataclass(frozen=True)
class EventFact:
    """What the rules need to know of one event."""

    type: str
    occurred_on: date
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True)
class Deadline:
    """An open statutory clock: its kind, legal last day, raw day where GCL §25-a moved it, and why."""

    kind: str
    due_on: date
    raw_due_on: date | None
    basis: str
    event_id: int | None = None
    missed: bool = False

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def as_dict(self) -> dict[str, Any]:
        """The deadline as the API returns it."""
        return {
            "kind": self.kind,
            "due_on": self.due_on.isoformat(),
            "raw_due_on": self.raw_due_on.isoformat() if self.raw_due_on else None,
            "basis": self.basis,
            "event_id": self.event_id,
            "missed": self.missed,
        }


@dataclass
class RequestState:
    """Where a request stands on a given day."""

    status: str = "draft"
    deadlines: list[Deadline] = field(default_factory=list)
    constructive_denial: bool = False
    fee_pending: bool = False
    clarification_pending: bool = False
    pages_released: int = 0
    received_on: date | None = None

    @property
    def open_deadlines(self) -> list[Deadline]:
        return [d for d in self.deadlines if not d.missed]

    @property
    def next_deadline(self) -> Deadline | None:
        """The earliest deadline still to be met, or the latest missed one if nothing is open."""
        pending = sorted(self.open_deadlines, key=lambda d: d.due_on)
        if pending:
            return pending[0]
        # Everything has been missed: the last clock to run out is the one that matters now.
        return max(self.deadlines, key=lambda d: d.due_on) if self.deadlines else None


def _parse_date(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise IllegalTransition(f"{what} must be a date written YYYY-MM-DD, not {value!r}") from None


class _Fold:
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
            self.clocks["missed:" + agency_clock.kind] = _missed(agency_clock)
            due = deadlines.compute("appeal", agency_clock.due_on, self.closures)
            self.clocks["appeal"] = Deadline(
                "appeal",
                due.due_on,
                due.raw_due_on,
                f"Constructive denial: the agency missed its {agency_clock.kind.replace('_', ' ')} deadline "
                f"of {agency_clock.due_on.isoformat()} ({agency_clock.basis}). {due.basis}",
                agency_clock.event_id,
            )
        appeal_clock = self.clocks.get("appeal_determination")
        if self.phase == "appeal" and appeal_clock and appeal_clock.due_on < day:
            self.phase = "appeal_decided"
            self.state.status = "appeal_constructively_denied"
            self.state.constructive_denial = True
            self.stop("appeal_determination")
            self.clocks["missed:appeal_determination"] = _missed(appeal_clock)
            due = deadlines.compute("article78", appeal_clock.due_on, self.closures)
            self.clocks["article78"] = Deadline(
                "article78",
                due.due_on,
                due.raw_due_on,
                f"Constructive denial of the appeal: no decision by {appeal_clock.due_on.isoformat()} "
                f"(POL §89(4)(a)). {due.basis}",
                appeal_clock.event_id,
            )
        for key, clock in list(self.clocks.items()):
            if key in ("appeal", "article78") and clock.due_on < day:
                self.clocks["missed:" + key] = _missed(clock)
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
        if self.phase in ("closed", "withdrawn"):
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
        received = _parse_date(event.data.get("received_on") or event.occurred_on, "received_on")
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
        day = _parse_date(value, "date_certain")
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
        received = _parse_date(event.data.get("received_on") or event.occurred_on, "received_on")
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


def _missed(clock: Deadline) -> Deadline:
    return Deadline(clock.kind, clock.due_on, clock.raw_due_on, clock.basis, clock.event_id, missed=True)


def _ordered(events: Iterable[EventFact]) -> list[EventFact]:
    # Legal date first; events of the same day keep the order they were recorded in.
    indexed = list(enumerate(events))
    indexed.sort(key=lambda pair: (pair[1].occurred_on, pair[0]))
    return [event for _, event in indexed]


def fold(events: Iterable[EventFact], today: date, closures: Iterable[date] = ()) -> RequestState:
    """Fold a request's events (in any order) and today's date into its status and deadlines.

    Raises IllegalTransition if the history is not a possible one.
    """
    walker = _Fold(today, closures)
    for event in _ordered(events):
        walker.apply(event)
    return walker.finish()


def check_new_event(
    events: Sequence[EventFact], new: EventFact, today: date, closures: Iterable[date] = ()
) -> RequestState:
    """The request's state with `new` added, or IllegalTransition saying why it cannot be."""
    if new.type not in EVENT_TYPES:
        raise IllegalTransition(f"unknown event type {new.type!r}; known types: {', '.join(EVENT_TYPES)}")
    if new.occurred_on > today:
        raise IllegalTransition(
            f"{new.type} is dated {new.occurred_on.isoformat()}, which is in the future; log it on the day it happens"
        )
    return fold([*events, new], today, closures)

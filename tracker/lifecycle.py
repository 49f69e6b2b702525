"""The life of a FOIL request: statuses, events, which event may follow which, and open deadlines.

Pure rules: this module takes a request's events and today's date and returns its status and its
deadlines. Nothing here touches Flask, the database or the clock.

Statuses are derived, never stored as truth. A missed acknowledgment or determination deadline is a
constructive denial (POL §89(3)(a), §89(4)(a)); an unanswered appeal is a constructive denial of the
appeal (POL §89(4)(b)). Both are flagged and open the next clock, rather than silently assumed away.

A request can have several determinations (a denial, then partial grants as records roll out, a final
one): each appealable one opens its own appeal clock, each appeal its own decision clock, and the status
is the latest. The agency's dates are checked, never refused: what looks wrong is a warning
(`request_warnings`), shown beside the request and available to its letters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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
    "fee_requested", "fee_paid", "clarification_requested", "clarification_answered", "reasonably_described",
    "closed", "withdrawn", "note",
)
# Determinations: the agency's answers to the request. Any number may follow one another (rolling
# productions); each appealable one opens its own appeal clock.
DETERMINATIONS = ("granted", "partially_granted", "denied", "no_records")

DEADLINE_KINDS = ("acknowledgment", "determination", "date_certain", "appeal", "appeal_determination", "article78")

# The sets of statuses, defined here once and used by every list, filter, feed and figure.
# Nothing more happens to these requests (only notes are logged).
ENDED = frozenset({"closed", "withdrawn"})
# Everything else: a deadline may still run, and the request shows on worklists, feeds and reminders.
OPEN = frozenset(STATUSES) - ENDED
# The agency has not answered yet (a constructive denial is the law's answer for it, not the agency's).
AWAITING_ANSWER = frozenset({"draft", "submitted", "acknowledged", "extended", "constructively_denied"})
# The agency has answered, or the request is over: a campaign's progress counts these.
ANSWERED = frozenset(STATUSES) - AWAITING_ANSWER
# The request is over with the records obtained or given up: its days open stop at that event.
CONCLUDED = ENDED | {"granted", "appeal_granted"}
# Answers that can be appealed to the agency's appeals officer (POL §89(4)(a)).
APPEALABLE = ("partially_granted", "denied", "no_records", "constructively_denied")
# Statuses the passing of time alone can bring about, with no event logged (POL §89(3)(a), §89(4)(a)-(b)).
TIME_DRIVEN = frozenset({"constructively_denied", "appeal_constructively_denied"})
# The agency's answers that withhold records, as it gives them (a constructive denial is the law's answer).
WITHHOLDING = ("partially_granted", "denied", "no_records")
# Answers that give records, and answers that refuse them, to the request or to its appeal.
GRANTING = ("granted", "partially_granted", "appeal_granted")
REFUSING = ("denied", "no_records", "appeal_denied")
# The agency's first answers that only promise one (POL §89(3)(a)).
PROMISES = ("acknowledged", "extended")
# The appeal's final denials: each opens the four months to petition (CPLR 217(1)).
APPEAL_DENIED = ("appeal_denied", "appeal_constructively_denied")
# The request is being contested: appealed, or in court.
CONTESTED = ("appeal_filed", "in_litigation")
# The deadlines that bind the agency (its own clocks); the appeal and Article 78 deadlines bind the requester.
AGENCY_CLOCKS = ("acknowledgment", "determination", "date_certain", "appeal_determination")
# The agency's clocks for answering the request itself (not an appeal of it).
ANSWER_CLOCKS = ("acknowledgment", "determination", "date_certain")
# The clocks an event of the request opens (a determination, an appeal, an appeal's denial).
OPENED_BY_EVENTS = ("appeal", "appeal_determination", "article78")
# The appeals officer's decisions, as events.
APPEAL_DECISIONS = ("appeal_granted", "appeal_denied")
# The events that open a clock, as a deadline's row names them ("for the denial of March 3").
EVENT_NOUNS = {"denied": "denial", "partially_granted": "partial grant", "no_records": "no-records answer",
               "appeal_filed": "appeal filed", "appeal_denied": "appeal denied"}

# The statute each kind of deadline comes from.
STATUTES = {
    "acknowledgment": "POL §89(3)(a)",
    "determination": "POL §89(3)(a)",
    "date_certain": "POL §89(3)(a)",
    "appeal": "POL §89(4)(a)",
    "appeal_determination": "POL §89(4)(a)",
    "article78": "CPLR 217(1)",
}

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
    """An open statutory clock: its kind, legal last day, raw day where GCL §25-a moved it, and why.

    `event_id` is the event that opened it (for an appeal clock, the determination appealable by it);
    `calendar` the days it was counted on ("statute", or the agency's "nyc" calendar).
    """

    kind: str
    due_on: date
    raw_due_on: date | None
    basis: str
    event_id: int | None = None
    missed: bool = False
    calendar: str = "statute"

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def statute(self) -> str:
        """The statute this kind of deadline comes from (an Article 78 limit cites CPLR 217(1))."""
        return STATUTES[self.kind]

    def as_dict(self) -> dict[str, Any]:
        """The deadline as the API returns it."""
        return {
            "kind": self.kind,
            "due_on": self.due_on.isoformat(),
            "raw_due_on": self.raw_due_on.isoformat() if self.raw_due_on else None,
            "basis": self.basis,
            "statute": self.statute,
            "event_id": self.event_id,
            "missed": self.missed,
            "calendar": self.calendar,
        }


@dataclass(frozen=True)
class RequestWarning:
    """Something the agency's dates or answers get wrong, for a person to weigh: it never blocks logging."""

    code: str
    message: str
    citation: str
    event_id: int | None = None

    def as_dict(self) -> dict[str, str]:
        """The warning as the API and the letters take it: {code, message, citation}."""
        return {"code": self.code, "message": self.message, "citation": self.citation}


@dataclass
class RequestState:
    """Where a request stands on a given day."""

    status: str = "draft"
    deadlines: list[Deadline] = field(default_factory=list)
    constructive_denial: bool = False
    fee_pending: bool = False
    clarification_pending: bool = False
    pages_released: int = 0
    warnings: list[RequestWarning] = field(default_factory=list)
    # The appeals (their appeal_filed event ids) that no decision answered in time (POL §89(4)(b)).
    lapsed_appeals: list[int] = field(default_factory=list)
    received_on: date | None = None
    # Set when the stored history cannot be folded (a restored backup, an old bug): where and why.
    inconsistency: str = ""

    @property
    def appealable(self) -> bool:
        """Whether an appeal can be filed now: an appealable answer, or an appeal clock still open (a
        constructive denial stays appealable after a late acknowledgment, until its clock runs out)."""
        return self.status in APPEALABLE or any(d.kind == "appeal" and not d.missed for d in self.deadlines)

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


def fold(events: Iterable[EventFact], today: date, closures: Iterable[date] = (), *,
         strict: bool = False, calendar: str = "statute") -> RequestState:
    """Fold a request's events (in any order) and today's date into its status and deadlines.

    `closures` and `calendar` are the agency's: they count its own clocks only (tracker.deadlines).
    A history that is not a possible one raises IllegalTransition when `strict` (checking a new event);
    otherwise (reading) the state is folded as far as it goes and `inconsistency` says where it stopped.
    """
    from tracker.timeline import Walk, ordered  # the walker uses this module's vocabulary

    events = ordered(events)
    walker = Walk(today, closures, calendar, events)
    for event in events:
        try:
            walker.apply(event)
        except IllegalTransition as exc:
            if strict:
                raise
            walker.state.inconsistency = f"the history is inconsistent at {describe(event)}: {exc}"
            break
    return walker.finish()


def describe(event: EventFact) -> str:
    """An event as people name it in a notice: "appeal filed on 2024-03-04 (event 17)"."""
    number = f" (event {event.id})" if event.id is not None else ""
    return f"{event.type.replace('_', ' ')} on {event.occurred_on.isoformat()}{number}"


def request_warnings(events: Iterable[EventFact], today: date, closures: Iterable[date] = (), *,
                     calendar: str = "statute") -> list[RequestWarning]:
    """What the agency's dates and answers get wrong, as of `today`: dates certain without a reason, further
    extensions and their total length, promised dates missed, late acknowledgments (POL §89(3)(a))."""
    return fold(events, today, closures, calendar=calendar).warnings


def check_new_event(
    events: Sequence[EventFact], new: EventFact, today: date, closures: Iterable[date] = (), *,
    calendar: str = "statute",
) -> RequestState:
    """The request's state with `new` added, or IllegalTransition saying why it cannot be."""
    if new.type not in EVENT_TYPES:
        raise IllegalTransition(f"unknown event type {new.type!r}; known types: {', '.join(EVENT_TYPES)}")
    if new.occurred_on > today:
        raise IllegalTransition(
            f"{new.type} is dated {new.occurred_on.isoformat()}, which is in the future; log it on the day it happens"
        )
    before = fold(events, today, closures, calendar=calendar)
    if before.inconsistency:
        # A broken history takes notes (what was found, what was done) but nothing that builds on it.
        if new.type in ALWAYS_ALLOWED:
            return before
        raise IllegalTransition(f"{before.inconsistency}; the timeline must be corrected before {new.type} "
                                "can be logged")
    return fold([*events, new], today, closures, strict=True, calendar=calendar)

"""The agency's answers on a request's timeline: acknowledgments, extensions and the dates they give.

Part of the walk of tracker.timeline (pure rules: no Flask, no database, no clock). POL §89(3)(a): the
agency acknowledges within five business days with an approximate date, and decides within twenty business
days of the acknowledgment, or states in writing a reason and a date certain. The dates it gives are kept:
a date it later replaced stays in view and shows as missed when it passes; what looks wrong is a warning
(tracker.agency_dates), never a refusal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker import agency_dates, deadlines
from tracker.lifecycle import Deadline, EventFact, IllegalTransition


def parse_date(value: Any, what: str) -> date:
    """A date from an ISO string (or a date), or IllegalTransition naming `what`."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise IllegalTransition(f"{what} must be a date written YYYY-MM-DD, not {value!r}") from None


def missed(clock: Deadline) -> Deadline:
    """The same clock, marked as run out."""
    return Deadline(clock.kind, clock.due_on, clock.raw_due_on, clock.basis, clock.event_id, missed=True,
                    calendar=clock.calendar)


class AgencyDates:
    """The handlers of the agency's answers, mixed into tracker.timeline.Walk (whose state they share)."""

    def _answered(self):
        """The agency's latest answer of its own (not a constructive denial), or None."""
        return next((d for d in reversed(self.determinations) if not d.constructive), None)

    def _late(self, event: EventFact) -> None:
        """An acknowledgment or extension after a constructive denial: it stands, its appeal stays open."""
        for index, d in reversed(list(enumerate(self.determinations))):
            if d.constructive and ("appeal", index) in self.open:
                due = self.open[("appeal", index)].due_on
                self.state.warnings.append(agency_dates.late_answer(event.type, event.occurred_on, d.on, due,
                                                                    event.id))
                return

    def on_acknowledged(self, event: EventFact) -> None:
        answered = self._answered()
        if answered is not None:
            raise IllegalTransition(
                f"the agency already answered ({answered.status.replace('_', ' ')} on {answered.on.isoformat()}); "
                "log an extension for a new date it gave for the rest")
        if not self.awaiting:
            self._late(event)
        self.awaiting = True
        self.acknowledged_on = event.occurred_on
        self.state.status = "acknowledged"
        self.state.clarification_pending = False
        self.agency.pop("acknowledgment", None)
        self.agency["determination"] = self.clock("determination", event.occurred_on, event.id)
        if event.data.get("date_certain") is None:
            self.state.warnings.append(agency_dates.acknowledgment_without_date(event.occurred_on, event.id))
        self._date_certain(event, required=False)

    def on_extended(self, event: EventFact) -> None:
        if not self.awaiting and any(d.constructive for d in self.determinations) and self._answered() is None:
            self._late(event)
        self.awaiting = True
        self.state.status = "extended"
        self.extensions += 1
        self.agency.pop("acknowledgment", None)
        if "determination" not in self.agency:
            self.agency["determination"] = self.clock("determination", event.occurred_on, event.id)
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
        previous = self.last_date_given
        if previous is not None and self.last_given_on is not None and previous.due_on != day:
            self._keep_promise(previous, self.last_given_on, day, event.occurred_on)
        if previous is not None and event.type == "extended":
            self.state.warnings.append(agency_dates.further_extension(
                self.extensions, event.occurred_on, previous.due_on, day, self.state.received_on,
                self._business_days(self.acknowledged_on, day), event.id))
        self.last_date_given = Deadline(
            "date_certain", day, None,
            f"POL §89(3)(a): the date the agency itself gave for granting or denying the request, given on "
            f"{event.occurred_on.isoformat()}", event.id, calendar=self.calendar)
        self.last_given_on = event.occurred_on
        acknowledged = self.acknowledged_on or event.occurred_on
        limit = deadlines.determination_due(acknowledged, self.closures)
        if day > limit and not str(event.data.get("reason") or "").strip():
            self.state.warnings.append(agency_dates.date_certain_without_reason(
                event.type, event.occurred_on, day, limit, acknowledged, event.id))
        self.agency["date_certain"] = self.last_date_given
        # Of the 20-business-day limit and the agency's own date, only the later one governs.
        governing = self.governing_agency_clock()
        for kind in ("determination", "date_certain"):
            if kind in self.agency and self.agency[kind] is not governing:
                del self.agency[kind]

    def _keep_promise(self, previous: Deadline, given_on: date, day: date, on: date) -> None:
        """The agency's own earlier date stays in view once replaced, and shows as missed when it passes."""
        kept = Deadline("date_certain", previous.due_on, None, f"{previous.basis}; replaced by {day.isoformat()} "
                        f"on {on.isoformat()}", previous.event_id, calendar=self.calendar)
        if previous.due_on >= on:
            self.promises.append((kept, given_on, day))
        elif not any(m.kind == "date_certain" and m.due_on == previous.due_on for m in self.missed.values()):
            # It had already passed unmet (it did not govern, so it made no constructive denial).
            self.missed[("promise", self._number())] = missed(kept)
            self.state.warnings.append(agency_dates.promised_date_missed(previous.due_on, given_on, day,
                                                                         previous.event_id))

    def _business_days(self, start: date | None, end: date) -> int | None:
        if start is None or end <= start:
            return None
        count, day = 0, start
        while day < end:
            day = deadlines.next_business_day(day, self.closures)
            count += 1
        return count

"""How fast an agency answers: business days to first answer and to decision, and constructive denials."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import median

from tracker.deadlines import roll_forward
from tracker.operations import request_state
from tracker.operations.scorecards import was_constructively_denied
from tracker.scorecard import ANSWERS, DECISIONS, business_days_between


@dataclass
class Timing:
    """One request's answer times, in business days from the (rolled) day of receipt."""

    request: object
    received_on: date
    to_answer: int | None
    to_decision: int | None
    constructive: bool


@dataclass
class AgencyFigures:
    """Response-time figures of one agency's requests."""

    timings: list[Timing] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return len(self.timings)

    def _median(self, attr: str) -> float | None:
        values = [getattr(t, attr) for t in self.timings if getattr(t, attr) is not None]
        return median(values) if values else None

    @property
    def median_to_answer(self) -> float | None:
        return self._median("to_answer")

    @property
    def median_to_decision(self) -> float | None:
        return self._median("to_decision")

    @property
    def constructive_share(self) -> float | None:
        if not self.timings:
            return None
        return sum(t.constructive for t in self.timings) / len(self.timings)


def agency_figures(requests, today: date) -> AgencyFigures:
    """Figures for the given requests (one agency's), ignoring drafts."""
    figures = AgencyFigures()
    for request in requests:
        state = request_state(request, today)
        if state.received_on is None:
            continue
        closures = request.agency.closures
        start = roll_forward(state.received_on, closures)
        answers = [e.occurred_on for e in request.events if e.type in ANSWERS]
        decisions = [e.occurred_on for e in request.events if e.type in DECISIONS]
        figures.timings.append(Timing(
            request, state.received_on,
            business_days_between(start, min(answers), closures) if answers else None,
            business_days_between(start, min(decisions), closures) if decisions else None,
            was_constructively_denied(request, today),
        ))
    figures.timings.sort(key=lambda t: (t.received_on, t.request.id))
    return figures

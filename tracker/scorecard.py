"""An agency's scorecard, pure: how fast and how fully it answers FOIL requests, from facts per request.

No Flask, no database: the glue (tracker.operations.scorecards) folds each request's events with the
lifecycle rules and passes the facts here. Business days exclude weekends, New York public holidays
(General Construction Law §24) and the agency's own closure days; the receipt day itself is not counted
(GCL §20), and a request received on a day the agency is closed counts as received the next business day
(21 NYCRR 1401.5), as for the statutory clocks (POL §89(3)(a)).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from tracker import lifecycle
from tracker.deadlines import acknowledgment_due, is_business_day, roll_forward

# The first answer a requester gets (POL §89(3)(a): grant, deny, or acknowledge with a date).
ANSWERS = frozenset(lifecycle.PROMISES + lifecycle.DETERMINATIONS)
# A determination: the agency grants or denies (in part or whole), or says it has no records.
DECISIONS = frozenset(lifecycle.DETERMINATIONS)


def business_days_between(start: date, end: date, closures=()) -> int:
    """Business days after `start` up to and including `end` (0 when `end` is not later)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day, closures):
            count += 1
    return count


@dataclass(frozen=True)
class RequestFacts:
    """What the scorecard needs of one filed request, as the lifecycle fold sees it today."""

    received_on: date
    first_answer: date | None
    first_decision: date | None
    constructive_denial: bool
    appeals_filed: int = 0
    appeals_granted: int = 0
    grounds: tuple[str, ...] = ()
    closures: frozenset[date] = frozenset()

    @property
    def acknowledgment_due(self) -> date:
        """The last day for the first answer (5 business days, POL §89(3)(a))."""
        return acknowledgment_due(self.received_on, self.closures)

    def days_to(self, answered: date | None) -> int | None:
        """Business days from the (rolled) day of receipt to `answered`, or None."""
        if answered is None:
            return None
        start = roll_forward(self.received_on, self.closures)
        return business_days_between(start, answered, self.closures)


@dataclass
class Scorecard:
    """The figures of one agency (or none yet when nothing was filed); shares are 0-1, medians in business
    days; `pages_released` and `median_redacted_share` are None when the pages were not measured."""

    requests_filed: int = 0
    median_days_to_acknowledge: float | None = None
    median_days_to_determine: float | None = None
    acknowledged_late_share: float | None = None
    acknowledgment_due_count: int = 0
    constructive_denial_share: float | None = None
    appeals_filed: int = 0
    appeals_granted: int = 0
    pages_released: int | None = None
    median_redacted_share: float | None = None
    grounds: list[tuple[str, int]] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The figures as the API answers them."""
        return {
            "requests_filed": self.requests_filed,
            "median_business_days_to_acknowledge": self.median_days_to_acknowledge,
            "median_business_days_to_determine": self.median_days_to_determine,
            "acknowledged_late_share": self.acknowledged_late_share,
            "acknowledgment_due_count": self.acknowledgment_due_count,
            "constructive_denial_share": self.constructive_denial_share,
            "appeals_filed": self.appeals_filed,
            "appeals_granted": self.appeals_granted,
            "pages_released": self.pages_released,
            "median_redacted_share": self.median_redacted_share,
            "pages_measured": self.pages_released is not None,
            "grounds": [{"ground": key, "count": count} for key, count in self.grounds],
        }


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(median(values)) if values else None


def score(facts: list[RequestFacts], today: date, pages: tuple[int | None, float | None] = (None, None)
          ) -> Scorecard:
    """The scorecard of these requests as of `today`.

    "Acknowledged late" counts, of the requests whose acknowledgment was due by today or has come, those
    whose first answer came after the fifth business day (or has not come and the day has passed).
    """
    card = Scorecard(requests_filed=len(facts), pages_released=pages[0], median_redacted_share=pages[1])
    if not facts:
        return card
    card.median_days_to_acknowledge = _median(f.days_to(f.first_answer) for f in facts)
    card.median_days_to_determine = _median(f.days_to(f.first_decision) for f in facts)
    due = [f for f in facts if f.first_answer is not None or f.acknowledgment_due < today]
    late = [f for f in due if f.first_answer is None or f.first_answer > f.acknowledgment_due]
    card.acknowledgment_due_count = len(due)
    card.acknowledged_late_share = len(late) / len(due) if due else None
    card.constructive_denial_share = sum(f.constructive_denial for f in facts) / len(facts)
    card.appeals_filed = sum(f.appeals_filed for f in facts)
    card.appeals_granted = sum(f.appeals_granted for f in facts)
    counted = Counter(g for f in facts for g in f.grounds)
    card.grounds = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return card

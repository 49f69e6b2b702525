"""Several determinations, several appeals, clarification, late acknowledgments and the agency's dates checked.

Tables of histories against the clocks they leave running. Dates counted on a printed 2023 calendar: MLK Day
Jan 16, Lincoln's Birthday Sun Feb 12 observed Mon Feb 13, Washington's Birthday Feb 20, Independence Day
Tue Jul 4.
"""

from __future__ import annotations

from datetime import date

import pytest

from tracker.lifecycle import EventFact, IllegalTransition, check_new_event, fold, request_warnings

D = date.fromisoformat


def history(*steps):
    """EventFacts numbered from 1, from (type, 'YYYY-MM-DD'[, data]) tuples."""
    return [EventFact(s[0], D(s[1]), s[2] if len(s) > 2 else {}, n) for n, s in enumerate(steps, start=1)]


def clocks(state, missed=False):
    """(kind, due_on, event_id) of the open (or the missed) deadlines, in date order."""
    return [(d.kind, d.due_on.isoformat(), d.event_id) for d in state.deadlines if d.missed == missed]


DENIED_THEN_PARTIAL = (("submitted", "2023-01-06"), ("denied", "2023-02-10"),
                       ("partially_granted", "2023-03-01", {"exemptions": ["87(2)(b)"]}))

FOLDS = [
    # A denial, then a partial grant: each opens its own 30-day appeal clock; the status is the latest.
    # Feb 10 + 30 = Sun Mar 12 -> Mon Mar 13; Mar 1 + 30 = Fri Mar 31.
    (DENIED_THEN_PARTIAL, "2023-03-02", "partially_granted",
     [("appeal", "2023-03-13", 2), ("appeal", "2023-03-31", 3)], []),
    # Appealing the denial alone (by its event id) leaves the partial grant's clock running; the appeal's
    # decision is due ten business days after receipt (Mon Mar 6 -> Mon Mar 20).
    ((*DENIED_THEN_PARTIAL, ("appeal_filed", "2023-03-06", {"filed_by": "post", "determination_event_id": 2})),
     "2023-03-07", "appeal_filed", [("appeal_determination", "2023-03-20", 4), ("appeal", "2023-03-31", 3)], []),
    # An appeal that names no determination answers every one still open.
    ((*DENIED_THEN_PARTIAL, ("appeal_filed", "2023-03-06", {"filed_by": "post"})), "2023-03-07", "appeal_filed",
     [("appeal_determination", "2023-03-20", 4)], []),
    # Two appeals, two decision clocks. The first (received Wed Feb 15) was due Thu Mar 2 and lapsed: a
    # constructive denial of that appeal (POL §89(4)(b)) opens its Article 78 clock, Sun Jul 2 -> Mon Jul 3.
    ((("submitted", "2023-01-06"), ("denied", "2023-02-10"), ("appeal_filed", "2023-02-15", {"filed_by": "post"}),
      ("partially_granted", "2023-03-01"), ("appeal_filed", "2023-03-06", {"filed_by": "post"})),
     "2023-03-07", "appeal_filed",
     [("appeal_determination", "2023-03-20", 5), ("article78", "2023-07-03", 3)],
     [("appeal_determination", "2023-03-02", 3)]),
    # The second appeal denied, by its event id: its own Article 78 clock (Jul 10); the first's stays.
    ((("submitted", "2023-01-06"), ("denied", "2023-02-10"), ("appeal_filed", "2023-02-15", {"filed_by": "post"}),
      ("partially_granted", "2023-03-01"), ("appeal_filed", "2023-03-06", {"filed_by": "post"}),
      ("appeal_denied", "2023-03-10", {"appeal_event_id": 5})),
     "2023-03-11", "appeal_denied", [("article78", "2023-07-03", 3), ("article78", "2023-07-10", 6)],
     [("appeal_determination", "2023-03-02", 3)]),
    # A late acknowledgment does not erase the constructive denial of Jan 14: its appeal (Jan 13 + 30 =
    # Sun Feb 12, Mon Feb 13 observed Lincoln's Birthday -> Tue Feb 14) stays offered beside the new clock
    # (20 business days after Fri Jan 20: Tue Feb 21).
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-20")), "2023-01-25", "acknowledged",
     [("appeal", "2023-02-14", 1), ("determination", "2023-02-21", 2)], [("acknowledgment", "2023-01-13", 1)]),
    # ... until its own clock runs out.
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-20")), "2023-02-15", "acknowledged",
     [("determination", "2023-02-21", 2)], [("acknowledgment", "2023-01-13", 1), ("appeal", "2023-02-14", 1)]),
    # Meanwhile it can be appealed: received Wed Feb 1, decided by Thu Feb 16 (Feb 13 observed).
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-20"), ("appeal_filed", "2023-02-01",
                                                                      {"filed_by": "post"})),
     "2023-02-02", "appeal_filed", [("appeal_determination", "2023-02-16", 3), ("determination", "2023-02-21", 2)],
     [("acknowledgment", "2023-01-13", 1)]),
    # A clarification asked waits on the requester: no agency clock runs, so no constructive denial.
    ((("submitted", "2023-01-06"), ("clarification_requested", "2023-01-10")), "2023-03-01", "submitted", [], []),
    # The answer restarts the agency's clocks as from a new receipt: Wed Feb 1 -> Wed Feb 8.
    ((("submitted", "2023-01-06"), ("clarification_requested", "2023-01-10"),
      ("clarification_answered", "2023-02-01")), "2023-02-02", "submitted", [("acknowledgment", "2023-02-08", 3)],
     []),
    # Received by the agency later than it was sent: counted from that day (Fri Feb 3 -> Fri Feb 10).
    ((("submitted", "2023-01-06"), ("clarification_requested", "2023-01-10"),
      ("clarification_answered", "2023-02-01", {"received_on": "2023-02-03"})), "2023-02-03", "submitted",
     [("acknowledgment", "2023-02-10", 3)], []),
    # A lawyer marks the original request as reasonably described: its clocks never stopped, and the
    # constructive denial they produced on Jan 14 stands (the restart is not applied).
    ((("submitted", "2023-01-06"), ("clarification_requested", "2023-01-10"),
      ("clarification_answered", "2023-02-01"), ("reasonably_described", "2023-02-03")), "2023-02-03",
     "constructively_denied", [("appeal", "2023-02-14", 1)], [("acknowledgment", "2023-01-13", 1)]),
    # "Not reasonably described" is a denial (appealable until Fri Mar 3) that also waits on the requester;
    # the answer restarts the agency's clocks (Mon Feb 6 -> Tue Feb 14, past the observed Lincoln's
    # Birthday) and leaves the appeal open.
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12", {"date_certain": "2023-02-10"}),
      ("denied", "2023-02-01", {"exemptions": ["not_reasonably_described"]}),
      ("clarification_answered", "2023-02-06")), "2023-02-07", "denied",
     [("acknowledgment", "2023-02-14", 4), ("appeal", "2023-03-03", 3)], []),
    # An earlier date the agency itself gave stays in view and shows as missed when it passes.
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12", {"date_certain": "2023-02-24", "reason": "volume"}),
      ("extended", "2023-02-21", {"date_certain": "2023-04-14", "reason": "review"})), "2023-03-01", "extended",
     [("date_certain", "2023-04-14", 3)], [("date_certain", "2023-02-24", 2)]),
]


@pytest.mark.parametrize(("steps", "today", "status", "open_", "missed"), FOLDS)
def test_fold(steps, today, status, open_, missed):
    state = fold(history(*steps), D(today))
    assert state.inconsistency == ""
    assert state.status == status
    assert clocks(state) == open_
    assert clocks(state, missed=True) == missed


@pytest.mark.parametrize(("steps", "new", "message"), [
    ((("submitted", "2023-01-06"),), ("clarification_answered", "2023-01-09"), "follows a clarification"),
    ((("submitted", "2023-01-06"),), ("reasonably_described", "2023-01-09"), "no clarification request"),
    ((("submitted", "2023-01-06"), ("denied", "2023-01-09")), ("acknowledged", "2023-01-10"), "already answered"),
    (DENIED_THEN_PARTIAL, ("appeal_filed", "2023-03-06", {"filed_by": "post", "determination_event_id": 1}),
     "not an appealable determination"),
    ((("submitted", "2023-01-06"), ("granted", "2023-01-09")), ("appeal_filed", "2023-01-10"), "nothing to appeal"),
])
def test_what_cannot_follow(steps, new, message):
    event = EventFact(new[0], D(new[1]), new[2] if len(new) > 2 else {})
    with pytest.raises(IllegalTransition, match=message):
        check_new_event(history(*steps), event, D("2023-06-01"))


@pytest.mark.parametrize("later", ["granted", "partially_granted", "denied", "no_records"])
def test_any_determination_may_follow_a_denial(later):
    state = check_new_event(history(("submitted", "2023-01-06"), ("denied", "2023-02-10")),
                            EventFact(later, D("2023-03-01")), D("2023-03-02"))
    assert state.status == later


# (steps, today, the warning codes, in order)
WARNINGS = [
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12")), "2023-01-13", ["acknowledgment_without_date"]),
    # Mar 31 is past the twentieth business day after the acknowledgment (Feb 10), with no reason recorded.
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12", {"date_certain": "2023-03-31"})), "2023-01-13",
     ["date_certain_without_reason"]),
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12", {"date_certain": "2023-03-31", "reason": "1,000 "
                                                                   "pages to review"})), "2023-01-13", []),
    # Within the twenty days a date needs no reason.
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12", {"date_certain": "2023-02-10"})), "2023-01-13", []),
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12"), ("extended", "2023-02-08",
                                                                      {"date_certain": "2023-04-14"})),
     "2023-02-09", ["acknowledgment_without_date", "date_certain_without_reason"]),
    # Each further extension is flagged with the total length; the date it replaced, once passed, too.
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12", {"date_certain": "2023-02-24", "reason": "volume"}),
      ("extended", "2023-02-21", {"date_certain": "2023-04-14", "reason": "review"})), "2023-02-22",
     ["further_extension"]),
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12", {"date_certain": "2023-02-24", "reason": "volume"}),
      ("extended", "2023-02-21", {"date_certain": "2023-04-14", "reason": "review"}),
      ("extended", "2023-04-10", {"date_certain": "2023-06-30", "reason": "review"})), "2023-04-11",
     ["further_extension", "promised_date_missed", "further_extension"]),
    # A late acknowledgment after the constructive denial of Jan 14.
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-20", {"date_certain": "2023-02-17"})), "2023-01-21",
     ["late_acknowledgment"]),
]


@pytest.mark.parametrize(("steps", "today", "codes"), WARNINGS)
def test_the_agencys_dates_are_checked(steps, today, codes):
    warnings = request_warnings(history(*steps), D(today))
    assert [w.code for w in warnings] == codes
    for w in warnings:
        assert set(w.as_dict()) == {"code", "message", "citation"} and w.message and w.citation


def test_a_further_extension_says_how_long_and_what_the_committee_holds():
    steps = history(("submitted", "2023-01-06"),
                    ("acknowledged", "2023-01-12", {"date_certain": "2023-02-24", "reason": "volume"}),
                    ("extended", "2023-02-21", {"date_certain": "2023-04-14", "reason": "review"}))
    (warning,) = request_warnings(steps, D("2023-02-22"))
    # Jan 6 to Apr 14 is 98 days; Jan 12 to Apr 14, 63 business days (12 in January after MLK Day, 18 in
    # February after the observed Lincoln's and Washington's Birthdays, 23 in March, 10 in April).
    assert "moved its own date of 2023-02-24 to 2023-04-14" in warning.message
    assert "98 days after the agency received the request (63 business days after its acknowledgment)" in \
        warning.message
    assert "21 NYCRR 1401.5(e)(7)" in warning.citation and "FOIL-AO-17821" in warning.citation


def test_a_late_acknowledgment_says_until_when_the_appeal_stays_open():
    steps = history(("submitted", "2023-01-06"), ("acknowledged", "2023-01-20", {"date_certain": "2023-02-17"}))
    state = fold(steps, D("2023-01-21"))
    assert state.constructive_denial  # the page still says the silence may be appealed
    (warning,) = state.warnings
    assert "deadline of 2023-01-13" in warning.message and "until 2023-02-14" in warning.message


def test_the_constructive_denial_of_an_appeal_cites_89_4_b():
    steps = history(("submitted", "2023-01-06"), ("denied", "2023-02-10"), ("appeal_filed", "2023-03-01"))
    state = fold(steps, D("2023-03-16"))
    (article78,) = [d for d in state.deadlines if d.kind == "article78"]
    assert "Constructive denial of the appeal" in article78.basis
    assert "(POL §89(4)(b))" in article78.basis and "(POL §89(4)(a))" not in article78.basis


def test_a_clarification_restart_says_it_is_the_products_reading():
    steps = history(("submitted", "2023-01-06"), ("clarification_requested", "2023-01-10"),
                    ("clarification_answered", "2023-02-01"))
    state = fold(steps, D("2023-02-02"))
    (ack,) = state.deadlines
    assert "new receipt" in ack.basis and "no tolling clause" in ack.basis
    assert not state.clarification_pending
    assert fold(steps[:2], D("2023-02-02")).clarification_pending


def test_each_lapsed_appeal_is_named_and_an_answer_unlapses_it():
    steps = history(("submitted", "2023-01-06"), ("denied", "2023-02-10"),
                    ("appeal_filed", "2023-02-15", {"filed_by": "post"}), ("partially_granted", "2023-03-01"),
                    ("appeal_filed", "2023-03-06", {"filed_by": "post"}))
    assert fold(steps, D("2023-03-07")).lapsed_appeals == [3]
    late = [*steps, EventFact("appeal_denied", D("2023-03-08"), {"appeal_event_id": 3}, 6)]
    state = fold(late, D("2023-03-09"))
    assert state.lapsed_appeals == [] and state.status == "appeal_denied"


@pytest.mark.parametrize(("steps", "today", "appealable"), [
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-20", {"date_certain": "2023-02-17"})), "2023-01-25",
     True),  # the constructive denial of Jan 14, until Feb 14
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-20", {"date_certain": "2023-02-17"})), "2023-02-15",
     False),
    ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12")), "2023-01-13", False),
    ((("submitted", "2023-01-06"), ("granted", "2023-01-12")), "2023-01-13", False),
    ((("submitted", "2023-01-06"), ("denied", "2023-01-12")), "2023-06-13", True),  # late, as the agency may allow
])
def test_when_an_appeal_is_offered(steps, today, appealable):
    assert fold(history(*steps), D(today)).appealable is appealable

"""The lifecycle rules as tables: histories in, status and deadlines out."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.lifecycle import EventFact, IllegalTransition, check_new_event, fold

D = date.fromisoformat


def history(*steps):
    """EventFacts from (type, 'YYYY-MM-DD'[, data]) tuples."""
    return [EventFact(s[0], D(s[1]), s[2] if len(s) > 2 else {}, n) for n, s in enumerate(steps, start=1)]


def open_kinds(state):
    return {d.kind: d.due_on.isoformat() for d in state.deadlines if not d.missed}


def missed_kinds(state):
    return {d.kind: d.due_on.isoformat() for d in state.deadlines if d.missed}


# Every expected date here was counted on a printed 2023 calendar (MLK Day Jan 16, Lincoln's Birthday
# Sun Feb 12 observed Mon Feb 13, Washington's Birthday Feb 20, Memorial Day May 29, Juneteenth Jun 19).
@pytest.mark.parametrize(
    ("steps", "today", "status", "open_", "missed"),
    [
        # A draft has no clock.
        ((), "2023-01-06", "draft", {}, {}),
        # Received Fri Jan 6: five business days, Mon 9 .. Fri 13.
        ((("submitted", "2023-01-06"),), "2023-01-09", "submitted", {"acknowledgment": "2023-01-13"}, {}),
        # Received Sat Jan 7 counts from Mon Jan 9: Tue 10 .. Mon 16 is MLK Day, so Tue Jan 17.
        ((("submitted", "2023-01-07"),), "2023-01-09", "submitted", {"acknowledgment": "2023-01-17"}, {}),
        # The last day itself is still in time.
        ((("submitted", "2023-01-06"),), "2023-01-13", "submitted", {"acknowledgment": "2023-01-13"}, {}),
        # The day after, the silence is a constructive denial; the appeal runs 30 days from Jan 13 = Feb 12,
        # a Sunday, so Mon Feb 13 (also the observed Lincoln's Birthday) -> Tue Feb 14 (GCL §25-a).
        ((("submitted", "2023-01-06"),), "2023-01-14", "constructively_denied",
         {"appeal": "2023-02-14"}, {"acknowledgment": "2023-01-13"}),
        # Acknowledged Thu Jan 12: determination 20 business days later, Fri Feb 10.
        ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12")), "2023-01-20", "acknowledged",
         {"determination": "2023-02-10"}, {}),
        # A date certain later than the 20 days governs (the requester-safe reading).
        ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12", {"date_certain": "2023-03-31"})),
         "2023-02-20", "acknowledged", {"date_certain": "2023-03-31"}, {}),
        # An extension with a reason and a date certain.
        ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12"),
          ("extended", "2023-02-08", {"date_certain": "2023-04-14"})),
         "2023-03-01", "extended", {"date_certain": "2023-04-14"}, {}),
        # Missing the date certain is a constructive denial too: appeal 30 days from Fri Apr 14 = Sun May 14
        # -> Mon May 15.
        ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12"),
          ("extended", "2023-02-08", {"date_certain": "2023-04-14"})),
         "2023-04-17", "constructively_denied", {"appeal": "2023-05-15"}, {"date_certain": "2023-04-14"}),
        # Denied Fri Feb 10: appeal by Sun Mar 12 -> Mon Mar 13.
        ((("submitted", "2023-01-06"), ("denied", "2023-02-10")), "2023-02-11", "denied",
         {"appeal": "2023-03-13"}, {}),
        ((("submitted", "2023-01-06"), ("partially_granted", "2023-02-10")), "2023-02-11",
         "partially_granted", {"appeal": "2023-03-13"}, {}),
        ((("submitted", "2023-01-06"), ("no_records", "2023-02-10")), "2023-02-11", "no_records",
         {"appeal": "2023-03-13"}, {}),
        # A full grant opens no clock.
        ((("submitted", "2023-01-06"), ("granted", "2023-01-10")), "2023-06-01", "granted", {}, {}),
        # Appeal received Wed Mar 1: ten business days, Wed Mar 15.
        ((("submitted", "2023-01-06"), ("denied", "2023-02-10"), ("appeal_filed", "2023-03-01")),
         "2023-03-02", "appeal_filed", {"appeal_determination": "2023-03-15"}, {}),
        # The appeal's own receipt date, when the agency got it later than it was sent.
        ((("submitted", "2023-01-06"), ("denied", "2023-02-10"),
          ("appeal_filed", "2023-03-01", {"received_on": "2023-03-03"})),
         "2023-03-04", "appeal_filed", {"appeal_determination": "2023-03-17"}, {}),
        # No decision by Mar 15: Article 78 four months from then, Sat Jul 15 -> Mon Jul 17.
        ((("submitted", "2023-01-06"), ("denied", "2023-02-10"), ("appeal_filed", "2023-03-01")),
         "2023-03-16", "appeal_constructively_denied", {"article78": "2023-07-17"},
         {"appeal_determination": "2023-03-15"}),
        # Appeal denied Tue Mar 14: Article 78 by Fri Jul 14.
        ((("submitted", "2023-01-06"), ("denied", "2023-02-10"), ("appeal_filed", "2023-03-01"),
          ("appeal_denied", "2023-03-14")), "2023-03-20", "appeal_denied", {"article78": "2023-07-14"}, {}),
        # A late answer to the appeal replaces its constructive denial.
        ((("submitted", "2023-01-06"), ("denied", "2023-02-10"), ("appeal_filed", "2023-03-01"),
          ("appeal_denied", "2023-03-30")), "2023-04-01", "appeal_denied", {"article78": "2023-07-31"}, {}),
        ((("submitted", "2023-01-06"), ("denied", "2023-02-10"), ("appeal_filed", "2023-03-01"),
          ("appeal_granted", "2023-03-10")), "2023-04-01", "appeal_granted", {}, {}),
        ((("submitted", "2023-01-06"), ("denied", "2023-02-10"), ("appeal_filed", "2023-03-01"),
          ("appeal_denied", "2023-03-14"), ("article78_filed", "2023-06-01")), "2023-09-01", "in_litigation",
         {}, {}),
        # Rolling productions and fees change no clock, but show on the state.
        ((("submitted", "2023-01-06"), ("acknowledged", "2023-01-12"), ("fee_requested", "2023-01-13"),
          ("records_released", "2023-01-20", {"pages": 40})), "2023-01-23", "acknowledged",
         {"determination": "2023-02-10"}, {}),
        ((("submitted", "2023-01-06"), ("withdrawn", "2023-01-09")), "2023-06-01", "withdrawn", {}, {}),
        ((("submitted", "2023-01-06"), ("granted", "2023-01-10"), ("closed", "2023-02-01")), "2023-06-01",
         "closed", {}, {}),
        # Events logged out of order are folded in legal-date order.
        ((("acknowledged", "2023-01-12"), ("submitted", "2023-01-06")), "2023-01-20", "acknowledged",
         {"determination": "2023-02-10"}, {}),
    ],
)
def test_fold(steps, today, status, open_, missed):
    state = fold(history(*steps), D(today))
    assert state.status == status
    assert open_kinds(state) == open_
    assert missed_kinds(state) == missed


@pytest.mark.parametrize(
    ("steps", "new", "message"),
    [
        ((), ("acknowledged", "2023-01-10"), "before the request is submitted"),
        ((("submitted", "2023-01-06"),), ("submitted", "2023-01-07"), "already submitted"),
        ((("submitted", "2023-01-06"),), ("appeal_denied", "2023-01-09"), "needs an appeal filed"),
        ((("submitted", "2023-01-06"),), ("appeal_filed", "2023-01-09"), "nothing to appeal"),
        ((("submitted", "2023-01-06"), ("granted", "2023-01-09")), ("appeal_filed", "2023-01-10"),
         "nothing to appeal"),
        ((("submitted", "2023-01-06"),), ("article78_filed", "2023-01-09"), "final determination"),
        ((("submitted", "2023-01-06"),), ("extended", "2023-01-09"), "date certain"),
        ((("submitted", "2023-01-06"),), ("extended", "2023-01-09", {"date_certain": "2023-01-01"}),
         "cannot be before"),
        ((("submitted", "2023-01-06"), ("withdrawn", "2023-01-09")), ("acknowledged", "2023-01-10"),
         "only notes"),
        ((("submitted", "2023-01-06"),), ("records_released", "2023-01-09", {"pages": "many"}), "whole number"),
        ((("submitted", "2023-01-06"),), ("teleported", "2023-01-09"), "unknown event type"),
        ((("submitted", "2023-01-06"),), ("acknowledged", "2024-01-09"), "in the future"),
    ],
)
def test_illegal_events_are_refused_with_a_reason(steps, new, message):
    event = EventFact(new[0], D(new[1]), new[2] if len(new) > 2 else {})
    with pytest.raises(IllegalTransition, match=message):
        check_new_event(history(*steps), event, D("2023-06-01"))


def test_notes_are_allowed_even_after_closing():
    steps = history(("submitted", "2023-01-06"), ("withdrawn", "2023-01-09"))
    state = check_new_event(steps, EventFact("note", D("2023-02-01")), D("2023-06-01"))
    assert state.status == "withdrawn"


def test_agency_closure_days_move_business_day_clocks():
    closures = {D("2023-01-10"), D("2023-01-11")}
    state = fold(history(("submitted", "2023-01-06")), D("2023-01-09"), closures)
    # Mon 9, Thu 12, Fri 13, (MLK Mon 16), Tue 17, Wed 18.
    assert open_kinds(state) == {"acknowledgment": "2023-01-18"}


def test_deadlines_carry_the_rule_and_the_raw_date():
    state = fold(history(("submitted", "2023-01-06"), ("denied", "2023-02-10")), D("2023-02-11"))
    (appeal,) = state.deadlines
    assert appeal.raw_due_on == D("2023-03-12")
    assert "§89(4)(a)" in appeal.basis and "§25-a" in appeal.basis
    assert appeal.event_id == 2


def test_next_deadline_is_the_earliest_open_one():
    state = fold(history(("submitted", "2023-01-06"), ("denied", "2023-02-10")), D("2023-02-11"))
    assert state.next_deadline.kind == "appeal"
    assert fold(history(), D("2023-01-01")).next_deadline is None

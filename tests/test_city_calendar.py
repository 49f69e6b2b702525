"""New York City's observed closures: the Friday before a city holiday falling on a Saturday.

Every expected date was counted on a printed calendar. GCL §24 has no Saturday-to-Friday shift, so those
Fridays are business days on the statute's calendar; an agency on the "nyc" calendar is closed on them, for
its own clocks only.
"""

from __future__ import annotations

from datetime import date

import pytest

from tracker import deadlines as dl
from tracker.lifecycle import EventFact, fold

D = date.fromisoformat


@pytest.mark.parametrize(("year", "fridays"), [
    # Christmas Day 2021 and New Year's Day 2022 fall on Saturdays: the city closes Dec 24 and Dec 31, 2021.
    (2021, ["2021-12-24", "2021-12-31"]),
    # 2022: Lincoln's Birthday is a Saturday, but a floating holiday for city employees, not a closure.
    (2022, []),
    (2023, ["2023-11-10"]),  # Veterans Day, Saturday Nov 11
    (2026, ["2026-07-03"]),  # Independence Day, Saturday Jul 4
    # Juneteenth (a city holiday from 2022), Christmas Day and New Year's Day 2028 on Saturdays.
    (2027, ["2027-06-18", "2027-12-24", "2027-12-31"]),
])
def test_city_closures_of_a_year(year, fridays):
    assert sorted(d.isoformat() for d in dl.city_closures(year)) == fridays
    assert all(d.weekday() == 4 for d in dl.city_closures(year))


# received, the statute's last day, the city's last day (acknowledgment: five business days after receipt)
ACKNOWLEDGMENT = [
    # The required case: Monday Dec 20, 2027 at a city agency; the city is closed Friday Dec 24.
    ("2027-12-20", "2027-12-27", "2027-12-28"),
    ("2021-12-20", "2021-12-27", "2021-12-28"),
    # New Year's Day 2022 on a Saturday: the city is closed Friday Dec 31, 2021.
    ("2021-12-27", "2022-01-03", "2022-01-04"),
    # Election Day (Tue Nov 7) is a §24 holiday; the city also closes Fri Nov 10 for Veterans Day.
    ("2023-11-06", "2023-11-14", "2023-11-15"),
    ("2026-06-29", "2026-07-06", "2026-07-07"),  # Independence Day 2026
    ("2027-06-14", "2027-06-21", "2027-06-22"),  # Juneteenth 2027
    ("2021-06-14", "2021-06-21", "2021-06-21"),  # Juneteenth 2021: not yet a city holiday
    ("2022-02-07", "2022-02-14", "2022-02-14"),  # Lincoln's Birthday 2022: floating, no closure
    # Received on the city's closure day itself: counted from the next day the agency is open.
    ("2027-12-24", "2027-12-31", "2028-01-04"),
]


@pytest.mark.parametrize(("received", "statute", "city"), ACKNOWLEDGMENT)
def test_acknowledgment_on_each_calendar(received, statute, city):
    assert dl.acknowledgment_due(D(received), dl.calendar_closures("statute")) == D(statute)
    assert dl.acknowledgment_due(D(received), dl.calendar_closures("nyc")) == D(city)


@pytest.mark.parametrize(("received", "statute", "city"), ACKNOWLEDGMENT)
def test_a_city_agency_request_folds_to_the_city_acknowledgment(received, statute, city):
    events = [EventFact("submitted", D(received), {}, 1)]
    for calendar, expected in (("statute", statute), ("nyc", city)):
        state = fold(events, D(received), calendar=calendar)
        (ack,) = state.deadlines
        assert (ack.kind, ack.due_on.isoformat(), ack.calendar) == ("acknowledgment", expected, calendar)
    nyc = fold(events, D(received), calendar="nyc").deadlines[0]
    assert "New York City's observed closures" in nyc.basis


def test_the_required_case_names_its_calendar_and_the_closure():
    state = fold([EventFact("submitted", D("2027-12-24"), {}, 1)], D("2027-12-24"), calendar="nyc")
    (ack,) = state.deadlines
    assert ack.due_on == D("2028-01-04")
    assert "New York City closure (Christmas Day falls on Saturday 2027-12-25)" in ack.basis


def test_the_appeals_officer_clock_counts_the_city_closures():
    # Appeal received Mon Dec 20, 2027. Statute: Dec 21..24, 27..31, Jan 3 is the tenth business day.
    # City: Dec 24 and Dec 31 closed, so Jan 5.
    events = [EventFact("submitted", D("2027-11-01"), {}, 1), EventFact("denied", D("2027-11-10"), {}, 2),
              EventFact("appeal_filed", D("2027-12-20"), {"filed_by": "post"}, 3)]
    for calendar, expected in (("statute", "2028-01-03"), ("nyc", "2028-01-05")):
        (decision,) = fold(events, D("2027-12-20"), calendar=calendar).deadlines
        assert (decision.kind, decision.due_on.isoformat()) == ("appeal_determination", expected)


def test_the_requesters_appeal_stays_on_the_statutes_days():
    # Denied Wed Nov 24, 2027: the thirtieth day is Fri Dec 24, a business day under GCL §24 though the city
    # is closed. The requester's deadline does not move for the agency's closures (the safe reading).
    events = [EventFact("submitted", D("2027-11-01"), {}, 1), EventFact("denied", D("2027-11-24"), {}, 2)]
    closures = [D("2027-12-27")]  # a declared closure of the agency's own changes nothing for the requester
    (appeal,) = fold(events, D("2027-11-25"), closures, calendar="nyc").deadlines
    assert (appeal.kind, appeal.due_on, appeal.raw_due_on, appeal.calendar) == ("appeal", D("2027-12-24"), None,
                                                                                 "statute")
    assert "statute's calendar" in appeal.basis


def test_an_unknown_calendar_is_refused():
    with pytest.raises(ValueError, match="unknown closure calendar"):
        dl.calendar_closures("federal")

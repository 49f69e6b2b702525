"""Tables for tracker.deadlines; every expected date was worked out by hand against a printed calendar."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest

from tracker import deadlines as dl

D = date
NY = "New Year's Day"
MLK = "Martin Luther King Jr. Day"
LINCOLN = "Lincoln's Birthday"
WASHINGTON = "Washington's Birthday"
MEMORIAL = "Memorial Day"
FLAG = "Flag Day"
JUNETEENTH = "Juneteenth"
JULY4 = "Independence Day"
LABOR = "Labor Day"
COLUMBUS = "Columbus Day"
ELECTION = "Election Day"
VETERANS = "Veterans Day"
THANKSGIVING = "Thanksgiving Day"
CHRISTMAS = "Christmas Day"


def observed(name: str) -> str:
    return f"{name} (observed)"


# Whole GCL §24 tables for years that exercise every rule: Sunday -> Monday, Saturday unshifted,
# Juneteenth only from 2021, Flag Day never shifted, leap and non-leap centuries.
HOLIDAYS = {
    2000: {  # Jan 1, Feb 12 and Nov 11 on Saturdays: no Friday holidays
        D(2000, 1, 1): NY, D(2000, 1, 17): MLK, D(2000, 2, 12): LINCOLN, D(2000, 2, 21): WASHINGTON,
        D(2000, 5, 29): MEMORIAL, D(2000, 6, 11): FLAG, D(2000, 7, 4): JULY4, D(2000, 9, 4): LABOR,
        D(2000, 10, 9): COLUMBUS, D(2000, 11, 7): ELECTION, D(2000, 11, 11): VETERANS,
        D(2000, 11, 23): THANKSGIVING, D(2000, 12, 25): CHRISTMAS,
    },
    2017: {  # New Year's Day and Lincoln's Birthday on Sundays
        D(2017, 1, 1): NY, D(2017, 1, 2): observed(NY), D(2017, 1, 16): MLK, D(2017, 2, 12): LINCOLN,
        D(2017, 2, 13): observed(LINCOLN), D(2017, 2, 20): WASHINGTON, D(2017, 5, 29): MEMORIAL,
        D(2017, 6, 11): FLAG, D(2017, 7, 4): JULY4, D(2017, 9, 4): LABOR, D(2017, 10, 9): COLUMBUS,
        D(2017, 11, 7): ELECTION, D(2017, 11, 11): VETERANS, D(2017, 11, 23): THANKSGIVING,
        D(2017, 12, 25): CHRISTMAS,
    },
    2020: {  # July 4 on a Saturday; no Juneteenth yet
        D(2020, 1, 1): NY, D(2020, 1, 20): MLK, D(2020, 2, 12): LINCOLN, D(2020, 2, 17): WASHINGTON,
        D(2020, 5, 25): MEMORIAL, D(2020, 6, 14): FLAG, D(2020, 7, 4): JULY4, D(2020, 9, 7): LABOR,
        D(2020, 10, 12): COLUMBUS, D(2020, 11, 3): ELECTION, D(2020, 11, 11): VETERANS,
        D(2020, 11, 26): THANKSGIVING, D(2020, 12, 25): CHRISTMAS,
    },
    2021: {  # first Juneteenth, on a Saturday; July 4 on a Sunday; Christmas on a Saturday
        D(2021, 1, 1): NY, D(2021, 1, 18): MLK, D(2021, 2, 12): LINCOLN, D(2021, 2, 15): WASHINGTON,
        D(2021, 5, 31): MEMORIAL, D(2021, 6, 13): FLAG, D(2021, 6, 19): JUNETEENTH, D(2021, 7, 4): JULY4,
        D(2021, 7, 5): observed(JULY4), D(2021, 9, 6): LABOR, D(2021, 10, 11): COLUMBUS,
        D(2021, 11, 2): ELECTION, D(2021, 11, 11): VETERANS, D(2021, 11, 25): THANKSGIVING,
        D(2021, 12, 25): CHRISTMAS,
    },
    2022: {  # Juneteenth and Christmas on Sundays; New Year's Day and Lincoln's Birthday on Saturdays
        D(2022, 1, 1): NY, D(2022, 1, 17): MLK, D(2022, 2, 12): LINCOLN, D(2022, 2, 21): WASHINGTON,
        D(2022, 5, 30): MEMORIAL, D(2022, 6, 12): FLAG, D(2022, 6, 19): JUNETEENTH,
        D(2022, 6, 20): observed(JUNETEENTH), D(2022, 7, 4): JULY4, D(2022, 9, 5): LABOR,
        D(2022, 10, 10): COLUMBUS, D(2022, 11, 8): ELECTION, D(2022, 11, 11): VETERANS,
        D(2022, 11, 24): THANKSGIVING, D(2022, 12, 25): CHRISTMAS, D(2022, 12, 26): observed(CHRISTMAS),
    },
    2023: {  # odd-year Election Day Nov 7; Veterans Day on a Saturday
        D(2023, 1, 1): NY, D(2023, 1, 2): observed(NY), D(2023, 1, 16): MLK, D(2023, 2, 12): LINCOLN,
        D(2023, 2, 13): observed(LINCOLN), D(2023, 2, 20): WASHINGTON, D(2023, 5, 29): MEMORIAL,
        D(2023, 6, 11): FLAG, D(2023, 6, 19): JUNETEENTH, D(2023, 7, 4): JULY4, D(2023, 9, 4): LABOR,
        D(2023, 10, 9): COLUMBUS, D(2023, 11, 7): ELECTION, D(2023, 11, 11): VETERANS,
        D(2023, 11, 23): THANKSGIVING, D(2023, 12, 25): CHRISTMAS,
    },
    2024: {  # leap year; nothing falls on a weekend except Flag Day
        D(2024, 1, 1): NY, D(2024, 1, 15): MLK, D(2024, 2, 12): LINCOLN, D(2024, 2, 19): WASHINGTON,
        D(2024, 5, 27): MEMORIAL, D(2024, 6, 9): FLAG, D(2024, 6, 19): JUNETEENTH, D(2024, 7, 4): JULY4,
        D(2024, 9, 2): LABOR, D(2024, 10, 14): COLUMBUS, D(2024, 11, 5): ELECTION,
        D(2024, 11, 11): VETERANS, D(2024, 11, 28): THANKSGIVING, D(2024, 12, 25): CHRISTMAS,
    },
    2100: {  # not a leap year; Juneteenth and Christmas on Saturdays, July 4 on a Sunday
        D(2100, 1, 1): NY, D(2100, 1, 18): MLK, D(2100, 2, 12): LINCOLN, D(2100, 2, 15): WASHINGTON,
        D(2100, 5, 31): MEMORIAL, D(2100, 6, 13): FLAG, D(2100, 6, 19): JUNETEENTH, D(2100, 7, 4): JULY4,
        D(2100, 7, 5): observed(JULY4), D(2100, 9, 6): LABOR, D(2100, 10, 11): COLUMBUS,
        D(2100, 11, 2): ELECTION, D(2100, 11, 11): VETERANS, D(2100, 11, 25): THANKSGIVING,
        D(2100, 12, 25): CHRISTMAS,
    },
}

HOLIDAY_ROWS = [(d, name) for table in HOLIDAYS.values() for d, name in table.items()]


@pytest.mark.parametrize("year", sorted(HOLIDAYS))
def test_public_holidays_whole_year(year):
    assert dl.public_holidays(year) == HOLIDAYS[year]


@pytest.mark.parametrize(("day", "name"), HOLIDAY_ROWS, ids=[f"{d}-{n}" for d, n in HOLIDAY_ROWS])
def test_every_holiday_is_not_a_business_day(day, name):
    assert not dl.is_business_day(day)
    assert dl.holiday_name(day) == name


# General election day is every year (Election Law §8-100), odd years included.
ELECTION_DAYS = [
    D(2000, 11, 7), D(2015, 11, 3), D(2016, 11, 8), D(2018, 11, 6), D(2019, 11, 5), D(2025, 11, 4),
    D(2026, 11, 3), D(2027, 11, 2), D(2028, 11, 7), D(2029, 11, 6), D(2030, 11, 5), D(2099, 11, 3),
]


@pytest.mark.parametrize("day", ELECTION_DAYS, ids=str)
def test_election_day_every_year(day):
    assert dl.public_holidays(day.year)[day] == ELECTION
    assert not dl.is_business_day(day)
    assert dl.is_business_day(day - timedelta(days=1))  # the Monday before is an ordinary day


# Days other calendars close (federal Saturday->Friday shifts, Susan B. Anthony Day, pre-2021
# Juneteenth, the Monday after Flag Day) and ordinary days around holidays: all business days here.
BUSINESS_DAYS = [
    D(2021, 12, 31),  # Friday before Saturday New Year's Day 2022
    D(2020, 7, 3),  # Friday before Saturday July 4
    D(2021, 6, 18),  # Friday before Saturday Juneteenth
    D(2021, 12, 24),  # Friday before Saturday Christmas
    D(2023, 11, 10),  # Friday before Saturday Veterans Day
    D(2022, 2, 11),  # Friday before Saturday Lincoln's Birthday
    D(2022, 2, 15),  # Susan B. Anthony Day is a commemoration, not a holiday
    D(2023, 2, 15),
    D(2020, 6, 19),  # Juneteenth before 2021
    D(2019, 6, 19),
    D(2023, 6, 12),  # Flag Day (Sunday June 11) is never moved to Monday
    D(2021, 6, 14),
    D(2023, 11, 24),  # day after Thanksgiving
    D(2023, 12, 26),
    D(2023, 11, 6),  # Monday before Election Day
    D(2023, 11, 8),
    D(2024, 2, 29),  # leap day, a Thursday
    D(2100, 6, 18),  # Friday before Saturday Juneteenth 2100
    D(2100, 12, 24),  # Friday before Saturday Christmas 2100
    D(2100, 3, 1),  # Monday; 2100 has no Feb 29
]


@pytest.mark.parametrize("day", BUSINESS_DAYS, ids=str)
def test_business_days(day):
    assert dl.is_business_day(day)
    assert dl.holiday_name(day) is None


@pytest.mark.parametrize(
    "day", [D(2023, 1, 7), D(2023, 1, 8), D(2024, 3, 2), D(2100, 2, 27), D(2000, 1, 2)], ids=str
)
def test_weekends_are_not_business_days(day):
    assert not dl.is_business_day(day)


def test_closures_are_not_business_days():
    wednesday = D(2023, 3, 15)
    assert dl.is_business_day(wednesday, closures=[D(2023, 3, 16)])
    assert not dl.is_business_day(wednesday, closures=[wednesday])
    # any iterable, including a one-shot generator
    assert not dl.is_business_day(wednesday, closures=(d for d in [wednesday]))


def test_public_holidays_returns_a_copy():
    table = dl.public_holidays(2023)
    table[D(2023, 3, 15)] = "invented"
    assert D(2023, 3, 15) not in dl.public_holidays(2023)
    assert dl.is_business_day(D(2023, 3, 15))


ADD_BUSINESS_DAYS = [
    # start, n, closures, expected
    (D(2023, 1, 9), 0, (), D(2023, 1, 9)),
    (D(2023, 1, 7), 0, (), D(2023, 1, 7)),  # n = 0 returns the day itself, business day or not
    (D(2023, 1, 9), 1, (), D(2023, 1, 10)),
    (D(2023, 1, 13), 1, (), D(2023, 1, 17)),  # weekend then MLK Day
    (D(2023, 1, 9), 5, (), D(2023, 1, 17)),
    (D(2023, 1, 6), 5, (), D(2023, 1, 13)),
    (D(2023, 12, 29), 1, (), D(2024, 1, 2)),  # over the year end and a Monday New Year's Day
    (D(2022, 12, 23), 1, (), D(2022, 12, 27)),  # Christmas Sunday, observed Monday
    (D(2022, 12, 30), 1, (), D(2023, 1, 3)),  # New Year's Sunday, observed Monday Jan 2
    (D(2021, 12, 30), 1, (), D(2021, 12, 31)),  # no Friday holiday for Saturday Jan 1, 2022
    (D(2021, 12, 30), 2, (), D(2022, 1, 3)),
    (D(2023, 11, 3), 2, (), D(2023, 11, 8)),  # Election Day
    (D(2023, 11, 6), 5, (), D(2023, 11, 14)),
    (D(2023, 1, 9), 5, (D(2023, 1, 11),), D(2023, 1, 18)),  # a closure extends the count
    (D(2023, 1, 9), 5, (D(2023, 1, 14),), D(2023, 1, 17)),  # a closure on a Saturday changes nothing
    (D(2024, 2, 27), 3, (), D(2024, 3, 1)),  # through the leap day
    (D(2023, 2, 27), 3, (), D(2023, 3, 2)),
    (D(2100, 2, 25), 2, (), D(2100, 3, 1)),  # 2100 is not a leap year
    (D(2000, 2, 28), 1, (), D(2000, 2, 29)),  # 2000 is
    (D(2000, 1, 1), 1, (), D(2000, 1, 3)),
    (D(2100, 12, 23), 2, (), D(2100, 12, 27)),  # Saturday Christmas, no Friday holiday
]


@pytest.mark.parametrize(("start", "n", "closures", "expected"), ADD_BUSINESS_DAYS)
def test_add_business_days(start, n, closures, expected):
    assert dl.add_business_days(start, n, closures) == expected


@pytest.mark.parametrize("n", [-1, 1.5, "5"])
def test_add_business_days_rejects_bad_counts(n):
    with pytest.raises(ValueError, match="whole number"):
        dl.add_business_days(D(2023, 1, 9), n)


ROLL_FORWARD = [
    (D(2023, 1, 9), (), D(2023, 1, 9)),  # a business day stays put
    (D(2023, 1, 14), (), D(2023, 1, 17)),  # Saturday, Sunday, MLK Monday
    (D(2023, 5, 27), (), D(2023, 5, 30)),  # Saturday before Memorial Day
    (D(2023, 11, 7), (), D(2023, 11, 8)),  # Election Day
    (D(2022, 12, 25), (), D(2022, 12, 27)),  # Sunday Christmas, Monday observed
    (D(2022, 12, 24), (), D(2022, 12, 27)),
    (D(2020, 7, 4), (), D(2020, 7, 6)),  # Saturday holiday: plain Monday, no observed day
    (D(2021, 12, 25), (), D(2021, 12, 27)),
    (D(2023, 12, 30), (), D(2024, 1, 2)),  # into the new year
    (D(2023, 3, 15), (D(2023, 3, 15), D(2023, 3, 16)), D(2023, 3, 17)),  # closures
    (D(2010, 2, 12), (), D(2010, 2, 16)),  # Friday Lincoln's Birthday, weekend, Washington's Birthday
    (D(2010, 2, 13), (), D(2010, 2, 16)),
]


@pytest.mark.parametrize(("day", "closures", "expected"), ROLL_FORWARD)
def test_roll_forward(day, closures, expected):
    assert dl.roll_forward(day, closures) == expected


NEXT_BUSINESS_DAY = [
    (D(2023, 1, 9), D(2023, 1, 10)),
    (D(2023, 1, 13), D(2023, 1, 17)),
    (D(2023, 11, 22), D(2023, 11, 24)),  # over Thanksgiving
    (D(2100, 12, 31), D(2101, 1, 3)),  # Saturday Jan 1, 2101 is not moved
    (D(2016, 12, 30), D(2017, 1, 3)),  # Sunday Jan 1, 2017 observed Monday Jan 2
]


@pytest.mark.parametrize(("day", "expected"), NEXT_BUSINESS_DAY)
def test_next_business_day(day, expected):
    assert dl.next_business_day(day) == expected


ADD_MONTHS = [
    (D(2023, 1, 31), 1, D(2023, 2, 28)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2023, 10, 31), 4, D(2024, 2, 29)),
    (D(2022, 10, 31), 4, D(2023, 2, 28)),
    (D(2023, 8, 31), 4, D(2023, 12, 31)),
    (D(2023, 10, 30), 4, D(2024, 2, 29)),
    (D(2022, 10, 30), 4, D(2023, 2, 28)),
    (D(2023, 10, 29), 4, D(2024, 2, 29)),
    (D(2023, 10, 28), 4, D(2024, 2, 28)),
    (D(2023, 3, 31), 1, D(2023, 4, 30)),
    (D(2023, 5, 15), 4, D(2023, 9, 15)),
    (D(2023, 9, 30), 4, D(2024, 1, 30)),
    (D(2023, 11, 30), 3, D(2024, 2, 29)),
    (D(2099, 10, 31), 4, D(2100, 2, 28)),  # 2100 is not a leap year
    (D(2099, 10, 29), 4, D(2100, 2, 28)),
    (D(2000, 1, 31), 1, D(2000, 2, 29)),  # 2000 is
    (D(2023, 1, 15), 0, D(2023, 1, 15)),
    (D(2023, 12, 31), 2, D(2024, 2, 29)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2023, 3, 31), -1, D(2023, 2, 28)),
]


@pytest.mark.parametrize(("day", "months", "expected"), ADD_MONTHS)
def test_add_months(day, months, expected):
    assert dl.add_months(day, months) == expected


ACKNOWLEDGMENT = [
    (D(2023, 1, 9), (), D(2023, 1, 17)),  # Monday; day 5 would be MLK Day
    (D(2023, 1, 7), (), D(2023, 1, 17)),  # Saturday: counts as received Monday Jan 9
    (D(2023, 1, 8), (), D(2023, 1, 17)),
    (D(2023, 1, 6), (), D(2023, 1, 13)),
    (D(2023, 1, 16), (), D(2023, 1, 24)),  # received on MLK Day: counts from Tuesday
    (D(2023, 11, 7), (), D(2023, 11, 15)),  # received on Election Day
    (D(2023, 11, 3), (), D(2023, 11, 13)),
    (D(2023, 11, 22), (), D(2023, 11, 30)),  # over Thanksgiving
    (D(2023, 12, 27), (), D(2024, 1, 4)),  # over New Year's Day
    (D(2022, 12, 23), (), D(2023, 1, 3)),  # two observed Mondays
    (D(2022, 12, 24), (), D(2023, 1, 4)),  # Saturday: counts as received Tuesday Dec 27
    (D(2021, 6, 19), (), D(2021, 6, 28)),  # Saturday Juneteenth
    (D(2021, 6, 18), (), D(2021, 6, 25)),  # the Friday before is a business day
    (D(2020, 7, 3), (), D(2020, 7, 10)),
    (D(2024, 2, 22), (), D(2024, 2, 29)),  # leap day
    (D(2023, 3, 13), (D(2023, 3, 13),), D(2023, 3, 21)),  # received on a closure day
    (D(2023, 3, 13), (), D(2023, 3, 20)),
    (D(2023, 3, 13), (D(2023, 3, 16),), D(2023, 3, 21)),  # closure inside the count
    (D(2000, 1, 1), (), D(2000, 1, 10)),
    (D(2100, 12, 27), (), D(2101, 1, 3)),
    (D(2017, 1, 1), (), D(2017, 1, 10)),  # Sunday New Year's Day, observed Jan 2
    (D(2023, 2, 10), (), D(2023, 2, 21)),  # Lincoln observed Feb 13 and Washington's Birthday Feb 20
]


@pytest.mark.parametrize(("received", "closures", "expected"), ACKNOWLEDGMENT)
def test_acknowledgment_due(received, closures, expected):
    assert dl.acknowledgment_due(received, closures) == expected
    assert dl.compute("acknowledgment", received, closures).due_on == expected


DETERMINATION = [
    (D(2023, 1, 17), (), D(2023, 2, 15)),  # over Lincoln's Birthday observed
    (D(2023, 11, 1), (), D(2023, 12, 1)),  # over Election Day and Thanksgiving
    (D(2023, 12, 15), (), D(2024, 1, 17)),  # Christmas, New Year's Day, MLK Day 2024
    (D(2024, 5, 28), (), D(2024, 6, 26)),  # over Juneteenth 2024
    (D(2020, 5, 26), (), D(2020, 6, 23)),  # June 19, 2020 was a business day
    (D(2023, 1, 17), (D(2023, 2, 1), D(2023, 2, 2)), D(2023, 2, 17)),  # two closure days
]


@pytest.mark.parametrize(("acknowledged", "closures", "expected"), DETERMINATION)
def test_determination_due(acknowledged, closures, expected):
    assert dl.determination_due(acknowledged, closures) == expected


APPEAL = [
    # denied, closures, raw, legal
    (D(2023, 1, 6), (), D(2023, 2, 5), D(2023, 2, 6)),  # Sunday
    (D(2023, 1, 9), (), D(2023, 2, 8), D(2023, 2, 8)),
    (D(2023, 1, 14), (), D(2023, 2, 13), D(2023, 2, 14)),  # Lincoln's Birthday observed
    (D(2023, 1, 13), (), D(2023, 2, 12), D(2023, 2, 14)),  # Sunday Lincoln's Birthday
    (D(2023, 4, 29), (), D(2023, 5, 29), D(2023, 5, 30)),  # Memorial Day
    (D(2023, 10, 8), (), D(2023, 11, 7), D(2023, 11, 8)),  # Election Day
    (D(2023, 12, 2), (), D(2024, 1, 1), D(2024, 1, 2)),  # New Year's Day
    (D(2022, 11, 25), (), D(2022, 12, 25), D(2022, 12, 27)),  # Sunday Christmas
    (D(2020, 6, 4), (), D(2020, 7, 4), D(2020, 7, 6)),  # Saturday July 4: Monday, not Friday
    (D(2021, 5, 20), (), D(2021, 6, 19), D(2021, 6, 21)),  # Saturday Juneteenth
    (D(2024, 1, 30), (), D(2024, 2, 29), D(2024, 2, 29)),  # leap day
    (D(2023, 1, 30), (), D(2023, 3, 1), D(2023, 3, 1)),
    (D(2100, 1, 30), (), D(2100, 3, 1), D(2100, 3, 1)),
    (D(2099, 12, 2), (), D(2100, 1, 1), D(2100, 1, 4)),  # Friday New Year's Day, then a weekend
    (D(2023, 1, 9), (D(2023, 2, 8),), D(2023, 2, 8), D(2023, 2, 9)),  # agency closed on the last day
    (D(2010, 1, 13), (), D(2010, 2, 12), D(2010, 2, 16)),  # four closed days in a row
]


@pytest.mark.parametrize(("denied", "closures", "raw", "legal"), APPEAL)
def test_appeal_due(denied, closures, raw, legal):
    assert dl.appeal_due_raw(denied) == raw
    assert dl.appeal_due(denied, closures) == legal
    due = dl.compute("appeal", denied, closures)
    assert (due.due_on, due.raw_due_on) == (legal, raw if raw != legal else None)


APPEAL_DETERMINATION = [
    (D(2023, 1, 17), (), D(2023, 1, 31)),
    (D(2023, 2, 10), (), D(2023, 2, 28)),  # Lincoln observed and Washington's Birthday
    (D(2023, 2, 11), (), D(2023, 3, 1)),  # Saturday: counts as received Tuesday Feb 14
    (D(2023, 11, 20), (), D(2023, 12, 5)),  # Thanksgiving
    (D(2024, 12, 20), (), D(2025, 1, 7)),  # Christmas and New Year's Day
    (D(2023, 1, 17), (D(2023, 1, 20),), D(2023, 2, 1)),
]


@pytest.mark.parametrize(("received", "closures", "expected"), APPEAL_DETERMINATION)
def test_appeal_determination_due(received, closures, expected):
    assert dl.appeal_determination_due(received, closures) == expected


ARTICLE78 = [
    # final determination, closures, raw, legal
    (D(2023, 1, 31), (), D(2023, 5, 31), D(2023, 5, 31)),
    (D(2022, 10, 31), (), D(2023, 2, 28), D(2023, 2, 28)),  # GCL §30: last day of February
    (D(2023, 10, 31), (), D(2024, 2, 29), D(2024, 2, 29)),
    (D(2023, 8, 31), (), D(2023, 12, 31), D(2024, 1, 2)),  # Sunday, then New Year's Day
    (D(2023, 1, 29), (), D(2023, 5, 29), D(2023, 5, 30)),  # Memorial Day
    (D(2023, 2, 25), (), D(2023, 6, 25), D(2023, 6, 26)),  # Sunday
    (D(2022, 2, 19), (), D(2022, 6, 19), D(2022, 6, 21)),  # Sunday Juneteenth, Monday observed
    (D(2023, 7, 7), (), D(2023, 11, 7), D(2023, 11, 8)),  # Election Day
    (D(2022, 3, 4), (), D(2022, 7, 4), D(2022, 7, 5)),
    (D(2099, 10, 31), (), D(2100, 2, 28), D(2100, 3, 1)),  # Sunday Feb 28, 2100
    (D(2000, 10, 31), (), D(2001, 2, 28), D(2001, 2, 28)),
    (D(2020, 3, 4), (), D(2020, 7, 4), D(2020, 7, 6)),  # Saturday July 4
    (D(2023, 8, 30), (), D(2023, 12, 30), D(2024, 1, 2)),
    (D(2023, 8, 25), (), D(2023, 12, 25), D(2023, 12, 26)),
    (D(2023, 1, 31), (D(2023, 5, 31),), D(2023, 5, 31), D(2023, 6, 1)),  # court closed that day
]


@pytest.mark.parametrize(("final", "closures", "raw", "legal"), ARTICLE78)
def test_article78_due(final, closures, raw, legal):
    assert dl.article78_due_raw(final) == raw
    assert dl.article78_due(final, closures) == legal
    due = dl.compute("article78", final, closures)
    assert (due.due_on, due.raw_due_on) == (legal, raw if raw != legal else None)


COMPUTE = [
    ("acknowledgment", D(2023, 1, 7), D(2023, 1, 17), None, ["POL §89(3)(a)", "1401.5", "a Saturday"]),
    ("determination", D(2023, 1, 17), D(2023, 2, 15), None, ["POL §89(3)(a)", "20 business days"]),
    ("appeal", D(2023, 1, 6), D(2023, 2, 6), D(2023, 2, 5), ["POL §89(4)(a)", "GCL §25-a", "a Sunday"]),
    ("appeal", D(2023, 1, 9), D(2023, 2, 8), None, ["30 calendar days"]),
    ("appeal_determination", D(2023, 2, 11), D(2023, 3, 1), None, ["POL §89(4)(a)", "2023-02-14"]),
    ("article78", D(2023, 1, 29), D(2023, 5, 30), D(2023, 5, 29), ["CPLR 217(1)", "GCL §30", MEMORIAL]),
]


@pytest.mark.parametrize(("kind", "start", "due_on", "raw", "basis_parts"), COMPUTE)
def test_compute(kind, start, due_on, raw, basis_parts):
    due = dl.compute(kind, start)
    assert (due.kind, due.due_on, due.raw_due_on) == (kind, due_on, raw)
    for part in basis_parts:
        assert part in due.basis


def test_compute_closure_named_in_basis():
    due = dl.compute("appeal", D(2023, 1, 9), [D(2023, 2, 8)])
    assert due.raw_due_on == D(2023, 2, 8)
    assert "agency closure day" in due.basis


def test_due_to_json_and_frozen():
    due = dl.compute("appeal", D(2023, 1, 6))
    assert due.to_json() == {
        "kind": "appeal", "due_on": "2023-02-06", "raw_due_on": "2023-02-05", "basis": due.basis,
    }
    assert dl.compute("appeal", D(2023, 1, 9)).to_json()["raw_due_on"] is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        due.due_on = D(2023, 2, 7)


def test_compute_unknown_kind():
    with pytest.raises(ValueError, match=r"unknown deadline kind 'date_certain'.*acknowledgment"):
        dl.compute("date_certain", D(2023, 1, 9))


@pytest.mark.parametrize("year", [1999, 2201])
def test_years_outside_the_table_are_refused(year):
    with pytest.raises(ValueError, match="outside the holiday table"):
        dl.public_holidays(year)
    with pytest.raises(ValueError, match="outside the holiday table"):
        dl.is_business_day(D(year, 3, 15))


@pytest.mark.parametrize("bad", [datetime(2023, 1, 9, 12, 0), "2023-01-09", None])
def test_non_dates_are_refused(bad):
    with pytest.raises(TypeError, match="datetime.date"):
        dl.acknowledgment_due(bad)
    with pytest.raises(TypeError, match="datetime.date"):
        dl.is_business_day(D(2023, 1, 9), closures=[bad])


# Properties over every day of 2000-2100, checked against characterisations that do not reuse the
# module's own arithmetic (day-of-month windows for floating holidays, month lengths, run lengths).

FLOATING_WINDOWS = {
    MLK: (0, 1, range(15, 22)), WASHINGTON: (0, 2, range(15, 22)), MEMORIAL: (0, 5, range(25, 32)),
    FLAG: (6, 6, range(8, 15)), LABOR: (0, 9, range(1, 8)), COLUMBUS: (0, 10, range(8, 15)),
    ELECTION: (1, 11, range(2, 9)), THANKSGIVING: (3, 11, range(22, 29)),
}
FIXED = {NY: (1, 1), LINCOLN: (2, 12), JULY4: (7, 4), VETERANS: (11, 11), CHRISTMAS: (12, 25)}


def test_holiday_table_properties_2000_to_2100():
    for year in range(2000, 2101):
        table = dl.public_holidays(year)
        names = {name for name in table.values() if not name.endswith("(observed)")}
        expected = set(FLOATING_WINDOWS) | set(FIXED) | ({JUNETEENTH} if year >= 2021 else set())
        assert names == expected, year
        for d, name in table.items():
            assert d.year == year
            if name in FLOATING_WINDOWS:
                weekday, month, days = FLOATING_WINDOWS[name]
                assert (d.weekday(), d.month, d.day in days) == (weekday, month, True), (d, name)
            elif name.endswith("(observed)"):
                # only ever the Monday after a Sunday holiday of the same name; never Flag Day
                sunday = d - timedelta(days=1)
                assert d.weekday() == 0 and table[sunday] == name.removesuffix(" (observed)"), d
                assert FLAG not in name
            elif name == JUNETEENTH:
                assert (d.month, d.day) == (6, 19)
            else:
                assert (d.month, d.day) == FIXED[name], (d, name)
        # no Friday stands in for a Saturday holiday
        for d, name in table.items():
            if d.weekday() == 5:
                assert (d - timedelta(days=1)) not in table, (d, name)


def test_every_day_2000_to_2100():
    day, last = D(2000, 1, 1), D(2100, 12, 31)
    while day <= last:
        business = dl.is_business_day(day)
        rolled = dl.roll_forward(day)
        assert (rolled == day) == business
        assert dl.is_business_day(rolled) and dl.roll_forward(rolled) == rolled
        # the longest run of non-business days is four: Friday Lincoln's Birthday, the weekend and
        # Monday Washington's Birthday (Feb 12-15, 2010)
        assert 0 <= (rolled - day).days <= 4, day

        following = dl.next_business_day(day)
        assert following > day and dl.is_business_day(following)
        assert dl.add_business_days(day, 1) == following
        assert all(not dl.is_business_day(day + timedelta(days=k)) for k in range(1, (following - day).days))

        ack = dl.acknowledgment_due(day)
        assert dl.is_business_day(ack) and 7 <= (ack - day).days <= 12, day
        determination = dl.determination_due(ack)
        assert dl.is_business_day(determination) and 28 <= (determination - ack).days <= 34, ack

        appeal = dl.appeal_due(day)
        assert dl.appeal_due_raw(day) == day + timedelta(days=30)
        assert dl.is_business_day(appeal) and 0 <= (appeal - dl.appeal_due_raw(day)).days <= 4

        raw78 = dl.article78_due_raw(day)
        assert 120 <= (raw78 - day).days <= 123, day
        assert raw78.day == day.day or (raw78.day < day.day and (raw78 + timedelta(days=1)).day == 1)
        assert dl.article78_due(day) == dl.roll_forward(raw78)
        day += timedelta(days=1)

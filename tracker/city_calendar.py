"""New York City's observed closures: the Friday before a city holiday that falls on a Saturday.

Pure: no Flask, no database, no clock. The city's Personnel Services Bulletin 440-2R (observance of public
holidays) observes a holiday falling on a Saturday on the preceding Friday, and one on a Sunday on the
following Monday (as GCL §24 does already). tracker.deadlines adds these Fridays to the calendar of an
agency whose `closure_calendar` is "nyc", for the agency's own clocks only.
"""

from __future__ import annotations

from datetime import date, timedelta

_SAT = 5

# The city's paid holidays on a fixed date, the only ones that can fall on a Saturday (the others are
# Mondays, a Tuesday and a Thursday). Lincoln's Birthday is a floating holiday for city employees, not a
# closure; Juneteenth became a city holiday in 2022 (a personnel order of the Department of Citywide
# Administrative Services).
CITY_FIXED_HOLIDAYS = ((1, 1, "New Year's Day"), (6, 19, "Juneteenth"), (7, 4, "Independence Day"),
                       (11, 11, "Veterans Day"), (12, 25, "Christmas Day"))
CITY_JUNETEENTH_FIRST_YEAR = 2022


def saturday_holidays(year: int) -> list[tuple[date, str]]:
    """The city's fixed-date holidays of `year` that fall on a Saturday, with their names."""
    days = []
    for month, day, name in CITY_FIXED_HOLIDAYS:
        if name == "Juneteenth" and year < CITY_JUNETEENTH_FIRST_YEAR:
            continue
        holiday = date(year, month, day)
        if holiday.weekday() == _SAT:
            days.append((holiday, name))
    return days


def observed_fridays(year: int) -> tuple[tuple[date, str], ...]:
    """The Fridays of `year` the city is closed, each with why; New Year's Day on a Saturday closes the city
    on the last day of the year before."""
    pairs = [(d - timedelta(days=1), f"{name} falls on Saturday {d.isoformat()}")
             for y in (year, year + 1) for d, name in saturday_holidays(y)]
    return tuple(sorted((d, why) for d, why in pairs if d.year == year))

"""Statutory FOIL deadlines: New York public holidays, business days and the statutory clocks of a FOIL request.

Pure calendar arithmetic: no Flask, no database, no clock. Every function takes and returns
`datetime.date`; `closures` is an iterable of extra days an agency is closed (a declared day of
mourning, say), which count as non-business days on top of the statutory calendar.

Readings chosen where the law leaves room (ambiguities represented, not hidden):

- Receipt day. GCL §20 excludes the day an act happens from a period counted from it, and
  21 NYCRR 1401.5 treats a request received on a Saturday, Sunday or holiday as received on the next
  business day. The Committee on Open Government has sometimes counted a request received in the
  morning as day one, which makes every deadline one business day earlier. We never do: the receipt
  day is not counted, so the deadline is the later of the two readings. That is the requester-safe
  reading: a requester who acts on our dates never treats a request as constructively denied, or files
  an appeal or petition, before the agency's time has run out.
- Appeals received on a non-business day are treated like requests (counted from the next business
  day), for the same reason.
- Closure days extend business-day counts. Here every function takes the closures it is given; the
  request's timeline (tracker.timeline) gives the agency's calendar (see `calendar_closures`) to the
  agency's own clocks only (acknowledgment, determination, appeal determination) and none to the
  requester's (appeal, Article 78): a requester who counts on the statute's days alone never files late
  because an agency happened to be closed.
- New York City closes on the Friday before a city holiday falling on a Saturday (tracker.city_calendar);
  GCL §24 does not, so those Fridays are closures only on an agency's "nyc" calendar.

Public holidays follow GCL §24 as amended through chapter 249 of the laws of 2020 (Juneteenth). The
table covers FIRST_YEAR to LAST_YEAR; other years raise ValueError rather than guess at rules that
differed (or may yet differ).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from tracker.city_calendar import observed_fridays

FIRST_YEAR = 2000
LAST_YEAR = 2200
JUNETEENTH_FIRST_YEAR = 2021  # GCL §24 as amended by L.2020 ch. 249, effective for 2021 onward

KINDS = ("acknowledgment", "determination", "appeal", "appeal_determination", "article78")

ACKNOWLEDGMENT_BUSINESS_DAYS = 5  # POL §89(3)(a)
DETERMINATION_BUSINESS_DAYS = 20  # POL §89(3)(a)
APPEAL_CALENDAR_DAYS = 30  # POL §89(4)(a)
APPEAL_DETERMINATION_BUSINESS_DAYS = 10  # POL §89(4)(a)
ARTICLE78_MONTHS = 4  # CPLR 217(1)

_MON, _THU, _SAT, _SUN = 0, 3, 5, 6

# The calendars an agency's own clocks can be counted on: the statute's days (GCL §24) alone, or those and
# New York City's observed closures.
CLOSURE_CALENDARS = ("statute", "nyc")
# The clocks the agency must meet, counted on its calendar; the others are the requester's (statute only).
AGENCY_KINDS = ("acknowledgment", "determination", "appeal_determination")


@dataclass(frozen=True)
class Due:
    """One statutory deadline: the legal last day, the raw date where GCL §25-a moved it, and why."""

    kind: str
    due_on: date
    raw_due_on: date | None
    basis: str

    def to_json(self) -> dict[str, str | None]:
        """Return the deadline as the API's `{kind, due_on, raw_due_on, basis}` with ISO dates."""
        return {
            "kind": self.kind,
            "due_on": self.due_on.isoformat(),
            "raw_due_on": self.raw_due_on.isoformat() if self.raw_due_on else None,
            "basis": self.basis,
        }


# ---------------------------------------------------------------------------------------------------
# Public holidays (GCL §24)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """Return the n-th given weekday (0 = Monday) of a month, counting from 1."""
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    """Return the last given weekday (0 = Monday) of a month."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"year {year} is outside the holiday table ({FIRST_YEAR}-{LAST_YEAR}); check the date entered"
        )


@lru_cache(maxsize=256)  # one entry per year of the whole table
def _holiday_table(year: int) -> tuple[tuple[date, str], ...]:
    """Build the GCL §24 table for one year, as an immutable (cacheable) sequence of pairs."""
    _check_year(year)
    fixed = [
        (date(year, 1, 1), "New Year's Day"),
        (date(year, 2, 12), "Lincoln's Birthday"),
        (date(year, 7, 4), "Independence Day"),
        (date(year, 11, 11), "Veterans Day"),
        (date(year, 12, 25), "Christmas Day"),
    ]
    if year >= JUNETEENTH_FIRST_YEAR:
        fixed.append((date(year, 6, 19), "Juneteenth"))
    days = list(fixed)
    # GCL §24: "if any of such days except Flag day is Sunday, the next day thereafter" is a holiday too.
    # The floating holidays below never fall on a Sunday except Flag Day, which the statute excepts.
    # There is no Saturday-to-Friday shift in §24 (the federal and NYC calendars have one; NY does not).
    days += [(d + timedelta(days=1), f"{name} (observed)") for d, name in fixed if d.weekday() == _SUN]
    first_monday_of_november = _nth_weekday(year, 11, _MON, 1)
    days += [
        (_nth_weekday(year, 1, _MON, 3), "Martin Luther King Jr. Day"),
        (_nth_weekday(year, 2, _MON, 3), "Washington's Birthday"),
        (_last_weekday(year, 5, _MON), "Memorial Day"),
        (_nth_weekday(year, 6, _SUN, 2), "Flag Day"),
        (_nth_weekday(year, 9, _MON, 1), "Labor Day"),
        (_nth_weekday(year, 10, _MON, 2), "Columbus Day"),
        # GCL §24 "each general election day"; Election Law §8-100 holds the general election every
        # year, odd years included, on the Tuesday after the first Monday of November.
        (first_monday_of_november + timedelta(days=1), "Election Day"),
        (_nth_weekday(year, 11, _THU, 4), "Thanksgiving Day"),
    ]
    table: dict[date, str] = {}
    for d, name in sorted(days):
        # No two §24 days coincide under the current list; join names rather than lose one if they ever do.
        table[d] = f"{table[d]}; {name}" if d in table else name
    return tuple(table.items())


@lru_cache(maxsize=256)  # one entry per year of the whole table
def _holiday_dates(year: int) -> frozenset[date]:
    return frozenset(d for d, _ in _holiday_table(year))


def public_holidays(year: int) -> dict[date, str]:
    """Return GCL §24 public holidays of `year`, Sunday dates and their observed Mondays both included.

    A holiday falling on a Sunday appears twice: on the Sunday under its own name (§24 names that day,
    and Flag Day is always one) and on the Monday as "<name> (observed)". Saturdays are never shifted.
    """
    return dict(_holiday_table(year))


def holiday_name(d: date) -> str | None:
    """Return the GCL §24 holiday name of `d`, or None when it is not a public holiday."""
    d = _as_date(d, "d")
    return dict(_holiday_table(d.year)).get(d)


# ---------------------------------------------------------------------------------------------------
# New York City's observed closures


@lru_cache(maxsize=256)
def _city_table(year: int) -> tuple[tuple[date, str], ...]:
    _check_year(year)
    return observed_fridays(year)


def city_closures(year: int) -> dict[date, str]:
    """Return the Fridays of `year` on which New York City is closed for a holiday falling on a Saturday."""
    return dict(_city_table(year))


@lru_cache(maxsize=1)
def _all_city_closures() -> dict[date, str]:
    return {d: why for year in range(FIRST_YEAR, LAST_YEAR + 1) for d, why in _city_table(year)}


def calendar_closures(calendar: str, closure_days: Iterable[date] = ()) -> frozenset[date]:
    """Return an agency's non-business days beyond GCL §24: its own closure days, and on the "nyc" calendar
    every Friday the city closes for a Saturday holiday (the whole table's years)."""
    if calendar not in CLOSURE_CALENDARS:
        raise ValueError(f"unknown closure calendar {calendar!r}; expected one of: {', '.join(CLOSURE_CALENDARS)}")
    days = _closed_set(closure_days)
    return days | frozenset(_all_city_closures()) if calendar == "nyc" else days


def calendar_note(kind: str, calendar: str = "statute", closures: Iterable[date] = ()) -> str:
    """Which days a clock of `kind` is counted on, in words, for its basis."""
    if kind not in AGENCY_KINDS:
        return ("counted on the statute's calendar (GCL §24 holidays only): the requester's own deadline does "
                "not move for the agency's closures")
    own = " and the agency's closure days" if set(closures) - set(_all_city_closures()) else ""
    if calendar == "nyc":
        return ("counted on the agency's calendar: GCL §24 holidays, New York City's observed closures (the "
                f"Friday before a holiday falling on a Saturday){own}")
    return f"counted on the agency's calendar: GCL §24 holidays{own}"


# ---------------------------------------------------------------------------------------------------
# Business days


def _as_date(value: object, name: str) -> date:
    # datetime is a subclass of date, but a timestamp's legal date depends on the time zone: the
    # caller must convert it to the New York date first, so refuse it instead of guessing.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (New York local date), not {type(value).__name__}")
    return value


def _closed_set(closures: Iterable[date]) -> frozenset[date]:
    closed = frozenset(closures)
    for day in closed:
        _as_date(day, "every closure day")
    return closed


def _is_open(d: date, closed: frozenset[date]) -> bool:
    # The holiday lookup comes first so that a year outside the table is refused even on a weekend.
    return d not in _holiday_dates(d.year) and d.weekday() < _SAT and d not in closed


def _next_open(d: date, closed: frozenset[date]) -> date:
    d += timedelta(days=1)
    while not _is_open(d, closed):
        d += timedelta(days=1)
    return d


def _roll(d: date, closed: frozenset[date]) -> date:
    return d if _is_open(d, closed) else _next_open(d, closed)


def _add_open_days(d: date, n: int, closed: frozenset[date]) -> date:
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"the number of business days must be a whole number >= 0, not {n!r}")
    for _ in range(n):
        d = _next_open(d, closed)
    return d


def is_business_day(d: date, closures: Iterable[date] = ()) -> bool:
    """Tell whether `d` is a business day: not a weekend, GCL §24 holiday (or observed day) or closure."""
    return _is_open(_as_date(d, "d"), _closed_set(closures))


def next_business_day(d: date, closures: Iterable[date] = ()) -> date:
    """Return the first business day strictly after `d`."""
    return _next_open(_as_date(d, "d"), _closed_set(closures))


def roll_forward(d: date, closures: Iterable[date] = ()) -> date:
    """Return `d` if it is a business day, else the next business day (GCL §25-a)."""
    return _roll(_as_date(d, "d"), _closed_set(closures))


def add_business_days(d: date, n: int, closures: Iterable[date] = ()) -> date:
    """Return the n-th business day after `d`; `d` itself is never counted (GCL §20) and n = 0 gives `d`."""
    return _add_open_days(_as_date(d, "d"), n, _closed_set(closures))


def add_months(d: date, n: int) -> date:
    """Add `n` months by GCL §30: the same day of the month, else that month's last day."""
    d = _as_date(d, "d")
    index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    _check_year(year)
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


# ---------------------------------------------------------------------------------------------------
# The statutory clocks


def acknowledgment_due(received: date, closures: Iterable[date] = ()) -> date:
    """Return the last day to acknowledge, grant or deny a request: 5 business days after receipt."""
    closed = _closed_set(closures)
    # 21 NYCRR 1401.5 / GCL §20: receipt on a non-business day counts as receipt on the next business
    # day, and the receipt day itself is not counted. POL §89(3)(a): five business days.
    start = _roll(_as_date(received, "received"), closed)
    return _add_open_days(start, ACKNOWLEDGMENT_BUSINESS_DAYS, closed)


def determination_due(acknowledged: date, closures: Iterable[date] = ()) -> date:
    """Return the last day to grant or deny after acknowledging: 20 business days (POL §89(3)(a))."""
    # POL §89(3)(a): "within twenty business days from the date of the acknowledgment"; GCL §20
    # excludes the acknowledgment day itself.
    closed = _closed_set(closures)
    return _add_open_days(_as_date(acknowledged, "acknowledged"), DETERMINATION_BUSINESS_DAYS, closed)


def appeal_due_raw(denied: date) -> date:
    """Return the 30th calendar day after a denial, before any GCL §25-a extension (POL §89(4)(a))."""
    return _as_date(denied, "denied") + timedelta(days=APPEAL_CALENDAR_DAYS)


def appeal_due(denied: date, closures: Iterable[date] = ()) -> date:
    """Return the legal last day to appeal a denial: 30 calendar days (POL §89(4)(a)), then GCL §25-a."""
    return _roll(appeal_due_raw(denied), _closed_set(closures))


def appeal_determination_due(appeal_received: date, closures: Iterable[date] = ()) -> date:
    """Return the last day for the appeals officer to decide: 10 business days after receipt."""
    closed = _closed_set(closures)
    # POL §89(4)(a): "within ten business days of the receipt of such appeal"; receipt on a
    # non-business day counts from the next business day, as for requests (requester-safe reading).
    start = _roll(_as_date(appeal_received, "appeal_received"), closed)
    return _add_open_days(start, APPEAL_DETERMINATION_BUSINESS_DAYS, closed)


def article78_due_raw(final_determination: date) -> date:
    """Return four months after the final determination by GCL §30, before GCL §25-a (CPLR 217(1))."""
    return add_months(_as_date(final_determination, "final_determination"), ARTICLE78_MONTHS)


def article78_due(final_determination: date, closures: Iterable[date] = ()) -> date:
    """Return the legal last day to file an Article 78 petition: 4 months (CPLR 217(1)), then GCL §25-a."""
    return _roll(article78_due_raw(final_determination), _closed_set(closures))


# ---------------------------------------------------------------------------------------------------
# One entry point with a basis for people


def _why_not_business(d: date, closed: frozenset[date]) -> str:
    name = dict(_holiday_table(d.year)).get(d)
    if name:
        return name
    if d.weekday() >= _SAT:
        return f"a {d:%A}"
    if d in closed and d in _all_city_closures():
        return f"a New York City closure ({_all_city_closures()[d]})"
    if d in closed:
        return "an agency closure day"
    return "a business day"


def _receipt_note(what: str, received: date, closed: frozenset[date]) -> str:
    start = _roll(received, closed)
    if start == received:
        return f"after receipt of the {what} on {received.isoformat()}"
    return (
        f"after receipt of the {what} on {received.isoformat()} ({_why_not_business(received, closed)}), "
        f"counted as received on {start.isoformat()}"
    )


def _rolled(kind: str, raw: date, closed: frozenset[date], basis: str) -> Due:
    legal = _roll(raw, closed)
    if legal == raw:
        return Due(kind, raw, None, f"{basis}; GCL §25-a")
    why = _why_not_business(raw, closed)
    moved = f"GCL §25-a: {raw.isoformat()} is {why}, so the last day is {legal.isoformat()}"
    return Due(kind, legal, raw, f"{basis}; {moved}")


def compute(kind: str, start: date, closures: Iterable[date] = (), calendar: str | None = None) -> Due:
    """Compute one deadline of `kind` (see KINDS) from its starting date, with raw date and basis.

    With `calendar` ("statute" or "nyc") the basis also says which days were counted (calendar_note).
    """
    due = _compute(kind, start, closures)
    if calendar is None:
        return due
    return Due(due.kind, due.due_on, due.raw_due_on, f"{due.basis}; {calendar_note(kind, calendar, closures)}")


def _compute(kind: str, start: date, closures: Iterable[date]) -> Due:
    # `date_certain` is not computed: it is the agency's own date (POL §89(3)(a)), taken as given.
    if kind not in KINDS:
        raise ValueError(f"unknown deadline kind {kind!r}; expected one of: {', '.join(KINDS)}")
    closed = _closed_set(closures)
    start = _as_date(start, "start")
    on = start.isoformat()
    if kind == "acknowledgment":
        basis = (
            f"POL §89(3)(a), 21 NYCRR 1401.5: {ACKNOWLEDGMENT_BUSINESS_DAYS} business days "
            f"{_receipt_note('request', start, closed)}; GCL §20: the receipt day is not counted"
        )
        return Due(kind, acknowledgment_due(start, closed), None, basis)
    if kind == "determination":
        basis = f"POL §89(3)(a): {DETERMINATION_BUSINESS_DAYS} business days after the acknowledgment on {on}"
        return Due(kind, determination_due(start, closed), None, basis)
    if kind == "appeal":
        basis = f"POL §89(4)(a): {APPEAL_CALENDAR_DAYS} calendar days after the denial (in whole or in part) on {on}"
        return _rolled(kind, appeal_due_raw(start), closed, basis)
    if kind == "appeal_determination":
        basis = (
            f"POL §89(4)(a): {APPEAL_DETERMINATION_BUSINESS_DAYS} business days "
            f"{_receipt_note('appeal', start, closed)}; GCL §20: the receipt day is not counted"
        )
        return Due(kind, appeal_determination_due(start, closed), None, basis)
    basis = f"CPLR 217(1): {ARTICLE78_MONTHS} months after the final determination on {on} (GCL §30)"
    return _rolled(kind, article78_due_raw(start), closed, basis)

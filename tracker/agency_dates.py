"""The agency's dates, checked: the warnings a request's timeline raises (tracker.timeline builds them).

Pure rules, like tracker.lifecycle: no Flask, no database, no clock. Each function returns one
RequestWarning whose message says what was found and what the authority holds, and no more. The agency's
dates are never refused: a warning is for the person logging, the request page and the appeal letter.

Authorities quoted:
- POL §89(3)(a): an acknowledgment states "the approximate date, which shall be reasonable under the
  circumstances of the request"; an agency that cannot grant within twenty business days of the
  acknowledgment "shall state, in writing, both the reason for the inability to grant the request within
  twenty business days and a date certain within a reasonable period, depending on the circumstances".
- 21 NYCRR 1401.5(e)(7) (the Committee on Open Government's regulation): a failure to comply with the time
  limits, including a date certain that "is unreasonable under the circumstances of the request", is a
  denial that may be appealed.
- FOIL-AO-17821 (Committee on Open Government staff, 2009): to claim a constructive denial because the
  records did not come by the date certain, an appeal must allege that the date certain is unreasonable.
"""

from __future__ import annotations

from datetime import date

from tracker.lifecycle import RequestWarning

STATUTE = "POL §89(3)(a)"
COOG = "POL §89(3)(a); 21 NYCRR 1401.5(e)(7); Committee on Open Government, FOIL-AO-17821"


def _day(d: date) -> str:
    return d.isoformat()


def acknowledgment_without_date(on: date, event_id: int | None) -> RequestWarning:
    """An acknowledgment that gives no approximate date for the answer."""
    return RequestWarning(
        "acknowledgment_without_date",
        f"The acknowledgment of {_day(on)} gives no date for granting or denying the request; POL §89(3)(a) "
        "requires it to state the approximate date, which shall be reasonable under the circumstances.",
        STATUTE, event_id)


def date_certain_without_reason(kind: str, on: date, given: date, limit: date, acknowledged: date,
                                event_id: int | None) -> RequestWarning:
    """A date beyond twenty business days of the acknowledgment with no written reason recorded."""
    what = "extension" if kind == "extended" else "acknowledgment"
    return RequestWarning(
        "date_certain_without_reason",
        f"The {what} of {_day(on)} puts the answer off to {_day(given)}, beyond twenty business days of the "
        f"acknowledgment of {_day(acknowledged)} (the twentieth is {_day(limit)}), and no written reason is "
        "recorded. POL §89(3)(a) requires the agency to state in writing both the reason it cannot grant the "
        "request within twenty business days and a date certain within a reasonable period.",
        STATUTE, event_id)


def further_extension(number: int, on: date, previous: date, given: date, received: date | None,
                      business_days: int | None, event_id: int | None) -> RequestWarning:
    """An extension that moves a date the agency had already given, with the total length so far."""
    total = ""
    if received is not None:
        days = (given - received).days
        total = f" That is {days} days after the agency received the request"
        total += f" ({business_days} business days after its acknowledgment)." if business_days is not None else "."
    return RequestWarning(
        "further_extension",
        f"Extension {number}: on {_day(on)} the agency moved its own date of {_day(previous)} to "
        f"{_day(given)}.{total} The date must be within a reasonable period, depending on the circumstances "
        "(POL §89(3)(a)); the Committee on Open Government's regulation treats a date certain that is "
        "unreasonable under the circumstances of the request as a denial that may be appealed "
        "(21 NYCRR 1401.5(e)(7)), and its staff advise that such an appeal must say why the date is "
        "unreasonable (FOIL-AO-17821).",
        COOG, event_id)


def promised_date_missed(promised: date, given_on: date, replaced_by: date | None,
                         event_id: int | None) -> RequestWarning:
    """A date the agency itself gave that passed with no determination."""
    later = f"; it has since set {_day(replaced_by)}" if replaced_by else ""
    return RequestWarning(
        "promised_date_missed",
        f"The agency's own date of {_day(promised)} (given on {_day(given_on)}) passed without a "
        f"determination{later}.",
        STATUTE, event_id)


def late_answer(kind: str, on: date, missed: date, appeal_due: date, event_id: int | None) -> RequestWarning:
    """An acknowledgment or extension logged after the agency's deadline had already run out."""
    what = "extension" if kind == "extended" else "acknowledgment"
    return RequestWarning(
        "late_" + ("extension" if kind == "extended" else "acknowledgment"),
        f"The {what} of {_day(on)} came after the agency's deadline of {_day(missed)}: the constructive denial "
        f"of that day stands, and it may be appealed until {_day(appeal_due)} (POL §89(4)(a)).",
        "POL §89(3)(a); POL §89(4)(a)", event_id)

"""The request letter and what letters to agencies say about the agency's own clock.

Pure: no Flask, no database, no clock. A campaign may keep its own request letter, a template in the
letter language (tracker.letter_language) whose {{ placeholders }} are filled in per request; the default
cites POL §89(3)(a), asks for electronic copies and an estimate of any fee in advance, and names the
requester. Letters to an agency cite what the agency owes next (the
acknowledgment or determination, with its section, in long-form dates), never our own appeal deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tracker import letter_language

VARIABLES: dict[str, str] = letter_language.placeholders("request")

# The fee rule of POL §87(1)(b)(iii) and §87(1)(c), as letters ask for an estimate in advance.
FEE_ESTIMATE_REQUEST = (
    "Please tell me in advance the estimated amount of any fee. Under Public Officers Law §87(1)(b)(iii) and "
    "§87(1)(c), paper copies cost no more than 25 cents a page for pages up to 9 by 14 inches. An electronic "
    "copy may cost only the actual cost of reproducing it: the storage media provided and, only where at "
    "least two hours of employee time are needed to prepare it, the hourly salary of the lowest-paid "
    "employee with the skill to do so (or an outside service, where the agency's own equipment cannot "
    "prepare it). Search time may not be charged."
)

DEFAULT_REQUEST_TEMPLATE = """{{ date }}

Records Access Officer
{{ agency }}
{{ agency_email }}

Re: Freedom of Information Law request: {{ title }} (our reference {{ reference }})

Dear Records Access Officer:

Under the New York Freedom of Information Law (Public Officers Law §§84–90), I request copies of the \
following records:

{{ description }}

Please provide the records in electronic form, by email to {{ requester_email }}, where the agency keeps them \
electronically or can transfer them to that medium (Public Officers Law §89(3)(a)). If \
any record is withheld in whole or in part, please cite the specific exemption under Public Officers Law \
§87(2) for each withholding, and release every reasonably segregable part.

{fees}

If any part of this request is unclear, please contact me and I will clarify it.

Public Officers Law §89(3)(a) requires the agency, within five business days of receiving this request, \
to make the records available, to deny the request in writing, or to acknowledge its receipt in writing \
with an approximate date by which it will be granted or denied.

Sincerely,

{{ requester }}
{{ campaign }}
{{ requester_email }}
""".replace("{fees}", FEE_ESTIMATE_REQUEST)


def long_date(day: date) -> str:
    """'Monday, March 2, 2026': a date as letters write it."""
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


@dataclass(frozen=True)
class AgencyClock:
    """What the agency owes next: its kind, the day, whether that day has passed, and the law."""

    kind: str
    due_on: date
    missed: bool

    def sentence(self) -> str:
        """'Public Officers Law §89(3)(a) required … by Monday, December 7, 2026.'"""
        section, duty = AGENCY_DUTIES[self.kind]
        when = long_date(self.due_on)
        if self.missed:
            return f"Under {section}, the agency was required {duty}, that is by {when}; that day has passed."
        return f"Under {section}, the agency is required {duty}, that is by {when}."


# The deadlines that bind the agency, with the section that sets each.
AGENCY_DUTIES: dict[str, tuple[str, str]] = {
    "acknowledgment": ("Public Officers Law §89(3)(a)",
                       "to grant or deny the request, or to acknowledge it in writing with an approximate "
                       "date, within five business days of receiving it"),
    "determination": ("Public Officers Law §89(3)(a)",
                      "to grant or deny the request within twenty business days of acknowledging it"),
    "date_certain": ("Public Officers Law §89(3)(a)",
                     "to grant or deny the request by the date it set itself"),
    "appeal_determination": ("Public Officers Law §89(4)(a)",
                             "to decide the appeal, or to provide the records, within ten business days of "
                             "receiving it"),
}


def agency_clock(deadlines: Iterable) -> AgencyClock | None:
    """The agency's own next deadline among `deadlines` (objects with kind, due_on, missed), if any.

    Our deadlines (the appeal and the Article 78 petition) are never what a letter to the agency cites.
    """
    owed = [d for d in deadlines if d.kind in AGENCY_DUTIES]
    if not owed:
        return None
    pending = [d for d in owed if not d.missed] or owed
    chosen = min(pending, key=lambda d: d.due_on) if pending is not owed else max(owed, key=lambda d: d.due_on)
    return AgencyClock(chosen.kind, chosen.due_on, bool(chosen.missed))

"""The request letter and what letters to agencies say about the agency's own clock.

Pure: no Flask, no database, no clock. A campaign may keep its own request letter, a template whose
{variables} are filled in per request; the default cites POL §89(3)(a), asks for electronic copies and a
fee waiver, and names the requester. Letters to an agency cite what the agency owes next (the
acknowledgment or determination, with its section, in long-form dates), never our own appeal deadline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

VARIABLES: dict[str, str] = {
    "date": "today's date, e.g. Monday, March 2, 2026",
    "agency": "the agency's name",
    "agency_email": "the agency's FOIL email address",
    "title": "the request's title",
    "description": "the text of the request (the records sought)",
    "reference": "our reference, e.g. FT-2026-00012",
    "requester": "the name of the person filing",
    "requester_email": "the request's reply address",
    "campaign": "the campaign's name",
    "agency_deadline": "what the agency owes next and by when (follow-ups)",
}

DEFAULT_REQUEST_TEMPLATE = """{date}

Records Access Officer
{agency}
{agency_email}

Re: Freedom of Information Law request: {title} (our reference {reference})

Dear Records Access Officer:

Under the New York Freedom of Information Law (Public Officers Law §§84–90), I request copies of the \
following records:

{description}

Please provide the records in electronic form, by email to {requester_email}, where the agency keeps them \
electronically or can produce them that way with reasonable effort (Public Officers Law §89(3)(a)). If \
any record is withheld in whole or in part, please cite the specific exemption under Public Officers Law \
§87(2) for each withholding, and release every reasonably segregable part.

I ask that any fees be waived: the records are sought for a non-commercial purpose, in the public \
interest, and will be shared with the public. If a fee cannot be waived, please tell me the amount \
before incurring it.

Public Officers Law §89(3)(a) requires the agency, within five business days of receiving this request, \
to make the records available, to deny the request in writing, or to acknowledge its receipt in writing \
with an approximate date by which it will be granted or denied.

Sincerely,

{requester}
{campaign}
{requester_email}
"""

_VARIABLE = re.compile(r"\{([a-z_]+)\}")


class UnknownVariable(ValueError):
    """A template names a {variable} that is not one of VARIABLES."""


def long_date(day: date) -> str:
    """'Monday, March 2, 2026': a date as letters write it."""
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def check_template(template: str) -> str:
    """The template, if every {variable} in it is known; UnknownVariable naming the ones that are not."""
    unknown = sorted({name for name in _VARIABLE.findall(template or "") if name not in VARIABLES})
    if unknown:
        raise UnknownVariable(
            f"unknown variable{'s' if len(unknown) > 1 else ''} {', '.join('{' + u + '}' for u in unknown)}; "
            f"the letter may use {', '.join('{' + v + '}' for v in VARIABLES)}")
    return template


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with its {variables} filled in; braces around anything else stay as typed."""
    check_template(template)
    return _VARIABLE.sub(lambda m: str(values.get(m.group(1), "")), template)


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


# The deadlines that bind the agency, with the section that sets each (DESIGN §4).
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

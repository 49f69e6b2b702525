"""Drafting the administrative appeal of a FOIL denial (POL §89(4)(a)).

Pure: the letter is a function of the request's facts, the agency, the denial and today's date. Nothing
here touches Flask, the database or the clock; `tracker.operations.appeals` gathers the facts.

The per-ground arguments live in tracker.appeal_arguments (`arguments_for`), shared with the Article 78
petition; each is tied to the words of the exemption the agency relied on, so a lawyer edits a letter that
already answers the denial point by point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker import deadlines
from tracker.appeal_arguments import ARGUMENTS, GOULD, argument, arguments_for
from tracker.grounds import describe

__all__ = ["ARGUMENTS", "FEES_PARAGRAPH", "AgencyFacts", "DenialFacts", "Letter", "RequestFacts", "argument",
           "arguments_for", "draft_appeal", "long_date", "subject_for"]

DEFAULT_OFFICER = "Records Access Appeals Officer"
HEADING = "Freedom of Information Law appeal"

# Attorney's fees as amended in 2017: the court shall award them under §89(4)(c)(ii), may under (c)(i).
FEES_PARAGRAPH = (
    "Should the records have to be sought in a proceeding under CPLR Article 78, the court shall award "
    "reasonable attorney's fees and other litigation costs where the requester substantially prevails and "
    "the agency had no reasonable basis for denying access (POL §89(4)(c)(ii)), and may award them where "
    "the requester substantially prevails and the agency failed to respond to the request or appeal within "
    "the statutory time (POL §89(4)(c)(i))."
)


@dataclass(frozen=True)
class RequestFacts:
    """What the letter says about the request."""

    reference: str
    title: str
    received_on: date | None
    tracking_numbers: Sequence[str] = ()
    description: str = ""


@dataclass(frozen=True)
class AgencyFacts:
    """Who receives the appeal."""

    name: str
    appeals_email: str
    appeals_officer: str = ""
    appeals_address: str = ""
    foil_email: str = ""
    closures: frozenset[date] = frozenset()


@dataclass(frozen=True)
class DenialFacts:
    """The denial appealed from: an answer of the agency, or a deadline it let pass (constructive)."""

    kind: str  # denied, partially_granted, no_records, constructively_denied
    on: date  # the date of the answer, or the missed deadline
    exemptions: Sequence[str] = ()
    missed_deadline_kind: str = ""  # acknowledgment, determination or date_certain, when constructive
    missed_deadline_basis: str = ""
    appeal_due_on: date | None = None
    appeals_officer_named: str = ""  # the appeals officer the denial itself names, when it names one


@dataclass(frozen=True)
class Letter:
    """A draft appeal: recipient, subject and body, the date the agency must answer by if it receives the
    letter on the day it is dated, and warnings shaped like the request's: {code, message, citation}."""

    to: str
    subject: str
    body: str
    answer_due_on: date
    warnings: list[dict] = field(default_factory=list)
    addressee: str = DEFAULT_OFFICER

    def as_dict(self) -> dict:
        """The letter as the API returns it."""
        return {"to": self.to, "addressee": self.addressee, "subject": self.subject, "body": self.body,
                "answer_due_on": self.answer_due_on.isoformat(), "warnings": [dict(w) for w in self.warnings]}


def warning(code: str, message: str, citation: str = "") -> dict:
    """One warning about a draft, in the shape request warnings take."""
    return {"code": code, "message": message, "citation": citation}


# Said in every appeal, whatever the grounds (each authority is listed in docs/citations.md).
GENERAL_ARGUMENTS = (
    "Exemptions from FOIL are narrowly construed to provide maximum access, and the agency carries the burden "
    "of showing that the records fall squarely within an exemption (Capital Newspapers Div. of Hearst Corp. "
    "v. Burns, 67 N.Y.2d 562 (1986); POL §89(4)(b)). To invoke one, the agency must articulate a "
    f"particularized and specific justification for denying access ({GOULD}).",
    "An agency may not withhold a record solely because some of the information in it may be exempt: where "
    "it can do so without unreasonable difficulty, it must redact the exempt information and release the "
    "rest (Schenectady County SPCA v. Mills, 18 N.Y.3d 42 (2011)).",
    FEES_PARAGRAPH,
)

DENIAL_WORDS = {
    "denied": "denied the request",
    "partially_granted": "granted the request only in part, withholding the remaining records",
    "no_records": "answered that it has no records responsive to the request",
}

MISSED_WORDS = {
    "acknowledgment": "to acknowledge, grant or deny the request within five business days of its receipt",
    "determination": "to grant or deny the request within twenty business days of its acknowledgment",
    "date_certain": "to grant or deny the request by the date it had itself set",
}


def long_date(day: date) -> str:
    """'Friday, February 10, 2023': a date as letters write it."""
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def _request_line(facts: RequestFacts) -> str:
    parts = [f"“{facts.title}” (our reference {facts.reference}"]
    if facts.tracking_numbers:
        label = "tracking number" if len(facts.tracking_numbers) == 1 else "tracking numbers"
        parts.append(f"; agency {label} {', '.join(facts.tracking_numbers)}")
    parts.append(")")
    received = f", received by the agency on {long_date(facts.received_on)}" if facts.received_on else ""
    return "".join(parts) + received


def _denial_paragraph(denial: DenialFacts) -> str:
    if denial.kind == "constructively_denied":
        missed = MISSED_WORDS.get(denial.missed_deadline_kind,
                                  "to answer the request within the time allowed")
        basis = f" ({denial.missed_deadline_basis})" if denial.missed_deadline_basis else ""
        return (f"The agency failed {missed}, which ran out on {long_date(denial.on)}{basis}. Under "
                "POL §89(3)(a) and §89(4)(a), that failure is a denial of access, which I appeal. The agency "
                "has given no reason at all for withholding the records.")
    words = DENIAL_WORDS.get(denial.kind, "denied the request")
    text = f"On {long_date(denial.on)}, the agency {words}"
    if denial.exemptions:
        cited = "; ".join(describe(g)[0] for g in denial.exemptions if describe(g) is not None)
        text += f", citing {cited}"
    return text + "."


def subject_for(facts: RequestFacts) -> str:
    """The appeal's subject line: the request's title, our reference and the agency's numbers."""
    numbers = f", {', '.join(facts.tracking_numbers)}" if facts.tracking_numbers else ""
    return f"FOIL appeal under POL §89(4)(a): {facts.title} ({facts.reference}{numbers})"


def _warnings(agency: AgencyFacts, denial: DenialFacts, today: date, officer: str) -> list[dict]:
    found = []
    if not agency.appeals_email:
        found.append(warning("no_appeals_email", f"{agency.name} has no appeals email on record; add it to the "
                             "agency before sending, or send the appeal by post.", "POL §89(4)(a)"))
    if denial.appeal_due_on and denial.appeal_due_on < today:
        found.append(warning("appeal_period_ended", f"The 30-day appeal period ended on "
                             f"{long_date(denial.appeal_due_on)}.", "POL §89(4)(a)"))
    stored = agency.appeals_officer.strip()
    if denial.appeals_officer_named.strip() and stored and officer.casefold() != stored.casefold():
        found.append(warning("appeals_officer_differs", f"The denial names {officer} to hear appeals; the "
                             f"agency's record names {stored}. The letter is addressed to {officer}, as the "
                             "denial says; update the agency if its record is out of date.", "POL §89(4)(a)"))
    return found


def _answer_paragraph(answer_due: date, by_post: bool) -> str:
    duty = ("Please reverse the denial and provide the records. POL §89(4)(a) requires you, within ten business "
            "days of the receipt of this appeal, to fully explain in writing the reasons for further denial or "
            "to provide access to the records. ")
    if by_post:
        when = ("This appeal is sent by post, so those ten business days run from the day it reaches you, "
                "not from the date above. ")
    else:
        when = f"This appeal is sent by email today, so that is by {long_date(answer_due)}. "
    return duty + when + ("The same section requires the agency to forward a copy of this appeal and of its "
                          "determination to the Committee on Open Government.")


def draft_appeal(request: RequestFacts, agency: AgencyFacts, denial: DenialFacts, today: date,
                 *, signature: str = "", reply_to: str = "", by_post: bool = False,
                 withheld: Sequence[str] = ()) -> Letter:
    """Draft the appeal of `denial`, dated and sent `today` (by email, or `by_post`).

    It is addressed to the appeals officer the denial names, else the agency's appeals officer on record.
    `withheld`: what the productions measured show was withheld ("Of the 1,240 pages released on ..., 312
    were withheld in full."), stated as facts before the grounds are answered.
    """
    answer_due = deadlines.appeal_determination_due(today, agency.closures)
    officer = denial.appeals_officer_named.strip() or agency.appeals_officer.strip() or DEFAULT_OFFICER
    lines = [HEADING, "", officer, agency.name]
    if agency.appeals_address:
        lines.append(agency.appeals_address.strip())
    if agency.appeals_email:
        lines.append(agency.appeals_email)
    lines += ["", long_date(today), "", f"Re: {subject_for(request)}", "", f"Dear {officer}:", ""]
    paragraphs = [
        "Under Public Officers Law §89(4)(a), I appeal the denial of access to records requested under the "
        f"Freedom of Information Law in the request {_request_line(request)}.",
        _denial_paragraph(denial),
    ]
    if withheld:
        paragraphs.append("The records released so far show how much the agency withheld. " + " ".join(withheld))
    grounds = [g for g in denial.exemptions if describe(g) is not None]
    if denial.kind == "no_records" and "no_records" not in grounds:
        grounds.append("no_records")
    answered = arguments_for(grounds)
    if answered:
        paragraphs.append("Each ground the agency relied on fails:")
        paragraphs += [paragraph for _ground, paragraph in answered]
    paragraphs += list(GENERAL_ARGUMENTS)
    paragraphs.append(_answer_paragraph(answer_due, by_post))
    if request.description.strip():
        paragraphs.append("For reference, the request read:\n\n" + _quoted(request.description))
    closing = ["Sincerely,", signature or "The requester"]
    if reply_to:
        closing.append(reply_to)
    body = "\n".join(lines) + "\n" + "\n\n".join(paragraphs) + "\n\n" + "\n".join(closing) + "\n"
    return Letter(to=agency.appeals_email, subject=subject_for(request), body=body, answer_due_on=answer_due,
                  warnings=_warnings(agency, denial, today, officer), addressee=officer)


def _quoted(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.strip().splitlines())

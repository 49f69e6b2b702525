"""Drafting the administrative appeal of a FOIL denial (POL §89(4)(a)).

Pure: the letter is a function of the request's facts, the agency, the denial and today's date. Nothing
here touches Flask, the database or the clock; `tracker.operations.appeals` gathers the facts.

The arguments are the standard ones FOIL appellants make; each is tied to the words of the exemption
the agency relied on, so a lawyer edits a letter that already answers the denial point by point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker import deadlines
from tracker.grounds import GROUNDS, STATUTE_PREFIX, describe, parent

DEFAULT_OFFICER = "Records Access Appeals Officer"


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


@dataclass(frozen=True)
class Letter:
    """A draft appeal: recipient, subject and body, and the date the agency must answer by."""

    to: str
    subject: str
    body: str
    answer_due_on: date
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The letter as the API returns it."""
        return {"to": self.to, "subject": self.subject, "body": self.body,
                "answer_due_on": self.answer_due_on.isoformat(), "warnings": list(self.warnings)}


# The standard answer to each ground, in the order the statute lists them.
ARGUMENTS: dict[str, str] = {
    "87(2)(a)": (
        "The agency must name the statute it relies on. Section 87(2)(a) reaches only records that a statute "
        "itself specifically exempts from disclosure; a general duty of confidentiality, a regulation or an "
        "agency policy is not enough."
    ),
    "87(2)(b)": (
        "Personal privacy is protected by deleting identifying details (POL §89(2)(a)), not by withholding "
        "whole records. Records about how public employees carry out their official duties are not an "
        "unwarranted invasion of anyone's privacy. Release the records with narrow redactions instead."
    ),
    "87(2)(c)": (
        "Section 87(2)(c) applies only while a contract award or collective bargaining is present or "
        "imminent, and only where disclosure would impair it. Contracts already awarded and negotiations "
        "already concluded are not protected."
    ),
    "87(2)(d)": (
        "Section 87(2)(d) protects only trade secrets or information a commercial enterprise submitted whose "
        "disclosure would cause substantial injury to its competitive position. The agency must show that "
        "injury; what the agency pays with public money and what it requires of its vendors is not a secret."
    ),
    "87(2)(e)": (
        "Section 87(2)(e) covers only records compiled for law enforcement purposes, and only where "
        "disclosure would interfere with an identified investigation or judicial proceeding, deprive a "
        "person of a fair trial, identify a confidential source, or reveal criminal investigative techniques "
        "or procedures other than routine ones. Routine techniques and procedures are expressly not "
        "protected, and procurement, policy, training and audit records are not compiled for law enforcement "
        "purposes at all. A general assertion of possible harm does not show any of these harms."
    ),
    "87(2)(f)": (
        "Section 87(2)(f) requires a showing, based on facts rather than speculation, that disclosure could "
        "endanger the life or safety of a person. No such showing was made."
    ),
    "87(2)(g)": (
        "Section 87(2)(g) does not allow the agency to withhold inter-agency or intra-agency materials that "
        "are (i) statistical or factual tabulations or data, (ii) instructions to staff that affect the "
        "public, (iii) final agency policy or determinations, or (iv) external audits, including audits by "
        "the Comptroller and the federal government (POL §87(2)(g)(i)–(iv)). Final policy and factual data are "
        "outside the exemption: those portions must be disclosed, and factual material within deliberative "
        "documents must be released with only the opinions redacted."
    ),
    "87(2)(h)": (
        "Section 87(2)(h) protects only examination questions or answers requested before the final "
        "administration of the examination. None of the records requested is such a question or answer."
    ),
    "87(2)(i)": (
        "Section 87(2)(i) reaches only records whose disclosure would jeopardize the agency's capacity to "
        "guarantee the security of its information technology assets. Contracts, policies, usage records and "
        "descriptions of what a system does are not of that kind."
    ),
    "not_reasonably_described": (
        "The request describes the records in enough detail for an employee familiar with the agency's files "
        "to find them, and the records access officer must help a requester describe records where needed. "
        "POL §89(3)(a) forbids denying a request because it is voluminous or because finding or reviewing "
        "the records would be burdensome for lack of staff."
    ),
    "no_records": (
        "If the agency maintains no such records, POL §89(3)(a) requires it to certify that it does not have "
        "them or that they could not be found after a diligent search. Please provide that certification, "
        "with a description of the search made: who searched, which files and systems, and with what terms."
    ),
    "would_create_record": (
        "Retrieving or extracting data kept in a computer system is not creating a record: POL §89(3)(a) "
        "requires the agency to do so where it can with reasonable effort."
    ),
}
TRAFFIC_CAMERA_ARGUMENT = (
    "Sections 87(2)(j) to (q) protect only the images recorded by the automated traffic-enforcement "
    "programs they name; they do not reach contracts, policies, statistics or any other record."
)

# Answers to the subparagraphs agencies cite, on their own terms (the paragraph's answer follows).
SUBPARAGRAPH_ARGUMENTS: dict[str, str] = {
    "87(2)(e)(i)": (
        "Subparagraph (i) requires an identified investigation or judicial proceeding that is pending and "
        "that disclosure would interfere with. The agency named none; once an investigation has ended, the "
        "subparagraph no longer applies."
    ),
    "87(2)(e)(ii)": (
        "Subparagraph (ii) requires a showing that disclosure would deprive an identified person of a fair "
        "trial or impartial adjudication; no proceeding or person was identified."
    ),
    "87(2)(e)(iii)": (
        "Subparagraph (iii) protects the identity of confidential sources and confidential information "
        "relating to a criminal investigation; it is met by redacting those details, not by withholding "
        "records about the agency's own programs."
    ),
    "87(2)(e)(iv)": (
        "Subparagraph (iv) exempts only criminal investigative techniques or procedures that are not "
        "routine. The Court of Appeals has held that its purpose is to keep violators of the law from "
        "learning the non-routine procedures by which an agency obtains its information, and that records "
        "describing routine techniques must be disclosed (Fink v. Lefkowitz, 47 N.Y.2d 567 (1979)). The use "
        "of a technology the agency has publicly acknowledged, and the contracts, policies, audits, training "
        "materials and usage statistics that govern it, are not non-routine techniques; nor would their "
        "release let anyone evade detection. The agency must show, record by record, which non-routine "
        "technique each withheld record would reveal and how."
    ),
    "87(2)(g)(i)": (
        "Subparagraph (i) itself requires the release of statistical or factual tabulations or data within "
        "inter- or intra-agency materials (POL §87(2)(g)(i)); counts, logs and usage figures are such data."
    ),
    "87(2)(g)(ii)": (
        "Subparagraph (ii) itself requires the release of instructions to staff that affect the public "
        "(POL §87(2)(g)(ii)): operations orders, patrol guides and training directives are such instructions."
    ),
    "87(2)(g)(iii)": (
        "Subparagraph (iii) itself requires the release of final agency policy or determinations "
        "(POL §87(2)(g)(iii)): a policy in force is final, however it is labelled."
    ),
    "87(2)(g)(iv)": (
        "Subparagraph (iv) itself requires the release of external audits (POL §87(2)(g)(iv)), including "
        "audits by the Comptroller and the federal government."
    ),
}
PRIVACY_SUBPARAGRAPH_ARGUMENT = (
    "Section 89(2)(b) lists particular kinds of personal information; the subparagraph cited reaches only "
    "that kind, about identifiable individuals, and is met by deleting identifying details (POL §89(2)(a)), "
    "not by withholding records about the agency's programs, contracts and policies."
)
REPEALED_STATUTE_ARGUMENT = (
    "The agency relies on Civil Rights Law §50-a, which the Legislature repealed effective June 12, 2020 "
    "(L. 2020, ch. 96). A repealed statute exempts nothing, and §87(2)(a) cannot rest on it."
)
NAMED_STATUTE_ARGUMENT = (
    "Section 87(2)(a) applies only where the statute named itself specifically exempts the records from "
    "disclosure. The agency must show that {statute} reaches these very records, and release every record "
    "and every part of a record it does not reach."
)

GENERAL_ARGUMENTS = (
    "Exemptions from FOIL are narrowly construed, and the burden of proving that a record falls within an "
    "exemption rests on the agency (POL §89(4)(b)). To meet it, the agency must articulate a particularized "
    "and specific justification for withholding each record; a blanket claim over whole categories of "
    "records does not suffice (Gould v. New York City Police Dept., 89 N.Y.2d 267 (1996)).",
    "Where part of a record is exempt, the agency must release the rest with redactions rather than "
    "withhold the whole record.",
    "Should the records have to be sought in a proceeding under CPLR Article 78, the court may award "
    "reasonable attorney's fees and litigation costs where the requester substantially prevails and the "
    "agency had no reasonable basis for denying access, and shall award them where the agency also failed "
    "to respond within the statutory time (POL §89(4)(c)).",
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


def argument(ground: str) -> str:
    """The standard argument against the agency's reliance on `ground` (any key tracker.grounds accepts)."""
    if ground.startswith(STATUTE_PREFIX):
        statute = ground.removeprefix(STATUTE_PREFIX)
        if statute.lower() == "civil rights law §50-a":
            return REPEALED_STATUTE_ARGUMENT
        return NAMED_STATUTE_ARGUMENT.format(statute=statute)
    if ground in SUBPARAGRAPH_ARGUMENTS:
        return SUBPARAGRAPH_ARGUMENTS[ground] + " " + argument(parent(ground))
    if ground.startswith("89(2)(b)"):
        return PRIVACY_SUBPARAGRAPH_ARGUMENT + " " + ARGUMENTS["87(2)(b)"]
    if ground in ARGUMENTS:
        return ARGUMENTS[ground]
    if ground in GROUNDS:
        return TRAFFIC_CAMERA_ARGUMENT
    raise KeyError(f"unknown ground {ground!r}")


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


def _argument_paragraphs(grounds: Iterable[str]) -> list[str]:
    paragraphs = []
    for ground in grounds:
        citation, words = describe(ground)
        paragraphs.append(f"{citation} ({words}). {argument(ground)}")
    return paragraphs


def subject_for(facts: RequestFacts) -> str:
    """The appeal's subject line: the request's title, our reference and the agency's numbers."""
    numbers = f", {', '.join(facts.tracking_numbers)}" if facts.tracking_numbers else ""
    return f"FOIL appeal under POL §89(4)(a): {facts.title} ({facts.reference}{numbers})"


def draft_appeal(request: RequestFacts, agency: AgencyFacts, denial: DenialFacts, today: date,
                 *, signature: str = "", reply_to: str = "") -> Letter:
    """Draft the appeal of `denial` to the agency's appeals officer, to be sent `today`."""
    answer_due = deadlines.appeal_determination_due(today, agency.closures)
    warnings = []
    if not agency.appeals_email:
        warnings.append(f"{agency.name} has no appeals email on record; add it to the agency before sending.")
    if denial.appeal_due_on and denial.appeal_due_on < today:
        ended = long_date(denial.appeal_due_on)
        warnings.append(f"The 30-day appeal period (POL §89(4)(a)) ended on {ended}.")
    officer = agency.appeals_officer or DEFAULT_OFFICER
    lines = [officer, agency.name]
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
    grounds = [g for g in denial.exemptions if describe(g) is not None]
    if denial.kind == "no_records" and "no_records" not in grounds:
        grounds.append("no_records")
    if grounds:
        paragraphs.append("Each ground the agency relied on fails:")
        paragraphs += _argument_paragraphs(grounds)
    paragraphs += list(GENERAL_ARGUMENTS)
    paragraphs.append(
        "Please reverse the denial and provide the records. POL §89(4)(a) requires you, within ten business "
        "days of receiving this appeal, to fully explain in writing the reasons for further denial or to "
        f"provide access to the records: that is, by {long_date(answer_due)}. The same section requires the "
        "agency to send a copy of this appeal and of its determination to the Committee on Open Government."
    )
    if request.description.strip():
        paragraphs.append("For reference, the request read:\n\n" + _quoted(request.description))
    closing = ["Sincerely,", signature or "The requester"]
    if reply_to:
        closing.append(reply_to)
    body = "\n".join(lines) + "\n" + "\n\n".join(paragraphs) + "\n\n" + "\n".join(closing) + "\n"
    return Letter(to=agency.appeals_email, subject=subject_for(request), body=body,
                  answer_due_on=answer_due, warnings=warnings)


def _quoted(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.strip().splitlines())

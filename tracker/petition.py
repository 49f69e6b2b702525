"""Drafting an Article 78 petition against a final FOIL denial: a notice of petition and a verified petition.

This module holds the plain facts a petition is drafted from (the parties, the court and county, each
request's history as dated facts, the grounds the agency relied on and the exhibits on file) and the document
model it becomes (headings, paragraphs, numbered allegations, an exhibit list). `tracker.petition_draft`
writes the papers, `tracker.operations.petitions` gathers the facts and `tracker.petition_docs` prints them.
Pure: nothing here touches Flask, the database or the clock.

The law the draft rests on:
- CPLR 7804(b): the proceeding is brought in the supreme court in the county CPLR 506(b) specifies;
  CPLR 7804(c): the notice of petition; CPLR 7804(d): a verified petition.
- CPLR 217(1): four months after the determination becomes final and binding upon the petitioner.
- POL §89(4)(a): the appeal and its ten business days; POL §89(4)(b): review under Article 78, the agency's
  burden of proof, and a failure to decide the appeal in time is a denial.
- POL §89(4)(c) as amended in 2017: the court (i) may award fees and costs when the requester substantially
  prevailed and the agency failed to respond in time, and (ii) shall award them when the requester
  substantially prevailed and the agency had no reasonable basis for denying access.
- CPLR 7803(1) and (3): a duty enjoined by law not performed; a determination affected by an error of law.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

BLANK = "____________"


@dataclass(frozen=True)
class Party:
    """A petitioner: a name, and where they live or have their office when known."""

    name: str
    address: str = ""
    description: str = ""  # e.g. "a resident of Bushwick (North), Brooklyn"


@dataclass(frozen=True)
class HistoryFact:
    """One dated step of a request's history, as the timeline fold gives it."""

    kind: str  # received, acknowledged, extended, records_released, denied, partially_granted, no_records,
    #            constructively_denied, appeal_filed, appeal_denied, appeal_constructively_denied
    on: date
    grounds: Sequence[str] = ()
    date_certain: date | None = None
    pages: int = 0
    missed_deadline: str = ""  # for a constructive denial: which deadline the agency let pass
    exhibit: str = ""  # the letter of the exhibit that shows this fact, once assigned


@dataclass(frozen=True)
class Exhibit:
    """A paper to annex: what it is, its date, and what is on file for it (or that nothing is)."""

    title: str
    on: date | None
    sources: Sequence[str] = ()  # "email “Re: FOIL” of 2023-01-06", "document 12, Denial.pdf"

    @property
    def on_file(self) -> bool:
        return bool(self.sources)


@dataclass(frozen=True)
class RequestHistory:
    """A covered request: what was asked, what happened, what the agency relied on, and the papers."""

    reference: str
    title: str
    description: str
    facts: Sequence[HistoryFact]
    grounds: Sequence[str]
    final_kind: str  # appeal_denied or appeal_constructively_denied
    final_on: date  # the appeal determination, or the day the appeal's ten business days ran out
    article78_due_on: date
    tracking_numbers: Sequence[str] = ()
    appeal_numbers: Sequence[str] = ()
    exhibits: Sequence[tuple[str, Exhibit]] = ()  # (fact kind it shows, exhibit), in history order


@dataclass(frozen=True)
class PetitionFacts:
    """Everything the draft says, gathered from a Litigation record (or a request alone)."""

    court: str
    county: str  # "" when no county could be determined (the draft leaves a blank and says so)
    venue_reason: str
    index_number: str
    petitioners: Sequence[Party]
    agency: str
    appeals_officer: str
    requests: Sequence[RequestHistory]
    today: date
    warnings: Sequence[str] = ()


@dataclass(frozen=True)
class Block:
    """One piece of the document: a title, heading, paragraph, numbered allegation, exhibit or break."""

    kind: str  # title, heading, paragraph, allegation, item, exhibit, note, page_break
    text: str = ""
    number: int | None = None
    label: str = ""  # an exhibit's letter


@dataclass
class PetitionDocument:
    """The drafted papers: court lines, caption, body blocks, and notes for counsel (not for filing)."""

    title: str
    court_lines: list[str]
    caption: list[str]
    blocks: list[Block]
    notes: list[str] = field(default_factory=list)

    @property
    def allegations(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "allegation"]

    @property
    def exhibits(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "exhibit"]


def long_date(day: date | None) -> str:
    """'February 10, 2023', or a blank to fill in."""
    return f"{day:%B} {day.day}, {day.year}" if day else BLANK


def exhibit_label(n: int) -> str:
    """A, B, ... Z, AA, AB, ...: the letter of the n-th exhibit (0-based)."""
    label = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        label = chr(65 + rest) + label
    return label


def county_words(county: str) -> str:
    """'New York County', or a blank."""
    return f"{county} County" if county else f"{BLANK} County"


def respondent_officer(facts: PetitionFacts) -> str:
    """The appeals officer as a party: by name when on record, always in the official capacity."""
    officer = facts.appeals_officer.strip()
    title = f"Records Access Appeals Officer of {facts.agency}"
    return f"{officer}, in their official capacity as {title}" if officer else f"the {title}"


def petitioner_names(facts: PetitionFacts) -> str:
    """'A', 'A and B', 'A, B and C': the petitioners as the caption names them."""
    names = [p.name for p in facts.petitioners] or ["[Petitioner]"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def plural(facts: PetitionFacts) -> bool:
    """Whether there are several petitioners."""
    return len(facts.petitioners) > 1


def caption_lines(facts: PetitionFacts) -> list[str]:
    """The caption: the matter, the petitioners, the respondents, and the index number."""
    role = "Petitioners" if plural(facts) else "Petitioner"
    return [
        f"In the Matter of the Application of {petitioner_names(facts)},",
        f"{role},",
        "for a Judgment under Article 78 of the Civil Practice Law and Rules,",
        "– against –",
        f"{facts.agency} and {respondent_officer(facts)},",
        "Respondents.",
        f"Index No. {facts.index_number or BLANK}",
    ]


def as_text(document: PetitionDocument) -> str:
    """The whole document as plain text, paragraph by paragraph: what the PDF prints."""
    lines: list[str] = []
    lines += [f"[Note for counsel, not for filing: {note}]" for note in document.notes]
    lines.append("")
    lines += document.caption
    for block in document.blocks:
        lines.append("")
        if block.kind == "allegation":
            lines.append(f"{block.number}. {block.text}")
        elif block.kind in ("title", "heading"):
            lines.append(block.text.upper())
        elif block.kind == "exhibit":
            lines.append(f"Exhibit {block.label}: {block.text}")
        elif block.kind == "page_break":
            lines.append("* * *")
        else:
            lines.append(block.text)
    return "\n".join(lines).strip() + "\n"

"""Writing an Article 78 petition from its facts (tracker.petition): notice of petition, verified petition
(CPLR 7804(c)-(d)), verification and exhibit list.

Pure: no Flask, no database, no clock. The grounds are answered with the appeal letter's own per-ground
arguments (tracker.appeal_arguments), reached through `_ground_arguments` alone, so both papers argue alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from tracker.appeal_arguments import argument, arguments_for
from tracker.grounds import describe
from tracker.lifecycle import WITHHOLDING
from tracker.petition import (
    BLANK,
    Block,
    HistoryFact,
    Party,
    PetitionDocument,
    PetitionFacts,
    RequestHistory,
    caption_lines,
    county_words,
    exhibit_label,
    long_date,
    petitioner_names,
    plural,
    respondent_officer,
)


def _ground_arguments(grounds: Iterable[str]) -> list[tuple[str, str, str]]:
    """(citation, plain words, argument) for each ground: the appeal letter's own per-ground arguments."""
    out = []
    for ground, _paragraph in arguments_for(grounds):
        citation, words = describe(ground)
        out.append((citation, words, argument(ground)))
    return out


def _fact_sentence(fact: HistoryFact, request: RequestHistory) -> str:
    on = long_date(fact.on)
    if fact.kind == "received":
        text = f"On {on}, respondent {{agency}} received petitioner's request {request.reference}"
        if request.tracking_numbers:
            text += f" (agency number {', '.join(request.tracking_numbers)})"
        return text + f" under the Freedom of Information Law for records described as “{request.title}”."
    if fact.kind == "acknowledged":
        text = f"On {on}, the agency acknowledged receipt of the request"
        if fact.date_certain:
            text += f" and stated that it would grant or deny it by {long_date(fact.date_certain)}"
        return text + " (POL §89(3)(a))."
    if fact.kind == "extended":
        return (f"On {on}, the agency extended its own time to answer the request to "
                f"{long_date(fact.date_certain)}.")
    if fact.kind == "records_released":
        pages = f" {fact.pages:,} pages of" if fact.pages else ""
        return f"On {on}, the agency released{pages} records in response to the request."
    if fact.kind in WITHHOLDING:
        words = {"denied": "denied the request",
                 "partially_granted": "granted the request only in part and withheld the remaining records",
                 "no_records": "answered that it had no records responsive to the request"}[fact.kind]
        text = f"On {on}, the agency {words}"
        cited = [describe(g)[0] for g in fact.grounds if describe(g) is not None]
        return text + (f", citing {'; '.join(cited)}." if cited else ".")
    if fact.kind == "constructively_denied":
        missed = f" its {fact.missed_deadline.replace('_', ' ')} deadline" if fact.missed_deadline else " its deadline"
        return (f"The agency let{missed} pass on {on} without granting or denying the request. That failure "
                "is a denial of access (POL §89(4)(a)).")
    if fact.kind == "appeal_filed":
        numbers = f" (appeal number {', '.join(request.appeal_numbers)})" if request.appeal_numbers else ""
        return (f"On {on}, petitioner appealed the denial in writing to the agency's records access appeals "
                f"officer under POL §89(4)(a){numbers}.")
    if fact.kind == "appeal_denied":
        return (f"On {on}, the records access appeals officer denied the appeal. That determination is final "
                "and binding upon petitioner.")
    if fact.kind == "appeal_constructively_denied":
        return (f"The records access appeals officer did not decide the appeal within ten business days of its "
                f"receipt, as POL §89(4)(a) requires; that time ran out on {on}. The failure to decide the appeal "
                "in time constitutes a denial (POL §89(4)(b)), which is final and binding upon petitioner.")
    return f"On {on}, {fact.kind.replace('_', ' ')}."


class _Writer:
    """Numbers allegations as the blocks are added."""

    def __init__(self, facts: PetitionFacts):
        self.facts = facts
        self.blocks: list[Block] = []
        self.number = 0

    def heading(self, text: str) -> None:
        self.blocks.append(Block("heading", text))

    def paragraph(self, text: str) -> None:
        self.blocks.append(Block("paragraph", text.replace("{agency}", self.facts.agency)))

    def allege(self, text: str) -> None:
        self.number += 1
        self.blocks.append(Block("allegation", text.replace("{agency}", self.facts.agency), self.number))

    def item(self, text: str) -> None:
        self.blocks.append(Block("item", text))


def _relief_items(facts: PetitionFacts) -> list[str]:
    records = "the records requested" if len(facts.requests) == 1 else "the records requested in each request"
    return [
        f"(a) annulling respondents' determinations and directing respondents to produce {records} "
        "within thirty days of service of the judgment with notice of entry, withholding only what they "
        "prove, with a particularized justification, to be exempt;",
        "(b) directing respondents to submit any record they continue to withhold, in whole or in part, to "
        "the Court for in camera review;",
        "(c) awarding petitioner the reasonable attorney's fees and other litigation costs reasonably "
        "incurred in this proceeding under POL §89(4)(c): the Court shall assess them against respondents "
        "where petitioner has substantially prevailed and the Court finds that respondents had no reasonable "
        "basis for denying access (POL §89(4)(c)(ii)), and may assess them where petitioner has substantially "
        "prevailed and respondents failed to respond to the request or the appeal within the statutory time "
        "(POL §89(4)(c)(i));",
        "(d) granting such other and further relief as the Court deems just and proper.",
    ]


def _notice(w: _Writer, facts: PetitionFacts) -> None:
    w.blocks.append(Block("title", "NOTICE OF PETITION"))
    w.paragraph(
        f"PLEASE TAKE NOTICE that, upon the annexed verified petition of {petitioner_names(facts)}, verified "
        f"on {BLANK}, and the exhibits annexed to it, petitioner will move this Court, at the Motion "
        f"Submission Part of the Supreme Court, {county_words(facts.county)}, at the courthouse at {BLANK}, "
        f"on {BLANK}, at 9:30 in the forenoon of that day or as soon after as counsel can be heard, for a "
        "judgment under Article 78 of the Civil Practice Law and Rules and POL §89(4)(b):")
    for text in _relief_items(facts):
        w.item(text)
    w.paragraph(
        "PLEASE TAKE FURTHER NOTICE that this notice of petition, with the petition and exhibits, is served at "
        "least twenty days before the time at which the petition is noticed to be heard, and that an answer "
        "and supporting affidavits, if any, shall be served at least five days before that time (CPLR 7804(c)).")
    w.paragraph(f"Dated: {county_words(facts.county)}, New York, {BLANK}")
    w.paragraph(f"[Attorney for {'Petitioners' if plural(facts) else 'Petitioner'}: name, address, telephone, email]")
    w.paragraph(f"TO: {facts.agency}; {respondent_officer(facts)}.")


def _parties(w: _Writer, facts: PetitionFacts) -> None:
    w.heading("THE PARTIES")
    for party in facts.petitioners or [Party("[Petitioner]")]:
        who = f"Petitioner {party.name}"
        if party.description:
            who += f" is {party.description}"
            if party.address:
                who += f", residing at {party.address}"
            who += ", and"
        elif party.address:
            who += f", of {party.address},"
        requested = [r.reference for r in facts.requests]
        w.allege(f"{who} made the request{'s' if len(requested) > 1 else ''} "
                 f"{', '.join(requested)} under the Freedom of Information Law (Public Officers Law, "
                 "Article 6).")
    w.allege(f"Respondent {facts.agency} is the agency that received the "
             f"request{'s' if len(facts.requests) > 1 else ''} and holds the records sought.")
    w.allege(f"Respondent {respondent_officer(facts)}, is the person who decides appeals from denials of access "
             f"to {facts.agency}'s records under POL §89(4)(a), and is sued in that capacity.")


def _venue(w: _Writer, facts: PetitionFacts) -> None:
    w.heading("JURISDICTION, VENUE AND TIMELINESS")
    w.allege("This is a proceeding under Article 78 of the Civil Practice Law and Rules to review respondents' "
             "denial of access to records: POL §89(4)(b) provides that a person denied access to a record in an "
             "appeal determination may bring such a proceeding.")
    if facts.county:
        w.allege(f"Under CPLR 7804(b), the proceeding is brought in the supreme court in the county specified "
                 f"in CPLR 506(b). Venue lies in {facts.county} County: {facts.venue_reason}")
    else:
        w.allege(f"Under CPLR 7804(b), the proceeding is brought in the supreme court in the county specified "
                 f"in CPLR 506(b). Venue lies in {county_words('')}: [state where respondents made the "
                 "determination complained of, where the material events took place, or where respondents' "
                 "principal office is located].")
    for r in facts.requests:
        final = ("the appeal determination" if r.final_kind == "appeal_denied"
                 else "the end of the appeals officer's ten business days without a decision")
        w.allege(f"This proceeding is timely under CPLR 217(1), which requires it to be commenced within four "
                 f"months after the determination to be reviewed becomes final and binding upon petitioner. "
                 f"For request {r.reference}, that determination is {final}, on {long_date(r.final_on)}; the "
                 f"four months end on {long_date(r.article78_due_on)}.")
    w.allege("Petitioner has exhausted the administrative remedy POL §89(4)(a) provides, by appealing each "
             "denial to the agency's records access appeals officer.")


def _facts_section(w: _Writer, facts: PetitionFacts) -> None:
    w.heading("THE FACTS")
    for r in facts.requests:
        if len(facts.requests) > 1:
            w.paragraph(f"Request {r.reference}: {r.title}")
        for fact in r.facts:
            text = _fact_sentence(fact, r)
            if fact.exhibit:
                text += f" A copy is annexed as Exhibit {fact.exhibit}."
            w.allege(text)
        if r.description.strip():
            w.allege(f"The request described the records sought as follows: “{' '.join(r.description.split())}”")


def _grounds_section(w: _Writer, facts: PetitionFacts) -> None:
    w.heading("THE GROUNDS RESPONDENTS RELIED ON, AND WHY EACH FAILS")
    w.allege("Where access to a record is denied under POL §87(2), the agency involved has the burden of "
             "proving that the record falls within that subdivision (POL §89(4)(b)).")
    grounds: list[str] = []
    for r in facts.requests:
        grounds += [g for g in r.grounds if g not in grounds]
    if not grounds:
        w.allege("Respondents gave no ground at all for withholding the records: they let the time to answer "
                 "pass without a decision. Having stated no exemption, they cannot carry their burden of proof.")
    for citation, words, answer in _ground_arguments(grounds):
        w.allege(f"{citation} ({words}). {answer}")


def _cause_of_action(w: _Writer, facts: PetitionFacts) -> None:
    w.heading("CAUSE OF ACTION")
    w.allege("By withholding the records without proving that an exemption applies, respondents failed to "
             "perform a duty enjoined upon them by law (CPLR 7803(1)), and their determination was affected by an "
             "error of law and was arbitrary and capricious (CPLR 7803(3)).")
    constructive = [r.reference for r in facts.requests
                    if r.final_kind == "appeal_constructively_denied"
                    or any(f.kind == "constructively_denied" for f in r.facts)]
    if constructive:
        w.allege(f"Respondents also failed to respond within the statutory time ({', '.join(constructive)}), "
                 "which bears on the award of fees and costs under POL §89(4)(c)(i).")


def _verification(w: _Writer, facts: PetitionFacts) -> None:
    w.blocks.append(Block("page_break"))
    w.blocks.append(Block("title", "VERIFICATION"))
    w.paragraph(f"STATE OF NEW YORK, COUNTY OF {(facts.county or BLANK).upper()}, ss.:")
    for party in facts.petitioners or [Party("[Petitioner]")]:
        w.paragraph(f"{party.name}, being duly sworn, says: I am a petitioner in this proceeding. I have read the "
                    "verified petition above and know what it says. What it says is true to my own knowledge, "
                    "except the matters stated on information and belief, and those I believe to be true.")
        w.paragraph(f"______________________________ {party.name}")
    w.paragraph(f"Sworn to before me on {BLANK}.   ______________________________ Notary Public")


def _exhibits(w: _Writer, facts: PetitionFacts) -> None:
    w.blocks.append(Block("page_break"))
    w.blocks.append(Block("title", "EXHIBITS"))
    n = 0
    for r in facts.requests:
        for _kind, exhibit in r.exhibits:
            label = exhibit_label(n)
            n += 1
            dated = f", dated {long_date(exhibit.on)}" if exhibit.on else ""
            source = ("on file: " + "; ".join(exhibit.sources) if exhibit.on_file
                      else "no copy is on file in FOIL Tracker; attach it")
            w.blocks.append(Block("exhibit", f"{exhibit.title}{dated} ({r.reference}); {source}.", label=label))


def assign_exhibits(requests: Sequence[RequestHistory]) -> list[RequestHistory]:
    """The requests with each fact pointing at the letter of the exhibit that shows it."""
    out, n = [], 0
    for r in requests:
        letters_by_kind: dict[tuple[str, date | None], str] = {}
        for kind, exhibit in r.exhibits:
            letters_by_kind[(kind, exhibit.on)] = exhibit_label(n)
            n += 1
        new_facts = [replace(f, exhibit=letters_by_kind.get((f.kind, f.on), "")) for f in r.facts]
        out.append(replace(r, facts=new_facts))
    return out


def draft_petition(facts: PetitionFacts) -> PetitionDocument:
    """The notice of petition, the verified petition, its verification and the exhibit list."""
    facts = replace(facts, requests=assign_exhibits(facts.requests))
    w = _Writer(facts)
    _notice(w, facts)
    w.blocks.append(Block("page_break"))
    w.blocks.append(Block("title", "VERIFIED PETITION"))
    w.paragraph(f"{'Petitioners' if plural(facts) else 'Petitioner'} {petitioner_names(facts)}, for the "
                f"verified petition, allege{'' if plural(facts) else 's'}:")
    w.heading("PRELIMINARY STATEMENT")
    w.allege(f"Petitioner asked {facts.agency} for public records under the Freedom of Information Law. The agency "
             "withheld them, and its records access appeals officer denied petitioner's appeal or let the time "
             "to decide it pass. Petitioner asks the Court to order the records produced, to review in camera "
             "whatever respondents still withhold, and to award attorney's fees and costs.")
    _parties(w, facts)
    _venue(w, facts)
    _facts_section(w, facts)
    _grounds_section(w, facts)
    _cause_of_action(w, facts)
    w.heading("RELIEF REQUESTED")
    w.paragraph("WHEREFORE, petitioner respectfully asks the Court for a judgment:")
    for text in _relief_items(facts):
        w.item(text)
    w.paragraph(f"Dated: {county_words(facts.county)}, New York, {BLANK}")
    w.paragraph(f"[Attorney for {'Petitioners' if plural(facts) else 'Petitioner'}: name, address, telephone, email]")
    _verification(w, facts)
    _exhibits(w, facts)
    court = facts.court.strip() or "Supreme Court of the State of New York"
    court_lines = [court.split(",")[0].strip().upper(), f"COUNTY OF {(facts.county or BLANK).upper()}"]
    notes = list(facts.warnings)
    notes.append("This is a draft for counsel to review, complete and verify; FOIL Tracker never files it. "
                 "Fill in every blank (____________) before service.")
    notes.append("If a respondent is a state body or officer, CPLR 7804(c) requires the notice of petition also "
                 "to be served upon the attorney general.")
    return PetitionDocument(title="Notice of Petition and Verified Petition (CPLR Article 78)",
                            court_lines=court_lines, caption=caption_lines(facts), blocks=w.blocks, notes=notes)

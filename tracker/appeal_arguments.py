"""The answer to each ground an agency may cite for withholding records, for appeal letters and petitions.

Pure: no Flask, no database. `arguments_for(grounds)` is the stable entry point: the appeal letter and the
Article 78 petition both draw their per-ground paragraphs from it. Every authority cited here is listed,
with where its words were checked, in docs/citations.md; the paragraphs say no more than those sources hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.grounds import GROUNDS, STATUTE_PREFIX, describe, parent

GOULD = "Gould v. New York City Police Dept., 89 N.Y.2d 267 (1996)"
FINK = "Fink v. Lefkowitz, 47 N.Y.2d 567 (1979)"
LESHER = "Lesher v. Hynes, 19 N.Y.3d 57 (2012)"
STRONZA = "Stronza v. Hoke, 148 A.D.2d 900 (3d Dept 1989)"
BELLAMY = "Bellamy v. New York City Police Dept., 87 A.D.3d 874 (1st Dept 2011)"
XEROX = "Xerox Corp. v. Town of Webster, 65 N.Y.2d 131 (1985)"
KONIGSBERG = "Konigsberg v. Coughlin, 68 N.Y.2d 245 (1986)"

# The standard answer to each ground, in the order the statute lists them (POL §87(2), §89(3)(a)).
ARGUMENTS: dict[str, str] = {
    "87(2)(a)": (
        "Section 87(2)(a) reaches only records that a state or federal statute specifically exempts from "
        "disclosure. The agency must name that statute and show that it reaches these records."
    ),
    "87(2)(b)": (
        "Section 87(2)(b) protects against unwarranted invasions of personal privacy. Under POL §89(2) an "
        "agency may delete identifying details when it makes records available, so a privacy concern is met "
        "by redacting those details, not by withholding the records."
    ),
    "87(2)(c)": (
        "Section 87(2)(c) applies only where disclosure would impair present or imminent contract awards or "
        "collective bargaining negotiations. The agency has identified no award or negotiation that is "
        "present or imminent, nor how disclosure would impair it."
    ),
    "87(2)(d)": (
        "Section 87(2)(d) protects only trade secrets, or information submitted by or derived from a "
        "commercial enterprise whose disclosure would cause substantial injury to that enterprise's "
        "competitive position. The agency has not shown that injury."
    ),
    "87(2)(e)": (
        "Section 87(2)(e) reaches only records compiled for law enforcement purposes, and only where "
        "disclosure would cause one of the four harms it lists. To rely on it the agency must give a "
        f"particularized and specific justification ({GOULD}); naming the paragraph does not say which harm "
        "disclosure would cause, or how."
    ),
    "87(2)(f)": (
        "Section 87(2)(f) applies where disclosure could endanger the life or safety of any person. The "
        f"agency need only show a possibility of endangerment ({STRONZA}; {BELLAMY}), but it must show "
        "something: it has offered no factual basis at all for such a possibility, only the citation of "
        "the paragraph."
    ),
    "87(2)(g)": (
        "Section 87(2)(g) reaches inter-agency or intra-agency materials, and even within them it does not "
        "reach (i) statistical or factual tabulations or data, (ii) instructions to staff that affect the "
        "public, (iii) final agency policy or determinations, or (iv) external audits. Factual tallies and "
        f"data must be released ({GOULD}). Material an outside consultant prepares for the agency is treated "
        f"like the agency's own ({XEROX}), so what matters is what the material is: an executed contract is "
        "the agency's final agreement, not an opinion or a recommendation, and instructions to staff and "
        "final agency policy are released under subparagraphs (ii) and (iii) whoever wrote them."
    ),
    "87(2)(h)": (
        "Section 87(2)(h) protects only examination questions or answers requested before the final "
        "administration of the examination. None of the records requested is such a question or answer."
    ),
    "87(2)(i)": (
        "Section 87(2)(i) reaches only records whose disclosure would jeopardize the agency's capacity to "
        "guarantee the security of its information technology assets. The agency has not shown how "
        "releasing these records would do so."
    ),
    "not_reasonably_described": (
        "The request describes the records well enough to locate and identify them; to deny it on this "
        f"ground the agency must show that the descriptions were insufficient for that purpose ({KONIGSBERG}). "
        "POL §89(3)(a) does not allow a request to be denied as voluminous or burdensome where the agency "
        "could engage an outside professional service to meet it."
    ),
    "no_records": (
        "If the agency does not have the records, POL §89(3)(a) requires it, on request, to certify that it "
        "does not have them or that they could not be found after a diligent search. I request that "
        "certification, with a description of the search made: who searched, which files and systems, and "
        "with what terms."
    ),
    "would_create_record": (
        "Retrieving records kept in a computer system is not creating a record: under POL §89(3)(a), the "
        "programming needed to retrieve a record maintained in a computer storage system and transfer it to "
        "the medium requested is not the preparation or creation of a new record."
    ),
}
TRAFFIC_CAMERA_ARGUMENT = (
    "Sections 87(2)(j) to (q) concern only the images recorded by the automated traffic-enforcement "
    "programs they name; they do not reach contracts, policies, statistics or any other record."
)

# Answers to the subparagraphs agencies cite, on their own terms (the paragraph's answer follows).
SUBPARAGRAPH_ARGUMENTS: dict[str, str] = {
    "87(2)(e)(i)": (
        "Subparagraph (i) applies where disclosure would interfere with law enforcement investigations or "
        "judicial proceedings. While a proceeding is pending the agency may make its showing by generic "
        "categories of documents, but it must still identify those categories and explain how their release "
        f"would interfere ({LESHER}); once the investigation and any proceeding have run their course, the "
        "subparagraph no longer applies."
    ),
    "87(2)(e)(ii)": (
        "Subparagraph (ii) applies only where disclosure would deprive a person of a right to a fair trial "
        "or impartial adjudication; the agency has identified no such trial or adjudication."
    ),
    "87(2)(e)(iii)": (
        "Subparagraph (iii) protects the identity of confidential sources and confidential information "
        "relating to a criminal investigation; where such details appear in a record, they can be redacted "
        "and the rest released."
    ),
    "87(2)(e)(iv)": (
        "Subparagraph (iv) exempts only criminal investigative techniques or procedures that are not "
        "routine. It protects non-routine techniques whose disclosure would let violators of the law evade "
        f"detection ({FINK}). Routine procedures, and the contracts, purchasing records and policies that "
        "govern a technology, are not such techniques, and the agency has not shown how their release would "
        "let anyone evade detection."
    ),
    "87(2)(g)(i)": (
        "Subparagraph (i) itself excepts statistical or factual tabulations or data (POL §87(2)(g)(i)); "
        "counts, logs and usage figures are such data and must be released."
    ),
    "87(2)(g)(ii)": (
        "Subparagraph (ii) itself excepts instructions to staff that affect the public (POL §87(2)(g)(ii)): "
        "orders and directives that govern how staff deal with the public are such instructions."
    ),
    "87(2)(g)(iii)": (
        "Subparagraph (iii) itself excepts final agency policy or determinations (POL §87(2)(g)(iii)): a "
        "policy the agency has adopted and applies is final agency policy."
    ),
    "87(2)(g)(iv)": (
        "Subparagraph (iv) itself excepts external audits (POL §87(2)(g)(iv)), including audits by the "
        "Comptroller and the federal government."
    ),
}
PRIVACY_SUBPARAGRAPH_ARGUMENT = (
    "Section 89(2)(b) lists particular kinds of personal information; the kind cited covers only that "
    "information about identifiable individuals, and it is met by deleting identifying details, not by "
    "withholding records about the agency's programs, contracts and policies."
)
REPEALED_STATUTE_ARGUMENT = (
    "The agency relies on Civil Rights Law §50-a, which the Legislature repealed (L. 2020, ch. 96), with "
    "effect from June 12, 2020. A repealed statute exempts nothing, and §87(2)(a) cannot rest on it."
)
NAMED_STATUTE_ARGUMENT = (
    "Section 87(2)(a) applies only where the statute named itself specifically exempts the records from "
    "disclosure. The agency must show that {statute} reaches these very records, and release every record "
    "and every part of a record it does not reach."
)


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


def arguments_for(grounds: Iterable[str]) -> list[tuple[str, str]]:
    """(ground, paragraph) for each ground tracker.grounds knows, in the order given, each once.

    The paragraph opens with the ground's citation and plain words, then answers it. Unknown keys are
    skipped: an event may hold what an agency wrote that is not a ground.
    """
    paragraphs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for ground in grounds:
        described = describe(ground)
        if described is None or ground in seen:
            continue
        seen.add(ground)
        citation, words = described
        paragraphs.append((ground, f"{citation} ({words}). {argument(ground)}"))
    return paragraphs

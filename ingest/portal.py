"""Notifications from an agency's records portal (NYC OpenRecords and the like), read as timeline events.

Pure: subject and text in, a PortalNotice out (or None). A portal writes the agency's tracking number
(`FOIL-2023-056-11528`) and a few status words: acknowledged with an approximate date, extended to a
date, closed, denied with the grounds, records released. This module recognises them; the tracker finds
the request by the number and offers the event for a person to confirm. Nothing here is ever logged on
its own: a portal's wording can change, and a person checks each suggestion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

# NYC OpenRecords: FOIL-<year>-<agency code>-<serial>.
DEFAULT_NUMBER = r"\bFOIL-\d{4}-\d{3}-\d{5}\b"

_MONTHS = {m: n for n, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}
_MONTH_WORD = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
              r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE = (r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
         rf"(?:{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
         r"|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})")
_DUE_PHRASES = (
    rf"on\s+or\s+about\s+(?P<d>{_DATE})",
    rf"approximate(?:ly)?(?:\s+date)?(?:\s+of)?(?:\s+(?:is|will\s+be))?\s*:?\s*(?P<d>{_DATE})",
    rf"extended\s+(?:to|until|through)\s+(?P<d>{_DATE})",
    rf"(?:due\s+date|response\s+date|new\s+due\s+date)\s*(?:is|has\s+been\s+changed\s+to|:)?\s*(?P<d>{_DATE})",
    rf"\bby\s+(?P<d>{_DATE})",
)
_ROMAN = r"(?:viii|vii|vi|iv|v|iii|ii|i)"
_CITATION = re.compile(
    rf"(?P<sec>87|89)\s*\(\s*2\s*\)\s*\(\s*(?P<para>[a-q])\s*\)(?:\s*\(\s*(?P<sub>{_ROMAN})\s*\))?"
    rf"(?:\s*(?:of\s+the\s+)?(?:public\s+officers\s+law|pol))?", re.IGNORECASE)
_STATUTE_AFTER_A = re.compile(r"(civil\s+rights\s+law\s*(?:§|section)?\s*50-[ab]|public\s+health\s+law\s*(?:§|section)?"
                              r"\s*18|criminal\s+procedure\s+law\s*(?:§|section)?\s*160\.50)", re.IGNORECASE)
_PAGES = re.compile(r"\b(\d{1,3}(?:,\d{3})*|\d+)\s+pages?\b", re.IGNORECASE)

# Why the agency needs more time, as a notice words it ("because of the volume of records to review").
_REASONS = (
    re.compile(r"\breason\s+for\s+(?:the|this)\s+(?:extension|delay)\s*(?:is|was|:)\s*:?\s*(?P<r>[^.\n]{3,300})", re.I),
    re.compile(r"\b(?:extended|extension|more\s+time|additional\s+time)\b[^.\n]*?\b(?:because(?:\s+of)?|due\s+to)\s+"
               r"(?P<r>[^.\n]{3,300})", re.I),
)
# The appeals officer a determination names: "Appeals Officer: Jane Roe" or "to Jane Roe, Records Access Appeals
# Officer" (a title alone, "the Records Access Appeals Officer", names nobody).
_OFFICER_WORDS = r"(?:(?:records\s+access|foil|records)\s+)?appeals?\s+officer"
_OFFICERS = (
    re.compile(rf"\b(?i:{_OFFICER_WORDS})\s*[:,]\s*(?P<o>[A-Z][\w.'\-]*(?:\s+[A-Z][\w.'\-]*){{0,5}})"),
    re.compile(rf"\bto\s+(?P<o>[A-Z][\w.'\-]*(?:\s+[A-Z][\w.'\-]*){{1,5}}),\s+(?:the\s+)?(?i:{_OFFICER_WORDS})"),
)

# Status words, most specific first: a closing notice that denies is a denial; one that releases, a release.
_STATUSES: tuple[tuple[str, re.Pattern], ...] = (
    ("partially_granted", re.compile(r"\b(?:partially\s+granted|granted\s+in\s+part|partial\s+(?:grant|release))\b",
                                     re.I)),
    ("denied", re.compile(r"\b(?:denied|denial|withheld\s+in\s+(?:its\s+)?(?:entirety|full)|is\s+exempt)\b", re.I)),
    ("records_released", re.compile(
        r"\b(?:records?\s+(?:have|has|were|was)\s+been\s+released|released\s+(?:the\s+)?(?:records|files|documents)"
        r"|files?\s+(?:have|has)\s+been\s+(?:added|released|uploaded)|response\s+has\s+been\s+added"
        r"|records?\s+(?:are|is)\s+(?:now\s+)?available|fulfilled)\b", re.I)),
    ("extended", re.compile(r"\b(?:extended|extension)\b", re.I)),
    ("acknowledged", re.compile(r"\backnowledg(?:ed|ment|ement|es)\b", re.I)),
    ("closed", re.compile(r"\bclosed\b", re.I)),
)


@dataclass(frozen=True)
class PortalNotice:
    """What a portal's email says happened: the number, the event, its dates and grounds."""

    tracking_number: str
    event_type: str  # acknowledged, extended, denied, records_released, closed
    date_certain: date | None = None
    exemptions: tuple[str, ...] = ()
    pages: int | None = None
    evidence: str = ""  # the words that said so, to show the person confirming
    notes: list[str] = field(default_factory=list)
    reason: str | None = None  # why an extension needs more time, as the notice says
    appeals_officer: str | None = None  # the officer a determination names for an appeal


def parse_date_words(text: str) -> date | None:
    """'Friday, March 17, 2023', 'Mar. 17 2023', '03/17/2023' or '2023-03-17' as a date (None if not one)."""
    text = re.sub(r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+", "", text.strip(), flags=re.I)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
            return date(int(m[3]), int(m[1]), int(m[2]))
        if m := re.fullmatch(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", text, re.I):
            word = m[1].lower()
            month = next((n for name, n in _MONTHS.items() if name.startswith(word[:3])), None)
            return date(int(m[3]), month, int(m[2])) if month else None
    except ValueError:
        return None
    return None


def tracking_numbers(text: str, patterns: Iterable[str] = ()) -> list[str]:
    """The tracking numbers in `text`, by the default portal pattern and the agency's own, in order."""
    found: list[str] = []
    for pattern in (DEFAULT_NUMBER, *patterns):
        try:
            matches = re.findall(pattern, text, re.IGNORECASE)
        except re.error:
            continue
        for match in matches:
            number = (match if isinstance(match, str) else match[0]).upper()
            if number not in found:
                found.append(number)
    return found


def cited_grounds(text: str) -> list[str]:
    """The exemptions cited in `text`, as written: '87(2)(e)(iv)', '87(2)(a): Civil Rights Law §50-a'."""
    grounds: list[str] = []
    for m in _CITATION.finditer(text):
        section, para, sub = m["sec"], m["para"].lower(), (m["sub"] or "").lower()
        if section == "89" and para != "b":
            continue
        key = f"{section}(2)({para})" + (f"({sub})" if sub else "")
        if key == "87(2)(a)":
            statute = _STATUTE_AFTER_A.search(text, m.end(), m.end() + 120)
            if statute:
                name, _, number = re.split(r"\s*(?:§|section)\s*|\s+(?=\d)", statute[1], maxsplit=1)[0], "", \
                    re.findall(r"\d[\w.\-]*", statute[1])[-1]
                key = f"87(2)(a): {' '.join(w.capitalize() for w in name.split())} §{number.lower()}"
        if key not in grounds:
            grounds.append(key)
    return grounds


def parse_portal_notice(subject: str, text: str, patterns: Iterable[str] = ()) -> PortalNotice | None:
    """A portal notification's event, or None when the email names no tracking number or status."""
    whole = f"{subject or ''}\n{text or ''}"
    numbers = tracking_numbers(whole, patterns)
    if not numbers:
        return None
    event_type, evidence = _status(subject or "", [subject or ""])
    if event_type in (None, "closed"):  # a closing notice says in its text whether it denied or released
        # The body's sentences, leaving out the boilerplate every notice carries ("If your request is denied,
        # you may appeal…"), which would otherwise read as a denial.
        sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text or "")
                     if s.strip() and not re.match(r"\s*(?:if|should|when)\b", s, re.I)
                     and not re.search(r"\b(?:may|right\s+to)\s+appeal\b", s, re.I)]
        in_text, said = _status("\n".join(sentences), sentences)
        if in_text is not None and (event_type is None or in_text in ("denied", "records_released")):
            event_type, evidence = in_text, said
    if event_type is None:
        return None
    due = None
    if event_type in ("acknowledged", "extended"):
        for phrase in _DUE_PHRASES:
            m = re.search(phrase, whole, re.IGNORECASE)
            if m and (day := parse_date_words(m["d"])):
                due = day
                break
    answers = ("denied", "partially_granted", "records_released", "closed")
    grounds = tuple(cited_grounds(whole)) if event_type in answers else ()
    if event_type == "records_released" and grounds:
        event_type = "partially_granted"  # released with parts withheld on stated grounds
    pages = None
    if event_type in ("records_released", "partially_granted") and (m := _PAGES.search(whole)):
        pages = int(m[1].replace(",", ""))
    notes = [f"also mentions {', '.join(numbers[1:])}"] if len(numbers) > 1 else []
    reason = _first(_REASONS, whole, "r") if event_type in ("acknowledged", "extended") else None
    officer = _first(_OFFICERS, whole, "o") if event_type in ("denied", "partially_granted") else None
    return PortalNotice(numbers[0], event_type, due, grounds, pages, evidence, notes, reason, officer)


def _first(patterns: Iterable[re.Pattern], text: str, group: str) -> str | None:
    """The first of the patterns' captures in `text`, its spaces tidied; None when none matches."""
    for pattern in patterns:
        if m := pattern.search(text):
            return " ".join(m[group].split()).strip(" ,;:") or None
    return None


def _status(text: str, sentences: list[str]) -> tuple[str | None, str]:
    """The first status the text states, and the sentence that states it."""
    for kind, pattern in _STATUSES:
        if pattern.search(text):
            said = next((s for s in sentences if pattern.search(s)), text)
            return kind, " ".join(said.split())[:300]
    return None, ""

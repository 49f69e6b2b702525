"""docs/citations.md keeps in step with what the product cites: every authority the letters, the grounds and
the deadline rules name is listed there with where it was checked, and every one listed is still cited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "citations.md"
# The modules whose text cites the law: letters and their arguments, grounds, and the clocks' bases.
SOURCES = ("tracker/letters.py", "tracker/appeal_arguments.py", "tracker/request_letter.py", "tracker/grounds.py",
           "tracker/operations/campaigns.py", "tracker/operations/appeals.py", "tracker/deadlines.py",
           "tracker/lifecycle.py", "tracker/timeline.py", "tracker/petition.py", "tracker/petition_draft.py",
           "tracker/operations/petitions.py", "tracker/agency_dates.py", "tracker/city_calendar.py",
           "tracker/timeline_agency.py")

LAWS = {"GCL": "GCL", "General Construction Law": "GCL", "Civil Rights Law": "Civil Rights Law",
        "Public Health Law": "Public Health Law", "Criminal Procedure Law": "Criminal Procedure Law",
        "Family Court Act": "Family Court Act", "Real Property Tax Law": "Real Property Tax Law",
        "Election Law": "Election Law", "Vehicle and Traffic Law": "Vehicle and Traffic Law",
        "Public Officers Law": "POL", "POL": "POL"}
CASE = re.compile(r"\b(\d+) (N\.Y\.[23]d|A\.D\.[23]d) (\d+)\b")
CPLR = re.compile(r"\bCPLR (?:(\d+)(\(\d+\))?|[Aa]rticle 78)")
NYCRR = re.compile(r"\b(\d+) NYCRR ([\d.]*\d)")
SESSION = re.compile(r"\bL\. ?(\d{4}),? ch\. ?(\d+)|\bchapter (\d+) of the laws of (\d{4})")
SECTION = re.compile(r"(?:(?P<law>(?i:" + "|".join(sorted(LAWS, key=len, reverse=True)) + r"))\s*)?"
                     r"(?P<mark>§§?|\b[Ss]ections? )\s?(?P<num>\d+(?:-[a-z0-9]+)?(?:\.\d+)?)"
                     r"(?P<sub>(?:\([a-z0-9]+\))*)(?P<range>[–-]\d+)?")
POL_SECTIONS = {str(n) for n in range(84, 91)}
# Sections the clocks' comments name on their own, after naming the General Construction Law once.
GCL_SECTIONS = {"20", "24", "25-a", "30"}
LAW_NAMES = {name.casefold(): key for name, key in LAWS.items()}


def _joined(text: str) -> str:
    """The source with adjacent string literals joined, so a citation split over two lines reads whole."""
    return re.sub(r"\"\s*\n\s*f?\"", "", text)


def cited_in(text: str) -> set[str]:
    """The authorities a text cites, each in the form docs/citations.md lists it."""
    text = _joined(text)
    found = {f"{m[1]} {m[2]} {m[3]}" for m in CASE.finditer(text)}
    found |= {f"CPLR {m[1]}{m[2] or ''}" if m[1] else "CPLR Article 78" for m in CPLR.finditer(text)}
    found |= {f"{m[1]} NYCRR {m[2]}" for m in NYCRR.finditer(text)}
    found |= {f"L. {m[1] or m[4]}, ch. {m[2] or m[3]}" for m in SESSION.finditer(text)}
    for m in SECTION.finditer(text):
        if text[max(0, m.start() - 7):m.start()].endswith("DESIGN "):
            continue  # a pointer into the design document, not a statute
        law = LAW_NAMES.get((m["law"] or "").casefold())
        if law is None:
            before = text[max(0, m.start() - 80):m.start()].casefold()
            named = [(before.rfind(name), key) for name, key in LAW_NAMES.items() if name in before]
            law = ("POL" if m["num"] in POL_SECTIONS else "GCL" if m["num"] in GCL_SECTIONS
                   else max(named)[1] if named else "?")
        if m["mark"] == "§§":
            found.add(f"{law} §§{m['num']}" + (f"-{m['range'][1:]}" if m["range"] else ""))
        else:
            found.add(f"{law} §{m['num']}{m['sub']}")
    return found


def product_citations() -> set[str]:
    """Every authority the scanned modules cite."""
    found: set[str] = set()
    for name in SOURCES:
        found |= cited_in((ROOT / name).read_text(encoding="utf-8"))
    return found


def listed() -> set[str]:
    """The authorities docs/citations.md lists: the code spans in the first column of its tables."""
    keys = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            keys |= set(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return keys


@pytest.mark.parametrize(("text", "expected"), [
    ("(Gould v. New York City Police Dept., 89 N.Y.2d 267 (1996))", {"89 N.Y.2d 267"}),
    ("Stronza v. Hoke, 148 A.D.2d 900 (3d Dept 1989)", {"148 A.D.2d 900"}),
    ("under POL §89(4)(c)(ii) and Public Officers Law §87(1)(b)(iii)", {"POL §89(4)(c)(ii)", "POL §87(1)(b)(iii)"}),
    ("Section 87(2)(g) and sections 87(2)(j) to (q)", {"POL §87(2)(g)", "POL §87(2)(j)"}),
    ("Public Officers Law §§84–90", {"POL §§84-90"}),
    ("GCL §25-a: moved; General Construction Law §24", {"GCL §25-a", "GCL §24"}),
    ("GCL §20 excludes the day; a §25-a period", {"GCL §20", "GCL §25-a"}),
    ('"civil rights law §50-a": "police personnel records"', {"Civil Rights Law §50-a"}),
    ("Civil Rights Law §50-a (L. 2020, ch. 96)", {"Civil Rights Law §50-a", "L. 2020, ch. 96"}),
    ("chapter 249 of the laws of 2020; Election Law §8-100", {"L. 2020, ch. 249", "Election Law §8-100"}),
    ("CPLR 217(1), CPLR Article 78, 21 NYCRR 1401.5.", {"CPLR 217(1)", "CPLR Article 78", "21 NYCRR 1401.5"}),
    ("the five clocks of DESIGN §4", set()),
    ('"... the burden (POL "\n    "§89(4)(b))"', {"POL §89(4)(b)"}),
])
def test_the_scanner_reads_citations_as_the_product_writes_them(text, expected):
    assert cited_in(text) == expected


def test_every_citation_the_product_makes_is_listed_with_its_source():
    missing = sorted(product_citations() - listed())
    assert not missing, f"add these to docs/citations.md, verified against their source: {missing}"


def test_every_listed_citation_is_still_cited():
    stale = sorted(listed() - product_citations())
    assert not stale, f"docs/citations.md lists authorities nothing cites any more: {stale}"


def test_each_listed_authority_says_where_it_was_verified():
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    assert len(rows) >= 20
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), row
        if cells[3].startswith("not verified"):
            assert cells[2].startswith("not verified"), row  # an unverified row says so in both columns
            continue
        assert re.search(r"https?://", cells[2]), row  # where it was checked
        assert "“" in cells[3], row  # the words that support it, quoted

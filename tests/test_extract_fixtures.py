"""Every real-world PDF in ../shared/fixtures through ingest.extract: text, OCR and hostile files.

The expected words were read off each file by eye (pdftotext for text layers, the page images for
scans). OCR runs at 200 dpi here to keep the module near a minute on two cores; production uses 300.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.extract import (
    STATUS_EMPTY,
    STATUS_ENCRYPTED,
    STATUS_FAILED,
    STATUS_OK,
    STATUS_UNSUPPORTED,
    STATUSES,
    Limits,
    extract,
)

FIXTURES = Path(
    os.environ.get("FOILTRACK_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "fixtures")
)
PDFS = FIXTURES / "pdf"
LIMITS = Limits(ocr_dpi=200, wall_seconds=90)


def pdfs_in(folder: str) -> list[str]:
    """File names in one fixtures folder (empty when the folder is absent)."""
    path = PDFS / folder
    return sorted(p.name for p in path.glob("*.pdf")) if path.is_dir() else []


def needs(folder: str):
    """Skip marker for when ../shared/fixtures is not next to the repository."""
    return pytest.mark.skipif(
        not (PDFS / folder).is_dir(),
        reason=f"fixtures folder {PDFS / folder} is absent (set FOILTRACK_FIXTURES)",
    )


# (page number, words that must appear on it), per file with a text layer.
GOV_WORDS = {
    "berlin-informationsfreiheitsgesetz.pdf": [(1, "Informationsfreiheitsgesetz"), (32, "Bundesebene")],
    "ca-edd-warn-report-2015-2016.pdf": [(1, "Summary by Received Date"), (16, "Lay-offs")],
    "chambers-county-election-results-jpx.pdf": [(1, "Chambers County")],
    "chelsea-qc-active-transport-plan.pdf": [(1, "Plan directeur de transport actif"), (65, "Question 19")],
    "cupertino-usd-board-agenda-2016-04-06.pdf": [(1, "CUPERTINO UNION SCHOOL DISTRICT")],
    "darpa-baa-15-58-medifor.pdf": [(1, "Media Forensics")],
    "de-gmbl-2008-nr52-bmi.pdf": [(1, "Bundesministerium")],
    "fbi-nics-background-checks-2015-11-rotated.pdf": [(1, "Alabama")],
    "fbi-nics-background-checks-2015-11.pdf": [(1, "NICS Firearm Background Checks")],
    "irs-f1040nr-2007.pdf": [(1, "Nonresident Alien"), (5, "passport")],
    "irs-i1040nr-2007-instructions.pdf": [(1, "Instructions"), (50, "Publication 4655")],
    "irs-notice-1036.pdf": [(1, "Notice 1036"), (2, "nonresident alien employee")],
    "jp-kanpo-official-gazette.pdf": [(1, "金曜日")],
    "la-county-precinct-bulletin-2014-p1.pdf": [(1, "BALLOTS CAST")],
    "md-comar-offense-table.pdf": [(1, "Child Abuse")],
    "nrcan-geobase-nhn-data-model.pdf": [(1, "National Hydro Network"), (19, "Polygon Metadata")],
    "qc-mrc-flood-zone-map-inline-images.pdf": [(1, "SAINT-SAUVEUR")],
    "san-jose-pd-firearm-report-sample.pdf": [(1, "SAN JOSE POLICE DEPT")],
    "scotus-transcript-p1.pdf": [(1, "SUPREME COURT OF THE UNITED STATES")],
    "sf424-federal-assistance-application-p2.pdf": [(1, "Application for Federal Assistance")],
    "tfl-foi-appeal-rights.pdf": [(1, "Your right to appeal")],
    "transport-sector-contract-awards-2016-08.pdf": [(1, "TRANSPORT SECTOR PROJECT"), (5, "Contract")],
    "us-senate-expenditures.pdf": [(1, "PAYEE NAME")],
}

# Words OCR must find, per page; None: a script we have no language data for (chi_sim), so only
# that every page went through OCR is checked.
SCANNED_WORDS = {
    "cn-harbin-customs-penalty-decision-scan.pdf": None,
    "linn-brochure-two-column-scan.pdf": [(1, "LinnSequencer")],
    "linn-four-orientations-scan.pdf": [(n, "LinnSequencer") for n in (1, 2, 3, 4)],
    "linn-jbig2-bilevel.pdf": [(1, "LinnSequencer")],
    "linn-rotated-skewed-scan.pdf": [(1, "LinnSequencer")],
    "linn-skewed-scan.pdf": [(1, "LinnSequencer")],
    "typewriter-2400dpi.pdf": [(1, "water")],
}
HAS_OCR_LAYER = {"vicksburg-book-scan-with-ocr-layer.pdf": [(1, "SIEGE OF VICKSBURG"), (4, "VICKSBURG")]}

# Hostile or damaged files: the status each must end with, and a word in its error or its text.
# Several are repairable (pdfium rebuilds broken xrefs and breaks cycles) and rightly read "ok".
BROKEN = {
    "corrupted-xref-zen-of-python.pdf": (STATUS_OK, "Beautiful is better than ugly"),
    "embedded-javascript-evaljs.pdf": (STATUS_EMPTY, None),
    "empty-zero-bytes.pdf": (STATUS_FAILED, "corrupt: empty file"),
    "encrypted-user-password-test.pdf": (STATUS_ENCRYPTED, "password"),
    "enormous-page-size.pdf": (STATUS_OK, "megapixels"),  # rendered shrunk to the pixel limit
    "eof-while-reading-token.pdf": (STATUS_OK, "Potato"),
    "evil-recursive-xobjects.pdf": (STATUS_OK, "Hello world"),
    "fuzz-deep-nesting-issue-202.pdf": (STATUS_OK, "Sample PDF Document"),
    "fuzz-self-referential-objstm-issue-120.pdf": (STATUS_FAILED, "corrupt:"),
    "fuzzed-pdfbox-3148.pdf": (STATUS_EMPTY, None),
    "header-and-eof-only.pdf": (STATUS_FAILED, "corrupt:"),
    # A 35000 x 35000 JBIG2 image: decoded within 1 GB and rendered at the 40 MP cap.
    "jbig2-35000x35000-mono.pdf": (STATUS_OK, "very big image"),
    "malformed-pdfplumber-issue-932.pdf": (STATUS_OK, None),
    # No %PDF header anywhere: libmagic and we cannot tell it from random bytes.
    "no-header-damaged-content.pdf": (STATUS_UNSUPPORTED, "application/octet-stream"),
    "page-tree-cycle.pdf": (STATUS_OK, "Potato"),
}


def page_text(result, number: int) -> str:
    """Text of page ``number`` of a result, runs of whitespace (line ends too) made single spaces."""
    (page,) = [p for p in result.pages if p.number == number]
    return " ".join(page.text.split())


@needs("gov")
@pytest.mark.parametrize("name", pdfs_in("gov"))
def test_gov_pdfs_give_text_per_page(name):
    result = extract(PDFS / "gov" / name, limits=LIMITS)
    assert result.status == STATUS_OK, result.error
    assert result.page_count == len(result.pages) >= 1
    assert not any(p.ocr for p in result.pages), "text-layer PDFs must not be OCR'd"
    assert name in GOV_WORDS, f"new fixture {name}: add the words on its pages to GOV_WORDS"
    for number, words in GOV_WORDS[name]:
        assert words in page_text(result, number), f"page {number} lacks {words!r}"


@needs("gov")
def test_empty_password_encryption_is_noted():
    result = extract(PDFS / "gov" / "jp-kanpo-official-gazette.pdf", limits=LIMITS)
    assert (result.status, result.encrypted) == (STATUS_OK, True)


@needs("scanned")
@pytest.mark.slow
@pytest.mark.parametrize("name", pdfs_in("scanned"))
def test_scanned_pdfs_are_ocrd(name):
    result = extract(PDFS / "scanned" / name, limits=LIMITS)
    assert result.status == STATUS_OK, result.error
    assert result.page_count == len(result.pages)
    if name in HAS_OCR_LAYER:
        assert not any(p.ocr for p in result.pages), "an existing OCR layer must be kept, not redone"
        expected = HAS_OCR_LAYER[name]
    else:
        assert name in SCANNED_WORDS, f"new fixture {name}: add the words OCR must find to SCANNED_WORDS"
        assert all(p.ocr for p in result.pages)
        expected = SCANNED_WORDS[name] or []
    for number, words in expected:
        assert words in page_text(result, number), f"page {number} lacks {words!r}"


@needs("broken")
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("name", pdfs_in("broken"))
def test_hostile_pdfs_end_with_a_status_and_reason(name, workers):
    # Through the warm pool, one after another; with two workers, each child reads every other page.
    started = time.monotonic()
    result = extract(PDFS / "broken" / name, limits=replace(LIMITS, workers=workers, split_min_bytes=0))
    elapsed = time.monotonic() - started
    assert elapsed < LIMITS.wall_seconds + 5
    assert result.status in STATUSES
    assert name in BROKEN, f"new fixture {name}: add its expected status to BROKEN"
    status, clue = BROKEN[name]
    assert result.status == status, result.error
    if status in (STATUS_OK, STATUS_EMPTY):
        assert result.error is None
        if clue:
            assert clue in " ".join(result.text.split())
    else:
        assert result.error and clue in result.error

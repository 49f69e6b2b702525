"""Redactions measured during extraction: the share of each page under boxes, pages withheld in full, and
boxes drawn over text the file still holds. Every PDF here is generated, so each answer is known exactly."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from ingest.extract import Limits, extract
from ingest.extract.blackout import Box, is_placeholder, measure_page, union_area
from ingest.extract.blackout_scan import dark_regions

fpdf = pytest.importorskip("fpdf", reason="fpdf2 (test dependency) makes the PDFs these tests read")
from fpdf.annotations import AnnotationDict  # noqa: E402

W, H = 612.0, 792.0  # US letter, points
FAST = Limits(ocr_dpi=150, wall_seconds=120)
SCAN_PX = (1275, 1650)  # letter at 150 dpi
SCAN_BOXES = [(200, 400, 800, 600), (700, 500, 1100, 700)]  # pixels; they overlap by 100 x 100
SCAN_SHARE = (600 * 200 + 400 * 200 - 100 * 100) / (SCAN_PX[0] * SCAN_PX[1])
SECRET = "John Q Secret badge 4471"


def dense_scan(boxes=()) -> Image.Image:
    """A 150-dpi scanned page of dense typed lines, with solid black boxes burnt in."""
    image = Image.new("L", SCAN_PX, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    for row in range(48):
        draw.text((90, 60 + row * 32), f"Line {row} of the typed incident report with many dense words on it",
                  fill=0, font=font)
    for box in boxes:
        draw.rectangle([box[0], box[1], box[2] - 1, box[3] - 1], fill=0)
    return image


def build_pdf(path: Path) -> Path:
    """Nine pages, each one case of the table below."""
    doc = fpdf.FPDF(unit="pt", format="letter")
    doc.set_font("Helvetica", size=10)
    # 1: two overlapping vector boxes of known area beside ordinary text, a table grid and a grey panel.
    doc.add_page()
    doc.set_xy(40, 40)
    doc.multi_cell(500, 12, "Visible text of the released record. " * 12)
    for y in range(450, 600, 20):
        doc.line(40, y, 560, y)  # table rules: thin strokes, not boxes
    doc.set_fill_color(220)
    doc.rect(40, 620, 300, 80, style="F")  # a light panel hides nothing
    doc.set_fill_color(0)
    doc.rect(100, 300, 100, 50, style="F")
    doc.rect(150, 320, 200, 30, style="F")
    # 2: a box drawn over live text.
    doc.add_page()
    doc.set_xy(40, 100)
    doc.cell(500, 12, f"The informant is {SECRET} and lives nearby.")
    doc.set_fill_color(0)
    doc.rect(118, 98, 150, 16, style="F")
    # 3: a scan (image only) with boxes and dense text; 4: the same scan without boxes.
    doc.add_page()
    doc.image(dense_scan(SCAN_BOXES), x=0, y=0, w=W, h=H)
    doc.add_page()
    doc.image(dense_scan(), x=0, y=0, w=W, h=H)
    # 5: a page blacked out entirely.
    doc.add_page()
    doc.set_fill_color(0)
    doc.rect(0, 0, W, H, style="F")
    # 6: a placeholder for a page withheld.
    doc.add_page()
    doc.set_xy(100, 300)
    doc.cell(400, 20, "This page intentionally withheld - POL 87(2)(e)(iv)")
    # 7: a /Redact annotation marked over text but never applied.
    doc.add_page()
    doc.set_xy(72, 100)
    doc.cell(400, 14, "The witness lives at 12 Hidden Lane, Queens.")
    doc.pages[doc.page].add_annotation(AnnotationDict("Redact", x=180, y=H - 98, width=150, height=18))
    # 8: a black heading bar with white text on it is a label, not a redaction.
    doc.add_page()
    doc.set_fill_color(0)
    doc.rect(40, 40, 500, 30, style="F")
    doc.set_text_color(255)
    doc.set_xy(50, 45)
    doc.cell(300, 20, "SECTION HEADING")
    doc.set_text_color(0)
    # 9: black "highlighting": the box is painted first, black text over it (unreadable, still there).
    doc.add_page()
    doc.set_fill_color(0)
    doc.rect(38, 98, 100, 16, style="F")
    doc.set_xy(40, 100)
    doc.cell(500, 12, "Officer badge number 5512 was on duty.")
    doc.output(str(path))
    return path


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The nine-page PDF through extract(), in the sandboxed child, as the app runs it."""
    path = build_pdf(tmp_path_factory.mktemp("redactions") / "redactions.pdf")
    result = extract(path, limits=FAST)
    assert result.page_count == 9
    return {p.number: p for p in result.pages}


VECTOR_SHARE = (100 * 50 + 200 * 30 - 50 * 30) / (W * H)
BOX2 = 150 * 16 / (W * H)
ANNOT = 150 * 18 / (W * H)
BOX9 = 100 * 16 / (W * H)


@pytest.mark.parametrize(("number", "share", "withheld", "failed"), [
    (1, VECTOR_SHARE, False, False),
    (2, BOX2, False, True),
    (3, SCAN_SHARE, False, False),
    (4, 0.0, False, False),
    (5, 1.0, True, False),
    (6, 0.0, True, False),
    (7, ANNOT, False, True),
    (8, 0.0, False, False),
    (9, BOX9, False, True),
])
def test_each_page_is_measured(extracted, number, share, withheld, failed):
    page = extracted[number]
    assert abs(page.redacted_share - share) <= 0.02, (page.redacted_share, share)
    assert (page.withheld_in_full, page.failed_redaction) == (withheld, failed)
    assert 0 < page.page_area == pytest.approx(W * H, rel=0.01)


def test_vector_share_is_exact_when_boxes_overlap(extracted):
    # Union, not sum: the 50 x 30 overlap counts once.
    assert extracted[1].redacted_share == pytest.approx(VECTOR_SHARE, abs=1e-4)


@pytest.mark.parametrize(("number", "hidden", "kept"), [
    (2, "Secret badge 4471", "The informant is"),
    (7, "Hidden Lane, Queens", "The witness lives at"),
    (9, "Officer badge", "was on duty"),
])
def test_text_under_a_box_is_kept_apart_from_the_page_text(extracted, number, hidden, kept):
    page = extracted[number]
    assert hidden in page.hidden_text
    assert hidden not in page.text and kept in page.text
    for word in hidden.split():
        if word not in kept:
            assert word not in page.text.split()


def test_a_label_bar_keeps_its_text_and_is_no_redaction(extracted):
    assert "SECTION HEADING" in extracted[8].text and extracted[8].hidden_text == ""


def test_pages_without_failed_redactions_hide_nothing(extracted):
    for number in (1, 3, 4, 5, 6, 8):
        assert extracted[number].hidden_text == ""
    assert "Visible text of the released record." in extracted[1].text


def test_measurement_can_be_turned_off(tmp_path):
    path = build_pdf(tmp_path / "off.pdf")
    result = extract(path, limits=Limits(ocr=False, redaction=False))
    pages = {p.number: p for p in result.pages}
    assert all(p.redacted_share == 0 and not p.failed_redaction for p in result.pages)
    assert SECRET in pages[2].text  # unmeasured, the text layer is whole


def test_a_scanned_image_file_is_measured(tmp_path):
    path = tmp_path / "scan.png"
    dense_scan(SCAN_BOXES).save(path, dpi=(150, 150))
    result = extract(path, limits=FAST)
    (page,) = result.pages
    assert abs(page.redacted_share - SCAN_SHARE) <= 0.02
    assert not page.withheld_in_full and not page.failed_redaction


def test_an_ocr_layer_under_a_burnt_in_box_is_a_failed_redaction(tmp_path):
    # A scan OCR'd before it was redacted: the invisible text layer still holds the words under the box.
    doc = fpdf.FPDF(unit="pt", format="letter")
    doc.add_page()
    doc.image(dense_scan([(300, 100, 1000, 200)]), x=0, y=0, w=W, h=H)
    doc.set_font("Helvetica", size=12)
    doc.text_mode = "INVISIBLE"
    doc.set_xy(150, 60)  # 150 dpi pixels (300, 100)-(1000, 200) are points (144, 48)-(480, 96)
    doc.cell(300, 14, "Undercover officer Maria Example")
    doc.set_xy(40, 700)
    doc.cell(300, 14, "Report line outside the box")
    page = pdfium.PdfDocument(bytes(doc.output()))[0]
    textpage = page.get_textpage()
    found = measure_page(page, textpage, textpage.get_text_range())
    assert found.failed_redaction and "Maria Example" in found.hidden_text
    assert "Maria" not in found.text and "Report line outside the box" in found.text


@pytest.mark.parametrize(("text", "expected"), [
    ("PAGE WITHHELD IN FULL", True),
    ("Withheld in its entirety pursuant to Public Officers Law 87(2)(b)", True),
    ("This page has been intentionally withheld.", True),
    ("Page intentionally withheld", True),
    ("DENIED IN FULL - 87(2)(e)(i)", True),
    ("Denied in full", True),
    ("Exempt in full under POL 87(2)(g)", True),
    ("REDACTED IN FULL", True),
    ("Document withheld", True),
    ("Entire page redacted (b)(6)", True),
    ("Records withheld entirely", True),
    ("", False),
    ("Records released in part; see the enclosed pages.", False),
    ("The agency denied in full the request of March 3. " + "Discussion of the appeal follows. " * 20, False),
    ("Withholding tax schedule for the fiscal year", False),
    ("The page number is at the bottom.", False),
])
def test_placeholder_pages(text, expected):
    assert is_placeholder(text) is expected


@pytest.mark.parametrize(("boxes", "area"), [
    ([], 0.0),
    ([Box(0, 0, 10, 10)], 100.0),
    ([Box(0, 0, 10, 10), Box(5, 5, 15, 15)], 175.0),
    ([Box(0, 0, 10, 10), Box(0, 0, 10, 10)], 100.0),  # the same box twice counts once
    ([Box(0, 0, 10, 10), Box(2, 2, 4, 4)], 100.0),  # a box inside another adds nothing
    ([Box(-10, -10, 10, 10)], 100.0),  # clipped to the page
    ([Box(0, 0, 1000, 1000)], W * H),
])
def test_union_area(boxes, area):
    assert union_area(boxes, W, H) == pytest.approx(area)


def test_dense_text_is_not_a_box():
    share, rects = dark_regions(__import__("numpy").asarray(dense_scan().resize((612, 792))))
    assert share < 0.005 and rects == []


# Up to six boxes, each inside its own cell of a 6 x 8 grid of 100 x 95 pt cells, so none overlap.
_cells = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 7)), min_size=1, max_size=6, unique=True)


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(cells=_cells, data=st.data())
def test_random_boxes_share(cells, data):
    doc = fpdf.FPDF(unit="pt", format="letter")
    doc.add_page()
    doc.set_fill_color(0)
    truth = 0.0
    for col, row in cells:
        w = data.draw(st.integers(10, 95), label="w")
        h = data.draw(st.integers(10, 90), label="h")
        doc.rect(col * 100 + 2, row * 95 + 2, w, h, style="F")
        truth += w * h
    page = pdfium.PdfDocument(io.BytesIO(bytes(doc.output())))[0]
    found = measure_page(page, page.get_textpage(), "")
    assert abs(found.redacted_share - truth / (W * H)) <= 0.02
    assert found.redacted_share == pytest.approx(truth / (W * H), abs=1e-3)
    assert not found.failed_redaction and not found.withheld_in_full


FIXTURES = Path(os.environ.get("FOILTRACK_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "fixtures"))


@pytest.mark.skipif(not (FIXTURES / "pdf" / "gov").is_dir(), reason="the shared real-world fixtures are absent")
@pytest.mark.parametrize("name", ["irs-f1040nr-2007.pdf", "scotus-transcript-p1.pdf", "us-senate-expenditures.pdf"])
def test_real_government_pdfs_have_no_redactions(name):
    # Forms with shaded fields, transcripts and tables: none of them is redacted, none fails.
    result = extract(FIXTURES / "pdf" / "gov" / name, limits=Limits(ocr=False))
    assert result.pages
    assert not any(p.failed_redaction or p.withheld_in_full for p in result.pages)
    assert max(p.redacted_share for p in result.pages) < 0.05

"""Letters as PDF documents (fpdf2): the campaign's letterhead, then the letter as drafted, wrapped.

Pure: takes text, returns bytes. The same text that is shown on the page and sent by email is laid out
here, so a letter printed for the post or uploaded to a portal says exactly what the email would.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# Debian's fonts-liberation (installed by scripts/setup) covers the curly quotes, dashes and § of letters;
# without it the PDF core font is used and the few characters it lacks are replaced by plain ones.
UNICODE_FONTS = (
    Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
    Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
)
PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "\u00a0": " "})


def _font(pdf) -> str:
    for path in UNICODE_FONTS:
        if path.is_file():
            pdf.add_font("LetterSerif", "", str(path))
            bold = path.with_name("LiberationSerif-Bold.ttf")
            pdf.add_font("LetterSerif", "B", str(bold if bold.is_file() else path))
            return "LetterSerif"
    return "Times"


def _text(value: str, unicode: bool) -> str:
    if unicode:
        return value
    return value.translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


def letter_pdf(body: str, *, letterhead: Sequence[str] = (), title: str = "Letter", author: str = "") -> bytes:
    """A letter-size PDF of `body` (paragraphs wrapped, blank lines kept) under the letterhead lines."""
    from fpdf import FPDF

    pdf = FPDF(format="Letter", unit="pt")
    pdf.set_margins(72, 64, 72)
    pdf.set_auto_page_break(True, margin=64)
    family = _font(pdf)
    unicode = family != "Times"
    pdf.set_title(_text(title, unicode))
    if author:
        pdf.set_author(_text(author, unicode))
    pdf.set_creator("FOIL Tracker")
    pdf.add_page()
    head = [line.strip() for line in letterhead if line.strip()]
    if head:
        pdf.set_font(family, "B", 13)
        pdf.multi_cell(0, 16, _text(head[0], unicode), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9.5)
        for line in head[1:]:
            pdf.multi_cell(0, 12, _text(line, unicode), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        y = pdf.get_y()
        pdf.line(72, y, pdf.w - 72, y)
        pdf.ln(14)
    pdf.set_font(family, "", 11.5)
    for line in body.splitlines():
        if line.strip():
            pdf.multi_cell(0, 15, _text(line, unicode), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(9)
    return bytes(pdf.output())

"""Letters as PDF documents (fpdf2): the campaign's letterhead, then the letter as drafted, wrapped.

Pure: takes text, returns bytes. The same text that is shown on the page and sent by email is laid out
here, so a letter printed for the post or uploaded to a portal says exactly what the email would: every
character is drawn from a font that has it (a serif font for the letter, then fallback fonts for the
scripts New Yorkers write: Arabic, Hebrew, Han, Devanagari, emoji...), with text shaping for the scripts
that need it, and a letter with a character no installed font has is refused with the characters named,
never printed with blanks in their place.
"""

from __future__ import annotations

import functools
import os
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

# Debian's standard font folders (scripts/setup installs fonts-liberation, fonts-dejavu-core,
# fonts-noto-core, fonts-noto-cjk and fonts-symbola there).
FONT_FOLDERS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# The letter's own font, the first one found: (file name, bold file name).
BODY_FONTS = (
    ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
    ("NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf"),
    ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
)
# Fonts for what the letter's font lacks, in order of preference: (file name, face in a collection).
# Each character is drawn from the first of these that has it; only the fonts a letter needs are embedded.
FALLBACK_FONTS = (
    ("NotoSerif-Regular.ttf", 0),  # Latin, Greek and Cyrillic beyond the letter font's
    ("NotoNaskhArabic-Regular.ttf", 0),
    ("NotoSerifHebrew-Regular.ttf", 0),
    ("NotoSansHebrew-Regular.ttf", 0),
    ("NotoSerifDevanagari-Regular.ttf", 0),
    ("NotoSansDevanagari-Regular.ttf", 0),
    ("NotoSerifBengali-Regular.ttf", 0),
    ("NotoSansGurmukhi-Regular.ttf", 0),
    ("NotoSerifTamil-Regular.ttf", 0),
    ("NotoSansTamil-Regular.ttf", 0),
    ("NotoSerifThai-Regular.ttf", 0),
    ("NotoSerifArmenian-Regular.ttf", 0),
    ("NotoSerifGeorgian-Regular.ttf", 0),
    ("NotoSerifEthiopic-Regular.ttf", 0),
    ("NotoSerifKhmer-Regular.ttf", 0),
    ("NotoSerifCJK-Regular.ttc", 2),  # face 2 is Simplified Chinese; all faces hold Han, kana and Hangul
    ("NotoSansCJK-Regular.ttc", 2),
    ("DejaVuSans.ttf", 0),  # a wide net for symbols, and Arabic and Hebrew where Noto is absent
    ("Symbola_hint.ttf", 0),  # emoji and pictographs, drawn in outline
    ("Symbola.ttf", 0),
)


class UnprintableText(ValueError):
    """The letter holds characters that no installed font can draw: printing it would drop them."""

    def __init__(self, characters: Sequence[str]) -> None:
        self.characters = list(characters)
        named = ", ".join(f"{c} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in self.characters)
        super().__init__(
            f"This letter cannot be printed as a PDF: no installed font has {named}. Remove or replace "
            "those characters, or have the administrator install fonts that cover them (scripts/setup "
            "installs the Noto, DejaVu and Symbola font packages).")


@functools.lru_cache(maxsize=4)
def _font_files(folders: tuple[Path, ...]) -> dict[str, Path]:
    """Every font file under the folders, by file name (the first found wins)."""
    found: dict[str, Path] = {}
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                if name.lower().endswith((".ttf", ".otf", ".ttc")):
                    found.setdefault(name, Path(root) / name)
    return found


@functools.lru_cache(maxsize=64)
def _coverage(path: Path, face: int) -> frozenset[int]:
    """The code points the font has glyphs for."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), fontNumber=face, lazy=True) as font:
        return frozenset(font.getBestCmap() or ())


def _needs_glyph(char: str) -> bool:
    # Line breaks, format characters (joiners, direction marks) and variation selectors are not drawn:
    # the shaper uses them, and no glyph goes missing without them.
    return not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf")
                or 0xFE00 <= ord(char) <= 0xFE0F)


def _plan(texts: Iterable[str], folders: tuple[Path, ...]):
    """(body font paths or None, [(fallback path, face)]) for these texts; UnprintableText if any is left."""
    files = _font_files(folders)
    wanted = {c for text in texts for c in text if _needs_glyph(c)}
    body = next(((files[r], files.get(b, files[r])) for r, b in BODY_FONTS if r in files), None)
    if body is None:
        # No Unicode font at all: PDF's own Times prints Latin-1 and nothing else.
        missing = sorted(c for c in wanted if ord(c) > 0xFF)
        if missing:
            raise UnprintableText(missing)
        return None, []
    left = {c for c in wanted if ord(c) not in _coverage(body[0], 0)}
    fallbacks = []
    for name, face in FALLBACK_FONTS:
        if not left or name not in files:
            continue
        covered = {c for c in left if ord(c) in _coverage(files[name], face)}
        if covered:
            fallbacks.append((files[name], face))
            left -= covered
    if left:
        raise UnprintableText(sorted(left))
    return body, fallbacks


def letter_pdf(body: str, *, letterhead: Sequence[str] = (), title: str = "Letter", author: str = "",
               font_folders: Sequence[Path] = FONT_FOLDERS) -> bytes:
    """A letter-size PDF of `body` (paragraphs wrapped, blank lines kept) under the letterhead lines.

    Raises UnprintableText, naming the characters, when the installed fonts cannot draw all of it.
    """
    from fpdf import FPDF

    head = [line.strip() for line in letterhead if line.strip()]
    fonts, fallbacks = _plan([body, title, author, *head], tuple(Path(f) for f in font_folders))
    pdf = FPDF(format="Letter", unit="pt")
    pdf.set_margins(72, 64, 72)
    pdf.set_auto_page_break(True, margin=64)
    family = "Times"
    if fonts is not None:
        family = "LetterSerif"
        pdf.add_font(family, "", str(fonts[0]))
        pdf.add_font(family, "B", str(fonts[1]))
        names = []
        for number, (path, face) in enumerate(fallbacks):
            names.append(f"Fallback{number}")
            pdf.add_font(names[-1], "", str(path), collection_font_number=face)
        # A bold line borrows a fallback's regular face rather than lose the character.
        pdf.set_fallback_fonts(names, exact_match=False)
        pdf.set_text_shaping(True)  # joins Arabic, orders right-to-left runs, forms Devanagari clusters
    pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.set_creator("FOIL Tracker")
    pdf.add_page()
    if head:
        pdf.set_font(family, "B", 13)
        pdf.multi_cell(0, 16, head[0], align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9.5)
        for line in head[1:]:
            pdf.multi_cell(0, 12, line, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        y = pdf.get_y()
        pdf.line(72, y, pdf.w - 72, y)
        pdf.ln(14)
    pdf.set_font(family, "", 11.5)
    for line in body.splitlines():
        if line.strip():
            pdf.multi_cell(0, 15, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(9)
    return bytes(pdf.output())

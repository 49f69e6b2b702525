"""Redaction boxes on a PDF page: how much of the page they black out, and whether text survives under them.

A redaction box is a solid dark rectangle: a filled vector path with a dark fill colour, a ``/Redact``
annotation (marked for redaction; its text is still in the file until the redaction is applied), or, on
a scanned page, a solid dark region of the rendered picture (blackout_scan.py). Overlapping boxes count
once: the share is the area of their union over the page's area.

Text that a box covers is never part of the page's text: it goes to ``hidden_text``, and a page with
any is a ``failed_redaction`` (the box hides it from the eye, not from a copy and paste). A dark box with
light text drawn on top of it is a label (a heading bar), not a redaction. Runs in the extraction child.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# A fill at most this luminance (0 black .. 255 white) and at least this opaque is "dark".
DARK_LUMINANCE = 80
OPAQUE_ALPHA = 200
# Boxes smaller than this in either direction (points) are rules, bullets or underlines, not redactions.
MIN_BOX_SIDE = 4.0
MIN_BOX_AREA = 60.0
# A page this much covered is blacked out entirely (page margins are often left white).
WITHHELD_SHARE = 0.90
# A placeholder page says so in a few words; a long page that mentions "denied in full" is a letter.
PLACEHOLDER_MAX_CHARS = 400
# A page whose largest picture covers this much of it is measured as a scan too.
SCAN_SHARE = 0.25
_FORM_DEPTH = 8
# A page with this many visible text objects is born digital; its pictures are not searched for boxes.
_VISIBLE_TEXT = 20
_MAX_OBJECTS = 20_000

_WHAT = r"(?:this\s+)?(?:page|pages|document|record|records|material|information|content)s?"
_WITHHELD = r"(?:withheld|denied|exempt(?:ed)?|redacted|removed|omitted|excluded|blacked\s+out)"
_WHOLE = r"(?:in\s+full|in\s+(?:its|their)\s+entirety|entirely|completely|in\s+whole)"
PLACEHOLDER_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    # "withheld in full", "denied in its entirety", "exempt in full pursuant to ...", "redacted in full"
    rf"\b{_WITHHELD}\s+{_WHOLE}\b",
    # "page intentionally withheld", "this page has been intentionally left blank to withhold ..."
    rf"\b{_WHAT}\s+(?:(?:has|have)\s+been\s+|was\s+|were\s+|is\s+|are\s+)?(?:intentionally\s+|deliberately\s+)?{_WITHHELD}\b",
    # "withheld page", "full page withheld", "entire page redacted"
    rf"\b(?:full|entire|whole)\s+{_WHAT}\s+{_WITHHELD}\b",
    rf"\b{_WITHHELD}\s+{_WHAT}\b",
))


@dataclass(frozen=True)
class Box:
    """A dark rectangle in PDF page coordinates; ``order`` is its place in the paint order."""

    left: float
    bottom: float
    right: float
    top: float
    order: float = float("inf")  # annotations are drawn over all of the page's content

    @property
    def area(self) -> float:
        """Area in square points."""
        return max(0.0, self.right - self.left) * max(0.0, self.top - self.bottom)

    def contains(self, x: float, y: float) -> bool:
        """Whether the point lies inside the box."""
        return self.left <= x <= self.right and self.bottom <= y <= self.top


@dataclass
class PageRedactions:
    """What the boxes on one page do: the share they cover, and the page's text split by them."""

    redacted_share: float = 0.0
    page_area: float = 0.0  # square points
    withheld_in_full: bool = False
    failed_redaction: bool = False
    text: str = ""  # the page's text outside every box
    hidden_text: str = ""  # text that a box covers but a copy and paste still reads
    boxes: list[Box] = field(default_factory=list)


def union_area(boxes, width: float, height: float) -> float:
    """Area of the union of ``boxes`` clipped to the page ``(0, 0, width, height)``, overlaps counted once.

    A sweep across the page: between two neighbouring vertical edges, the covered height is the union of
    the boxes' vertical extents there. Quadratic in the boxes, of which a page has a handful.
    """
    clipped = [(max(0.0, b.left), max(0.0, b.bottom), min(width, b.right), min(height, b.top)) for b in boxes]
    clipped = [c for c in clipped if c[2] > c[0] and c[3] > c[1]]
    edges = sorted({c[0] for c in clipped} | {c[2] for c in clipped})
    total = 0.0
    for x0, x1 in zip(edges, edges[1:], strict=False):
        spans = sorted((c[1], c[3]) for c in clipped if c[0] <= x0 and c[2] >= x1)
        covered, reach = 0.0, float("-inf")
        for bottom, top in spans:
            if top > reach:
                covered += top - max(bottom, reach)
                reach = top
        total += covered * (x1 - x0)
    return total


def is_placeholder(text: str) -> bool:
    """Whether a page's text is a short notice that the page is withheld (in English)."""
    compact = " ".join(text.split())
    if not compact or len(compact) > PLACEHOLDER_MAX_CHARS:
        return False
    return any(p.search(compact) for p in PLACEHOLDER_PATTERNS)


def is_dark(r: int, g: int, b: int, a: int = 255) -> bool:
    """A fill colour dark and opaque enough to hide what is under it."""
    return a >= OPAQUE_ALPHA and 0.299 * r + 0.587 * g + 0.114 * b <= DARK_LUMINANCE


def _address(raw) -> int:
    return ctypes.cast(raw, ctypes.c_void_p).value or 0


# Reused out-parameters: the page walk asks these of every path, and the child reads one page at a time.
_MODE, _STROKE = ctypes.c_int(), ctypes.c_int()
_R, _G, _B, _A = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
_L, _BO, _RI, _T = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()


def _fill(obj) -> tuple[int, int, int, int] | None:
    if not pdfium_c.FPDFPageObj_GetFillColor(obj, _R, _G, _B, _A):
        return None
    return _R.value, _G.value, _B.value, _A.value


def _path_boxes(obj, matrix: pdfium.PdfMatrix, order: int) -> list[Box]:
    """The axis-aligned rectangles among a filled dark path's subpaths (curves are not boxes)."""
    if not pdfium_c.FPDFPath_GetDrawMode(obj, _MODE, _STROKE) or _MODE.value == pdfium_c.FPDF_FILLMODE_NONE:
        return []
    colour = _fill(obj)
    if colour is None or not is_dark(*colour):
        return []
    if pdfium_c.FPDFPageObj_GetBounds(obj, _L, _BO, _RI, _T) and matrix.a == matrix.d == 1 \
            and min(_RI.value - _L.value, _T.value - _BO.value) < MIN_BOX_SIDE:
        return []  # a rule or an underline (only judged so where no form scales it)
    own = pdfium.PdfMatrix.from_raw(_matrix(obj)).multiply(matrix)
    boxes, points, curved = [], [], False
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO and points:
            boxes += _rectangle(points, curved, order)
            points, curved = [], False
        x, y = ctypes.c_float(), ctypes.c_float()
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        points.append(own.on_point(x.value, y.value))
        curved = curved or kind == pdfium_c.FPDF_SEGMENT_BEZIERTO
    return boxes + _rectangle(points, curved, order)


def _rectangle(points, curved: bool, order: int) -> list[Box]:
    """A box when the points trace an axis-aligned rectangle big enough to hide words."""
    if curved or len(points) < 4:
        return []
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
    tolerance = 0.5
    on_edges = all((abs(x - left) < tolerance or abs(x - right) < tolerance)
                   and (abs(y - bottom) < tolerance or abs(y - top) < tolerance) for x, y in points)
    box = Box(left, bottom, right, top, order)
    if not on_edges or min(right - left, top - bottom) < MIN_BOX_SIDE or box.area < MIN_BOX_AREA:
        return []
    return [box]


def _matrix(obj):
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
    return matrix


def _walk(container, form: bool, matrix: pdfium.PdfMatrix, depth: int, state: dict) -> None:
    """Visit objects in paint order (form XObjects inside out), collecting boxes and pictures, and the
    paint order of text objects when ``state["text"]`` is a dict."""
    count = (pdfium_c.FPDFFormObj_CountObjects if form else pdfium_c.FPDFPage_CountObjects)(container)
    get = pdfium_c.FPDFFormObj_GetObject if form else pdfium_c.FPDFPage_GetObject
    kind_of = pdfium_c.FPDFPageObj_GetType
    text_order = state["text"]
    for i in range(count):
        if state["seen"] >= _MAX_OBJECTS:
            return
        obj = get(container, i)
        state["seen"] += 1
        kind = kind_of(obj)
        if kind == _PATH:
            state["boxes"] += _path_boxes(obj, matrix, state["seen"])
        elif kind == _TEXT:
            if text_order is not None:
                text_order[_address(obj)] = state["seen"]
            elif state["visible"] < _VISIBLE_TEXT and \
                    pdfium_c.FPDFTextObj_GetTextRenderMode(obj) != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
                state["visible"] += 1
        elif kind == _IMAGE:
            state["picture"] = max(state["picture"], _image_area(obj, matrix))
        elif kind == _FORM and depth < _FORM_DEPTH:
            inner = pdfium.PdfMatrix.from_raw(_matrix(obj)).multiply(matrix)
            _walk(obj, True, inner, depth + 1, state)


_PATH, _TEXT = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_TEXT
_IMAGE, _FORM = pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM


def _image_area(obj, matrix: pdfium.PdfMatrix) -> float:
    """Area in square points that an image object covers on the page (its bounds, through the forms)."""
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return 0.0
    corners = [matrix.on_point(x, y) for x in (left.value, right.value) for y in (bottom.value, top.value)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (max(xs) - min(xs)) * (max(ys) - min(ys))


def vector_boxes(page: pdfium.PdfPage) -> tuple[list[Box], float]:
    """The page's dark filled rectangles and /Redact annotations, and the area of its largest picture
    (square points) when the page is a scan: a picture with no visible text drawn over it (an OCR text
    layer is invisible), not a born-digital page with a photo."""
    state = {"seen": 0, "boxes": [], "text": None, "picture": 0.0, "visible": 0}
    _walk(page.raw, False, pdfium.PdfMatrix(), 0, state)
    picture = state["picture"] if state["visible"] < _VISIBLE_TEXT else 0.0
    return state["boxes"] + redact_annotations(page), picture


def text_paint_order(page: pdfium.PdfPage) -> dict[int, int]:
    """Each text object's place in the paint order (by its handle), to tell text under a box from text
    drawn over it; read only for pages where a box covers text."""
    state = {"seen": 0, "boxes": [], "text": {}, "picture": 0.0, "visible": 0}
    _walk(page.raw, False, pdfium.PdfMatrix(), 0, state)
    return state["text"]


def redact_annotations(page: pdfium.PdfPage) -> list[Box]:
    """The rectangles of the page's /Redact annotations (drawn over everything; text under them is live)."""
    boxes = []
    for i in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, i)
        if not annot:
            continue
        try:
            if pdfium_c.FPDFAnnot_GetSubtype(annot) != pdfium_c.FPDF_ANNOT_REDACT:
                continue
            rect = pdfium_c.FS_RECTF()
            if pdfium_c.FPDFAnnot_GetRect(annot, rect):
                box = Box(min(rect.left, rect.right), min(rect.bottom, rect.top),
                          max(rect.left, rect.right), max(rect.bottom, rect.top))
                if box.area > 0:
                    boxes.append(box)
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return boxes


def split_text(textpage: pdfium.PdfTextPage, boxes: list[Box], page: pdfium.PdfPage, text: str):
    """(visible text, hidden text, boxes that are redactions): each character under a box is hidden unless
    it is light text painted over the box, which makes that box a label rather than a redaction."""
    covering = [k for k, b in enumerate(boxes) if textpage.get_text_bounded(b.left, b.bottom, b.right, b.top).strip()]
    if not covering:
        return text, "", boxes
    from .pdf import clean_pdfium_text  # pdf.py imports this module

    text_order = text_paint_order(page)
    raw = textpage.raw
    count = textpage.count_chars()
    whole = textpage.get_text_range()
    if len(whole) != count:  # characters outside the BMP: read them one by one
        whole = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i)) for i in range(count))
    areas = [(k, boxes[k].left, boxes[k].bottom, boxes[k].right, boxes[k].top) for k in covering]
    left, right, bottom, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    under: dict[int, int] = {}  # character index -> the box covering its centre
    labels: set[int] = set()
    for i in _characters_near(raw, 0, count, areas):
        ch = whole[i]
        if ch.isspace() or not pdfium_c.FPDFText_GetCharBox(raw, i, left, right, bottom, top):
            continue
        x, y = (left.value + right.value) / 2, (bottom.value + top.value) / 2
        for k, x0, y0, x1, y1 in areas:
            if x0 <= x <= x1 and y0 <= y <= y1:
                under[i] = k
                if _painted_light_over(raw, i, boxes[k], text_order):
                    labels.add(k)
                break
    hidden_at = sorted(i for i, k in under.items() if k not in labels)
    visible = list(whole)
    hidden, previous = [], None
    for i in hidden_at:
        if previous is not None and i != previous + 1:
            hidden.append(" ")  # visible text came between: a word boundary
        hidden.append(whole[i])
        visible[i] = ""
        previous = i
    kept = [b for k, b in enumerate(boxes) if k not in labels]
    return clean_pdfium_text("".join(visible)), " ".join(clean_pdfium_text("".join(hidden)).split()), kept


def _characters_near(raw, start: int, end: int, areas, run: int = 32):
    """Indices of the characters in [start, end) on text lines that touch one of the areas: pdfium's
    rectangles of a range of characters are tested, and a range that touches none is skipped whole."""
    left, top, right, bottom = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    pending = [(start, end)]
    while pending:
        a, b = pending.pop()
        touched = False
        for j in range(pdfium_c.FPDFText_CountRects(raw, a, b - a)):
            if not pdfium_c.FPDFText_GetRect(raw, j, left, top, right, bottom):
                continue
            if any(left.value <= x1 and right.value >= x0 and bottom.value <= y1 and top.value >= y0
                   for _k, x0, y0, x1, y1 in areas):
                touched = True
                break
        if not touched:
            continue
        if b - a <= run:
            yield from range(a, b)
        else:
            middle = (a + b) // 2
            pending += [(middle, b), (a, middle)]


def _painted_light_over(raw_textpage, index: int, box: Box, text_order: dict[int, int]) -> bool:
    """Whether this character is visible text painted after (over) the box in a light colour."""
    obj = pdfium_c.FPDFText_GetTextObject(raw_textpage, index)
    if not obj:
        return False
    order = text_order.get(_address(obj))
    if order is None or order < box.order:
        return False
    if pdfium_c.FPDFTextObj_GetTextRenderMode(obj) == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
        return False
    colour = _fill(obj)
    return colour is not None and not is_dark(*colour)


def measure_page(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage | None, text: str) -> PageRedactions:
    """Measure one PDF page's redactions and split ``text`` (the page's text layer) by its boxes.

    A page whose picture covers at least SCAN_SHARE of it is a scan: its picture is drawn at 72 dpi and
    searched for burnt-in boxes too. ``textpage`` None means ``text`` is not the text layer (OCR read it),
    so it is kept whole.
    """
    width, height = page.get_size()
    boxes, picture = vector_boxes(page)
    if picture >= SCAN_SHARE * width * height:
        from .blackout_scan import page_picture_boxes

        boxes += page_picture_boxes(page)
    visible, hidden = text, ""
    if textpage is not None:
        visible, hidden, boxes = split_text(textpage, boxes, page, text)
    area = max(width * height, 1.0)
    share = min(1.0, union_area(boxes, width, height) / area)
    return PageRedactions(
        redacted_share=round(share, 4),
        page_area=round(width * height, 1),
        withheld_in_full=share >= WITHHELD_SHARE or is_placeholder(visible),
        failed_redaction=bool(hidden.strip()),
        text=visible,
        hidden_text=hidden,
        boxes=boxes,
    )

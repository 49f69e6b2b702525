"""PDF text per page: pypdfium2 first, pdfplumber as the second parser, Tesseract for scanned pages.

Runs inside the sandboxed child process (see child.py); every function here yields events, the
same dicts the child writes to its parent, so a crash after page k still leaves pages 1..k.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .blackout import measure_page
from .ocr import OcrError, ocr_image
from .result import ERROR_MEMORY, ERROR_PASSWORD, ERROR_TOO_MANY_PAGES, Limits, has_text

_OBJ_TEXT = pdfium_c.FPDF_PAGEOBJ_TEXT
_OBJ_IMAGE = pdfium_c.FPDF_PAGEOBJ_IMAGE
# Form XObjects nest; pages with deeper nesting than this are treated as having what we found so far.
_OBJECT_DEPTH = 8
_OBJECT_SCAN_CAP = 20_000
# Pages with at least this much text skip the object census (the fast path for ordinary pages).
_SURE_TEXT_CHARS = 1000


def extract_pdf(path: str, limits: Limits, start_page: int = 1, step: int = 1) -> Iterator[dict]:
    """Yield meta, then begin/page/page_error events for pages ``start_page``, ``start_page + step``, ..."""
    _reset_last_error()
    try:
        doc = pdfium.PdfDocument(path, password=None)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            yield {"event": "fail", "status": "encrypted", "error": ERROR_PASSWORD, "encrypted": True}
            return
        # pdfium refused the file; pdfminer's more lenient tokenizer sometimes still reads it.
        yield from _extract_with_pdfplumber(path, limits, start_page, step, f"pdfium: {exc}")
        return
    try:
        yield from _extract_with_pdfium(doc, path, limits, start_page, step)
    finally:
        doc.close()


def _reset_last_error() -> None:
    """Set pdfium's last error to "format error" by failing to load a one-byte document.

    Some damaged files fail to load without pdfium setting its last error, which then still holds the
    previous document's: in a warm child, a file after an encrypted one was reported as needing a
    password. After this, such a file reads as damaged, as it does in a fresh process.
    """
    with contextlib.suppress(pdfium.PdfiumError):
        pdfium.PdfDocument(b"%").close()


def _extract_with_pdfium(doc: pdfium.PdfDocument, path: str, limits: Limits, start_page: int, step: int):
    """Pages through pypdfium2, calling pdfplumber or OCR where pdfium's text layer is empty."""
    encrypted = pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1
    count = len(doc)
    yield {"event": "meta", "page_count": count, "encrypted": encrypted}
    if count > limits.max_pages:
        yield {"event": "fail", "status": "failed", "error": f"{ERROR_TOO_MANY_PAGES} ({count})"}
        return
    plumber = _LazyPlumber(path)
    ocr = {"done": 0}
    try:
        for index in range(start_page - 1, count, step):
            number = index + 1
            yield {"event": "begin", "page": number}
            page = doc[index]
            try:
                textpage = page.get_textpage()
                layer = clean_pdfium_text(textpage.get_text_range())
                event = _read_page(page, index, layer, plumber, limits, ocr)
                if limits.redaction and event["event"] == "page":
                    # The text layer is split by the boxes; OCR's or pdfminer's text is kept whole.
                    _add_redactions(event, page, textpage if event["text"] == layer else None)
                yield event
            finally:
                page.close()
    finally:
        plumber.close()


def _read_page(page: pdfium.PdfPage, index: int, text: str, plumber, limits: Limits, ocr: dict) -> dict:
    """One page's event: its text layer, pdfminer's text where pdfium lost some, or OCR of a scan."""
    number = index + 1
    if len(text) >= _SURE_TEXT_CHARS and has_text(text, limits.min_text_chars):
        return {"event": "page", "page": number, "text": text, "ocr": False}
    n_text, n_image = _count_objects(page)
    if n_text > len(text):
        # Fewer characters than text objects: pdfium lost text (seen with vertical CJK
        # in CID fonts); pdfminer reads those, so keep whichever found more.
        alternative = plumber.page_text(index)
        if _visible(alternative) > _visible(text):
            text = alternative
    if has_text(text, limits.min_text_chars) or not n_image or not limits.ocr:
        return {"event": "page", "page": number, "text": text, "ocr": False}
    if ocr["done"] >= limits.max_ocr_pages:
        return {"event": "page", "page": number, "text": text, "ocr": False}
    ocr["done"] += 1
    return _ocr_page(page, number, text, limits)


def _add_redactions(event: dict, page: pdfium.PdfPage, textpage) -> None:
    """Add the page's redaction figures to its event; the text keeps only what lies outside the boxes."""
    try:
        found = measure_page(page, textpage, event["text"])
    except pdfium.PdfiumError:
        return  # a page pdfium cannot measure keeps its text and no figures (it was read, not measured)
    event.update(text=found.text, hidden_text=found.hidden_text, redacted_share=found.redacted_share,
                 page_area=found.page_area,
                 withheld_in_full=found.withheld_in_full, failed_redaction=found.failed_redaction)


def _count_objects(page: pdfium.PdfPage) -> tuple[int, int]:
    """Numbers of text and image objects on a page, looking into form XObjects."""
    n_text = n_image = 0
    for seen, obj in enumerate(page.get_objects(max_depth=_OBJECT_DEPTH), start=1):
        if obj.type == _OBJ_TEXT:
            n_text += 1
        elif obj.type == _OBJ_IMAGE:
            n_image += 1
        if seen >= _OBJECT_SCAN_CAP:
            break
    return n_text, n_image


# pdfium ends lines with CRLF, keeps no-break spaces from the font encoding and marks a hyphen it
# judged to be a line-end hyphenation with U+FFFE; search wants plain newlines, spaces and whole words.
_PDFIUM_CLEANUP = str.maketrans({"\r": None, "\xa0": " ", "\ufffe": None, "\x00": None})


def clean_pdfium_text(text: str) -> str:
    """pdfium's page text with CR, NUL and hyphenation marks dropped and no-break spaces made plain."""
    return text.translate(_PDFIUM_CLEANUP)


def _visible(text: str) -> int:
    """Number of non-whitespace characters."""
    return sum(1 for ch in text if not ch.isspace())


def render_scale(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> float:
    """Render scale for OCR: ``dpi`` unless that exceeds ``max_pixels``, then the largest that fits."""
    scale = dpi / 72.0
    area = max(width_pt, 1.0) * max(height_pt, 1.0)
    if area * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / area)
    return scale


def _ocr_page(page: pdfium.PdfPage, number: int, layer_text: str, limits: Limits) -> dict:
    """Render one page within the pixel limit and OCR it; keep the text layer when OCR finds less."""
    width, height = page.get_size()
    limit_pt = limits.max_page_inches * 72
    if width > limit_pt or height > limit_pt:
        return {
            "event": "page_error",
            "page": number,
            "error": f"page too large to render ({width / 72:.0f} x {height / 72:.0f} in)",
            "text": layer_text,
        }
    scale = render_scale(width, height, limits.ocr_dpi, limits.max_pixels)
    try:
        bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=True)
        image = bitmap.to_pil()
    except MemoryError:
        return {"event": "page_error", "page": number, "error": ERROR_MEMORY, "text": layer_text}
    except pdfium.PdfiumError as exc:
        return {"event": "page_error", "page": number, "error": f"render failed: {exc}", "text": layer_text}
    try:
        text = ocr_image(image, limits.ocr_languages, timeout=float(limits.cpu_seconds))
    except OcrError as exc:
        return {"event": "page_error", "page": number, "error": f"ocr failed: {exc}", "text": layer_text}
    finally:
        image.close()
    if len(text.strip()) <= len(layer_text.strip()):
        return {"event": "page", "page": number, "text": layer_text, "ocr": False}
    return {"event": "page", "page": number, "text": text, "ocr": True}


class _LazyPlumber:
    """pdfplumber opened only when a page needs it (it costs ~100x pdfium per page)."""

    def __init__(self, path: str):
        self.path = path
        self.pdf = None
        self.broken = False

    def page_text(self, index: int) -> str:
        """pdfplumber's text for one page; empty when pdfplumber cannot read it."""
        if self.broken:
            return ""
        import pdfplumber  # deferred: pdfminer is slow to import and rarely needed

        try:
            if self.pdf is None:
                self.pdf = pdfplumber.open(self.path)
            return self.pdf.pages[index].extract_text() or ""
        # pdfminer raises a wide range of exception types on damaged input; pdfium's text stands then.
        except Exception:  # noqa: BLE001
            self.broken = True
            return ""

    def close(self) -> None:
        """Release the pdfplumber document."""
        if self.pdf is not None:
            self.pdf.close()


def _extract_with_pdfplumber(path: str, limits: Limits, start_page: int, step: int, pdfium_error: str):
    """Whole document through pdfplumber, for files pdfium cannot open at all."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(path)
        count = len(pdf.pages)
    except Exception as exc:  # noqa: BLE001 - pdfminer's errors have no common base class
        detail = str(exc).strip() or type(exc).__name__
        yield {"event": "fail", "status": "failed", "error": f"corrupt: {pdfium_error}; pdfminer: {detail}"}
        return
    try:
        yield {"event": "meta", "page_count": count, "encrypted": False}
        if count > limits.max_pages:
            yield {"event": "fail", "status": "failed", "error": f"{ERROR_TOO_MANY_PAGES} ({count})"}
            return
        for index in range(start_page - 1, count, step):
            yield {"event": "begin", "page": index + 1}
            try:
                text = pdf.pages[index].extract_text() or ""
            except Exception as exc:  # noqa: BLE001 - as above
                yield {"event": "page_error", "page": index + 1, "error": f"corrupt: {exc}", "text": ""}
                continue
            yield {"event": "page", "page": index + 1, "text": text, "ocr": False}
    finally:
        pdf.close()

"""Images (PNG, JPEG, TIFF, GIF, BMP, WebP) through OCR; each TIFF frame is a page."""

from __future__ import annotations

import math
from collections.abc import Iterator

from PIL import Image

from .blackout import WITHHELD_SHARE, is_placeholder
from .blackout_scan import image_boxes
from .ocr import OcrError, ocr_image
from .result import Limits


def extract_image(path: str, limits: Limits, start_page: int = 1, step: int = 1) -> Iterator[dict]:
    """Yield meta and one OCR'd page per frame (multi-page TIFF), within the pixel limit."""
    # Pillow's own bomb guard would raise for huge images; we check the size ourselves and shrink.
    Image.MAX_IMAGE_PIXELS = None
    with Image.open(path) as image:
        multi_page = image.format in ("TIFF", "MPO") and getattr(image, "n_frames", 1) > 1
        count = image.n_frames if multi_page else 1
        yield {"event": "meta", "page_count": count, "encrypted": False}
        if count > limits.max_pages:
            yield {"event": "fail", "status": "failed", "error": f"too many pages ({count})"}
            return
        for index in range(start_page - 1, count, step):
            number = index + 1
            yield {"event": "begin", "page": number}
            image.seek(index)
            event = _ocr_frame(image, number, limits)
            if limits.redaction and event["event"] == "page":
                event.update(frame_redactions(image, event["text"]))
            yield event


def frame_redactions(image: Image.Image, text: str) -> dict:
    """A scanned frame's redaction figures, measured on a copy at about 72 dots per inch."""
    dpi = image.info.get("dpi") or (300, 300)
    try:
        per_point = max(float(dpi[0]), 1.0) / 72.0
    except (TypeError, ValueError):
        per_point = 300 / 72.0
    factor = min(1.0, 1.0 / per_point)
    small = image.convert("L")
    if factor < 1.0:
        small = small.resize((max(1, int(small.width * factor)), max(1, int(small.height * factor))))
    share, _rects = image_boxes(small, per_point * factor)
    small.close()
    return {"redacted_share": round(share, 4), "page_area": round(image.width * image.height / per_point ** 2, 1),
            "withheld_in_full": share >= WITHHELD_SHARE or is_placeholder(text), "failed_redaction": False}


def _ocr_frame(image: Image.Image, number: int, limits: Limits) -> dict:
    """OCR the current frame, downscaled to ``limits.max_pixels`` when larger."""
    width, height = image.size
    if width * height > 16 * limits.max_pixels:
        # Decoding alone would need gigabytes; shrinking needs the decoded image first.
        return {"event": "page_error", "page": number, "error": f"image too large ({width} x {height})"}
    if not limits.ocr:
        return {"event": "page", "page": number, "text": "", "ocr": False}
    frame = image.convert("L") if image.mode not in ("L", "1", "RGB") else image.copy()
    if width * height > limits.max_pixels:
        factor = math.sqrt(limits.max_pixels / (width * height))
        frame = frame.resize((max(1, int(width * factor)), max(1, int(height * factor))))
    try:
        text = ocr_image(frame, limits.ocr_languages, timeout=float(limits.cpu_seconds))
    except OcrError as exc:
        return {"event": "page_error", "page": number, "error": f"ocr failed: {exc}"}
    finally:
        frame.close()
    return {"event": "page", "page": number, "text": text, "ocr": True}

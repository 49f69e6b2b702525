"""Redaction boxes burnt into a scanned page: solid dark rectangles in the picture, not ink.

Dense text is dark too, so dark pixels are not counted as such. The picture is first opened (eroded,
then dilated) with a square a few points wide, which removes strokes of type and handwriting but keeps
anything solid; what is left is split into connected regions, and a region counts as a box only when it
is large enough and solid: each of its rows and columns one unbroken run (overlapping boxes make an L or
a staircase, which still is), filling a fair part of its bounding rectangle. The share is the kept
regions' pixels over the picture's, so overlapping boxes count once.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from .blackout import Box

# Pixels at most this grey (0 black .. 255 white) are dark; scans rarely reach 0.
DARK_LEVEL = 96
# The opening square, in points: thicker than the strokes of body and heading type at 72 dpi.
STROKE_POINTS = 5
# A region is a box when it is at least this big (points) and fills this much of its bounding rectangle.
MIN_SIDE_POINTS = 6
MIN_AREA_POINTS = 80
MIN_FILL = 0.9
MIN_FILL_BOUNDS = 0.4
# Scans are measured at this many pixels per point (72 dpi): enough for boxes, cheap to draw.
SCALE = 1.0
MAX_PIXELS = 4_000_000


def dark_regions(gray: np.ndarray, pixels_per_point: float = SCALE) -> tuple[float, list[tuple[int, int, int, int]]]:
    """(share of the picture covered by solid dark boxes, their pixel rectangles (x0, y0, x1, y1))."""
    if gray.size == 0:
        return 0.0, []
    dark = gray <= DARK_LEVEL
    if not dark.any():
        return 0.0, []
    side = max(2, round(STROKE_POINTS * pixels_per_point))
    # Opening with a square, as a minimum then a maximum filter (separable, so linear in the side).
    solid = ndimage.maximum_filter(ndimage.minimum_filter(dark.view(np.uint8), size=side), size=side) > 0
    labels, count = ndimage.label(solid)
    if not count:
        return 0.0, []
    min_side = MIN_SIDE_POINTS * pixels_per_point
    min_area = MIN_AREA_POINTS * pixels_per_point * pixels_per_point
    kept_pixels = 0.0
    rects = []
    for number, found in enumerate(ndimage.find_objects(labels), start=1):
        if found is None:
            continue
        region = labels[found] == number
        height, width = region.shape
        pixels = float(region.sum())
        if min(height, width) < min_side or pixels < min_area or not is_boxlike(region):
            continue
        kept_pixels += pixels
        rows, cols = found
        rects += _rectangles(region, cols.start, rows.start)
    return min(1.0, kept_pixels / gray.size), rects


def is_boxlike(region: np.ndarray) -> bool:
    """Whether a region is solid rectangles: every row and column of it one unbroken run (overlapping
    boxes make an L or a staircase, which is still that), filling a fair part of its bounding rectangle."""
    if region.sum() < MIN_FILL_BOUNDS * region.size:
        return False
    return _run_fill(region) >= MIN_FILL and _run_fill(region.T) >= MIN_FILL


def _run_fill(region: np.ndarray) -> float:
    """Pixels over the spans from each row's first to its last pixel (1.0 when every row is one run)."""
    present = region.any(axis=1)
    rows = region[present]
    first = rows.argmax(axis=1)
    last = rows.shape[1] - 1 - rows[:, ::-1].argmax(axis=1)
    return float(rows.sum()) / float((last - first + 1).sum())


def _rectangles(region: np.ndarray, x0: int, y0: int) -> list[tuple[int, int, int, int]]:
    """The region as rectangles, one per band of identical rows (x0, y0, x1, y1 in the picture)."""
    out = []
    start = 0
    spans = [(int(r.argmax()), len(r) - int(r[::-1].argmax())) if r.any() else None for r in region]
    for y in range(1, len(spans) + 1):
        if y == len(spans) or spans[y] != spans[start]:
            if spans[start] is not None:
                out.append((x0 + spans[start][0], y0 + start, x0 + spans[start][1], y0 + y))
            start = y
    return out


def image_boxes(image: Image.Image, pixels_per_point: float) -> tuple[float, list[tuple[int, int, int, int]]]:
    """dark_regions() of a Pillow image (any mode), read as 8-bit grey."""
    return dark_regions(np.asarray(image.convert("L")), pixels_per_point)


def page_picture_boxes(page, scale: float = SCALE) -> list[Box]:
    """Boxes burnt into a PDF page's pictures, in page coordinates (pages turned by /Rotate are skipped,
    whose rendered picture is turned too)."""
    if page.get_rotation() % 360:
        return []
    width, height = page.get_size()
    scale = min(scale, (MAX_PIXELS / max(width * height, 1.0)) ** 0.5)  # a huge page is drawn smaller
    bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=True)
    try:
        gray = bitmap.to_numpy()
    finally:
        bitmap.close()
    if gray.ndim == 3:
        gray = gray[..., 0]
    # Each region becomes a box in points; an image is painted under anything drawn after it, which
    # is how the order of text over the picture is judged: an OCR text layer is drawn after the scan.
    _share, rects = dark_regions(gray, scale)
    px_w, px_h = gray.shape[1] / width, gray.shape[0] / height
    return [Box(x0 / px_w, height - y1 / px_h, x1 / px_w, height - y0 / px_h, order=-1.0)
            for x0, y0, x1, y1 in rects]

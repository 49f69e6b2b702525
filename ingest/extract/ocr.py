"""Tesseract OCR of one rendered page image, through the ``tesseract`` command line."""

from __future__ import annotations

import functools
import io
import os
import subprocess

from PIL import Image

# Measured on linn-four-orientations-scan.pdf: --psm 3 turns the 180 and 270 degree pages into
# garbage, --psm 1 (segmentation with orientation and script detection) reads all four pages
# correctly for about one second more per page, cheaper than detecting with --psm 0 and re-running.
_PSM_WITH_ORIENTATION = "1"
_PSM_PLAIN = "3"


class OcrError(Exception):
    """Tesseract could not read an image (missing program, bad language, crash or timeout)."""


@functools.cache
def installed_languages() -> frozenset[str]:
    """Languages tesseract has data for (empty when tesseract is not installed)."""
    try:
        out = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def usable_languages(wanted: str) -> str:
    """The installed subset of a tesseract language list like ``eng+deu``; ``eng`` when none is."""
    have = installed_languages()
    langs = [lang for lang in wanted.replace(",", "+").split("+") if lang and lang in have]
    return "+".join(langs) or "eng"


def ocr_image(image: Image.Image, languages: str = "eng", timeout: float = 120.0) -> str:
    """Text that Tesseract reads in ``image``, with automatic orientation detection."""
    if image.mode not in ("L", "1", "RGB"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)
    png = buf.getvalue()
    langs = usable_languages(languages)
    try:
        return _run_tesseract(png, langs, _PSM_WITH_ORIENTATION, timeout)
    except OcrError as exc:
        # OSD needs the 'osd' traineddata; without it (or when OSD itself fails) plain layout analysis
        # still reads upright pages.
        if "osd" in installed_languages() and "timed out" in str(exc):
            raise
        return _run_tesseract(png, langs, _PSM_PLAIN, timeout)


def _run_tesseract(png: bytes, langs: str, psm: str, timeout: float) -> str:
    """One tesseract run reading PNG bytes from stdin and writing text to stdout."""
    # One OpenMP thread: pages are parallelised across worker processes, not inside tesseract.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        proc = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", langs, "--psm", psm],
            input=png,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except FileNotFoundError as exc:
        raise OcrError("tesseract is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"tesseract timed out after {timeout:.0f} s") from exc
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"tesseract exited with {proc.returncode}: {detail[-1] if detail else 'no output'}")
    return proc.stdout.decode("utf-8", "replace")

"""Attachment file names made safe to show and save: no paths, no control characters, bounded, never empty."""

from __future__ import annotations

import mimetypes
import re
import unicodedata

MAX_NAME_BYTES = 200
# Categories never wanted in a name: controls, format characters (the right-to-left override that
# makes "exe.pdf" look like "fdp.exe"), lone surrogates, private use and unassigned code points.
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


def safe_filename(name: str | None, content_type: str = "application/octet-stream", index: int = 1) -> str:
    """A display- and filesystem-safe file name from a declared one, or ``attachment-N.ext`` when none."""
    cleaned = unicodedata.normalize("NFC", name or "")
    # Keep only the last path component, whichever separator the sender's system used.
    cleaned = re.split(r"[\\/]", cleaned)[-1]
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) not in _DROP_CATEGORIES)
    cleaned = re.sub(r'[<>:"|?*]', "_", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .")
    if not cleaned:
        return f"attachment-{index}{extension_for(content_type)}"
    return _bound(cleaned)


def _bound(name: str) -> str:
    """Shorten a name to MAX_NAME_BYTES of UTF-8, keeping a short extension."""
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not 0 < len(ext) <= 10 or not stem:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    while len(stem.encode("utf-8")) > budget:
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


def extension_for(content_type: str) -> str:
    """A usual extension for a media type ('.bin' when unknown)."""
    special = {"message/rfc822": ".eml", "text/plain": ".txt", "application/ms-tnef": ".dat",
               "application/mac-binhex40": ".hqx"}
    return special.get(content_type) or mimetypes.guess_extension(content_type, strict=False) or ".bin"


def type_for(filename: str) -> str:
    """A media type guessed from a file name (for files unpacked from TNEF, uuencode or BinHex)."""
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"

"""Media type from a file's content (libmagic), never from what an email header claims."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ZIP = "application/zip"
HTML = "text/html"
TEXT = "text/plain"
OCTET = "application/octet-stream"
EMPTY = "application/x-empty"

# Enough for libmagic to see inside a zip's first entries and past a PDF's leading junk.
_SNIFF_BYTES = 1 << 20

# Zip members that identify an Office container whatever order the writer stored them in.
_ZIP_MARKERS = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
)

# Only consulted when the content is a zip that names no known Office part (see sniff()).
_OFFICE_EXTENSIONS = {".docx": DOCX, ".xlsx": XLSX, ".odt": ODT}

_ALIASES = {
    "application/x-pdf": PDF,
    "application/x-zip-compressed": ZIP,
    "image/jpg": "image/jpeg",
    "image/x-ms-bmp": "image/bmp",
}


def sniff(data_or_path: bytes | str | os.PathLike, filename: str | None = None) -> str:
    """Media type of a file or byte string judged by its content; ``filename`` only breaks zip ties."""
    if isinstance(data_or_path, bytes | bytearray | memoryview):
        head = bytes(data_or_path[:_SNIFF_BYTES])
        path = None
    else:
        path = Path(data_or_path)
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
        filename = filename or path.name
    if not head:
        return EMPTY
    import magic  # deferred: loading libmagic costs the extraction child start-up time it never needs

    media_type = magic.from_buffer(head, mime=True)
    media_type = _ALIASES.get(media_type, media_type)
    if media_type in (ZIP, OCTET) and head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data_or_path if path is None else path, filename)
    if media_type == OCTET and b"%PDF-" in head[:1024]:
        # PDF readers accept up to 1 KB of junk before the header; libmagic only looks at offset 0.
        return PDF
    return media_type


def _sniff_zip(source, filename: str | None) -> str:
    """Tell Office containers from plain zips by their member names, then by extension."""
    try:
        fh = io.BytesIO(bytes(source)) if isinstance(source, bytes | bytearray | memoryview) else source
        with zipfile.ZipFile(fh) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                declared = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return declared
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        # A damaged zip: leave it to the extension, as the content cannot tell.
        names = set()
    for marker, media_type in _ZIP_MARKERS:
        if marker in names:
            return media_type
    suffix = Path(filename).suffix.lower() if filename else ""
    if not names and suffix in _OFFICE_EXTENSIONS:
        return _OFFICE_EXTENSIONS[suffix]
    return ZIP

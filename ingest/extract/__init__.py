"""Text extraction from documents, page by page, safe against hostile files.

Pure with respect to the app (no Flask, no SQLAlchemy). ``extract()`` runs the parsers in a child
process under memory, CPU, wall-clock, page and pixel limits and always returns an ExtractResult;
``sniff()`` names a file's media type from its content; ``extract_zip_members()`` unpacks a zip for
the caller to store each member as a document of its own.
"""

from .archive import ArchiveRefused, extract_zip_members, safe_member_name
from .mediatypes import sniff
from .result import (
    STATUS_EMPTY,
    STATUS_ENCRYPTED,
    STATUS_FAILED,
    STATUS_OK,
    STATUS_PARTIAL,
    STATUS_UNSUPPORTED,
    STATUSES,
    ExtractResult,
    Limits,
    PageText,
)
from .runner import extract

__all__ = [
    "STATUSES",
    "STATUS_EMPTY",
    "STATUS_ENCRYPTED",
    "STATUS_FAILED",
    "STATUS_OK",
    "STATUS_PARTIAL",
    "STATUS_UNSUPPORTED",
    "ArchiveRefused",
    "ExtractResult",
    "Limits",
    "PageText",
    "extract",
    "extract_zip_members",
    "safe_member_name",
    "sniff",
]

"""Text extraction from documents, page by page, safe against hostile files.

Pure with respect to the app (no Flask, no SQLAlchemy). ``extract()`` runs the parsers in a child
process under memory, CPU, wall-clock, page and pixel limits and always returns an ExtractResult;
``sniff()`` names a file's media type from its content. A zip is unpacked by the child too, under one
``ArchiveBudget`` for every nesting level; ``extract(..., unpack_dir=)`` leaves its members there for
the caller to store each as a document of its own. Children are kept warm in a pool (pool.py).
"""

from .archive import ArchiveBudget, ArchiveMember, ArchiveRefused, safe_member_name, unpack_zip
from .mediatypes import sniff
from .pool import shutdown_pool
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
    "ArchiveBudget",
    "ArchiveMember",
    "ArchiveRefused",
    "ExtractResult",
    "Limits",
    "PageText",
    "extract",
    "safe_member_name",
    "shutdown_pool",
    "sniff",
    "unpack_zip",
]

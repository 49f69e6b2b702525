"""What an extraction returns, and the limits it runs under.

Statuses (``ExtractResult.status``), one of:

- ``ok``: every page was read (some pages may legitimately be blank).
- ``partial``: some pages were read, others failed; ``error`` says why the first failure happened.
- ``empty``: the file was read but holds no text anywhere (blank pages, or OCR found nothing).
- ``encrypted``: the file needs a password we do not have (PDFs with an empty user password open).
- ``unsupported``: a media type we cannot read (``error`` names it).
- ``failed``: nothing could be read; ``error`` is one of ``timeout``, ``memory limit``, ``cpu limit``,
  ``crashed``, ``too many pages``, ``too large``, ``corrupt: <detail>``, ``unreadable: <detail>``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATUS_OK = "ok"
STATUS_PARTIAL = "partial"
STATUS_EMPTY = "empty"
STATUS_ENCRYPTED = "encrypted"
STATUS_UNSUPPORTED = "unsupported"
STATUS_FAILED = "failed"
STATUSES = (STATUS_OK, STATUS_PARTIAL, STATUS_EMPTY, STATUS_ENCRYPTED, STATUS_UNSUPPORTED, STATUS_FAILED)

# Reasons carried in ExtractResult.error (a "corrupt: ..." or "unreadable: ..." error adds a detail).
ERROR_TIMEOUT = "timeout"
ERROR_MEMORY = "memory limit"
ERROR_CPU = "cpu limit"
ERROR_CRASHED = "crashed"
ERROR_TOO_MANY_PAGES = "too many pages"
ERROR_TOO_LARGE = "too large"
ERROR_PASSWORD = "needs a password"


@dataclass(frozen=True)
class Limits:
    """Resource bounds for one extraction; the app maps its EXTRACT_* and OCR_* settings onto these."""

    memory_mb: int = 1024  # EXTRACT_MEMORY_MB: RLIMIT_AS of the child process
    cpu_seconds: int = 120  # EXTRACT_CPU_SECONDS: RLIMIT_CPU of the child (and of each tesseract run)
    wall_seconds: float = 300.0  # the parent kills the child after this long, whatever it is doing
    max_pages: int = 5000  # EXTRACT_MAX_PAGES: longer documents are refused outright
    max_ocr_pages: int = 2000  # pages past this many OCR'd pages keep whatever text layer they have
    ocr: bool = True
    redaction: bool = True  # measure redaction boxes on every page (bench/extract_bench.py --no-redaction)
    ocr_languages: str = "eng"  # OCR_LANGUAGES, tesseract syntax ("eng+deu")
    ocr_dpi: int = 300
    max_pixels: int = 40_000_000  # rendered pixels per page for OCR; the DPI is lowered to fit
    max_page_inches: float = 200.0  # PDF's own ceiling (14,400 pt); larger pages are not rendered
    max_page_chars: int = 1_000_000  # longer page texts are cut: a hostile PDF can repeat a glyph forever
    min_text_chars: int = 16  # a page with fewer non-blank characters counts as having no text layer
    max_file_mb: int = 512  # inputs larger than this are refused before parsing
    max_restarts: int = 3  # after a child dies on a page, a new child resumes past it this many times
    workers: int = 1  # EXTRACT_WORKERS: children reading one large PDF or scan at once, page by page
    split_min_bytes: int = 128 << 10  # files smaller than this are read by one child, whatever workers says
    child_documents: int = 100  # EXTRACT_CHILD_DOCUMENTS: a warm child is recycled after this many
    zip_max_depth: int = 3
    zip_max_members: int = 1000
    zip_max_total_mb: int = 512
    zip_max_ratio: int = 200  # a member that inflates more than this is treated as a bomb

    def to_dict(self) -> dict:
        """Plain dict for passing to the child process."""
        return asdict(self)


@dataclass
class PageText:
    """One page's text; ``number`` counts from 1 and ``ocr`` says the text came from Tesseract.

    ``text`` is what is legible outside redaction boxes; ``hidden_text`` is text a box covers that the
    file still holds (a failed redaction). ``redacted_share`` is the share of the page's area the boxes
    cover (0 to 1) and ``withheld_in_full`` a page blacked out entirely or standing in for one withheld.
    """

    number: int
    text: str
    ocr: bool = False
    redacted_share: float = 0.0
    page_area: float = 0.0  # square points; weighs the page in a document's or production's share
    withheld_in_full: bool = False
    failed_redaction: bool = False
    hidden_text: str = ""


@dataclass
class ExtractResult:
    """Outcome of extracting one file; ``error`` is None only when nothing went wrong."""

    status: str
    error: str | None = None
    media_type: str | None = None
    page_count: int = 0
    pages: list[PageText] = field(default_factory=list)
    encrypted: bool = False
    # For zip archives: ArchiveMember(name, size, sha256, media_type), unpacked by the child.
    members: list = field(default_factory=list)

    @property
    def text(self) -> str:
        """All pages' text joined with form feeds, the conventional page separator."""
        return "\f".join(p.text for p in self.pages)

    def to_dict(self) -> dict:
        """Plain dict (JSON-safe)."""
        return asdict(self)


def has_text(text: str, minimum: int = 1) -> bool:
    """True when ``text`` holds at least ``minimum`` non-whitespace characters."""
    count = 0
    for ch in text:
        if not ch.isspace():
            count += 1
            if count >= minimum:
                return True
    return False

"""What the search index holds for one page (or one message body)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

VISIBILITIES = frozenset({"public", "internal", "privileged"})
KINDS = frozenset({"page", "message", "request"})


@dataclass(frozen=True, slots=True)
class PageRecord:
    """One indexable unit: a page of a document, the body of a message, or a request's title and text."""

    key: str  # "page:<page_id>", "message:<message_id>" or "request:<request_id>"; unique in the index
    text: str
    kind: str = "page"
    request_id: int | None = None
    agency_id: int | None = None
    agency: str = ""
    agency_short: str = ""  # the agency's short name (NYPD), so that agency:NYPD finds its pages
    campaign_id: int | None = None
    campaign: str = ""
    document_id: int | None = None
    filename: str = ""
    page: int = 1
    released_on: date | None = None
    media_type: str = ""
    visibility: str = "internal"
    ocr: bool = False

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("a PageRecord needs a non-empty key such as 'page:12'")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}, not {self.kind!r}")
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {sorted(VISIBILITIES)}, not {self.visibility!r}")
        if self.page < 1:
            raise ValueError(f"page numbers start at 1, got {self.page}")

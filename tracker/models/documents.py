"""Files received or uploaded, and their text page by page."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.base import VISIBILITIES, one_of, utcnow

TEXT_STATUSES = ("pending", "ok", "partial", "empty", "encrypted", "unsupported", "failed")


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (one_of("visibility", VISIBILITIES), one_of("text_status", TEXT_STATUSES))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    # The event a document added by hand came with (records released, a denial letter).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str] = mapped_column(String(200), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    page_count: Mapped[int] = mapped_column(default=0)
    text_status: Mapped[str] = mapped_column(String(20), default="pending")
    text_error: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(20), default="internal")
    released_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message = relationship("Message", back_populates="documents")
    request = relationship("Request")
    event = relationship("Event")
    pages: Mapped[list[Page]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Page.number"
    )


# A lawyer's decision on a page with a failed redaction: keep it out of public view, or release the
# text that is visible outside the boxes (the text under them is never released).
REDACTION_DECISIONS = ("keep_hidden", "release")


class Page(db.Model):
    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        one_of("redaction_decision", REDACTION_DECISIONS),
        CheckConstraint("redacted_share >= 0 AND redacted_share <= 1", name="redacted_share_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    # The text legible outside redaction boxes: what search indexes and pages show.
    text: Mapped[str] = mapped_column(Text, default="")
    ocr: Mapped[bool] = mapped_column(default=False)
    # Share of the page's area under redaction boxes (overlaps once), 0 to 1.
    redacted_share: Mapped[float] = mapped_column(default=0.0)
    # The page's area in square points (0 when unknown): weighs it in a document's or production's share.
    area: Mapped[float] = mapped_column(default=0.0)
    withheld_in_full: Mapped[bool] = mapped_column(default=False)
    # A box drawn over text the file still holds; that text is kept apart, for lawyers only.
    failed_redaction: Mapped[bool] = mapped_column(default=False)
    text_under_redaction: Mapped[str] = mapped_column(Text, default="")
    redaction_decision: Mapped[str | None] = mapped_column(String(20))

    document: Mapped[Document] = relationship(back_populates="pages")

    @property
    def held_back(self) -> bool:
        """A failed redaction no lawyer has released: the page stays out of public view and search."""
        return bool(self.failed_redaction) and self.redaction_decision != "release"


def page_visibility(document_visibility: str, held_back: bool) -> str:
    """Who may see a page: its document's visibility, at least internal while the page is held back."""
    if held_back and document_visibility == "public":
        return "internal"
    return document_visibility

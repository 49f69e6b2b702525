"""Files received or uploaded, and their text page by page."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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


class Page(db.Model):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    ocr: Mapped[bool] = mapped_column(default=False)

    document: Mapped[Document] = relationship(back_populates="pages")

"""Every email in or out, the IMAP cursor, and the routes people taught the matcher."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.base import one_of, utcnow

MESSAGE_STATUSES = ("delivered", "unmatched", "rejected", "queued", "sent", "failed")


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        one_of("direction", ("in", "out")),
        one_of("status", MESSAGE_STATUSES),
        Index("ix_messages_status", "status"),
        UniqueConstraint("raw_sha256", "direction", name="uq_messages_raw_direction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    match_method: Mapped[str] = mapped_column(String(40), default="")
    suggestions: Mapped[list] = mapped_column(JSON, default=list)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list] = mapped_column(JSON, default=list)
    from_addr: Mapped[str] = mapped_column(String(320), default="")
    from_name: Mapped[str] = mapped_column(String(300), default="")
    to_addrs: Mapped[list] = mapped_column(JSON, default=list)
    cc_addrs: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime | None]
    subject: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    headers: Mapped[list] = mapped_column(JSON, default=list)
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(default=0)
    # Set when the raw bytes were rewritten (a resident forgotten): when, and why; raw_sha256 is the new hash.
    redacted_at: Mapped[datetime | None]
    redaction: Mapped[str] = mapped_column(Text, default="", server_default="")
    is_auto_reply: Mapped[bool] = mapped_column(default=False)
    is_bounce: Mapped[bool] = mapped_column(default=False)
    mailbox: Mapped[str] = mapped_column(String(200), default="")
    uid: Mapped[int | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    request = relationship("Request")
    documents = relationship("Document", back_populates="message", order_by="Document.id")


class MailboxCursor(db.Model):
    """How far the ingest worker has read a mailbox: UIDVALIDITY and the last UID delivered."""

    __tablename__ = "mailbox_cursors"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(400), unique=True)
    uidvalidity: Mapped[int] = mapped_column(default=0)
    last_uid: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SenderRoute(db.Model):
    """A sender address a person assigned to a request, remembered for the next message."""

    __tablename__ = "sender_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

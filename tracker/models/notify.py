"""What people are told: deadline reminders sent, and searches saved for alerts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.base import one_of, utcnow


class Reminder(db.Model):
    """The notification log: one row per notice (a deadline reminder, a weekly digest, a saved-search alert).

    `key` names the notice; its uniqueness makes a notice belong to one run, which marks the row with its
    `claimed_by` token and `claimed_at` before sending (see tracker.notifications.log).
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("user_id", "request_id", "kind", "due_on", "threshold"),
        one_of("threshold", ("upcoming", "missed", "digest", "alert")),
        one_of("state", ("pending", "sent", "failed")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date]
    threshold: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    key: Mapped[str | None] = mapped_column(String(300), unique=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    subject: Mapped[str] = mapped_column(String(300), default="", server_default="")

    user = relationship("User")
    request = relationship("Request")


class SavedSearch(db.Model):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    # Pages with an id above this were not yet reported to the person.
    last_page_id: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_alerted_at: Mapped[datetime | None]

    user = relationship("User")

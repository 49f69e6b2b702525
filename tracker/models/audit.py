"""Who did what: the audit trail, and what the rate limits count (failed sign-ins, submissions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.base import one_of, utcnow

ACTOR_KINDS = ("user", "cli", "system", "anonymous")


class AuditEntry(db.Model):
    """One change of state: who (a person, the command line, or the system), when, what and how it changed.

    `request_id` is a plain column (no foreign key), so a request's trail outlives the request.
    """

    __tablename__ = "audit_log"
    __table_args__ = (one_of("actor_kind", ACTOR_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    request_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.subject_type}:{self.subject_id} by {self.actor_label}>"


class LimitHit(db.Model):
    """One counted event of a rate limit (a failed sign-in, a resident's submission...) under one key,
    when the limits are counted in the database (tracker.signin_limits)."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

"""Residents who ask for their neighborhood's records through a campaign's public page, and their mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.base import one_of, utcnow

RESIDENT_STATES = ("pending", "confirmed", "withdrawn", "expired", "forgotten")
RESIDENT_EMAIL_STATUSES = ("queued", "sent", "failed")


class Resident(db.Model):
    """A resident's submission: pending until they follow the emailed link, then the requester of a request.

    The two links (confirmation, private status page) are credentials: only their SHA-256 is stored. A link
    is derived from the app's secret key and `link_nonce`, so an email can be built again at send time
    without the link being kept anywhere, and a copy of the database alone cannot act for a resident;
    issuing a new nonce ends every earlier link. Forgetting empties name, email and postal address; the
    pseudonym stands in for them from then on. The postal address goes into the letter to the agency only
    when `include_postal_address` is set; otherwise it is kept for the campaign alone.
    """

    __tablename__ = "residents"
    __table_args__ = (one_of("state", RESIDENT_STATES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    nta_code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="", index=True)
    postal_address: Mapped[str] = mapped_column(Text, default="")
    pseudonym: Mapped[str] = mapped_column(String(40), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    state: Mapped[str] = mapped_column(String(20), default="pending")
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    status_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    client_address: Mapped[str] = mapped_column(String(64), default="", index=True)
    link_nonce: Mapped[str | None] = mapped_column(String(64))
    include_postal_address: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None]
    forgotten_at: Mapped[datetime | None]

    campaign = relationship("Campaign")
    requests = relationship("Request", foreign_keys="Request.resident_id", viewonly=True)

    @property
    def request(self):
        """The request filed for this resident, once confirmed."""
        return self.requests[0] if self.requests else None

    def __repr__(self) -> str:
        return f"<Resident {self.pseudonym} {self.state}>"


class ResidentEmail(db.Model):
    """An email to a resident (confirmation link, each step of their request), sent after the commit.

    Only what it is about is stored (`kind`, and the subject once sent): its text is written at send time
    from the resident's state, so no link, name or address is kept here.
    """

    __tablename__ = "resident_emails"
    __table_args__ = (one_of("status", RESIDENT_EMAIL_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="queued")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    resident = relationship("Resident")

"""Records requests, their append-only timeline, and the appeals and lawsuits that follow them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.lifecycle import EVENT_TYPES, STATUSES
from tracker.models.agencies import Agency, Campaign
from tracker.models.base import one_of, utcnow
from tracker.models.users import User

request_assignees = Table(
    "request_assignees",
    db.metadata,
    Column("request_id", ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

litigation_requests = Table(
    "litigation_requests",
    db.metadata,
    Column("litigation_id", ForeignKey("litigation.id", ondelete="CASCADE"), primary_key=True),
    Column("request_id", ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True),
)

REQUEST_VISIBILITIES = ("public", "internal")


class Request(db.Model):
    __tablename__ = "requests"
    __table_args__ = (
        one_of("status", STATUSES),
        one_of("visibility", REQUEST_VISIBILITIES),
        Index("ix_requests_next_deadline", "next_deadline_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    reply_token: Mapped[str] = mapped_column(String(16), unique=True)
    visibility: Mapped[str] = mapped_column(String(20), default="internal")
    # Derived from the events by tracker.lifecycle on every change; kept for fast listing only.
    status: Mapped[str] = mapped_column(String(40), default="draft", index=True)
    next_deadline_on: Mapped[date | None]
    next_deadline_kind: Mapped[str | None] = mapped_column(String(40))
    # The first day on which the three columns above may stop being today's (a deadline runs out):
    # readers bring such rows up to date before listing (tracker.operations.requests.bring_up_to_date).
    stale_on: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The 2020 Neighborhood Tabulation Area the request is about, and the resident who asked.
    nta_code: Mapped[str | None] = mapped_column(String(10), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))

    agency: Mapped[Agency] = relationship()
    resident = relationship("Resident", foreign_keys=[resident_id])
    campaign: Mapped[Campaign | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    assignees: Mapped[list[User]] = relationship(secondary=request_assignees, order_by="User.email")
    tracking_numbers: Mapped[list[TrackingNumber]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="TrackingNumber.id"
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="(Event.occurred_on, Event.id)",
    )
    appeals: Mapped[list[Appeal]] = relationship(back_populates="request", order_by="Appeal.id")

    def __repr__(self) -> str:
        return f"<Request {self.reference}>"


class TrackingNumber(db.Model):
    """A number the agency gave the request (request and appeal numbers often differ)."""

    __tablename__ = "tracking_numbers"
    __table_args__ = (UniqueConstraint("request_id", "number"), one_of("kind", ("request", "appeal")))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="request")

    request: Mapped[Request] = relationship(back_populates="tracking_numbers")


class Event(db.Model):
    """One entry of a request's timeline: what happened, on which legal date, recorded by whom."""

    __tablename__ = "events"
    __table_args__ = (one_of("type", EVENT_TYPES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))

    request: Mapped[Request] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


APPEAL_OUTCOMES = ("pending", "granted", "denied", "constructively_denied", "withdrawn")


class Appeal(db.Model):
    """An administrative appeal under POL §89(4)(a), a record of its own."""

    __tablename__ = "appeals"
    __table_args__ = (one_of("outcome", APPEAL_OUTCOMES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    filed_on: Mapped[date]
    received_on: Mapped[date]
    decided_on: Mapped[date | None]
    outcome: Mapped[str] = mapped_column(String(30), default="pending")
    letter: Mapped[str] = mapped_column(Text, default="")
    filed_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[Request] = relationship(back_populates="appeals")


LITIGATION_OUTCOMES = ("pending", "granted", "granted_in_part", "dismissed", "settled", "withdrawn")


class Litigation(db.Model):
    """An Article 78 proceeding (CPLR 217(1): four months from the final determination)."""

    __tablename__ = "litigation"
    __table_args__ = (one_of("outcome", LITIGATION_OUTCOMES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caption: Mapped[str] = mapped_column(String(500))
    court: Mapped[str] = mapped_column(String(300), default="Supreme Court of the State of New York")
    index_number: Mapped[str] = mapped_column(String(100), default="")
    judge: Mapped[str] = mapped_column(String(200), default="")
    filed_on: Mapped[date | None]
    decided_on: Mapped[date | None]
    decision: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(30), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    requests: Mapped[list[Request]] = relationship(secondary=litigation_requests, order_by="Request.id")

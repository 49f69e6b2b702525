"""Agencies that receive requests, and campaigns that group requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.deadlines import CLOSURE_CALENDARS, calendar_closures
from tracker.extensions import db
from tracker.models.base import one_of, utcnow


class Agency(db.Model):
    __tablename__ = "agencies"
    __table_args__ = (one_of("closure_calendar", CLOSURE_CALENDARS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    jurisdiction: Mapped[str] = mapped_column(String(200), default="New York State")
    foil_email: Mapped[str] = mapped_column(String(320), default="")
    appeals_email: Mapped[str] = mapped_column(String(320), default="")
    appeals_officer: Mapped[str] = mapped_column(String(300), default="")
    appeals_address: Mapped[str] = mapped_column(Text, default="")
    portal_url: Mapped[str] = mapped_column(String(500), default="")
    # Regular expressions matching the agency's own tracking numbers, e.g. FOIL-\d{4}-056-\d{5}.
    tracking_patterns: Mapped[list] = mapped_column(JSON, default=list)
    # Further addresses (officer@agency.gov) and domains (records.nyc.gov) the agency writes from, besides
    # its FOIL and appeals addresses: mail matched by a reference or tracking number must come from these.
    senders: Mapped[list] = mapped_column(JSON, default=list)
    # ISO dates on which the agency was closed (a declared day of mourning, say): not business days for it.
    closure_days: Mapped[list] = mapped_column(JSON, default=list)
    # The days its own clocks are counted on: "statute" (GCL §24 holidays) or "nyc" (those and the city's
    # observed closures: the Friday before a holiday falling on a Saturday). The requester's clocks always
    # count the statute's days.
    closure_calendar: Mapped[str] = mapped_column(String(20), default="statute", server_default="statute")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def closures(self) -> frozenset[date]:
        """Every day the agency is closed beyond GCL §24, for its own clocks: its closure days, and on the
        "nyc" calendar the city's observed closures."""
        days = (date.fromisoformat(d) for d in (self.closure_days or ()))
        return calendar_closures(self.calendar, days)

    @property
    def calendar(self) -> str:
        """The agency's closure calendar ("statute" when not set)."""
        return self.closure_calendar or "statute"

    def __repr__(self) -> str:
        return f"<Agency {self.short_name}>"


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Lines printed at the top of the campaign's letters (name, address, email), one per line.
    letterhead: Mapped[str] = mapped_column(Text, default="")
    # The campaign's request letter with {{ placeholders }} (tracker.letter_language); empty: the default.
    request_template: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The public side: the address of its pages, the agency residents' requests go to, the
    # letter residents send (placeholders filled per neighborhood), and whether its pages are open.
    slug: Mapped[str | None] = mapped_column(String(100), unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    letter_template: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=False)
    # The licence the campaign's findings are published under as open data (an SPDX identifier).
    findings_licence: Mapped[str] = mapped_column(String(100), default="CC-BY-4.0")
    # The police precincts that serve each neighborhood, as the campaign knows them: {"BK0101": ["94"]}.
    precincts: Mapped[dict] = mapped_column(JSON, default=dict)

    agency: Mapped[Agency | None] = relationship()

    def __repr__(self) -> str:
        return f"<Campaign {self.name}>"

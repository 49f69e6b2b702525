"""The legal calendar day, in New York time: deadlines are counted in the agency's days, not UTC's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def legal_today() -> date:
    """Today's date in the configured time zone (America/New_York by default)."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def local(moment: datetime | None) -> datetime | None:
    """A stored UTC timestamp as an aware datetime in the configured time zone."""
    if moment is None:
        return None
    from datetime import UTC

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))

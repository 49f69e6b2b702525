"""People's search filters (agency and campaign by id or name, year, type) as the index's fields."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from search.parse import QueryError
from tracker.extensions import db
from tracker.models import Agency, Campaign, Request


def resolve_filters(filters: Mapping[str, object] | None) -> dict[str, object]:
    """People's filters (agency and campaign by id or name, year, type) as the engine's index fields.

    An agency is given by id, short name or full name; a campaign by id or name (case does not matter).
    Raises QueryError, with what to type instead, for a name that matches nothing or a bad year.
    """
    out: dict[str, object] = {}
    for name, raw in (filters or {}).items():
        value = str(raw).strip() if raw is not None else ""
        if not value:
            continue
        if name == "agency":
            out["agency_id"] = _agency_id(value)
        elif name == "campaign":
            out["campaign_id"] = _campaign_id(value)
        elif name == "year":
            if not (value.isdigit() and len(value) == 4):
                raise QueryError(f"“{value}” is not a year: use four digits, such as 2023.")
            out["year"] = value
        elif name in ("released_from", "released_to"):
            out[name] = _released_day(name, value)
        elif name == "request":
            out["request_id"] = _request_id(value)
        elif name in ("type", "media_type"):
            out["media_type"] = value.lower()
        elif name in ("kind", "agency_id", "campaign_id", "request_id", "document_id"):
            out[name] = value
        else:
            raise QueryError(f"There is no “{name}” filter: use agency, campaign, year, type, request, "
                             "released_from or released_to.")
    return out


def _agency_id(value: str) -> str:
    if value.isdigit():
        return value
    lowered = value.lower()
    found = db.session.scalar(db.select(Agency.id).where(
        db.or_(db.func.lower(Agency.short_name) == lowered, db.func.lower(Agency.name) == lowered)))
    if found is None:
        raise QueryError(f"No agency is called “{value}”: use its short name (such as NYPD), "
                         "its full name or its number.")
    return str(found)


def _released_day(name: str, value: str) -> str:
    """A release-date bound as an ISO date (YYYY-MM-DD), or a QueryError saying what to type."""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        label = "released from" if name == "released_from" else "released until"
        raise QueryError(f"“{value}” is not a date for {label}: use YYYY-MM-DD, such as 2021-03-01.") from None


def _request_id(value: str) -> str:
    """A request given by id or by our reference (FT-2024-00012)."""
    if value.isdigit():
        return value
    found = db.session.scalar(db.select(Request.id).where(db.func.upper(Request.reference) == value.upper()))
    if found is None:
        raise QueryError(f"No request has the reference “{value}”: use its reference or its number.")
    return str(found)


def _campaign_id(value: str) -> str:
    if value.isdigit():
        return value
    found = db.session.scalar(db.select(Campaign.id).where(db.func.lower(Campaign.name) == value.lower()))
    if found is None:
        raise QueryError(f"No campaign is called “{value}”: use its name or its number.")
    return str(found)

"""People's search filters (agency and campaign by id or name, year, type) as the index's fields."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from search.parse import Node, QueryError, parse
from tracker import permissions
from tracker.extensions import db
from tracker.models import Agency, Campaign, Request
from tracker.models.base import MAX_ID


class NoSuchRequest(QueryError):
    """A search within a request that does not exist or that the searcher may not open: the same answer
    for both (a 404 from the API, no results on the pages), so that a search never tells which request an
    internal record belongs to."""


def resolve_filters(filters: Mapping[str, object] | None, user=None) -> dict[str, object]:
    """People's filters (agency and campaign by id or name, year, type) as the engine's index fields.

    An agency is given by id, short name or full name; a campaign by id or name (case does not matter).
    Raises QueryError, with what to type instead, for a name that matches nothing or a bad year, and
    NoSuchRequest for a request `user` cannot open (when a user is given).
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
            out["request_id"] = _request_id(value, user)
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


def _request_id(value: str, user) -> str:
    """A request given by id or by our reference (FT-2024-00012), which `user` (if given) may open."""
    if value.isascii() and value.isdigit():
        found = db.session.get(Request, int(value)) if 0 < int(value) <= MAX_ID else None
    else:
        found = db.session.scalar(db.select(Request).where(db.func.upper(Request.reference) == value.upper()))
    if found is None or (user is not None and not permissions.can_see_request(user, found)):
        raise NoSuchRequest(f"There is no request “{value[:40]}” that you can see: use its reference or its "
                            "number.")
    return str(found.id)


def check_request_terms(q: str, user) -> None:
    """Refuse a query's `request:` terms naming a request `user` cannot open, as resolve_filters does."""
    pending = [parse(q)]
    while pending:
        node = pending.pop()
        if node.op == "field" and node.text == "request":
            pending.extend(_words(node.children[0], lambda value: _request_id(value, user)))
        else:
            pending.extend(node.children)


def _words(node: Node, check) -> list[Node]:
    """Check each word under a `request:` term (request:(12 OR 13) names two)."""
    if node.op in ("word", "prefix", "phrase"):
        check(node.text.strip())
        return []
    return list(node.children)


def _campaign_id(value: str) -> str:
    if value.isdigit():
        return value
    found = db.session.scalar(db.select(Campaign.id).where(db.func.lower(Campaign.name) == value.lower()))
    if found is None:
        raise QueryError(f"No campaign is called “{value}”: use its name or its number.")
    return str(found)

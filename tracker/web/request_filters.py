"""The request list's filters and sorting, read from the query string (the bulk page reuses them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from pydantic import ValidationError
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from tracker import permissions
from tracker.api.schemas import problems
from tracker.lifecycle import STATUSES
from tracker.models import Agency, Request, TrackingNumber
from tracker.models.requests import request_assignees
from tracker.web.forms import as_id, model_values
from tracker.web.schemas import RequestFilters

FILTER_NAMES = ("agency", "campaign", "nta", "status", "assignee", "window", "q", "sort")
WINDOWS = {
    "overdue": "Past due",
    "7": "Due within 7 days",
    "30": "Due within 30 days",
    "none": "No deadline running",
}
SORTS = {
    "deadline": ("Next deadline, soonest first", lambda: (Request.next_deadline_on.is_(None),
                                                           Request.next_deadline_on, Request.id)),
    "-deadline": ("Next deadline, latest first", lambda: (Request.next_deadline_on.is_(None),
                                                           Request.next_deadline_on.desc(), Request.id)),
    "newest": ("Newest first", lambda: (Request.id.desc(),)),
    "oldest": ("Oldest first", lambda: (Request.id,)),
    "agency": ("Agency", lambda: (Agency.short_name, Request.id)),
    "title": ("Title", lambda: (Request.title, Request.id)),
    "status": ("Status", lambda: (Request.status, Request.id)),
}


@dataclass
class Filters:
    """The filters as typed (to fill the form again), what was wrong with them, and the query they make."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def args(self, **changes) -> dict[str, str]:
        """The non-empty filters as query-string arguments, with `changes` applied."""
        merged = {**self.values, **changes}
        return {k: v for k, v in merged.items() if v not in (None, "")}


def _checked(args) -> dict[str, str]:
    """What is wrong with the filters, by field, as the API says it (tracker.web.schemas.RequestFilters)."""
    values = model_values(RequestFilters, args)
    if values.get("assignee") == "me":
        del values["assignee"]
    try:
        RequestFilters.model_validate(values)
    except ValidationError as exc:
        return problems(exc)
    return {}


def _int(filters: Filters, name: str, wrong: dict[str, str]) -> int | None:
    text = filters.values.get(name, "")
    if not text:
        return None
    if name in wrong or as_id(text) is None:
        filters.errors[name] = wrong.get(name) or f"Choose {name} from the list."
        return None
    return int(text)


def request_query(args, user, today: date) -> tuple[Select, Filters]:
    """A Select of the requests `user` may see that match the filters in `args`, sorted as asked."""
    filters = Filters({name: (args.get(name) or "").strip() for name in FILTER_NAMES})
    wrong = _checked(args)
    query = select(Request).join(Agency, Request.agency_id == Agency.id).options(
        selectinload(Request.agency), selectinload(Request.campaign), selectinload(Request.tracking_numbers))
    full = permissions.can(user, "request.view")
    if not full:
        query = query.where(Request.visibility == "public")
    agency_id = _int(filters, "agency", wrong)
    if agency_id is not None:
        query = query.where(Request.agency_id == agency_id)
    campaign_id = _int(filters, "campaign", wrong)
    if campaign_id is not None:
        query = query.where(Request.campaign_id == campaign_id)
    nta = filters.values["nta"].upper()
    if nta:
        from tracker.geo import find_neighborhood

        if find_neighborhood(nta) is None:
            filters.errors["nta"] = "Give a 2020 neighborhood code, e.g. BK0101."
        else:
            filters.values["nta"] = nta
            query = query.where(Request.nta_code == nta)
    status = filters.values["status"]
    if status:
        if status in STATUSES:
            query = query.where(Request.status == status)
        else:
            filters.errors["status"] = "Choose a status from the list."
    assignee = filters.values["assignee"]
    if assignee and full:
        user_id = user.id if assignee == "me" else _int(filters, "assignee", wrong)
        if user_id is not None:
            held = select(request_assignees.c.request_id).where(request_assignees.c.user_id == user_id)
            query = query.where(Request.id.in_(held))
    window = filters.values["window"]
    if window == "overdue":
        query = query.where(Request.next_deadline_on < today)
    elif window in ("7", "30"):
        query = query.where(Request.next_deadline_on >= today,
                            Request.next_deadline_on <= today + timedelta(days=int(window)))
    elif window == "none":
        query = query.where(Request.next_deadline_on.is_(None))
    elif window:
        filters.errors["window"] = "Choose a deadline window from the list."
    text = filters.values["q"]
    if text:
        like = f"%{text}%"
        numbers = select(TrackingNumber.request_id).where(TrackingNumber.number.ilike(like))
        query = query.where(or_(Request.title.ilike(like), Request.reference.ilike(like),
                                Request.id.in_(numbers)))
    sort = filters.values["sort"] or "deadline"
    if sort not in SORTS:
        filters.errors["sort"] = "Choose an order from the list."
        sort = "deadline"
    filters.values["sort"] = sort if filters.values["sort"] else ""
    return query.order_by(*SORTS[sort][1]()), filters

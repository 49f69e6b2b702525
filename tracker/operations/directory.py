"""Agencies and campaigns."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, or_, select

from tracker import audit
from tracker.deadlines import CLOSURE_CALENDARS
from tracker.extensions import db
from tracker.models import Agency, Campaign
from tracker.operations.errors import Conflict, Invalid, NotFound

AGENCY_FIELDS = ("name", "short_name", "jurisdiction", "foil_email", "appeals_email", "appeals_officer",
                 "appeals_address", "portal_url", "tracking_patterns", "closure_days", "senders", "closure_calendar")


def _clean_agency_fields(fields: dict) -> dict:
    unknown = set(fields) - set(AGENCY_FIELDS)
    if unknown:
        raise Invalid(f"unknown agency fields: {', '.join(sorted(unknown))}")
    clean = {}
    for key, value in fields.items():
        if key in ("tracking_patterns", "closure_days", "senders"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise Invalid(f"{key} must be a list of strings", field=key)
        elif value is None or not isinstance(value, str):
            raise Invalid(f"{key} must be text", field=key)
        else:
            value = value.strip()
        clean[key] = value
    for pattern in clean.get("tracking_patterns", []):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise Invalid(f"tracking pattern {pattern!r} is not a valid regular expression: {exc}",
                          field="tracking_patterns") from None
    if "senders" in clean:
        clean["senders"] = _clean_senders(clean["senders"])
    if "closure_calendar" in clean and clean["closure_calendar"] not in CLOSURE_CALENDARS:
        raise Invalid(f"closure_calendar must be one of {', '.join(CLOSURE_CALENDARS)} (statute: the General "
                      "Construction Law's holidays only; nyc: also the city's observed closures)",
                      code="invalid", field="closure_calendar")
    days = []
    for text in clean.get("closure_days", []):
        try:
            days.append(date.fromisoformat(text).isoformat())
        except ValueError:
            raise Invalid(f"closure day {text!r} is not a date written YYYY-MM-DD", field="closure_days") from None
    if "closure_days" in clean:
        clean["closure_days"] = sorted(set(days))
    return clean


def _clean_senders(entries: list[str]) -> list[str]:
    """Addresses and domains, lower-cased, checked and without duplicates."""
    from ingest.matching import sender_entry

    clean = []
    for text in entries:
        entry = sender_entry(text)
        if entry is None:
            raise Invalid(f"sender {text!r} is neither an email address nor a domain (records.nyc.gov)",
                          field="senders")
        if entry not in clean:
            clean.append(entry)
    return clean


def _short_name(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    initials = "".join(w[0] for w in words if w.lower() not in {"of", "the", "and", "for"}).upper()
    return initials[:40] or "AGENCY"


def same_name(column, value: str):
    """`column` holds `value`, case aside. SQLite's lower() folds ASCII only, so the exact value is
    compared too: otherwise "Î" would not find "Î" and the unique constraint would answer instead."""
    return or_(func.lower(column) == value.lower(), column == value)


def _refuse_duplicates(clean: dict, agency: Agency | None = None) -> None:
    """A Conflict when another agency already has this name or short name (case aside)."""
    for key in ("name", "short_name"):
        if key not in clean:
            continue
        query = select(Agency.id).where(same_name(getattr(Agency, key), clean[key]))
        if agency is not None:
            query = query.where(Agency.id != agency.id)
        if db.session.scalar(query.limit(1)) is not None:
            raise Conflict(f"an agency with the {key.replace('_', ' ')} {clean[key]!r} already exists",
                           code="duplicate", field=key)


def create_agency(actor=None, **fields) -> Agency:
    """Add an agency that requests can be filed with."""
    clean = _clean_agency_fields(fields)
    if not clean.get("name"):
        raise Invalid("an agency needs a name", field="name")
    clean.setdefault("short_name", _short_name(clean["name"]))
    if not clean["short_name"]:
        clean["short_name"] = _short_name(clean["name"])
    _refuse_duplicates(clean)
    agency = Agency(**clean)
    db.session.add(agency)
    db.session.flush()
    audit.record(actor, "agency.create", agency, changes=clean)
    return agency


def update_agency(agency: Agency, actor=None, **fields) -> Agency:
    """Change an agency's contacts, patterns or closure days."""
    clean = _clean_agency_fields(fields)
    if clean.get("name") == "" or clean.get("short_name") == "":
        raise Invalid("an agency needs a name and a short name", field="name" if clean.get("name") == "" else
                      "short_name")
    _refuse_duplicates(clean, agency)
    before = audit.snapshot(agency, clean)
    for key, value in clean.items():
        setattr(agency, key, value)
    db.session.flush()
    audit.record(actor, "agency.update", agency, changes=audit.diff(before, audit.snapshot(agency, clean)))
    # Closure days and the calendar move business-day deadlines: recompute the agency's requests.
    if "closure_days" in fields or "closure_calendar" in fields:
        from tracker.operations.requests import recompute_agency

        recompute_agency(agency)
    return agency


def create_campaign(name: str, description: str = "", actor=None) -> Campaign:
    """Start a campaign: a named group of requests."""
    name = (name or "").strip()
    if not name:
        raise Invalid("a campaign needs a name", field="name")
    if db.session.scalar(select(Campaign).where(same_name(Campaign.name, name))):
        raise Conflict(f"a campaign named {name!r} already exists", code="duplicate", field="name")
    campaign = Campaign(name=name, description=description)
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "campaign.create", campaign, changes={"name": name, "description": description})
    return campaign


def find_campaign(value, *, create: bool = False) -> Campaign:
    """A campaign by id or by name; with `create`, a new name starts a campaign."""
    if isinstance(value, Campaign):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        campaign = db.session.get(Campaign, value)
        if campaign is None:
            raise Invalid(f"there is no campaign {value}", code="unknown_campaign", field="campaign")
        return campaign
    if not isinstance(value, str) or not value.strip():
        raise Invalid("campaign must be a campaign id or name", field="campaign")
    campaign = db.session.scalar(select(Campaign).where(func.lower(Campaign.name) == value.strip().lower()))
    if campaign is None:
        if not create:
            raise NotFound(f"there is no campaign named {value!r}")
        campaign = create_campaign(value)
    return campaign

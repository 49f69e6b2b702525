"""A campaign's public side: its address (slug), the agency residents file with, their letter, openness."""

from __future__ import annotations

import re

from sqlalchemy import select

from tracker import audit, letter_language
from tracker.extensions import db
from tracker.models import Agency, Campaign
from tracker.operations.directory import create_campaign, same_name
from tracker.operations.errors import Conflict, Invalid
from tracker.operations.request_letters import check_template_field
from tracker.request_letter import FEE_ESTIMATE_REQUEST

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 100
# What the residents' letter may say as {{ placeholders }}; each is filled from the neighborhood and the resident.
PLACEHOLDERS = tuple(letter_language.placeholders("neighborhood"))
# The residents' letter: records (not answers to questions) for a date range, by email, with the fee rule,
# an offer to clarify, and the resident's postal address only when they chose to include it.
DEFAULT_LETTER = (
    "Under the New York Freedom of Information Law (Public Officers Law §§84-90), I request copies of the "
    "following records of your agency, created or in effect from January 1, 2016 through the date of this "
    "request, about the neighborhood of {{ neighborhood }}, {{ borough }} ({{ community_district }}"
    "{{ precincts }}; 2020 Neighborhood Tabulation Area {{ nta_code }}):\n\n"
    "1. records sufficient to show where each facial-recognition system, and each camera whose images are "
    "used with one, that your agency operates or has access to in that neighborhood is placed, and since "
    "when;\n"
    "2. the contracts, purchase orders and written policies that govern those systems and cameras.\n\n"
    "Please provide the records in electronic form, by email in reply to this message. "
    + FEE_ESTIMATE_REQUEST + "\n\n"
    "If any record is withheld in whole or in part, please cite the exemption under Public Officers Law "
    "§87(2) for each withholding and release every reasonably segregable part. If any part of this request "
    "is unclear, please contact me and I will clarify it.\n\n"
    "Sincerely,\n{{ resident_name }}\n{{ postal_address }}"
)
FIELDS = ("name", "description", "slug", "agency_id", "letter_template", "public", "findings_licence", "precincts")
# A licence is named by its SPDX identifier (CC-BY-4.0, CC0-1.0, ODbL-1.0, ...).
LICENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]{0,99}")


def _check_slug(value, campaign: Campaign | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_SLUG or not SLUG.fullmatch(value):
        raise Invalid("slug is lower-case letters, digits and single hyphens, e.g. ban-the-scan", field="slug")
    taken = db.session.scalar(select(Campaign).where(Campaign.slug == value))
    if taken is not None and taken is not campaign:
        raise Conflict(f"another campaign already has the slug {value!r}", code="duplicate", field="slug")
    return value


def update_campaign(campaign: Campaign, actor=None, **changes) -> Campaign:
    """Change a campaign's name, description, slug, agency, letter template, public flag or findings licence."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise Invalid(f"these fields cannot be set: {', '.join(sorted(unknown))}")
    before = audit.snapshot(campaign, FIELDS)
    if "name" in changes:
        name = changes["name"]
        if not isinstance(name, str) or not name.strip():
            raise Invalid("a campaign needs a name", field="name")
        other = db.session.scalar(select(Campaign).where(same_name(Campaign.name, name.strip())))
        if other is not None and other is not campaign:
            raise Conflict(f"a campaign named {name.strip()!r} already exists", code="duplicate", field="name")
        campaign.name = name.strip()
    if "description" in changes:
        if not isinstance(changes["description"], str):
            raise Invalid("description must be text", field="description")
        campaign.description = changes["description"]
    if "slug" in changes:
        campaign.slug = _check_slug(changes["slug"], campaign)
    if "agency_id" in changes:
        value = changes["agency_id"]
        if value is None:
            campaign.agency = None
        else:
            agency = db.session.get(Agency, value) if isinstance(value, int) and not isinstance(value, bool) \
                and 0 < value < 2**63 else None
            if agency is None:
                raise Invalid(f"there is no agency {value!r}", code="unknown_agency", field="agency_id")
            campaign.agency = agency
    if "letter_template" in changes:
        campaign.letter_template = check_template_field("neighborhood", changes["letter_template"],
                                                       "letter_template")
    if "public" in changes:
        if not isinstance(changes["public"], bool):
            raise Invalid("public must be true or false", field="public")
        campaign.public = changes["public"]
    if "findings_licence" in changes:
        value = changes["findings_licence"]
        if not isinstance(value, str) or not LICENCE.fullmatch(value.strip()):
            raise Invalid("findings_licence is a licence's SPDX identifier, e.g. CC-BY-4.0 or CC0-1.0",
                          field="findings_licence")
        campaign.findings_licence = value.strip()
    if "precincts" in changes:
        campaign.precincts = check_precincts(changes["precincts"])
    if campaign.public and campaign.slug is None:
        raise Invalid("a public campaign needs a slug (the address of its public pages)", field="slug")
    db.session.flush()
    audit.record(actor, "campaign.update", campaign, changes=audit.diff(before, audit.snapshot(campaign, FIELDS)))
    return campaign


def create_public_campaign(actor=None, *, name: str, **fields) -> Campaign:
    """Start a campaign with its public-side settings in one step (the API's POST)."""
    description = fields.pop("description", "") or ""
    if not isinstance(name, str) or not isinstance(description, str):
        raise Invalid("name and description must be text", field="name" if not isinstance(name, str)
                      else "description")
    campaign = create_campaign(name, description, actor)
    return update_campaign(campaign, actor, **fields)


def campaign_by_slug(slug: str) -> Campaign | None:
    """The campaign with this slug, public or not, or None."""
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug))


def public_campaign(slug: str) -> Campaign | None:
    """The public campaign with this slug, or None (unknown or not public)."""
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug, Campaign.public.is_(True)))


MAX_PRECINCTS = 10  # per neighborhood; New York City has 77 precincts, a neighborhood a few at most
PRECINCT = re.compile(r"[0-9]{1,3}(?:st|nd|rd|th)?|[A-Za-z][A-Za-z .'-]{0,38}")


def check_precincts(value) -> dict[str, list[str]]:
    """The police precincts per neighborhood ({"BK0101": ["94"]}), or Invalid naming what is wrong."""
    from tracker.geo import find_neighborhood

    if not isinstance(value, dict) or len(value) > 400:
        raise Invalid("precincts maps neighborhood codes to lists of precincts, e.g. {\"BK0101\": [\"94\"]}",
                      field="precincts")
    cleaned: dict[str, list[str]] = {}
    for code, numbers in value.items():
        place = find_neighborhood(code) if isinstance(code, str) else None
        if place is None:
            raise Invalid(f"precincts: {str(code)[:20]!r} is not a 2020 neighborhood code", field="precincts")
        if not isinstance(numbers, list) or len(numbers) > MAX_PRECINCTS or not all(
                isinstance(n, str | int) and not isinstance(n, bool) and PRECINCT.fullmatch(str(n).strip())
                for n in numbers):
            raise Invalid(f"precincts of {place.code}: a list of at most {MAX_PRECINCTS} precincts, each a number "
                          "such as 94 or a name such as Midtown South", field="precincts")
        cleaned[place.code] = [str(n).strip() for n in numbers]
    return cleaned


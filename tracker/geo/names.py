"""Finding a neighborhood by the name people use, ignoring case, accents and punctuation.

The 2020 NTA names are the city planners' ("Bedford-Stuyvesant (East)"); people say "Bed-Stuy". A query
matches an NTA when, once both are normalized, it is the NTA's code, one of the names in ALIASES, or a run
of whole words of the NTA's name ("cobble hill" finds "Carroll Gardens-Cobble Hill-Gowanus-Red Hook").
"""

from __future__ import annotations

import re
import unicodedata

from tracker.geo.boundaries import Neighborhood, neighborhoods

# Names in common use that the NTA names do not contain (or contain only in part), with the 2020 NTA codes
# they cover. A test checks that every code is a residential NTA.
ALIASES: dict[str, tuple[str, ...]] = {
    "bed stuy": ("BK0301", "BK0302"),
    "bedstuy": ("BK0301", "BK0302"),
    "dumbo": ("BK0202",),
    "vinegar hill": ("BK0202",),
    "williamsburg": ("BK0102", "BK0103", "BK0104"),
    "bushwick": ("BK0401", "BK0402"),
    "boro park": ("BK1202", "BK1201"),
    "plg": ("BK0902",),
    "little odessa": ("BK1303",),
    "hells kitchen": ("MN0402",),
    "clinton": ("MN0402",),
    "spanish harlem": ("MN1101", "MN1102"),
    "el barrio": ("MN1101", "MN1102"),
    "harlem": ("MN1001", "MN1002", "MN0902"),
    "central harlem": ("MN1001", "MN1002"),
    "alphabet city": ("MN0303",),
    "loisaida": ("MN0303",),
    "les": ("MN0302",),
    "chinatown": ("MN0301",),
    "soho": ("MN0201",),
    "nolita": ("MN0201",),
    "tribeca": ("MN0102",),
    "fidi": ("MN0101",),
    "the village": ("MN0202", "MN0203"),
    "meatpacking district": ("MN0203", "MN0401"),
    "stuy town": ("MN0601",),
    "stuytown": ("MN0601",),
    "nomad": ("MN0501",),
    "koreatown": ("MN0501",),
    "theater district": ("MN0502",),
    "uws": ("MN0701", "MN0702", "MN0703"),
    "ues": ("MN0801", "MN0802", "MN0803"),
    "washington heights": ("MN1201", "MN1202"),
    "wash heights": ("MN1201", "MN1202"),
    "lic": ("QN0201", "QN0105"),
    "long island city": ("QN0201", "QN0105"),
    "the rockaways": ("QN1401", "QN1402", "QN1403"),
    "rockaway": ("QN1401", "QN1402", "QN1403"),
    "south bronx": ("BX0101", "BX0102", "BX0201", "BX0202", "BX0301", "BX0302", "BX0303"),
    "coop city": ("BX1004",),
}
_CODE = re.compile(r"[a-z]{2}\d{4}")
_WORDS = {"saint": "st", "mount": "mt", "and": "&"}


def normalize(text: str) -> str:
    """Lower case, no accents, apostrophes dropped, other punctuation as spaces: "Hell’s Kitchen" ->
    "hells kitchen", "BED-STUY" -> "bed stuy", "St. George" -> "st george"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"['’‘`´]", "", plain)
    words = re.sub(r"[^\w&]+|_", " ", plain).split()
    return " ".join(_WORDS.get(word, word) for word in words)


def places_named(query: str) -> list[Neighborhood]:
    """Every NTA (residential or not) the query names, best first: the code, an alias, then whole words of
    the NTA's name (exact names first); empty when nothing matches."""
    wanted = normalize(query)
    if len(wanted.replace(" ", "")) < 2:
        return []
    known = neighborhoods()
    if _CODE.fullmatch(wanted.replace(" ", "")):
        place = known.get(wanted.replace(" ", "").upper())
        return [place] if place else []
    found: dict[str, tuple[int, Neighborhood]] = {}
    compact = wanted.replace(" ", "")
    for alias, codes in ALIASES.items():
        if alias == wanted or alias.replace(" ", "") == compact:
            for code in codes:
                found.setdefault(code, (1, known[code]))
    for place in known.values():
        name = normalize(place.name)
        if name == wanted or name.replace(" ", "") == compact:
            found[place.code] = (0, place)
        elif f" {wanted} " in f" {name} ":
            found.setdefault(place.code, (2, place))
    ranked = sorted(found.values(), key=lambda item: (item[0], item[1].borough, item[1].name))
    return [place for _rank, place in ranked]


def aliases_of(code: str) -> list[str]:
    """The names in ALIASES that cover this NTA (for the list filter on the map pages)."""
    return [alias for alias, codes in ALIASES.items() if code in codes]

"""Reading a file of findings to import: CSV (latitude and longitude, or a neighborhood code, per line) or
GeoJSON points. Pure: no Flask, no database. Every problem is reported with its line (CSV) or feature
(GeoJSON) number, all at once, so a file is fixed in one go and nothing is imported from a bad one."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tracker.models.findings import FINDING_KINDS

MAX_PROBLEMS = 50  # reported at most; the file is refused whatever the number


@dataclass(frozen=True)
class Row:
    """One finding to import, as read: where it was in the file and what it says."""

    where: str  # "line 12" or "feature 3"
    kind: str
    latitude: float | None
    longitude: float | None
    nta_code: str
    quote: str
    period_start: date | None
    period_end: date | None
    source_url: str


class BadFile(ValueError):
    """A file that cannot be imported; `problems` lists each bad line and why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:MAX_PROBLEMS]))
        self.problems = problems


def _number(value, what: str, low: float, high: float) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} {value!r} is not a number") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{what} {value!r} is not between {low:g} and {high:g}")
    return number


def _day(value, what: str) -> date | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a date written YYYY-MM-DD") from None


def _row(where: str, fields: dict, default_kind: str | None) -> Row:
    kind = (str(fields.get("kind") or "").strip() or default_kind or "")
    if kind not in FINDING_KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(FINDING_KINDS)}" if kind
                         else "no kind (add a kind column, or give --kind)")
    lat = _number(fields.get("latitude"), "latitude", -90, 90)
    lon = _number(fields.get("longitude"), "longitude", -180, 180)
    nta = str(fields.get("nta_code") or fields.get("nta") or "").strip().upper()
    if (lat is None) != (lon is None):
        raise ValueError("a point needs both latitude and longitude")
    if lat is None and not nta:
        raise ValueError("no place: give latitude and longitude, or nta_code")
    if lat is not None and nta:
        raise ValueError("give latitude and longitude or nta_code, not both")
    start, end = _day(fields.get("period_start"), "period_start"), _day(fields.get("period_end"), "period_end")
    if start and end and start > end:
        raise ValueError("period_end is before period_start")
    return Row(where, kind, lat, lon, nta, " ".join(str(fields.get("quote") or "").split()), start, end,
               str(fields.get("source_url") or "").strip())


def _csv_rows(text: str, default_kind: str | None):
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise BadFile(["line 1: the file is empty (expected a header line)"])
    names = {n.strip().lower() for n in reader.fieldnames if n}
    if not ({"latitude", "longitude"} <= names or names & {"nta_code", "nta"}):
        raise BadFile(["line 1: the header needs latitude and longitude columns, or nta_code"])
    line = 1
    for record in reader:
        where = f"line {line + 1}"  # the line this record started on (records may span lines)
        line = reader.line_num
        if None in record:
            yield where, None, "more fields than the header names"
            continue
        yield where, {k.strip().lower(): v for k, v in record.items() if k}, None


def _geojson_rows(text: str):
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadFile([f"line {getattr(exc, 'lineno', 1)}: not valid JSON ({exc})"]) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise BadFile(["the GeoJSON is not a FeatureCollection with a list of features"])
    for n, feature in enumerate(data["features"], start=1):
        where = f"feature {n}"
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point" or not isinstance(
                geometry.get("coordinates"), list) or len(geometry["coordinates"]) < 2:
            yield where, None, "not a Point feature with coordinates"
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            yield where, None, "properties is not an object"
            continue
        lon, lat = geometry["coordinates"][:2]
        yield where, {**props, "longitude": lon, "latitude": lat}, None


def read_findings(path: Path, default_kind: str | None = None) -> list[Row]:
    """Every row of a CSV or GeoJSON file of findings; BadFile listing every bad line otherwise."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile([f"the file is not UTF-8 text (byte {exc.start})"]) from None
    geojson = Path(path).suffix.lower() in (".geojson", ".json") or text.lstrip().startswith("{")
    records = _geojson_rows(text) if geojson else _csv_rows(text, default_kind)
    rows, problems = [], []
    for where, fields, problem in records:
        if problem is None:
            try:
                rows.append(_row(where, fields, default_kind))
                continue
            except ValueError as exc:
                problem = str(exc)
        problems.append(f"{where}: {problem}")
    if problems:
        raise BadFile(problems)
    if not rows:
        raise BadFile(["the file holds no findings"])
    return rows

"""What the records say, on the public side: a neighborhood's verified findings, the map's findings layer,
and the campaign's findings as open data (GeoJSON and CSV, under the licence the campaign chose).

Only public findings appear here: verified by a second person, and citing a public page or an outside
source (tracker.permissions.finding_is_public). Routes are added to the public blueprint.
"""

from __future__ import annotations

import csv
import io
import json

from flask import Response, current_app, url_for

from tracker import geo
from tracker.models.findings import KIND_LABELS
from tracker.operations.findings import findings_by_neighborhood, public_findings
from tracker.public import bp
from tracker.public.views import campaign_or_404

# The findings layer's classes, by how many findings a neighborhood has: none, one, a few, many.
LEVELS = (("f0", 0, "No verified findings"), ("f1", 1, "1 finding"), ("f2", 2, "2 to 4 findings"),
          ("f3", 5, "5 findings or more"))
CSV_COLUMNS = ("id", "kind", "quote", "citation", "link", "nta_codes", "neighborhoods", "latitude", "longitude",
               "period_start", "period_end", "licence")


def level(count: int) -> str:
    """The findings layer's class of a neighborhood with `count` findings."""
    return [name for name, least, _label in LEVELS if count >= least][-1]


def _absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def citation(finding) -> tuple[str, str, str]:
    """(what the finding cites, in words; a link to it; the link within this site, or "") for the public."""
    if finding.document_id is not None:
        words = f"{finding.document.filename}, page {finding.page}"
        path = url_for("public.document", document_id=finding.document_id, page=finding.page)
        return words, _absolute(path), path
    return finding.source, finding.source_url, ""


def finding_view(finding) -> dict:
    """What the public pages and the open data show of one public finding."""
    words, link, path = citation(finding)
    places = [geo.find_neighborhood(code) for code in finding.nta_codes or []]
    return {
        "id": finding.id, "kind": finding.kind, "kind_label": KIND_LABELS[finding.kind], "quote": finding.quote,
        "citation": words, "link": link, "path": path, "nta_codes": list(finding.nta_codes or []),
        "neighborhoods": [f"{p.name}, {p.borough}" for p in places if p], "place_label": finding.place_label,
        "latitude": finding.latitude, "longitude": finding.longitude,
        "period_start": finding.period_start.isoformat() if finding.period_start else None,
        "period_end": finding.period_end.isoformat() if finding.period_end else None,
    }


def neighborhood_findings(campaign_id: int, code: str) -> list[dict]:
    """The public findings placed in one neighborhood (for its page)."""
    return [finding_view(f) for f in public_findings(campaign_id, code)]


def findings_layer(campaign_id: int) -> dict:
    """The map's findings layer: each neighborhood's level and count, and the rows of its table."""
    counts = findings_by_neighborhood(campaign_id)
    places = geo.neighborhoods()
    rows = sorted(((places[code], n) for code, n in counts.items() if code in places),
                  key=lambda row: (-row[1], row[0].borough, row[0].name))
    return {"levels": {code: level(n) for code, n in counts.items()}, "rows": rows, "legend": LEVELS}


@bp.get("/<slug>/findings.geojson")
def findings_geojson(slug: str):
    """The campaign's public findings as GeoJSON: points where a finding has one, otherwise no geometry
    and the neighborhoods' codes; each with its citation and link, under the campaign's licence."""
    found = campaign_or_404(slug)
    features = []
    for finding in public_findings(found.id):
        view = finding_view(finding)
        geometry = None
        if finding.latitude is not None and finding.longitude is not None:
            geometry = {"type": "Point", "coordinates": [finding.longitude, finding.latitude]}
        features.append({"type": "Feature", "id": finding.id, "geometry": geometry, "properties": view})
    body = {"type": "FeatureCollection", "name": f"{found.name}: findings", "licence": found.findings_licence,
            "features": features}
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/geo+json",
                    headers={"Content-Disposition": f'inline; filename="{found.slug}-findings.geojson"'})


@bp.get("/<slug>/findings.csv")
def findings_csv(slug: str):
    """The campaign's public findings as CSV, one line each, with citation, link and licence."""
    found = campaign_or_404(slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for finding in public_findings(found.id):
        view = finding_view(finding)
        view["nta_codes"] = " ".join(view["nta_codes"])
        view["neighborhoods"] = "; ".join(view["neighborhoods"])
        view["licence"] = found.findings_licence
        view.pop("path")
        writer.writerow(["" if view[c] is None else view[c] for c in CSV_COLUMNS])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{found.slug}-findings.csv"'})


def init_app(app) -> None:
    """Offer the neighborhood page and the map their findings (used by the findings partials)."""
    app.add_template_global(neighborhood_findings, "neighborhood_findings")
    app.add_template_global(findings_layer, "findings_layer")

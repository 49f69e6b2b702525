"""`foiltrack findings import`: 10,000 points each placed in the right neighborhood (checked against
shapely on the same boundaries, computed here another way), a progress bar, and a bad line that stops
everything and is named."""

from __future__ import annotations

import csv
import json
import re
import time

import numpy as np
import pytest
from sqlalchemy import func, select

from tests.public_support import campaign  # noqa: F401 - fixture

SOURCE = "Amnesty International, Decode Surveillance NYC (2021)"


def _expected_codes(longitudes, latitudes) -> list[str | None]:
    """Each point's NTA by testing every neighborhood's polygon with shapely.contains_xy (no tree)."""
    import shapely
    from shapely.geometry import shape

    from tracker.geo.boundaries import read_layer

    found: list[str | None] = [None] * len(longitudes)
    for feature in sorted(read_layer("neighborhood_tabulation_area")["features"],
                          key=lambda f: f["properties"]["nta2020"], reverse=True):
        inside = shapely.contains_xy(shape(feature["geometry"]), longitudes, latitudes)
        for i in np.flatnonzero(inside):
            found[i] = feature["properties"]["nta2020"]
    return found


@pytest.fixture(scope="module")
def ten_thousand_points():
    """10,000 random points that lie inside some neighborhood, with the neighborhood each lies in."""
    rng = np.random.default_rng(20261208)
    lons = rng.uniform(-74.25, -73.70, 32_000).round(7)  # as the file writes them
    lats = rng.uniform(40.50, 40.91, 32_000).round(7)
    codes = _expected_codes(lons, lats)
    kept = [(lon, lat, code) for lon, lat, code in zip(lons, lats, codes, strict=True) if code][:10_000]
    assert len(kept) == 10_000
    return kept


def _count(model_filter=None):
    from tracker.extensions import db
    from tracker.models import Finding

    query = select(func.count()).select_from(Finding)
    return db.session.scalar(query.where(model_filter) if model_filter is not None else query)


def test_ten_thousand_points_land_in_their_neighborhoods(runner, campaign, ten_thousand_points,  # noqa: F811
                                                          tmp_path):
    from tracker.extensions import db
    from tracker.models import AuditEntry, Finding

    path = tmp_path / "cameras.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["latitude", "longitude", "kind", "quote", "period_start"])
        for n, (lon, lat, _code) in enumerate(ten_thousand_points):
            writer.writerow([f"{lat:.7f}", f"{lon:.7f}", "camera", f"camera {n}", "2021-06-01"])
    started = time.monotonic()
    result = runner.invoke(args=["findings", "import", str(path), "--campaign", "ban-the-scan", "--source", SOURCE])
    took = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert took < 30, f"the import took {took:.1f} s"
    assert "placing findings: 100%" in result.stderr and "10000/10000" in result.stderr  # tqdm's bar
    assert re.search(r"Imported 10000 findings into \d+ neighborhoods as batch \w+", result.stdout)

    db.session.expire_all()
    findings = db.session.scalars(select(Finding).order_by(Finding.id)).all()
    assert len(findings) == 10_000
    wrong = [(f.quote, f.nta_codes, code) for f, (_lon, _lat, code) in zip(findings, ten_thousand_points,
                                                                           strict=True) if f.nta_codes != [code]]
    assert wrong == []
    assert all(f.source == SOURCE and f.verified_at is None for f in findings)
    assert len({f.batch for f in findings}) == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "finding.import"))
    assert entry.changes["findings"] == 10_000 and entry.actor_kind == "cli"


def test_one_bad_line_imports_nothing_and_is_named(runner, campaign, tmp_path):  # noqa: F811
    path = tmp_path / "cameras.csv"
    path.write_text("latitude,longitude,kind,quote\n"
                    "40.7295,-73.9510,camera,first\n"
                    "40.7295,-73.9510,camera,second\n"
                    "40.72x,-73.9510,camera,third\n"
                    "40.7295,-73.9510,camera,fourth\n")
    result = runner.invoke(args=["findings", "import", str(path), "--campaign", "ban-the-scan", "--source", SOURCE])
    assert result.exit_code == 1
    assert "nothing imported" in result.output and "line 4: latitude '40.72x' is not a number" in result.output
    assert _count() == 0


def test_a_point_in_the_water_is_named_and_nothing_is_imported(runner, campaign, tmp_path):  # noqa: F811
    path = tmp_path / "cameras.csv"
    path.write_text("latitude,longitude,kind\n40.7295,-73.9510,camera\n40.6900,-74.0300,camera\n")
    result = runner.invoke(args=["findings", "import", str(path), "--campaign", "ban-the-scan", "--source", SOURCE])
    assert result.exit_code == 1
    assert "line 3: the point 40.69, -74.03 is in no neighborhood of New York City" in result.output
    assert _count() == 0


@pytest.mark.parametrize("text, problem", [
    ("latitude,longitude\n40.7295,-73.9510\n", "line 2: no kind"),
    ("latitude,longitude,kind\n40.7295,,camera\n", "line 2: a point needs both latitude and longitude"),
    ("nta_code,kind\nZZ9999,camera\n", "line 2: 'ZZ9999' is not a 2020 neighborhood (NTA) code"),
    ("nta_code,kind\nBK0101,drone\n", "line 2: kind 'drone' is not one of"),
    ("nta_code,kind,period_start,period_end\nBK0101,camera,2021-05-01,2020-01-01\n",
     "line 2: period_end is before period_start"),
    ("name,kind\nx,camera\n", "line 1: the header needs latitude and longitude columns, or nta_code"),
    ("", "line 1: the file is empty"),
])
def test_bad_files_say_what_is_wrong(runner, campaign, tmp_path, text, problem):  # noqa: F811
    path = tmp_path / "findings.csv"
    path.write_text(text)
    result = runner.invoke(args=["findings", "import", str(path), "--campaign", "ban-the-scan", "--source", SOURCE])
    assert result.exit_code == 1
    assert problem in result.output
    assert _count() == 0


def test_geojson_points_and_a_dry_run(runner, campaign, tmp_path):  # noqa: F811
    path = tmp_path / "cameras.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-73.9510, 40.7295]},
         "properties": {"kind": "camera", "quote": "camera on the corner", "source_url": "https://example.org/1"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-73.9855, 40.7580]},
         "properties": {"kind": "facial_recognition_system"}},
    ]}))
    dry = runner.invoke(args=["findings", "import", str(path), "--campaign", "ban-the-scan", "--source", SOURCE,
                              "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 2 findings would be imported into 2 neighborhoods; nothing was imported." in dry.stdout
    assert _count() == 0
    done = runner.invoke(args=["findings", "import", str(path), "--campaign", "ban-the-scan", "--source", SOURCE])
    assert done.exit_code == 0, done.output
    assert _count() == 2


def test_an_unknown_campaign_is_refused(runner, tmp_path):
    path = tmp_path / "findings.csv"
    path.write_text("nta_code,kind\nBK0101,camera\n")
    result = runner.invoke(args=["findings", "import", str(path), "--campaign", "nope", "--source", SOURCE])
    assert result.exit_code == 1 and "there is no campaign with the slug 'nope'" in result.output


def test_a_lawyer_verifies_an_imported_batch_at_once_and_then_it_is_public(runner, campaign, api_as, client,  # noqa: F811
                                                                           tmp_path, app):
    app.config["PUBLIC_PORTAL"] = True
    path = tmp_path / "findings.csv"
    path.write_text("nta_code,kind,quote\nBK0101,camera,one\nBK0102,camera,two\n")
    assert runner.invoke(args=["findings", "import", str(path), "--campaign", "ban-the-scan",
                               "--source", SOURCE]).exit_code == 0
    assert client.get("/api/v1/findings").get_json()["total"] == 0
    lawyer = api_as("lawyer")
    batch = lawyer.get("/api/v1/findings").get_json()["items"][0]["batch"]
    assert api_as("researcher").post("/api/v1/findings/verify-batch", json={
        "campaign_id": campaign.id, "batch": batch}).status_code == 403
    done = lawyer.post("/api/v1/findings/verify-batch", json={"campaign_id": campaign.id, "batch": batch})
    assert done.status_code == 200 and done.get_json()["verified"] == 2
    public = client.get("/api/v1/findings").get_json()
    assert public["total"] == 2 and {f["source"] for f in public["items"]} == {SOURCE}
    from tracker.models import AuditEntry

    entry = app.extensions["sqlalchemy"].session.scalar(
        select(AuditEntry).where(AuditEntry.action == "finding.verify_batch"))
    assert entry.actor_label == lawyer.user.email and entry.changes == {"batch": batch, "verified": 2}

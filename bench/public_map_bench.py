"""The public map page: its size with all 262 neighborhoods, and its time with 1,000 requests on the map.

    python bench/public_map_bench.py [--requests 1000] [--calls 1000] [--database-url URL]

Files `--requests` residents' requests of a public campaign across the residential neighborhoods, with
histories that put neighborhoods in every state of the legend, then GETs /public/<slug>/ `--calls` times
through the WSGI app (as gunicorn would call it), asking for compression as browsers do. Prints the page
size (goal: <= 300 KB), the bytes the app actually serves to a browser that accepts gzip and to one that
accepts brotli (goal: <= 60 KB over the wire), the p50/p95 time in milliseconds (goal: p95 <= 100 ms), and
a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from benchapp import migrated_app  # noqa: E402

from tracker import deadlines  # noqa: E402
from tracker.clock import legal_today  # noqa: E402

HISTORIES = [
    [],
    [(4, "acknowledged")],
    [(4, "acknowledged"), (15, "denied")],
    [(3, "acknowledged"), (12, "partially_granted"), (13, "records_released")],
    [(4, "acknowledged"), (15, "denied"), (20, "appeal_filed")],
    [(2, "granted"), (3, "records_released")],
]


def load(app, count: int, seed: int = 12) -> str:
    """A public campaign with `count` requests spread over the residential neighborhoods; returns its slug."""
    from tracker.dispatch import commit
    from tracker.geo import residential
    from tracker.operations import create_agency, create_user, file_request, record_event
    from tracker.operations.campaigns import create_public_campaign

    rng = random.Random(seed)
    places = residential()
    with app.app_context():
        lawyer = create_user("bench@example.org", "lawyer", password="bench password 1")
        agency = create_agency(lawyer, name="New York City Police Department", short_name="NYPD",
                               foil_email="foil@nypd.example.org")
        campaign = create_public_campaign(lawyer, name="Ban the Scan", slug="ban-the-scan", agency_id=agency.id,
                                          public=True)
        commit()
        today = legal_today()  # New York's date: events may not be dated after it
        start = today - timedelta(days=200)
        for n in range(count):
            place = places[n % len(places)] if n < len(places) else rng.choice(places)
            received = deadlines.next_business_day(start + timedelta(days=rng.randrange(190)))
            request = file_request(lawyer, agency, f"Facial recognition in {place.name} ({place.code})",
                                   "All records.", received_on=received, campaign=campaign, visibility="public")
            request.nta_code = place.code  # as the residents' generator files them
            for offset, kind in rng.choice(HISTORIES):
                day = deadlines.add_business_days(received, offset)
                if day > today:
                    break
                data = {"records_released": {"pages": 10}, "appeal_filed": {"filed_by": "post"}}.get(kind, {})
                record_event(request, kind, day, lawyer, data)
            if n % 250 == 249:
                commit()
                print(f"  loaded {n + 1}/{count}", file=sys.stderr)
        commit()
        return campaign.slug


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    app = migrated_app(args.database_url, PUBLIC_PORTAL=True)
    from tracker.geo import neighborhoods

    began = time.perf_counter()
    neighborhoods()  # read and simplified once per process
    simplify_ms = (time.perf_counter() - began) * 1000
    slug = load(app, args.requests)
    client = app.test_client()
    url = f"/public/{slug}/"
    began = time.perf_counter()
    first = client.get(url)
    first_ms = (time.perf_counter() - began) * 1000
    assert first.status_code == 200
    body = first.get_data()
    shapes = body.count(b"data-nta=")
    served = {}
    for encoding in ("gzip", "br"):
        response = client.get(url, headers={"Accept-Encoding": encoding})
        assert response.headers.get("Content-Encoding") == encoding, "the map page was served uncompressed"
        served[encoding] = len(response.get_data())
    samples = []
    for _ in range(args.calls):
        began = time.perf_counter()
        response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})  # as browsers ask
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    samples.sort()
    results = {
        "requests": args.requests, "calls": args.calls, "shapes": shapes,
        "page_kb": round(len(body) / 1024, 1), "served_gzip_kb": round(served["gzip"] / 1024, 1),
        "served_br_kb": round(served["br"] / 1024, 1),
        "simplify_ms": round(simplify_ms, 1), "first_ms": round(first_ms, 1),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
    }
    print(f"map page: {results['page_kb']} KB, {shapes} neighborhoods (goal <= 300 KB); served "
          f"{results['served_gzip_kb']} KB with gzip, {results['served_br_kb']} KB with brotli (goal <= 60 KB)")
    print(f"boundaries read and simplified once per process: {results['simplify_ms']} ms; "
          f"first view {results['first_ms']} ms")
    print(f"{args.calls} views with {args.requests} requests: p50 {results['p50_ms']} ms, "
          f"p95 {results['p95_ms']} ms (goal p95 <= 100 ms)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()

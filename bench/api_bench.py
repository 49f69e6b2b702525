"""Load 10,000 requests with events, then time the request list API and one request's GET.

    python bench/api_bench.py [--requests 10000] [--calls 300] [--database-url URL]

Prints p50/p95 in milliseconds for each endpoint (through the WSGI app, as gunicorn would call it), and a
final JSON line. The target is p95 <= 50 ms for both.
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

HISTORIES = [
    [],
    [(4, "acknowledged")],
    [(4, "acknowledged"), (15, "denied")],
    [(3, "acknowledged"), (12, "partially_granted"), (13, "records_released")],
    [(4, "acknowledged"), (15, "denied"), (20, "appeal_filed")],
    [(4, "acknowledged"), (15, "denied"), (20, "appeal_filed"), (28, "appeal_denied")],
    [(2, "granted"), (3, "records_released"), (5, "closed")],
]


def load(app, count: int, seed: int = 7) -> None:
    """File `count` requests through the operations layer, with realistic event histories.

    Dates count from New York's legal day (the app's TIMEZONE), as the operations judge "in the
    future"; the machine's own date is a day ahead every evening in New York. Everything is one unit of
    work: a failure part-way commits nothing.
    """
    from tracker.clock import legal_today
    from tracker.dispatch import commit, rollback
    from tracker.extensions import db
    from tracker.models import Agency, Campaign, User
    from tracker.operations import create_agency, create_campaign, create_user, file_request, record_event

    rng = random.Random(seed)
    with app.app_context():
        try:
            today = legal_today()
            lawyer = create_user("bench@example.org", "lawyer", password="bench password 1")
            agencies = [create_agency(lawyer, name=f"Agency {n}", short_name=f"AG{n}",
                                      tracking_patterns=[rf"AG{n}-\d{{5}}"]) for n in range(40)]
            campaigns = [create_campaign(f"Campaign {n}") for n in range(5)]
            db.session.flush()
            ids = (lawyer.id, [a.id for a in agencies], [c.id for c in campaigns])
            start = today - timedelta(days=400)
            for n in range(count):
                received = deadlines.next_business_day(start + timedelta(days=rng.randrange(380)))
                request = file_request(lawyer, rng.choice(agencies), f"Records about subject {n}",
                                       "All records.", received_on=received, campaign=rng.choice(campaigns),
                                       tracking_numbers=[f"AG-{n:05d}"])
                for offset, kind in rng.choice(HISTORIES):
                    day = deadlines.add_business_days(received, offset)
                    if day > today:
                        break
                    data = {"pages": 10} if kind == "records_released" else {}
                    if kind == "appeal_filed":
                        data["filed_by"] = "post"
                    record_event(request, kind, day, lawyer, data)
                if n % 500 == 499:
                    # Written to the database but not committed; the session lets go of the objects.
                    db.session.flush()
                    db.session.expunge_all()
                    lawyer = db.session.get(User, ids[0])
                    agencies = [db.session.get(Agency, i) for i in ids[1]]
                    campaigns = [db.session.get(Campaign, i) for i in ids[2]]
                    print(f"  loaded {n + 1}/{count} (uncommitted)", file=sys.stderr)
            commit()
        except BaseException:
            rollback()
            print("  loading failed: nothing was committed", file=sys.stderr)
            raise


def timed(client, url: str, headers: dict, calls: int) -> dict:
    """p50 and p95 of `calls` GETs of `url`, in milliseconds."""
    samples = []
    for _ in range(calls):
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.json
    samples.sort()
    return {"p50": round(statistics.median(samples), 2), "p95": round(samples[int(len(samples) * 0.95) - 1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    app = migrated_app(args.database_url)
    began = time.perf_counter()
    load(app, args.requests)
    load_s = time.perf_counter() - began
    with app.app_context():
        from tracker.dispatch import commit
        from tracker.extensions import db
        from tracker.models import Request, User
        from tracker.operations import issue_token

        token = issue_token(db.session.scalar(db.select(User)))
        commit()
        ids = db.session.scalars(db.select(Request.id)).all()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(3)
    timed(client, "/api/v1/requests", headers, 20)  # warm-up
    results = {
        "requests": args.requests,
        "load_s": round(load_s, 1),
        "list": timed(client, "/api/v1/requests?per_page=50", headers, args.calls),
        "list_filtered": timed(client, "/api/v1/requests?status=denied&per_page=50", headers, args.calls),
        "detail": {},
    }
    samples = []
    for _ in range(args.calls):
        url = f"/api/v1/requests/{rng.choice(ids)}"
        began = time.perf_counter()
        assert client.get(url, headers=headers).status_code == 200
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    results["detail"] = {"p50": round(statistics.median(samples), 2),
                         "p95": round(samples[int(len(samples) * 0.95) - 1], 2)}
    for name in ("list", "list_filtered", "detail"):
        print(f"{name:14s} p50 {results[name]['p50']:7.2f} ms   p95 {results[name]['p95']:7.2f} ms")
    print(json.dumps(results))


if __name__ == "__main__":
    main()

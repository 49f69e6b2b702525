"""Figures for mail in: messages per second through `ingest --once` (text-only mail), and seconds from a
message landing in the mailbox (IDLE worker running) to its 20-page PDF being searchable (goal <= 10 s).

Run: ``python bench/ingest_bench.py [--messages 300]`` from the repository root. It starts its own
Dovecot (tests.servers.dovecot) and a SQLite database in a temp dir; the worker is a real
``python -m tracker.cli ingest`` process with tasks run inline, as `foiltrack serve` runs it. Needs
dovecot-imapd and fpdf2 (a test dependency). The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ingest_support import build_email, make_pdf  # noqa: E402
from tests.servers.dovecot import start_dovecot, stop_dovecot  # noqa: E402

MARKER = "quokkazanzibar"  # a word found only on page 20 of the benchmark PDF


def make_app(workdir: Path, server):
    """A migrated app reading the benchmark Dovecot, with tasks inline."""
    from flask_migrate import upgrade

    from tracker import create_app

    config = {"DATA_DIR": str(workdir), "SECRET_KEY": "bench", "TASKS_EAGER": True, "BROKER_URL": "memory://",
              "IMAP_HOST": server.host, "IMAP_PORT": server.port, "IMAP_USER": server.user,
              "IMAP_PASSWORD": server.password, "IMAP_SSL": False, "IMAP_POLL_SECONDS": 60}
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app, config


def seed(app):
    """One agency, one request, one admin; returns (reply address, admin id)."""
    from tracker.api.serialize import reply_address
    from tracker.dispatch import commit
    from tracker.operations import create_agency, create_user, file_request

    agency = create_agency(None, name="Bench Agency", short_name="BENCH", foil_email="foil@bench.example.gov")
    request = file_request(None, agency, "Benchmark request", "All records.")
    admin = create_user("bench-admin@example.org", "admin", password="bench password 123")
    commit()
    return reply_address(request), admin.id


def text_throughput(app, server, address: str, count: int) -> dict:
    """Messages per second through ingest_once (what `foiltrack ingest --once` runs)."""
    from tracker.mailroom.pipeline import ingest_once

    for n in range(count):
        body = f"Plain text reply number {n}.\n" * 5
        server.append(build_email(to=address, subject=f"Reply {n}", body=body))
    started = time.perf_counter()
    summary = ingest_once()
    elapsed = time.perf_counter() - started
    assert summary.delivered == count, summary.line()
    return {"messages": count, "seconds": round(elapsed, 2), "messages_per_second": round(count / elapsed, 1)}


def searchable(app, admin_id: int) -> bool:
    """Whether the marker word on page 20 is found by search (False while the index lacks it)."""
    from tracker.extensions import db
    from tracker.models import User
    from tracker.searching import service

    db.session.rollback()
    user = db.session.get(User, admin_id)
    return any(hit.page == 20 for hit in service.search_for(user, MARKER).hits)


def extracted(app) -> bool:
    """Whether the benchmark PDF's 20 pages are extracted."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import Document

    db.session.rollback()
    document = db.session.scalar(select(Document).where(Document.filename == "production.pdf"))
    return document is not None and document.text_status in ("ok", "partial") and document.page_count == 20


def idle_latency(app, config: dict, server, address: str, admin_id: int) -> dict:
    """Seconds from APPEND of a message with a 20-page PDF to its page 20 being searchable."""
    try:
        import tracker.searching.service  # noqa: F401
        done, goal = (lambda: searchable(app, admin_id)), "searchable"
    except ModuleNotFoundError:
        done, goal = (lambda: extracted(app)), "extracted (tracker.searching.service is not installed)"
    filler = "Budget line items and vendor names. " * 20
    pages = [f"Page {n} of the production. {filler}" for n in range(1, 20)]
    pages.append(f"Page 20, the last: the {MARKER} contract. " + "Signature blocks. " * 20)
    raw = build_email(to=address, subject="Production", attachments=[("production.pdf", make_pdf(pages),
                                                                       "application", "pdf")])
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_THREAD_LIMIT="1")
    env.update({f"FOILTRACK_{k}": str(v) for k, v in config.items()})
    log = Path(config["DATA_DIR"]) / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "tracker.cli", "ingest"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        time.sleep(3.0)  # connected and IDLE
        started = time.perf_counter()
        server.append(raw)
        while not done():
            if time.perf_counter() - started > 120 or worker.poll() is not None:
                raise RuntimeError(f"the PDF did not become {goal}; worker log:\n{log.read_text()[-3000:]}")
            time.sleep(0.05)
        latency = time.perf_counter() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        stop_started = time.perf_counter()
        worker.wait(timeout=30)
    return {"until": goal, "seconds": round(latency, 2), "goal_seconds": 10,
            "worker_stop_seconds": round(time.perf_counter() - stop_started, 2)}


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="foiltrack-ingest-bench-"))
    server = start_dovecot()
    try:
        app, config = make_app(workdir, server)
        with app.app_context():
            address, admin_id = seed(app)
            text = text_throughput(app, server, address, args.messages)
            print(f"ingest --once, text-only mail: {text['messages_per_second']} messages/s "
                  f"({text['messages']} in {text['seconds']} s)")
            latency = idle_latency(app, config, server, address, admin_id)
            print(f"IDLE worker, mailbox to 20-page PDF {latency['until']}: {latency['seconds']} s "
                  f"(goal <= 10 s); worker stopped {latency['worker_stop_seconds']} s after SIGTERM")
        print(json.dumps({"text_only": text, "idle_pdf": latency}))
    finally:
        stop_dovecot(server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""`foiltrack ingest --once` as a user runs it: a real process, a real Dovecot, and no other process.

What it prints as indexed is in the search index when it exits: it writes the index itself when no index
writer runs, waits for the writer when one does (taking over if it stops), and says so when it gives up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from tests import ingest_support as support
from tests.ingest_support import build_email, pdf_attachment
from tests.test_cli import foiltrack
from tests.test_cli_import import demo, search  # noqa: F401 - demo is a fixture

pytestmark = support.IGNORE_IMAPLIB2_WARNING
BOTH_DATABASES = True  # the in-process test below also runs on PostgreSQL ...
BOTH_SEARCH_ENGINES = True  # ... and on its full-text search
nypd, search_service, imap_app = support.nypd, support.search_service, support.imap_app  # fixtures


def imap_env(mailbox) -> dict[str, str]:
    return {"FOILTRACK_IMAP_HOST": mailbox.host, "FOILTRACK_IMAP_PORT": str(mailbox.port),
            "FOILTRACK_IMAP_USER": mailbox.user, "FOILTRACK_IMAP_PASSWORD": mailbox.password,
            "FOILTRACK_IMAP_SSL": "false", "FOILTRACK_TASKS_EAGER": "false"}


def reply_address(data_dir, reference: str) -> str:
    """The request's reply address, as the app on that data folder builds it."""
    from tracker import create_app
    from tracker.api.serialize import reply_address as build
    from tracker.extensions import db
    from tracker.models import Request

    app = create_app({"DATA_DIR": str(data_dir)})
    with app.app_context():
        address = build(db.session.scalar(db.select(Request).where(Request.reference == reference)))
        db.engine.dispose()
    return address


def production_mail(data_dir, reference: str, word: str) -> bytes:
    return build_email(to=reply_address(data_dir, reference), subject=f"Records responsive to {reference}",
                       attachments=[pdf_attachment([f"Contract with {word} for face matching"], "contract.pdf")])


def hold_index_writer(data_dir):
    """Hold the index writer's lease as a running `foiltrack indexer` would (that writer indexes nothing)."""
    from tracker.leases import Lease

    lease = Lease("index-writer", f"sqlite:///{data_dir / 'foiltrack.sqlite3'}", str(data_dir))
    assert lease.try_acquire()
    return lease


def test_ingest_once_alone_indexes_the_mail_itself(demo, imap_mailbox):  # noqa: F811
    data_dir, reference, token = demo
    imap_mailbox.append(production_mail(data_dir, reference, "Wolfsbane Analytics"))
    result = foiltrack(data_dir, "ingest", "--once", env=imap_env(imap_mailbox))
    assert result.returncode == 0, result.stderr
    assert "fetched 1: delivered 1" in result.stdout and "indexed 1" in result.stdout
    hits = search(data_dir, token, "Wolfsbane")["hits"]
    assert [h["filename"] for h in hits] == ["contract.pdf"]


def test_ingest_once_waits_for_a_running_writer_and_takes_over_when_it_stops(demo, imap_mailbox):  # noqa: F811
    data_dir, reference, token = demo
    imap_mailbox.append(production_mail(data_dir, reference, "Hemlock Vision"))
    writer = hold_index_writer(data_dir)
    environ = {**os.environ, "FOILTRACK_DATA_DIR": str(data_dir), **imap_env(imap_mailbox)}
    environ.pop("FOILTRACK_DATABASE_URL", None)
    errors: list[str] = []
    with subprocess.Popen([sys.executable, "-m", "tracker.cli", "ingest", "--once", "--wait", "60"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ) as child:
        reader = threading.Thread(target=lambda: errors.extend(iter(lambda: child.stderr.read(1), "")),
                                  daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and "Waiting for the index writer" not in "".join(errors):
                assert child.poll() is None, "".join(errors)  # it must wait while the writer holds the lease
                time.sleep(0.2)
            time.sleep(1.5)
            assert child.poll() is None, "".join(errors)
            writer.release()  # the writer stops; the command takes its lease and finishes the job
            out = child.stdout.read()
            child.wait(timeout=120)
            reader.join(timeout=10)
        finally:
            writer.release()
            if child.poll() is None:
                child.kill()
    assert child.returncode == 0, "".join(errors)
    assert "indexed 1" in out
    assert [h["filename"] for h in search(data_dir, token, "Hemlock")["hits"]] == ["contract.pdf"]


def test_ingest_once_says_what_is_not_indexed_when_the_writer_does_not_catch_up(demo, imap_mailbox):  # noqa: F811
    data_dir, reference, token = demo
    imap_mailbox.append(production_mail(data_dir, reference, "Nightshade Systems"))
    writer = hold_index_writer(data_dir)
    try:
        result = foiltrack(data_dir, "ingest", "--once", "--wait", "2", env=imap_env(imap_mailbox))
    finally:
        writer.release()
    assert result.returncode == 1
    assert "fetched 1: delivered 1" in result.stdout and "indexed 0" in result.stdout
    assert "the mail is delivered, but the search-index writer has not indexed" in result.stderr
    assert "Traceback" not in result.stderr
    # What it said: not searchable yet (here the writer has not even built the index: search says so).
    with pytest.raises(AssertionError, match="Search is being built for the first time"):
        search(data_dir, token, "Nightshade")


def test_ingest_once_in_process_is_searchable_on_every_engine(imap_app, imap_mailbox, runner, make_request, nypd,
                                                               api_as, db_backend):
    from tests.ingest_support import reply_address as address_of

    req = make_request(agency=nypd, title="Face matching contracts")
    imap_mailbox.append(build_email(to=address_of(req), subject="Records",
                                    attachments=[pdf_attachment(["Contract with Larkspur Biometrics"])]))
    result = runner.invoke(args=["ingest", "--once"])
    assert result.exit_code == 0, result.output
    assert "indexed 1" in result.output
    hits = api_as("lawyer").get("/api/v1/search?q=Larkspur").json["hits"]
    assert [h["filename"] for h in hits] == ["response.pdf"], db_backend

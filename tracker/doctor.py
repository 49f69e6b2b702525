"""`foiltrack doctor`: checks a deployment's settings and what it must reach, and says what to fix.

Each check returns findings: ``ok`` (nothing to do), ``warn`` (works, but not as a deployment should) or
``fail`` (something will break). Checks never change data, except the first run on a database, which records
the fingerprint of the secret key so that hosts configured with another key are caught later.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select, text

from tracker.extensions import db
from tracker.leases import holders
from tracker.models.base import utcnow

SECRET_FINGERPRINT_KEY = "secret_key_fingerprint"


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report: its level, what was found, and what to do about it."""

    level: str  # "ok", "warn" or "fail"
    check: str
    message: str

    def line(self) -> str:
        """The finding as the command prints it."""
        return f"{self.level.upper():4}  {self.check}: {self.message}"


def _ok(check: str, message: str) -> Finding:
    return Finding("ok", check, message)


def _warn(check: str, message: str) -> Finding:
    return Finding("warn", check, message)


def _fail(check: str, message: str) -> Finding:
    return Finding("fail", check, message)


def _production(app: Flask) -> bool:
    return app.config["DATABASE_URL"].startswith("postgresql")


def check_database(app: Flask) -> Iterator[Finding]:
    """The database answers and its schema is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    try:
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:  # noqa: BLE001 - any driver error is the finding
        yield _fail("database", f"cannot connect ({type(exc).__name__}: {exc}); check FOILTRACK_DATABASE_URL "
                                "and that the server is running")
        return
    directory = app.extensions["migrate"].directory
    heads = set(ScriptDirectory(directory).get_heads())
    if current != heads:
        yield _fail("database", f"schema at {', '.join(sorted(current)) or 'nothing'}, newest is "
                                f"{', '.join(sorted(heads))}: run `foiltrack db upgrade`")
        return
    kind = "PostgreSQL" if _production(app) else "SQLite (embedded mode: one machine only)"
    yield _ok("database", f"{kind}, schema up to date")


def check_broker(app: Flask) -> Iterator[Finding]:
    """The Celery broker answers (Redis in production)."""
    url = app.config["BROKER_URL"]
    if url.startswith("filesystem://"):
        if _production(app):
            yield _fail("broker", "a filesystem broker cannot be shared between machines: set "
                                  "FOILTRACK_BROKER_URL=redis://...")
        else:
            yield _ok("broker", f"filesystem broker in {app.config.get('BROKER_FOLDER')} (embedded mode)")
        return
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # noqa: BLE001 - any transport error is the finding
        yield _fail("broker", f"cannot reach {_without_password(url)} ({exc}); work is kept in the database "
                              "and sent when it is back, but nothing runs until then")
        return
    yield _ok("broker", f"{_without_password(url)} answers")


def check_blob_folder(app: Flask) -> Iterator[Finding]:
    """The blob folder is readable, writable, and holds the blobs the database refers to (so it is shared)."""
    folder = Path(app.config["BLOB_DIR"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-") as probe:
            probe.write(b"foiltrack doctor")
            probe.flush()
            if Path(probe.name).read_bytes() != b"foiltrack doctor":
                raise OSError("what was written could not be read back")
    except OSError as exc:
        yield _fail("blobs", f"{folder} is not readable and writable by this user ({exc})")
        return
    yield from _space(folder)
    missing, sampled = _missing_blobs(folder)
    if missing:
        yield _fail("blobs", f"{missing} of {sampled} stored files the database refers to are not in {folder}: "
                             "every host must use the same shared folder (FOILTRACK_BLOB_DIR)")
    else:
        yield _ok("blobs", f"{folder} readable and writable; {sampled} sampled stored files present")


# Below these, a blob folder is full (an upload or a delivered attachment will fail) or nearly full.
FULL_BYTES = 64 * 2**20
NEARLY_FULL_SHARE = 0.05


def _space(folder: Path) -> Iterator[Finding]:
    usage = shutil.disk_usage(folder)
    free = f"{usage.free / 2**20:,.0f} MB free of {usage.total / 2**20:,.0f} MB"
    if usage.free < FULL_BYTES:
        yield _fail("blob space", f"the disk holding {folder} is full ({free}): uploads and delivered attachments "
                                  "fail until space is freed or the folder moves to a larger disk")
    elif usage.free < NEARLY_FULL_SHARE * usage.total:
        yield _warn("blob space", f"the disk holding {folder} is nearly full ({free}): free space or move the "
                                  "folder to a larger disk before uploads start failing")


def _missing_blobs(folder: Path, sample: int = 20) -> tuple[int, int]:
    from ingest.blobs import BlobStore

    store = BlobStore(folder)
    rows = db.session.execute(text(
        "SELECT sha256 FROM documents WHERE sha256 IS NOT NULL ORDER BY id DESC LIMIT :n"), {"n": sample})
    shas = [row[0] for row in rows]
    return sum(1 for sha in shas if not store.exists(sha)), len(shas)


def check_search(app: Flask) -> Iterator[Finding]:
    """The search engine is usable from here (the Whoosh folder, or PostgreSQL full-text search)."""
    engine = app.config.get("SEARCH_ENGINE", "whoosh")
    if engine == "postgres":
        if not _production(app):
            yield _fail("search", "FOILTRACK_SEARCH_ENGINE=postgres needs a PostgreSQL database")
        elif not _search_table_has_bigrams() and _search_table_has_rows():
            yield _warn("search", "the PostgreSQL search table was written before phrase bigrams: phrases are "
                                  "searched the slow way until `foiltrack reindex` rebuilds it")
        else:
            yield _ok("search", "PostgreSQL full-text search: every web host reads the same engine")
        return
    folder = Path(app.config["INDEX_DIR"])
    if not folder.exists():
        yield _warn("search", f"no Whoosh index in {folder} yet; `foiltrack reindex` builds it")
    elif not os.access(folder, os.R_OK | os.X_OK):
        yield _fail("search", f"the Whoosh index folder {folder} is not readable by this user")
    else:
        yield _ok("search", f"Whoosh index in {folder}")
    if _production(app):
        yield _warn("search", "with Whoosh every host must mount the same index folder (FOILTRACK_INDEX_DIR) and "
                              "exactly one `foiltrack indexer` writes it; FOILTRACK_SEARCH_ENGINE=postgres needs "
                              "no shared folder")


def _search_table_has_bigrams() -> bool:
    from search.pg_engine import table_has_bigrams

    return table_has_bigrams(db.session.connection())


def _search_table_has_rows() -> bool:
    from search.pg_rebuild import TABLE

    return db.session.execute(text(f"SELECT EXISTS (SELECT 1 FROM {TABLE})")).scalar()


def check_rebuild_leftovers(app: Flask) -> Iterator[Finding]:
    """Nothing is left of a rebuild that was killed mid-way (the next rebuild also removes it)."""
    if app.config.get("SEARCH_ENGINE", "whoosh") == "postgres":
        if not _production(app):
            return
        from search.pg_rebuild import BUILD, interrupted_build

        if interrupted_build(db.session.connection()):
            yield _fail("rebuild", f"the table {BUILD} is left from a rebuild that was stopped mid-way (no "
                                   "rebuild holds it): run `foiltrack reindex` to rebuild and remove it")
        return
    from search.index import interrupted_generations

    left = interrupted_generations(app.config["INDEX_DIR"])
    if left:
        names = ", ".join(gen.name for gen in left)
        yield _fail("rebuild", f"{len(left)} unfinished index generation(s) left by a rebuild that was stopped "
                               f"mid-way ({names}): the next rebuild removes them, or run `foiltrack reindex`")


def check_pending_work(app: Flask) -> Iterator[Finding]:
    """No follow-up work has waited much longer than the sweeper takes to hand it to the broker again."""
    from tracker.models.work import PendingWork
    from tracker.pending_work import SWEEP_SECONDS

    limit = timedelta(seconds=2 * app.config["BROKER_VISIBILITY_SECONDS"] + 4 * SWEEP_SECONDS)
    open_work = select(PendingWork).where(PendingWork.done_at.is_(None),
                                          PendingWork.created_at < utcnow() - limit)
    stuck = db.session.scalars(open_work.order_by(PendingWork.created_at).limit(50)).all()
    if not stuck:
        yield _ok("pending work", f"nothing has waited longer than {_minutes(limit)}")
        return
    oldest = stuck[0]
    tasks = ", ".join(sorted({work.task for work in stuck}))
    cause = f"; last error: {oldest.last_error}" if oldest.last_error else ""
    yield _fail("pending work", f"{len(stuck)}{'+' if len(stuck) == 50 else ''} job(s) not done after "
                                f"{_minutes(limit)} (oldest since {oldest.created_at:%Y-%m-%d %H:%M} UTC, "
                                f"{oldest.attempts} attempt(s); {tasks}{cause}): check that the workers and the "
                                "scheduler run and reach the broker")


def _minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:.0f} minutes"


def check_secret_key(app: Flask) -> Iterator[Finding]:
    """The secret key is set explicitly in production and is the same on every host."""
    kept = Path(app.config["DATA_DIR"]) / "secret_key"
    if kept.exists() and kept.read_text().strip() == app.config["SECRET_KEY"]:
        if _production(app):
            yield _fail("secret key", "FOILTRACK_SECRET_KEY is not set: each host made its own key in its data "
                                      "folder, so a sign-in on one web host is refused by another; set the "
                                      "same long random value on every host")
            return
        yield _ok("secret key", "kept in the data folder (embedded mode)")
        return
    fingerprint = hmac.new(app.config["SECRET_KEY"].encode(), b"foiltrack doctor", hashlib.sha256).hexdigest()
    stored = db.session.execute(text("SELECT value FROM deployment_facts WHERE name = :n"),
                                {"n": SECRET_FINGERPRINT_KEY}).scalar()
    if stored is None:
        # Flushed here; the command's unit of work commits it.
        db.session.execute(text("INSERT INTO deployment_facts (name, value) VALUES (:n, :v)"),
                           {"n": SECRET_FINGERPRINT_KEY, "v": fingerprint})
        yield _ok("secret key", "set; its fingerprint is now recorded, to compare the other hosts with")
    elif hmac.compare_digest(stored, fingerprint):
        yield _ok("secret key", "the same as the other hosts'")
    else:
        yield _fail("secret key", "differs from the key the other hosts use: copy FOILTRACK_SECRET_KEY from them")


def check_singletons(app: Flask) -> Iterator[Finding]:
    """Exactly one scheduler, one mail worker and (with Whoosh) one index writer hold their leases."""
    roles = [("scheduler", "foiltrack scheduler", True),
             ("mail", "foiltrack ingest", bool(app.config["IMAP_HOST"])),
             ("index-writer", "foiltrack indexer", app.config.get("SEARCH_ENGINE", "whoosh") == "whoosh")]
    for role, command, needed in roles:
        if not needed:
            continue
        try:
            count = holders(role, app.config["DATABASE_URL"], app.config["DATA_DIR"])
        except Exception as exc:  # noqa: BLE001 - the database check reports the cause
            yield _fail(role, f"cannot tell who holds the lease ({exc})")
            continue
        if count:
            yield _ok(role, "one process holds the lease (any other copy waits as a standby)")
        elif _production(app) or role != "index-writer":
            yield _warn(role, f"nobody holds the lease: start `{command}` (or `foiltrack serve`) somewhere")


def check_mail(app: Flask) -> Iterator[Finding]:
    """Outgoing and incoming mail are configured."""
    if app.config["SMTP_HOST"]:
        yield _ok("smtp", f"letters go out through {app.config['SMTP_HOST']}:{app.config['SMTP_PORT']}")
    else:
        yield _warn("smtp", "FOILTRACK_SMTP_HOST is not set: letters are kept as unsent, never sent")
    if not app.config["IMAP_HOST"]:
        yield _warn("imap", "FOILTRACK_IMAP_HOST is not set: agencies' replies are not read")
    base = app.config["BASE_URL"]
    if _production(app) and not base.startswith("https://"):
        yield _warn("base url", f"{base} is not https: sign-ins and calendar secrets travel in clear text")


CHECKS: tuple[Callable[[Flask], Iterator[Finding]], ...] = (
    check_database, check_broker, check_blob_folder, check_search, check_rebuild_leftovers, check_secret_key,
    check_singletons, check_pending_work, check_mail,
)


def diagnose(app: Flask) -> list[Finding]:
    """Run every check (inside an app context) and return the findings in order."""
    findings: list[Finding] = []
    database_ok = True
    for check in CHECKS:
        if not database_ok and check in (check_blob_folder, check_rebuild_leftovers, check_secret_key,
                                         check_pending_work):
            continue
        found = list(check(app))
        if check is check_database and any(f.level == "fail" for f in found):
            database_ok = False
        findings.extend(found)
    return findings


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}{sep}{user}:…@{host}" if ":" in credentials else f"{scheme}{sep}{credentials}@{host}"
    return url

"""What is left to do once a resident's forgetting has committed: delete the original blobs, write the
search index again, and make the database drop the old row versions from its files."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing

from flask import current_app
from sqlalchemy import func, select, text

from tracker.extensions import db
from tracker.models import Document, Message, Resident

log = logging.getLogger(__name__)


def _delete_unreferenced(old_blobs: list[str]) -> int:
    from ingest.blobs import BlobStore

    store, deleted = BlobStore(current_app.config["BLOB_DIR"]), 0
    for sha in old_blobs:
        used = db.session.scalar(select(func.count()).select_from(Message).where(Message.raw_sha256 == sha)) + \
            db.session.scalar(select(func.count()).select_from(Document).where(Document.sha256 == sha))
        if not used and store.exists(sha):
            store.path(sha).unlink()
            deleted += 1
    return deleted


def _reindex(request_ids: list[int], message_ids: list[int]) -> None:
    from tracker.searching import engines, service

    if engines.uses_postgres():
        service.index_messages_now(message_ids)
        service.index_requests_now(request_ids)
    else:
        # Whoosh keeps a replaced document's old text in its segment files until they merge: a rebuild into
        # a fresh generation is what leaves no copy behind.
        current_app.extensions["celery"].tasks["foiltrack.index.rebuild"].delay()


def purge_database_files(tables: list[str]) -> None:
    """SQLite: checkpoint the write-ahead log into the database file and truncate it. PostgreSQL: VACUUM the
    tables (their dead row versions become free space; see the README for what that does and does not do)."""
    if db.engine.dialect.name == "sqlite":
        # A connection of its own, with no statement or transaction of this process's pool open on it.
        with closing(sqlite3.connect(db.engine.url.database, timeout=30)) as conn:
            busy, _frames, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning("the write-ahead log could not be emptied at once (a reader held it)")
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        known = set(db.metadata.tables)
        for table in tables:
            if table in known:
                conn.execute(text(f'VACUUM "{table}"'))


def finish(resident_id: int, old_blobs: list[str], tables: list[str]) -> str:
    """The after-commit half of forgetting a resident; returns what it did."""
    from tracker.dispatch import commit

    resident = db.session.get(Resident, resident_id)
    deleted = _delete_unreferenced(old_blobs)
    request_ids = [r.id for r in resident.requests] if resident is not None else []
    message_ids = db.session.scalars(select(Message.id).where(Message.request_id.in_(request_ids))).all()
    commit()  # nothing of this unit stays open while the index is written (it may be written right here)
    _reindex(request_ids, message_ids)
    purge_database_files(sorted(set(tables) | {"residents", "messages"}))
    return f"{deleted} original email(s) deleted"

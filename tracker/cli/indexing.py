"""Indexing for one-shot commands (`foiltrack ingest --once`, `foiltrack import`): searchable before they end.

The Whoosh index has one writer, the process holding the `index-writer` lease (tracker/leases.py). A
one-shot command takes that lease when it is free and writes the index itself; when the index writer is
running, the command queues the writes for it and waits, with a progress bar and a time limit, until the
index holds them (taking over if the writer stops meanwhile). What it then reports is what the index
holds. PostgreSQL search is a table any process may write: it is written at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app

POLL_SECONDS = 1.0


@dataclass
class IndexReport:
    """What a one-shot command's indexing achieved: documents written, and record keys still queued."""

    documents: int = 0
    queued_keys: set[str] = field(default_factory=set)
    waiting_documents: set[int] = field(default_factory=set)
    waited_for_writer: bool = False

    @property
    def searchable_documents(self) -> int:
        """Documents whose every page the index holds now."""
        return self.documents - len(self.waiting_documents)


def _expected_keys(document_ids: list[int], message_ids: list[int]) -> dict[str, int | None]:
    """The index keys these documents and messages make, each with its document id (None: a message)."""
    from tracker.dispatch import rollback
    from tracker.searching import sources

    keys = {r.key: r.document_id for r in sources.document_records(document_ids)} if document_ids else {}
    keys.update({r.key: None for r in sources.message_records(message_ids)} if message_ids else {})
    rollback()
    return keys


def _write(document_ids: list[int], message_ids: list[int]) -> None:
    from tracker.searching import service

    if message_ids:
        service.index_messages_now(message_ids)
    if document_ids:
        service.index_documents_now(document_ids)


def _write_if_writer_free(document_ids: list[int], message_ids: list[int]) -> bool:
    """Take the index writer's lease if nobody holds it, write, give it back; False when it is held."""
    from tracker.leases import Lease

    config = current_app.config
    lease = Lease("index-writer", config["DATABASE_URL"], config["DATA_DIR"])
    if not lease.try_acquire():
        return False
    try:
        _write(document_ids, message_ids)
    finally:
        lease.release()
    return True


def _held_now(keys: set[str]) -> set[str]:
    from tracker.searching import service
    from tracker.searching.service import NothingIndexed, SearchUnavailable

    try:
        return service.indexed_keys(sorted(keys))
    except (NothingIndexed, SearchUnavailable):
        return set()  # the writer has not built the index yet


def index_for_command(document_ids: Iterable[int], message_ids: Iterable[int] = (), *,
                      wait_seconds: float = 120.0, progress: bool = True) -> IndexReport:
    """Make these documents and message bodies searchable before the command ends, or say what is left.

    Writes the index itself when the writer's lease is free; otherwise queues the writes for the running
    writer and waits up to `wait_seconds` for the index to hold them, taking over if the lease frees.
    """
    from tracker.searching import engines, service

    document_ids = sorted(set(int(i) for i in document_ids))
    message_ids = sorted(set(int(i) for i in message_ids))
    report = IndexReport(documents=len(document_ids))
    if not document_ids and not message_ids:
        return report
    if engines.uses_postgres():
        _write(document_ids, message_ids)  # a table: any process may write it
        return report
    if _write_if_writer_free(document_ids, message_ids):
        return report
    # The index writer is running: hand it the work, then watch the index until it holds every record.
    report.waited_for_writer = True
    expected = _expected_keys(document_ids, message_ids)
    for message_id in message_ids:
        service.queue_message(message_id)
    for document_id in document_ids:
        service.queue_document(document_id)
    report.queued_keys = _wait(expected, document_ids, message_ids, wait_seconds, progress)
    report.waiting_documents = {expected[k] for k in report.queued_keys if expected[k] is not None}
    return report


def wait_for_documents(document_ids: Iterable[int], *, wait_seconds: float, progress: bool = True) -> set[int]:
    """Wait (up to `wait_seconds`) for queued documents to be indexed; return those still waiting."""
    document_ids = sorted(set(document_ids))
    expected = _expected_keys(document_ids, [])
    left = _wait(expected, document_ids, [], wait_seconds, progress)
    return {expected[k] for k in left}


def _wait(expected: dict[str, int | None], document_ids: list[int], message_ids: list[int],
          wait_seconds: float, progress: bool) -> set[str]:
    """Watch the index until it holds every expected key, or time is up; return the keys still missing.
    When the writer's lease frees meanwhile, the writes are done here."""
    from tqdm import tqdm

    deadline = time.monotonic() + wait_seconds
    left = set(expected)
    with tqdm(total=len(expected), unit=" records", desc="Waiting for the index writer",
              disable=not progress or not expected or wait_seconds <= 0) as bar:
        while left:
            left -= _held_now(left)
            bar.update(len(expected) - len(left) - bar.n)
            if not left or time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS)
            if _write_if_writer_free(document_ids, message_ids):  # the writer stopped: finish the job here
                left = set()
                bar.update(len(expected) - bar.n)
    return left

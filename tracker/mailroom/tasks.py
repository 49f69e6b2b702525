"""Celery tasks of the mail worker: poll the mailbox once, extract one document's text.

Both are acknowledged late (a worker killed mid-task leaves the message for another) and idempotent
(redelivered mail is recognised by its content hash; a document already extracted is skipped).
Transient errors are retried with exponential back-off; the last failure is recorded, never dropped.
"""

from __future__ import annotations

import logging

from celery import Celery
from sqlalchemy.exc import OperationalError

from ingest.imap import TRANSIENT_ERRORS, MailboxError

log = logging.getLogger(__name__)

MAX_RETRIES = 5
# An unreachable database or mailbox is worth waiting for; anything else is recorded at once.
RETRY_ON = (*TRANSIENT_ERRORS, OperationalError)


def register(celery: Celery) -> None:
    """Declare foiltrack.ingest.poll and foiltrack.extract.document on `celery`."""

    # shared=False: each app (tests make many) keeps its own tasks.
    options = {"bind": True, "acks_late": True, "max_retries": MAX_RETRIES, "shared": False}

    @celery.task(name="foiltrack.ingest.poll", **options)
    def poll(self) -> str:
        """Deliver what is in the mailbox now; extraction goes to the extract queue."""
        from flask import current_app

        from ingest.imap import ImapSettings, Mailbox
        from tracker.mailroom.pipeline import fetch_and_deliver

        if not current_app.config["IMAP_HOST"]:
            return "IMAP_HOST is not set; nothing to poll"
        try:
            with Mailbox(ImapSettings.from_config(current_app.config)) as mailbox:
                return fetch_and_deliver(mailbox, inline=False).line()
        except (*RETRY_ON, MailboxError) as exc:
            # Undelivered mail stays unflagged on the server: the next poll picks it up in any case.
            log.warning("mailbox poll failed (attempt %s): %s", self.request.retries + 1, exc)
            raise self.retry(exc=exc, countdown=min(600, 10 * 2**self.request.retries)) from exc

    @celery.task(name="foiltrack.extract.document", **options)
    def extract_document(self, document_id: int) -> str | None:
        """Extract one document's text page by page (sandboxed) and queue it for indexing."""
        from tracker.dispatch import rollback
        from tracker.extensions import db
        from tracker.mailroom.pipeline import extract_document as run
        from tracker.models import Document
        from tracker.operations.documents import record_extraction_failure

        try:
            return run(document_id)
        except RETRY_ON as exc:
            rollback()  # what the failed run did goes; the failure is recorded in its place
            if self.request.retries < MAX_RETRIES and not self.request.is_eager:
                raise self.retry(exc=exc, countdown=min(600, 5 * 2**self.request.retries)) from exc
            document = db.session.get(Document, document_id)
            if document is not None:
                record_extraction_failure(document, f"{type(exc).__name__}: {exc}")  # the task's unit commits
            log.error("extraction of document %s failed for good: %s", document_id, exc)
            return "failed"

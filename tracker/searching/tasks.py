"""Celery tasks of the search index: the single writer's jobs (queue ``index``) and saved-search alerts.

``foiltrack.index.*`` are routed to the ``index`` queue, which one worker with concurrency 1 consumes
(Whoosh allows one writer at a time). A write that finds the lock held past its timeout, or the database
unreachable, is retried with back-off; the database stays the truth, and ``foiltrack reindex`` rebuilds
everything from it.
"""

from __future__ import annotations

import logging

from celery import Celery
from sqlalchemy.exc import OperationalError

from search.index import IndexBusy

log = logging.getLogger(__name__)

MAX_RETRIES = 8
RETRY_ON = (IndexBusy, OperationalError)


def _retrying(task, run, *args):
    try:
        return run(*args)
    except RETRY_ON as exc:
        if task.request.is_eager or task.request.retries >= MAX_RETRIES:
            raise
        log.warning("%s%r will be retried (attempt %s): %s", task.name, args, task.request.retries + 1, exc)
        raise task.retry(exc=exc, countdown=min(600, 5 * 2 ** task.request.retries)) from exc


def register(celery: Celery) -> None:
    """Declare foiltrack.index.{document,message,remove,rebuild} and foiltrack.search.alerts."""
    # shared=False: each app (tests make many) keeps its own tasks; acks_late: a killed worker's job
    # is redelivered, and every job is idempotent (update by key, delete by document).
    options = {"bind": True, "acks_late": True, "max_retries": MAX_RETRIES, "shared": False}

    @celery.task(name="foiltrack.index.document", **options)
    def index_document(self, document_id: int) -> int:
        """(Re)index one document's pages; return how many records were written."""
        from tracker.searching.service import index_documents_now

        return _retrying(self, index_documents_now, [document_id])

    @celery.task(name="foiltrack.index.message", **options)
    def index_message(self, message_id: int) -> int:
        """(Re)index one message's body."""
        from tracker.searching.service import index_messages_now

        return _retrying(self, index_messages_now, [message_id])

    @celery.task(name="foiltrack.index.request", **options)
    def index_request(self, request_id: int) -> int:
        """(Re)index one request's title and description."""
        from tracker.searching.service import index_requests_now

        return _retrying(self, index_requests_now, [request_id])

    @celery.task(name="foiltrack.index.remove", **options)
    def remove_document(self, document_id: int) -> int:
        """Take one document's pages out of the index."""
        from tracker.searching.service import remove_document_now

        return _retrying(self, remove_document_now, document_id)

    @celery.task(name="foiltrack.index.rebuild", **options)
    def rebuild(self) -> int:
        """Rebuild the whole index from the database (queued when a damaged index is found)."""
        from tracker.searching.service import reindex

        return _retrying(self, lambda: reindex(progress=False))

    @celery.task(name="foiltrack.search.alerts", bind=True, shared=False)
    def alerts(self) -> dict:
        """Email the owners of saved searches that newly released pages match."""
        from tracker.operations.saved_searches import alert_saved_searches

        outcomes = alert_saved_searches()
        failed = [o for o in outcomes if o.state == "failed"]
        # Failed alerts keep their watermark, so the next scheduled run tries them again.
        return {"sent": len(outcomes) - len(failed), "failed": len(failed)}

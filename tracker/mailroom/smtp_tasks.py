"""The Celery task that sends one recorded outgoing message: `foiltrack.mail.send`."""

from __future__ import annotations

import logging

from celery import Celery

log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    """Declare the mail-out task on `celery`."""
    from tracker.operations.outbox import MAX_RETRIES, TASK_NAME

    # shared=False: each app (tests make many) keeps its own task, not the first app's.
    @celery.task(name=TASK_NAME, bind=True, max_retries=MAX_RETRIES, acks_late=True, shared=False)
    def send(self, message_id: int) -> str:
        """Send a queued message; retry temporary failures with back-off, then record it failed."""
        from ingest.smtp import SendError
        from tracker.dispatch import commit
        from tracker.extensions import db
        from tracker.models import Message
        from tracker.operations import outbox

        message = db.session.get(Message, message_id)
        if message is None:
            log.warning("outgoing message %s no longer exists; nothing to send", message_id)
            return "missing"
        try:
            outbox.deliver(message)
        except SendError as exc:
            final = exc.permanent or self.request.retries >= self.max_retries
            outbox.record_failure(message, exc.message, attempt=self.request.retries + 1, final=final)
            commit()
            if final:
                return "failed"
            if self.request.is_eager:
                # Eager mode (tests, one-off scripts) has no broker to hold a countdown: try again now.
                return self.apply(args=(message_id,), retries=self.request.retries + 1).result
            raise self.retry(exc=exc, countdown=outbox.backoff(self.request.retries)) from exc
        commit()
        return message.status

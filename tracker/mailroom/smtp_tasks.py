"""The Celery task that sends one recorded outgoing message: `foiltrack.mail.send`."""

from __future__ import annotations

import logging

from celery import Celery

log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    """Declare the mail-out task on `celery`."""
    from tracker.operations.outbox import MAX_RETRIES, TASK_NAME, backoff

    # shared=False: each app (tests make many) keeps its own task, not the first app's.
    @celery.task(name=TASK_NAME, bind=True, max_retries=MAX_RETRIES, acks_late=True, shared=False)
    def send(self, message_id: int) -> str:
        """Send a queued message; retry temporary failures with back-off, then record it failed."""
        from tracker.dispatch import unit_of_work

        retries = self.request.retries
        while True:
            with unit_of_work(write=True):  # each try and its outcome are committed on their own
                status, error = _try_once(message_id, attempt=retries + 1, last=retries >= self.max_retries)
            if status != "retry":
                return status
            if not self.request.is_eager:
                raise self.retry(exc=error, countdown=backoff(retries))
            retries += 1  # eager mode (tests, one-off scripts) has no broker to hold a countdown: try now


def _try_once(message_id: int, *, attempt: int, last: bool):
    """Send the message once: ("sent" | "failed" | "retry" | "missing", the SendError or None)."""
    from ingest.smtp import SendError
    from tracker.extensions import db
    from tracker.models import Message
    from tracker.operations import outbox

    message = db.session.get(Message, message_id)
    if message is None:
        log.warning("outgoing message %s no longer exists; nothing to send", message_id)
        return "missing", None
    try:
        outbox.deliver(message)
    except SendError as exc:
        final = exc.permanent or last
        outbox.record_failure(message, exc.message, attempt=attempt, final=final)
        return ("failed" if final else "retry"), exc
    return message.status, None

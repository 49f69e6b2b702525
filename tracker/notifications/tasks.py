"""Celery tasks of the reminders: the daily send and the weekly digest (scheduled in tracker.tasks)."""

from __future__ import annotations

from celery import Celery

MAX_RETRIES = 5
FIRST_RETRY_SECONDS = 300


def backoff(retries_done: int) -> int:
    """Seconds before the next try: 5, 10, 20, 40, 80 minutes."""
    return FIRST_RETRY_SECONDS * 2 ** max(retries_done, 0)


def _finish(task, outcomes) -> dict:
    failed = [o for o in outcomes if o.state == "failed"]
    # Failed reminders stay recorded; retrying the run sends only those (sent ones are skipped by key).
    if failed and not task.request.is_eager and task.request.retries < MAX_RETRIES:
        raise task.retry(countdown=backoff(task.request.retries))
    return {"sent": len(outcomes) - len(failed), "failed": len(failed)}


def register(celery: Celery) -> None:
    """Declare the reminder tasks on `celery` (shared=False: each app, and tests make many, keeps its own)."""

    @celery.task(name="foiltrack.reminders.send_due", bind=True, max_retries=MAX_RETRIES, shared=False)
    def send_due(self) -> dict:
        """Email the reminders due today."""
        from tracker.notifications.reminders import send_due as run
        from tracker.operations.requests import bring_up_to_date

        bring_up_to_date()  # constructive denials of today count before deciding what is due
        return _finish(self, run())

    @celery.task(name="foiltrack.reminders.digest", bind=True, max_retries=MAX_RETRIES, shared=False)
    def digest(self) -> dict:
        """Email this week's campaign digest to lawyers."""
        from tracker.notifications.digest import send_digests
        from tracker.operations.requests import bring_up_to_date

        bring_up_to_date()
        return _finish(self, send_digests())

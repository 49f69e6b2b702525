"""Celery, bound to the Flask app (the `celery_init_app` pattern of the Flask docs), and its schedule.

Tasks have explicit names, take ids, and are a few lines that call plain functions. Queues:
`ingest` (mail), `extract` (text and OCR), `index` (the single search-index writer, concurrency 1),
and `celery` (everything else: reminders, alerts, outgoing mail).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from tracker import fencing

log = logging.getLogger(__name__)

QUEUES = ("celery", "ingest", "extract", "index")

ROUTES = {
    "foiltrack.ingest.*": {"queue": "ingest"},
    "foiltrack.extract.*": {"queue": "extract"},
    "foiltrack.index.*": {"queue": "index"},
}


def routes(config) -> dict:
    """Where each task goes: PostgreSQL search needs no single writer, so its index writes go to any worker."""
    if config.get("SEARCH_ENGINE") == "postgres":
        return {**ROUTES, "foiltrack.index.*": {"queue": "celery"}}
    return ROUTES


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for `app`; every task runs inside the Flask app context."""

    from tracker.dispatch import unit_of_work

    class FlaskTask(Task):
        # Each task is one unit of work: committed when it returns, rolled back when it raises.
        def __call__(self, *args, **kwargs):
            from tracker import pending_work

            work_id = pending_work.work_id(self.request.id)
            worker = f"{self.request.hostname or 'eager'} pid {os.getpid()}"
            with app.app_context():
                # A job from the pending-work table runs under a claim: a second copy does nothing.
                if work_id is not None and not pending_work.claim(work_id, worker):
                    log.info("job #%s (%s): done already or running elsewhere; this copy does nothing",
                             work_id, self.name)
                    return None
                claimed = None
                if work_id is not None:
                    log.info("job #%s (%s): claimed by %s", work_id, self.name, worker)
                    claimed = pending_work.keep_claim(work_id, worker)
                try:
                    with unit_of_work():
                        try:
                            _check_fences(self.request)
                        except fencing.StaleEpoch as exc:
                            log.warning("task %s refused: %s", self.name, exc)
                            return None
                        result = self.run(*args, **kwargs)
                        # The job is done with the unit that did its work.
                        pending_work.mark_done(self.request.id)
                        return result
                except Exception as exc:
                    if work_id is not None:
                        pending_work.give_up_for_now(work_id, f"{type(exc).__name__}: {exc}")
                    raise
                finally:
                    if claimed is not None:
                        claimed.set()

    celery = Celery(app.name, task_cls=FlaskTask)
    config = app.config
    if config["BROKER_URL"].startswith("filesystem://"):
        folder = Path(config["BROKER_FOLDER"])
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        broker_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            # Kombu otherwise keeps its exchange files in the current directory.
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    else:
        # A task whose worker died unacknowledged goes back to the queue after this long (an hour by default).
        broker_options = {"visibility_timeout": config["BROKER_VISIBILITY_SECONDS"]}
    celery.conf.update(
        broker_url=config["BROKER_URL"],
        broker_transport_options=broker_options,
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        task_always_eager=config["TASKS_EAGER"],
        task_eager_propagates=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_routes=routes(config),
        task_default_queue="celery",
        timezone=config["TIMEZONE"],
        beat_schedule=SCHEDULE,
        beat_schedule_filename=str(Path(config["DATA_DIR"]) / "celerybeat-schedule"),
    )
    celery.set_default()
    app.extensions["celery"] = celery
    _register_tasks(celery)
    return celery


def _check_fences(request) -> None:
    """Refuse a task from a singleton whose lease was taken over (its epoch rides in a header), and any
    task run by a singleton (the index writer) that has itself been taken over since."""
    fence = request.get(fencing.HEADER) if request is not None else None
    if isinstance(fence, dict) and "role" in fence and "epoch" in fence:
        fencing.check(str(fence["role"]), int(fence["epoch"]))
    for role in fencing.roles():
        fencing.check(role)


def stamp_with_epoch(role: str) -> None:
    """Make every task this process publishes carry role's epoch (the scheduler's beat, once it holds it)."""
    from celery.signals import before_task_publish

    def stamp(headers=None, **_):
        epoch = fencing.held(role)
        if headers is not None and epoch is not None:
            headers[fencing.HEADER] = {"role": role, "epoch": epoch}

    before_task_publish.connect(stamp, weak=False)


TASK_MODULES = (
    "tracker.mailroom.tasks",
    "tracker.mailroom.smtp_tasks",
    "tracker.searching.tasks",
    "tracker.notifications.tasks",
    "tracker.public.notify",
)

SCHEDULE = {
    "daily-reminders": {"task": "foiltrack.reminders.send_due", "schedule": crontab(hour=7, minute=0)},
    "weekly-digest": {"task": "foiltrack.reminders.digest", "schedule": crontab(hour=7, minute=30,
                                                                                 day_of_week="mon")},
    "recompute-deadlines": {"task": "foiltrack.deadlines.recompute_all", "schedule": crontab(hour=0, minute=5)},
    "saved-search-alerts": {"task": "foiltrack.search.alerts", "schedule": crontab(minute="*/10")},
    "retry-resident-emails": {"task": "foiltrack.public.retry_resident_emails", "schedule": crontab(minute="*/15")},
    "purge-unconfirmed-residents": {"task": "foiltrack.public.purge_unconfirmed",
                                    "schedule": crontab(hour=3, minute=15)},
}


def _register_tasks(celery: Celery) -> None:
    @celery.task(name="foiltrack.deadlines.recompute_all", shared=False)
    def recompute_all() -> int:
        """Refresh the stored next-deadline columns once the legal day changes."""
        from tracker.deadline_jobs import recompute_all as run

        return run()

    from importlib import import_module

    # Each area declares its own tasks on this Celery app.
    for module in TASK_MODULES:
        import_module(module).register(celery)

"""Celery, bound to the Flask app (the `celery_init_app` pattern of the Flask docs), and its schedule.

Tasks have explicit names, take ids, and are a few lines that call plain functions. Queues:
`ingest` (mail), `extract` (text and OCR), `index` (the single search-index writer, concurrency 1),
and `celery` (everything else: reminders, alerts, outgoing mail).
"""

from __future__ import annotations

from pathlib import Path

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

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
            from tracker.pending_work import mark_done

            with app.app_context(), unit_of_work():
                result = self.run(*args, **kwargs)
                # A job relayed from the pending-work table is done with the unit that did its work.
                mark_done(self.request.id)
                return result

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

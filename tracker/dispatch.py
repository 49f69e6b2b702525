"""The one transaction boundary, and the follow-up work that leaves only after its commit.

Every web request, API call, CLI command and Celery task is one unit of work (in the spirit of Indico's
``RH.process``): operations change rows and flush, never commit; the boundary around the unit commits
once when it succeeds, rolls back when it fails (an operation's refusal, any exception, an error page),
and only after a successful commit dispatches the follow-up work the operations queued.

Follow-up work is a list of named jobs: a Celery task name and JSON-able arguments (``Job``). Operations
queue them with ``after_commit("foiltrack.index.document", document.id)``; nothing else leaves the
transaction. One failure policy covers every job: a job that cannot be handed over is logged with its
traceback, its owner's ``when_not_handed_over`` hook (if any) records the fact in a unit of its own, and
the other jobs still go; the caller is never told that committed work failed (it did not).

Durable follow-up work: because a job is only a task name and JSON arguments, ``after_commit``
also writes it to the pending-work table inside the transaction (``tracker.pending_work.record``), so
the job exists exactly when the change that asked for it does. ``_dispatch`` relays the committed rows
to the broker; the task marks its row done in its own unit of work; the scheduler's sweeper relays what
the broker never got or lost. Nothing that queues work knows about the table.

SQLite serializes writers per database. A unit of work that will write (a POST, PUT, PATCH or DELETE, or
a unit opened with ``write=True``) begins its transaction with ``BEGIN IMMEDIATE``, so it takes the write
lock before it reads anything: what it checks cannot change before it writes. On PostgreSQL, changes
that must be serialized take a row lock (see ``lock_row``).
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Flask, current_app, has_request_context, request

from tracker.extensions import db

log = logging.getLogger(__name__)

_KEY = "foiltrack_jobs"
_KEEP = "foiltrack_keep"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("foiltrack_writing", default=False)
# Task name -> what to record when a job of that task could not be handed to the broker.
_not_handed_over: dict[str, Callable[..., None]] = {}


@dataclass(frozen=True)
class Job:
    """Follow-up work: a Celery task by name and its JSON-able arguments (and its pending-work row)."""

    task: str
    args: tuple = field(default_factory=tuple)
    work_id: int | None = field(default=None, compare=False)

    def as_json(self) -> str:
        """The job as one JSON object (what the pending-work table stores)."""
        return json.dumps({"task": self.task, "args": list(self.args)})


def after_commit(task: str, *args: Any) -> Job:
    """Queue the task `task` with `args` to run once the current unit of work has committed.

    The job is written to the pending-work table in this transaction (flushed with it, gone with a
    rollback), then relayed to the broker after the commit.
    """
    from tracker import pending_work

    json.dumps(args)  # a TypeError here, not in the broker after the commit: arguments are ids and text
    job = Job(task, tuple(args), pending_work.record(task, list(args)).id)
    db.session.info.setdefault(_KEY, []).append(job)
    return job


def queued_jobs() -> list[Job]:
    """The jobs the current unit of work will dispatch if it commits."""
    return list(db.session.info.get(_KEY, []))


def when_not_handed_over(task: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register what to record (in a unit of work of its own) when a job of `task` cannot be queued."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        _not_handed_over[task] = fn
        return fn

    return register


def discard() -> None:
    """Forget the queued jobs, as after a rollback."""
    db.session.info.pop(_KEY, None)
    db.session.info.pop(_KEEP, None)


def keep_despite_refusal() -> None:
    """Commit this request's unit of work though it answers with an error (a failed sign-in is counted)."""
    db.session.info[_KEEP] = True


def rollback() -> None:
    """Roll back the unit of work (or end a read-only transaction) and drop what it queued."""
    db.session.rollback()
    discard()


def commit() -> list[Job]:
    """Commit the unit of work, then dispatch what it queued; returns the jobs that could not be handed over.

    Only the boundaries below call this (and tests that play a boundary's part).
    """
    try:
        db.session.commit()
    except BaseException:
        rollback()
        raise
    db.session.info.pop(_KEEP, None)
    return _dispatch(db.session.info.pop(_KEY, []))


def _dispatch(jobs: list[Job]) -> list[Job]:
    """Relay each committed job to the broker; one that cannot go stays pending for the sweeper."""
    from tracker import pending_work

    failed = []
    for job in jobs:
        if pending_work.relay(job.work_id, job.task, list(job.args), attempt=1):
            continue
        failed.append(job)  # logged by the relay; its row stays for the sweeper to relay again
        _record_not_handed_over(job, pending_work.last_error(job.work_id))
    return failed


def _record_not_handed_over(job: Job, reason: str) -> None:
    record = _not_handed_over.get(job.task)
    if record is None:
        return
    try:
        with unit_of_work():
            record(*job.args, reason=reason)
    except Exception:  # noqa: BLE001 - the job's failure is already logged; so is this one
        log.exception("could not record that job %s%r was not handed over", job.task, job.args)


@contextmanager
def savepoint() -> Iterator[None]:
    """A part of the unit of work that may fail alone: on an exception its rows and its jobs are undone."""
    queued = db.session.info.setdefault(_KEY, [])
    mark = len(queued)
    try:
        with db.session.begin_nested():
            yield
    except BaseException:
        del queued[mark:]
        raise


@contextmanager
def unit_of_work(*, write: bool = False) -> Iterator[None]:
    """Run a block as one unit of work: commit and dispatch on success, roll back on any exception.

    `write`: on SQLite, begin with BEGIN IMMEDIATE (take the write lock before reading).
    A Celery ``Retry`` counts as success: the task recorded its attempt and asks to run again.
    """
    token = _writing.set(write or _writing.get())
    try:
        try:
            yield
        except BaseException as exc:
            if _is_retry(exc):
                commit()
            else:
                rollback()
            raise
        commit()
    finally:
        _writing.reset(token)


def _is_retry(exc: BaseException) -> bool:
    from celery.exceptions import Retry

    return isinstance(exc, Retry)


def transactional(fn: Callable[..., Any], *, write: bool = False) -> Callable[..., Any]:
    """Wrap `fn` (a CLI command's callback, a task's body) in one unit of work."""

    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with unit_of_work(write=write):
            return fn(*args, **kwargs)

    return run


def _one_unit_per_request(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view as one unit of work: commit when it answers below 400, roll back otherwise."""

    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            _undo_quietly()  # the error page must still be shown, even with the database gone
            raise
        if response.status_code >= 400 and not db.session.info.get(_KEEP):
            rollback()  # an error page or a refused form: nothing of it is kept
        else:
            commit()
        return response

    return run


def _undo_quietly() -> None:
    from tracker.database_outage import forget_unit_of_work

    forget_unit_of_work()  # rolls back, or drops the connections when even that fails
    db.session.info.pop(_KEEP, None)


def init_app(app: Flask) -> None:
    """Make every view of `app` one unit of work, and SQLite's writing units take the lock first."""
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = _one_unit_per_request(view)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _begin_sqlite_transactions_ourselves(app)


def _unit_writes() -> bool:
    if _writing.get():
        return True
    return has_request_context() and request.method not in SAFE_METHODS


def _begin_sqlite_transactions_ourselves(app: Flask) -> None:
    """A writing unit begins with BEGIN IMMEDIATE: it holds SQLite's write lock before it reads anything.

    Other units keep pysqlite's own way (reads see the latest commit; the first write begins).
    """
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "begin")
    def _begin(connection):  # noqa: ANN001
        if _unit_writes():
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_row(model, row_id: int) -> None:
    """Hold `model` row `row_id` until the unit of work ends (PostgreSQL: FOR UPDATE).

    On SQLite a writing unit already holds the database's write lock from its first statement.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return
    db.session.execute(db.select(model.id).where(model.id == row_id).with_for_update())

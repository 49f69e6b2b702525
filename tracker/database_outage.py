"""Surviving a database restart: only the requests in flight fail, each with a proper error answer.

The pool checks a connection before each use (`pool_pre_ping`), so the first request after a restart
gets a fresh one. What remains is the moment itself: a request whose connection dies must still answer
(the error pages never touch the database), and the end of a request must not fail in turn when the
rollback that returns its connection to the pool meets a dead server.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import DBAPIError

from tracker.extensions import db

log = logging.getLogger(__name__)

# Seconds a client is asked to wait when the database is unreachable (a restart takes a few).
RETRY_AFTER_SECONDS = 5


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` is the database (or the network to it) failing, rather than a bug of ours."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    # SQLite reports a missing table as an OperationalError too: that is our bug, not an outage.
    return type(exc.orig).__name__ in ("OperationalError", "InterfaceError") and "no such" not in str(exc.orig)


def forget_unit_of_work() -> None:
    """Roll back and drop queued work; with the database gone even the rollback may fail: then the
    session's connections are invalidated (the pool replaces them) instead of rolled back."""
    from tracker.dispatch import discard

    discard()
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the answer is already an error; the page must still be shown
        log.warning("rollback failed (database unreachable?); dropping the session's connections", exc_info=True)
        _invalidate_session()


def _invalidate_session() -> None:
    try:
        db.session.invalidate()
    except Exception:  # noqa: BLE001 - nothing more can be done for a connection that is gone
        log.warning("could not invalidate the session's connections", exc_info=True)
    finally:
        db.session.registry.clear()


def init_app(app: Flask) -> None:
    """End each request's session without letting a dead connection turn its answer into a bare 500."""

    # Registered after Flask-SQLAlchemy's, so it runs first (teardowns run in reverse order) and leaves
    # that one nothing to close.
    @app.teardown_appcontext
    def _release_session(_exc):
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001 - the answer is made; the connection died under it
            log.warning("closing the database session failed (database unreachable?)", exc_info=True)
            _invalidate_session()

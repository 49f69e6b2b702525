"""Follow-up work (tasks, emails, index writes) that may leave only after the database commit succeeds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tracker.extensions import db

log = logging.getLogger(__name__)

_KEY = "foiltrack_deferred"


def defer(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Queue `fn(*args, **kwargs)` to run once the current unit of work is committed."""
    db.session.info.setdefault(_KEY, []).append((fn, args, kwargs))


def discard() -> None:
    """Forget queued work, as after a rollback."""
    db.session.info.pop(_KEY, None)


def commit() -> None:
    """Commit the unit of work, then run what it queued (never before, never after a failure)."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard()
        raise
    queued = db.session.info.pop(_KEY, [])
    first_failure = None
    for fn, args, kwargs in queued:
        try:
            fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - logged; the rest still runs, then the first is raised
            # The data is committed: each queued piece (one email of twenty) must still get its chance.
            log.exception("work queued after the commit failed: %s%r", getattr(fn, "__name__", fn), args)
            first_failure = first_failure or exc
    if first_failure is not None:
        raise first_failure


def rollback() -> None:
    """Roll back the unit of work and drop what it queued."""
    db.session.rollback()
    discard()

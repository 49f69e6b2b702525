"""Batch work over requests' deadlines."""

from __future__ import annotations

from sqlalchemy import select

from tracker.extensions import db
from tracker.lifecycle import ENDED
from tracker.models import Request
from tracker.operations import recompute


def recompute_all() -> int:
    """Recompute every open request's status and next deadline for today; returns how many changed."""
    changed = 0
    ids = db.session.scalars(select(Request.id).where(Request.status.not_in(sorted(ENDED)))).all()
    for request_id in ids:
        request = db.session.get(Request, request_id)
        before = (request.status, request.next_deadline_on)
        recompute(request)
        if (request.status, request.next_deadline_on) != before:
            changed += 1
    return changed

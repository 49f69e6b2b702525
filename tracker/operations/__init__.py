"""Every change of state goes through these functions: the web pages, the API, the CLI and the workers.

Each takes the actor, writes its rows and their timeline entries, flushes (never commits) and queues
follow-up work with `tracker.dispatch.after_commit`; the unit of work around the caller commits once.
"""

from tracker.operations.accounts import (
    authenticate_token,
    calendar_secret,
    create_user,
    end_sessions,
    issue_token,
    revoke_token,
    set_active,
    set_role,
)
from tracker.operations.directory import create_agency, create_campaign, find_campaign, update_agency
from tracker.operations.errors import Conflict, Forbidden, Invalid, NotFound, OperationError
from tracker.operations.requests import (
    file_request,
    recompute,
    record_event,
    request_state,
    update_request,
)

__all__ = [
    "Conflict",
    "Forbidden",
    "Invalid",
    "NotFound",
    "OperationError",
    "authenticate_token",
    "calendar_secret",
    "create_agency",
    "create_campaign",
    "create_user",
    "end_sessions",
    "file_request",
    "find_campaign",
    "issue_token",
    "recompute",
    "record_event",
    "request_state",
    "revoke_token",
    "set_active",
    "set_role",
    "update_agency",
    "update_request",
]

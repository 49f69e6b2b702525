"""Who may open a page: the decorators and loaders every view uses (the rules are in tracker.permissions)."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from tracker import permissions
from tracker.extensions import db
from tracker.models import Request


def require(permission: str):
    """Sign-in required, then 403 unless the person's role holds `permission`."""
    permissions.can(None, permission)  # an unknown permission name fails at import, not on first use

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not permissions.can(current_user, permission):
                abort(403, description=f"A {current_user.role} may not open this page.")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def visible_request(request_id: int) -> Request:
    """The request if the signed-in person may see it; 404 otherwise, so its existence is not leaked."""
    found = db.session.get(Request, request_id)
    if found is None or not permissions.can_see_request(current_user, found):
        abort(404, description=f"There is no request {request_id} that you can see.")
    return found

"""JSON API v1: bearer-token authentication, JSON errors, and the endpoints of DESIGN §8."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from tracker import permissions
from tracker.operations import OperationError, authenticate_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# What a request without a token may call when PUBLIC_PORTAL is on (as the "anonymous" role).
PUBLIC_ENDPOINTS = frozenset({"api.search_pages"})


class ApiError(Exception):
    """An error answered as {"error": {"code", "message"}} with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_response(status: int, code: str, message: str, field: str | None = None):
    """The one shape of every API error."""
    body = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    return jsonify(body), status


@bp.before_request
def _authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header and request.endpoint in PUBLIC_ENDPOINTS and current_app.config["PUBLIC_PORTAL"]:
        g.api_user = permissions.PUBLIC  # the public portal: public pages only (issue 12)
        return
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "unauthenticated", "send an API token as 'Authorization: Bearer <token>'")
    user = authenticate_token(secret.strip())
    if user is None:
        raise ApiError(401, "unauthenticated", "the API token is unknown or was revoked")
    g.api_user = user


def requires(permission: str):
    """Refuse with 403 unless the token's user holds `permission`."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not permissions.can(g.api_user, permission):
                raise ApiError(403, "forbidden", f"a {g.api_user.role} may not do this ({permission})")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def json_body() -> dict:
    """The request's JSON object, or a 400 that says what is wrong with it."""
    if not request.data:
        raise ApiError(400, "invalid_json", "send a JSON object in the request body")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the request body must be a JSON object")
    return data


# Far beyond any real list, and small enough that the row offset stays a database integer.
MAX_PAGE = 1_000_000


def page_args() -> tuple[int, int]:
    """`page` and `per_page` from the query string, checked."""
    from flask import current_app

    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", current_app.config["PAGE_SIZE"]))
    except ValueError:
        raise ApiError(400, "invalid_page", "page and per_page must be whole numbers") from None
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= 500:
        raise ApiError(400, "invalid_page", f"page is between 1 and {MAX_PAGE}; per_page is between 1 and 500")
    return page, per_page


def paginated(query, page: int, per_page: int, serialise) -> dict:
    """A page of `query` (a Select) as {items, page, per_page, total}."""
    from sqlalchemy import func, select

    from tracker.extensions import db

    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return {"items": [serialise(r) for r in rows], "page": page, "per_page": per_page, "total": total}


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.field)


@bp.errorhandler(OperationError)
def _operation_error(exc: OperationError):
    return error_response(exc.status, exc.code, exc.message, exc.field)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    from flask import current_app

    from tracker.database_outage import RETRY_AFTER_SECONDS, database_unreachable, forget_unit_of_work

    forget_unit_of_work()
    if database_unreachable(exc):
        current_app.logger.error("database unreachable: %s", exc)
        response, status = error_response(503, "database_unavailable",
                                          "the database did not answer; check whether the change was made, then retry")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, status
    current_app.logger.exception("API error")
    return error_response(500, "internal_error", "something went wrong on our side; it was logged")


def init_app(app: Flask) -> None:
    """Register the API blueprint (exempt from CSRF: it authenticates by bearer token, not cookie)."""
    from tracker.api import (  # noqa: F401 - registers routes
        agencies,
        appeals,
        campaigns,
        documents,
        me,
        messages,
        requests,
        search,
        users,
    )
    from tracker.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _api_not_found(exc):
        if request.path.startswith(bp.url_prefix):
            return error_response(exc.code, exc.name.lower().replace(" ", "_"), exc.description)
        from tracker.web.errors import render_error

        return render_error(exc)

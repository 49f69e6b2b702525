"""JSON API v1: bearer-token authentication, JSON errors, and the endpoints other programs rely on."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from tracker import permissions
from tracker.operations import OperationError
from tracker.operations.accounts import token_for

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# What a request without a token may call when PUBLIC_PORTAL is on (as the "anonymous" role).
PUBLIC_ENDPOINTS = frozenset({"api.search_pages", "api.list_findings", "api.get_finding"})


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
    if request.endpoint == "api.openapi":
        return  # the API's description is public
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header and request.endpoint in PUBLIC_ENDPOINTS and current_app.config["PUBLIC_PORTAL"]:
        g.api_user = permissions.PUBLIC  # the public portal: public pages only
        return
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "unauthenticated", "send an API token as 'Authorization: Bearer <token>'")
    token = token_for(secret.strip())
    if token is None:
        raise ApiError(401, "unauthenticated", "the API token is unknown, expired or revoked")
    g.api_user, g.api_token = token.user, token


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


# Deeper than any body the API takes (an event's data is two or three levels), far from Python's limits.
MAX_JSON_DEPTH = 32


def read_json() -> dict:
    """The request's JSON object, checked: valid, an object, not nested too deep, and holding only text
    that can be stored (no lone surrogates, no NUL); a 400 or 422 that names the field otherwise."""
    if not request.data:
        raise ApiError(400, "invalid_json", "send a JSON object in the request body")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise ApiError(400, "invalid_json", f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the request body must be a JSON object")
    _check_values(data)
    return data


def _check_values(data: dict) -> None:
    # Iterative, so a deep value cannot exhaust the stack here either.
    pending = [(data, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            field = path.split(".")[0]
            raise ApiError(400, "invalid_json", f"{field}: nested more than {MAX_JSON_DEPTH} levels deep", field)
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                _check_text(key, where)
                pending.append((item, where, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, f"{path}.{n}", depth + 1) for n, item in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, path)


def _check_text(text: str, field: str) -> None:
    if "\x00" in text:
        raise ApiError(422, "invalid_text", f"{field}: text may not contain NUL characters", field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(422, "invalid_text", f"{field}: text holds a lone surrogate (\\ud800-\\udfff), which "
                                            "is not a character", field) from None


def json_body() -> dict:
    """The request's JSON object: as its endpoint's schema checked it (tracker.api.schemas), else with
    read_json's checks only."""
    checked = g.get("api_body")
    if checked is not None:
        return dict(checked)
    return read_json()


@bp.before_request
def _no_nul_in_the_query():
    # Search answers bad parameters as invalid_query; list filters as invalid_filter.
    code = "invalid_query" if request.endpoint == "api.search_pages" else "invalid_filter"
    for name, value in request.args.items(multi=True):
        if "\x00" in value or "\x00" in name:
            raise ApiError(400, code, f"{name}: a query parameter may not contain NUL characters", name)


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
    from tracker.error_log import log_server_error

    forget_unit_of_work()
    if database_unreachable(exc):
        current_app.logger.error("database unreachable: %s", exc)
        response, status = error_response(503, "database_unavailable",
                                          "the database did not answer; check whether the change was made, then retry")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, status
    log_server_error(current_app, current_app.logger, f"API error on {request.path} [{request.method}]", exc)
    return error_response(500, "internal_error", "something went wrong on our side; it was logged")


def init_app(app: Flask) -> None:
    """Register the API blueprint (exempt from CSRF: it authenticates by bearer token, not cookie)."""
    from tracker.api import (  # noqa: F401 - registers routes
        agencies,
        appeals,
        campaigns,
        documents,
        findings,
        me,
        messages,
        openapi,
        petition,
        requests,
        scorecards,
        search,
        tokens,
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
        if request.path.startswith("/public/") and current_app.config["PUBLIC_PORTAL"]:
            from tracker.public.errors import render_public_error

            return render_public_error(exc)
        from tracker.web.errors import render_error

        return render_error(exc)

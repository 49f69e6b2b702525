"""FOIL Tracker: case management for New York Freedom of Information Law requests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

import config as settings
from tracker.models.base import MAX_ID

ROOT = Path(__file__).resolve().parent.parent
# The largest request body accepted (Flask's MAX_CONTENT_LENGTH, 413 beyond it): nothing the app takes is
# bigger than a letter, and an unbounded body (a JSON post, or a file part the CSRF check parses before
# sign-in) would fill memory or the temporary disk.
MAX_REQUEST_BYTES = 16 << 20


class IdConverter(IntegerConverter):
    """`<int:...>` in routes, bounded by MAX_ID so that a huge number is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class TrackerApp(Flask):
    """Flask, logging a server error's traceback once per cause (tracker.error_log)."""

    def log_exception(self, exc_info) -> None:
        """Log an unhandled exception: in full the first time its cause is seen, then one line."""
        from flask import request

        from tracker.error_log import log_server_error

        log_server_error(self, self.logger, f"Exception on {request.path} [{request.method}]", exc_info[1])


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app; `config` overrides FOILTRACK_* environment variables and defaults."""
    values = settings.load(config)
    app = TrackerApp(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(values)
    app.url_map.converters["int"] = IdConverter
    from tracker.redaction import SecretConverter

    # `<secret:...>` marks a route argument that is a credential: the log filter masks it (tracker.redaction).
    app.url_map.converters["secret"] = SecretConverter
    app.config["MAX_CONTENT_LENGTH"] = values.get("MAX_CONTENT_LENGTH") or MAX_REQUEST_BYTES
    # The session cookie never rides along on another site's links or forms (CSRF tokens stay the main guard).
    app.config["SESSION_COOKIE_SAMESITE"] = app.config["SESSION_COOKIE_SAMESITE"] or "Lax"
    from tracker.private_files import make_private_folders

    make_private_folders([app.config["DATA_DIR"], app.config["BLOB_DIR"], app.config["INDEX_DIR"]])
    app.config["SECRET_KEY"] = settings.secret_key(values)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config["DATABASE_URL"]))
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URI"]

    if app.config["PROXY_COUNT"]:
        # Behind a proxy, the client's own address (for sign-in limits and logs) is in X-Forwarded-For.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from tracker.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    from tracker import database_outage

    database_outage.init_app(app)  # after db.init_app: its teardown must run before Flask-SQLAlchemy's
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    _enable_sqlite_foreign_keys(app)

    from tracker import api, headers, public, tasks, web

    headers.init_app(app)
    from tracker import compression

    compression.init_app(app)
    api.init_app(app)
    web.init_app(app)
    public.init_app(app)
    tasks.celery_init_app(app)

    from tracker import dispatch

    dispatch.init_app(app)  # after every blueprint: each view becomes one unit of work
    app.before_request(_statuses_as_of_today)

    from tracker.cli import register_commands

    register_commands(app)
    from tracker import redaction

    redaction.init_app(app)  # last: it reads every route's secret arguments
    return app


def create_service_app() -> Flask:
    """The app as a process of the service builds it (web, worker, command): everything the process
    writes from now on is private to the service's user (tracker.private_files)."""
    from tracker.private_files import use_private_umask

    use_private_umask()
    return create_app()


def _statuses_as_of_today() -> None:
    """Before a request reads anything, recompute the rows whose deadlines ran out since they were stored."""
    from flask import request

    if request.endpoint in (None, "static"):
        return
    from tracker.operations.requests import bring_up_to_date

    bring_up_to_date()


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # Several processes (web, worker, mail) share one SQLite file in the embedded mode.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _enable_sqlite_foreign_keys(app: Flask) -> None:
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        return
    from sqlalchemy import event

    from tracker.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

"""The web pages: one blueprint per area, sign-in, template helpers and error pages."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from importlib.util import find_spec

from flask import Flask, g

from tracker.extensions import login_manager

# Modules under tracker.web that define a blueprint `bp`; each area adds its own line.
# A listed module that does not exist yet is skipped, so areas can land in any order.
BLUEPRINTS = [
    "auth",
    "dashboard",
    "requests",
    "filing",
    "agencies",
    "campaigns",
    "people",
    "account",
    "mail",
    "search",
    "documents",
    "calendar",
    "appeals",
    "litigation",
    "bulk",
    "exports",
    "uploads",
    "audit",
    "letters",
    "portal",
    "page_images",
    "redaction_flags",
    "coverage",
    "scorecards",
    "findings",
]


def _blueprint_modules():
    for name in BLUEPRINTS:
        full = f"{__name__}.{name}"
        if find_spec(full) is None:
            continue
        yield import_module(full)


def init_app(app: Flask) -> None:
    """Register the page blueprints, the user loader, the template helpers and the error pages."""
    from tracker.web import errors, filters
    from tracker.web.forms import refuse_nul_characters

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_DAYS"])
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)

    @login_manager.user_loader
    def _load_user(session_id: str):
        # The cookies carry "<user id>:<session generation>:<session key>" (User.get_id): a cookie of a
        # session that ended (signed out, ended from My account, or every session ended) signs nobody in.
        from flask import request

        from tracker.operations.sessions import session_user

        return session_user(session_id, address=request.remote_addr)

    @app.before_request
    def _look_up_the_user_for_each_request():
        # Flask-Login caches the user on `g`; when an app context outlives one request (tests, scripts
        # that push a context), the next request must not inherit the previous request's person.
        g.pop("_login_user", None)

    app.before_request(refuse_nul_characters)
    for module in _blueprint_modules():
        app.register_blueprint(module.bp)
    filters.init_app(app)
    errors.init_app(app)

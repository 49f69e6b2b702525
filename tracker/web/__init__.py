"""The web pages: one blueprint per area, sign-in, template helpers and error pages."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from importlib.util import find_spec

from flask import Flask, g

from tracker.extensions import db, login_manager
from tracker.models import User

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

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_DAYS"])
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)

    @login_manager.user_loader
    def _load_user(session_id: str):
        # The session and remember cookies carry "<user id>:<session generation>" (User.get_id); a cookie
        # from an older generation was revoked (sign-out everywhere, new password or role, deactivation).
        user_id, _, generation = session_id.partition(":")
        if not (user_id.isdigit() and generation.isdigit()):
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_generation != int(generation):
            return None
        return user

    @app.before_request
    def _look_up_the_user_for_each_request():
        # Flask-Login caches the user on `g`; when an app context outlives one request (tests, scripts
        # that push a context), the next request must not inherit the previous request's person.
        g.pop("_login_user", None)

    for module in _blueprint_modules():
        app.register_blueprint(module.bp)
    filters.init_app(app)
    errors.init_app(app)

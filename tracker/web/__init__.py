"""The web pages: blueprints for each area, sign-in, and error pages."""

from __future__ import annotations

from flask import Flask

from tracker.extensions import db, login_manager
from tracker.models import User


def init_app(app: Flask) -> None:
    """Register the page blueprints, the user loader and the error pages."""
    from tracker.web import auth, dashboard, errors

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(user_id: str):
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    errors.init_app(app)

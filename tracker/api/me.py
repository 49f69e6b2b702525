"""Who the token belongs to."""

from flask import current_app, g, jsonify

from tracker.api import bp
from tracker.operations import calendar_secret


@bp.get("/me")
def me():
    """The signed-in person, their role and their private calendar feed URL."""
    user = g.api_user
    secret = calendar_secret(user)
    base = current_app.config["BASE_URL"].rstrip("/")
    return jsonify({"id": user.id, "email": user.email, "name": user.name, "role": user.role,
                    "calendar_url": f"{base}/calendar/{secret}.ics"})

"""The first page after sign-in."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    """What needs doing."""
    return render_template("dashboard/index.html")

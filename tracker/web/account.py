"""My account: password, my API tokens, my private calendar feed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from tracker.extensions import db
from tracker.models import ApiToken
from tracker.operations import OperationError, calendar_secret, issue_token, revoke_token
from tracker.operations.people import change_password
from tracker.web.forms import Form

bp = Blueprint("account", __name__, url_prefix="/account")


def calendar_url(secret: str) -> str:
    """The private calendar feed address (the secret is its only credential)."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/calendar/{secret}.ics"


def _page(form: Form | None = None, new_token: str | None = None, status: int = 200):
    secret = current_user.calendar_secret or calendar_secret(current_user)
    tokens = sorted(current_user.tokens, key=lambda t: t.created_at, reverse=True)
    return render_template("account/index.html", form=form if form is not None else Form({}), tokens=tokens,
                           new_token=new_token, calendar_url=calendar_url(secret)), status


@bp.get("/")
@login_required
def index():
    """My account."""
    return _page()


@bp.post("/password")
@login_required
def password():
    """Change my password."""
    form = Form()
    me = current_user._get_current_object()  # noqa: SLF001 - the User itself
    try:
        change_password(me, request.form.get("current_password", ""),
                        request.form.get("new_password", ""), request.form.get("confirm_password", ""), actor=me)
    except OperationError as exc:
        form.operation_error(exc, "new_password")
        return _page(form, status=422)
    # Every other session ended with the old password; this browser stays signed in with a fresh cookie.
    login_user(me, remember=bool(request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME",
                                                                             "remember_token"))))
    flash("Your password is changed. Every other browser signed in as you must sign in again.", "success")
    return redirect(url_for("account.index"))


@bp.post("/tokens")
@login_required
def new_token():
    """Issue an API token for me; it is shown once, on this page."""
    label = request.form.get("label", "").strip()[:200] or "web"
    secret = issue_token(current_user, label, actor=current_user)
    return _page(new_token=secret)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of my API tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404, description="You have no API token with that number.")
    revoke_token(token_id, current_user)
    flash(f"The token “{token.label}” is revoked; programs using it are now refused.", "success")
    return redirect(url_for("account.index"))


@bp.post("/calendar")
@login_required
def renew_calendar():
    """Give me a new calendar feed address; the old one stops working."""
    calendar_secret(current_user, renew=True)
    flash("Your calendar feed has a new address; update your calendar app.", "success")
    return redirect(url_for("account.index"))

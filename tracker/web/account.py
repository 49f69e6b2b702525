"""My account: password, the browsers signed in as me, my API tokens, my private calendar feed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from tracker.extensions import db
from tracker.models.base import utcnow
from tracker.operations import NotFound, OperationError, calendar_secret, issue_token, revoke_token
from tracker.operations.accounts import tokens_of
from tracker.operations.people import change_password
from tracker.operations.sessions import check_password_again, device, end_session, is_fresh, live_sessions
from tracker.web.forms import Form

bp = Blueprint("account", __name__, url_prefix="/account")
# Fields of the token form, so that its messages stand next to its own fields, not the password form's.
TOKEN_FIELDS = {"password": "token_password", "days": "token_days", "label": "label"}


def calendar_url(secret: str) -> str:
    """The private calendar feed address (the secret is its only credential)."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/calendar/{secret}.ics"


def _me():
    return current_user._get_current_object()  # noqa: SLF001 - the User itself


def _page(form: Form | None = None, new_token: str | None = None, status: int = 200):
    me, now = _me(), utcnow()
    secret = me.calendar_secret or calendar_secret(me)
    tokens = db.session.scalars(tokens_of(me)).all()
    this = me.current_session
    sessions = [{"row": s, "device": device(s.user_agent), "this": this is not None and s.id == this.id}
                for s in live_sessions(me, now)]
    return render_template("account/index.html", form=form if form is not None else Form({}), tokens=tokens,
                           new_token=new_token, calendar_url=calendar_url(secret), sessions=sessions, now=now,
                           password_needed=this is None or not is_fresh(this.verified_at, now),
                           token_days=current_app.config["TOKEN_DAYS"]), status


@bp.get("/")
@login_required
def index():
    """My account."""
    return _page()


@bp.post("/password")
@login_required
def password():
    """Change my password."""
    from tracker.web.auth import start_session

    form = Form()
    me = _me()
    try:
        change_password(me, request.form.get("current_password", ""),
                        request.form.get("new_password", ""), request.form.get("confirm_password", ""), actor=me)
    except OperationError as exc:
        form.operation_error(exc, "new_password")
        return _page(form, status=422)
    # Every session ended with the old password (and every API token); this browser stays signed in, as a
    # new session.
    remembered = me.current_session.remember if me.current_session is not None else False
    start_session(me, remember=remembered)
    flash("Your password is changed. Every other browser signed in as you must sign in again, and your API "
          "tokens are revoked.", "success")
    return redirect(url_for("account.index"))


@bp.post("/sessions/<int:session_id>/end")
@login_required
def end(session_id: int):
    """End one of my sessions; ending this browser's signs me out here."""
    me = _me()
    try:
        row = end_session(me, session_id, actor=me)
    except NotFound as exc:
        abort(404, description=exc.message)
    if me.current_session is not None and row.id == me.current_session.id:
        logout_user()
        flash("You are signed out.", "info")
        return redirect(url_for("auth.login"))
    flash(f"That session ({device(row.user_agent)}) is ended: it must sign in again.", "success")
    return redirect(url_for("account.index"))


@bp.post("/tokens")
@login_required
def new_token():
    """Issue an API token for me; it is shown once, on this page. The password is asked again when it
    was last typed in this session more than 10 minutes ago."""
    form = Form()
    me, now = _me(), utcnow()
    this = me.current_session
    days = form.whole_number("token_days", "the days the token works")
    if form.errors:
        return _page(form, status=422)
    try:
        checked = this.verified_at if this is not None and is_fresh(this.verified_at, now) else None
        if checked is None:
            checked = check_password_again(me, request.form.get("token_password", ""),
                                           request.remote_addr or "unknown", now)
            if this is not None:
                this.verified_at = checked
        secret = issue_token(me, form.get("label")[:200] or "web", actor=me, days=days,
                             password_checked_at=checked, now=now)
    except OperationError as exc:
        form.operation_error(exc)
        if exc.field in TOKEN_FIELDS:
            form.errors[TOKEN_FIELDS[exc.field]] = form.errors.pop(exc.field)
        return _page(form, status=exc.status)
    return _page(new_token=secret)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of my API tokens."""
    me = _me()
    try:
        token = revoke_token(token_id, me, owner=me)
    except NotFound:
        abort(404, description="You have no API token with that number.")
    flash(f"The token “{token.label}” is revoked; programs using it are now refused.", "success")
    return redirect(url_for("account.index"))


@bp.post("/calendar")
@login_required
def renew_calendar():
    """Give me a new calendar feed address; the old one stops working."""
    calendar_secret(current_user, renew=True)
    flash("Your calendar feed has a new address; update your calendar app.", "success")
    return redirect(url_for("account.index"))

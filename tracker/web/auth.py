"""Signing in and out, and accepting an invitation; failed sign-ins are limited (tracker.signin_limits),
logged and kept in the audit trail."""

from __future__ import annotations

import logging
from functools import cache
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import audit, signin_limits
from tracker.dispatch import keep_despite_refusal
from tracker.extensions import db
from tracker.models import User
from tracker.operations import Invalid, end_sessions
from tracker.operations.people import accept_invitation, invited_user
from tracker.operations.sessions import end_session, open_session
from tracker.web.filters import nytime_long
from tracker.web.forms import Form

bp = Blueprint("auth", __name__)
log = logging.getLogger("tracker.auth")


def _safe_next(target: str | None) -> str:
    """Only local paths: a sign-in link must not send people to another site."""
    # Browsers read a backslash as a slash ("/\\evil.org" is another site); control characters never belong.
    unsafe = "\\" in (target or "") or any(ord(c) < 32 for c in (target or ""))
    if target and not unsafe and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.index")


@cache
def _dummy_hash() -> str:
    return generate_password_hash("no account has this password")


def _refused_message(refusal: signin_limits.Refusal) -> str:
    until = nytime_long(refusal.until)
    if refusal.scope == "address":
        return f"Too many failed sign-ins from your address. Try again after {until}."
    return f"Too many failed sign-ins to this account from your address. Try again after {until}."


def start_session(user: User, remember: bool = False) -> None:
    """Sign `user` in on this browser, as a session of its own (tracker.operations.sessions)."""
    open_session(user, user_agent=request.headers.get("User-Agent", ""), address=request.remote_addr,
                 remember=remember)
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form (remember-me only when ticked); failures are limited per account and per address."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("dashboard.index"))
    form = Form()
    if request.method != "POST":
        return render_template("auth/login.html", form=form)
    email, address = form.get("email").lower(), request.remote_addr or "unknown"
    refused = signin_limits.refusal(email, address)
    if refused is not None:
        log.warning("sign-in refused for %r from %s: %s limit until %s", email, address, refused.scope,
                    refused.until)
        form.error("_form", _refused_message(refused))
        return render_template("auth/login.html", form=form), 429
    # An account many addresses fail to sign in to is slowed, never locked: the owner always gets in.
    waited = signin_limits.slow_down(email)
    if waited:
        log.warning("sign-in to %r slowed by %.2fs: many failures from many addresses", email, waited)
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    password = request.form.get("password", "")
    if user is None:
        # Check against a throwaway hash anyway, so the answer takes as long whether the email exists.
        check_password_hash(_dummy_hash(), password)
    elif user.active and user.check_password(password):
        start_session(user, remember=request.form.get("remember") == "on")
        log.info("sign-in: %s from %s", email, address)
        return redirect(_safe_next(request.args.get("next")))
    log.warning("failed sign-in for %r from %s", email, address)
    refused = signin_limits.record_failure(email, address)
    audit.record(audit.Actor("anonymous", f"sign-in attempt as {email[:200] or '(no email)'}"),
                 "sign_in.failed", user, changes={"email": email, "address": address,
                                                 "wait_until": refused.until if refused else None})
    keep_despite_refusal()  # the failed attempt counts (and is audited) though the answer is 401
    form.error("_form", "That email and password do not match an account. Check both and try again.")
    return render_template("auth/login.html", form=form), 401


@bp.post("/logout")
@login_required
def logout():
    """Sign out of this browser: its session ends on the server, so a copy of its cookies stops working."""
    me = current_user._get_current_object()  # noqa: SLF001 - the User itself
    if me.current_session is not None:
        end_session(me, me.current_session.id, actor=me)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """Sign out on every browser and device: every session and remember cookie issued so far stops working."""
    end_sessions(current_user._get_current_object(), actor=current_user._get_current_object())  # noqa: SLF001
    logout_user()
    flash("You are signed out everywhere: every browser that was signed in must sign in again.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<secret:token>", methods=["GET", "POST"])
def invitation(token: str):
    """Set a first password from an invitation link; the link works once."""
    form = Form()
    try:
        user = invited_user(token)
    except Invalid as exc:
        return render_template("auth/invitation.html", form=form, broken=exc.message, user=None), 400
    if request.method == "POST":
        try:
            form_values = request.form
            accept_invitation(token, form_values.get("password", ""), form_values.get("confirm_password", ""))
        except Invalid as exc:
            form.operation_error(exc, "password")
            return render_template("auth/invitation.html", form=form, user=user, broken=None), 422
        logout_user()
        start_session(user)
        flash("Your password is set. Welcome to FOIL Tracker.", "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/invitation.html", form=form, user=user, broken=None)

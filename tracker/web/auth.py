"""Signing in and out, and accepting an invitation; failed sign-ins are rate-limited and logged."""

from __future__ import annotations

import logging
from functools import cache
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db, limiter
from tracker.models import User
from tracker.operations import Invalid
from tracker.operations.people import accept_invitation, invited_user
from tracker.web.forms import Form

bp = Blueprint("auth", __name__)
log = logging.getLogger("tracker.auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    # Only failed attempts count against the limit: a colleague who signs in often is never locked out.
    return bool(g.get("login_failed"))


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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed,
               error_message="Too many failed sign-ins from your address. Wait a minute, then try again.")
def login():
    """The sign-in form (remember-me only when ticked)."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("dashboard.index"))
    form = Form()
    if request.method == "POST":
        email = form.get("email").lower()
        user = db.session.scalar(select(User).where(User.email == email)) if email else None
        password = request.form.get("password", "")
        if user is None:
            # Check against a throwaway hash anyway, so the answer takes as long whether the email exists.
            check_password_hash(_dummy_hash(), password)
        elif user.active and user.check_password(password):
            login_user(user, remember=request.form.get("remember") == "on")
            log.info("sign-in: %s from %s", email, get_remote_address())
            return redirect(_safe_next(request.args.get("next")))
        g.login_failed = True
        log.warning("failed sign-in for %r from %s", email, get_remote_address())
        form.error("_form", "That email and password do not match an account. Check both and try again.")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out."""
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
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
        login_user(user)
        flash("Your password is set. Welcome to FOIL Tracker.", "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/invitation.html", form=form, user=user, broken=None)

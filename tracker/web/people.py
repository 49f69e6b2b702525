"""People (administrators only): invite, set roles, deactivate and reactivate, revoke API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.models import ROLES, ApiToken, User
from tracker.operations import OperationError, revoke_token, set_active, set_role
from tracker.operations.people import invite_user
from tracker.web.access import require
from tracker.web.forms import Form, attempt
from tracker.web.schemas import InviteForm

bp = Blueprint("people", __name__, url_prefix="/people")

ROLE_HELP = {
    "admin": "everything, including this page",
    "lawyer": "everything but managing people",
    "volunteer": "reads requests, logs events and notes; no privileged documents, cannot delete",
    "researcher": "searches and reads public records only",
}


def _page(form: Form, status: int = 200, invited=None):
    people = db.session.scalars(select(User).order_by(User.email).options(selectinload(User.tokens))).all()
    return render_template("people/index.html", people=people, form=form, roles=ROLES, role_help=ROLE_HELP,
                           invited=invited), status


@bp.get("/")
@require("users.manage")
def index():
    """Everyone with access, their roles and API tokens."""
    return _page(Form({"role": "volunteer", "method": "link"}))


@bp.post("/")
@require("users.manage")
def invite():
    """Invite someone: a one-time set-password link, or a temporary password, shown once."""
    form = Form()
    form.required("email", "their email address")
    form.check(InviteForm)
    if form.get("role") not in ROLES:
        form.error("role", "Choose a role from the list.")
    if form:
        try:
            user, secret = invite_user(form.get("email"), form.get("role"), form.get("name"),
                                       method=form.get("method") or "link", actor=current_user)
        except OperationError as exc:
            form.operation_error(exc, "email")
        else:
            by_link = form.get("method") != "password"
            link = url_for("auth.invitation", token=secret, _external=True) if by_link else None
            # Shown on this response only, never stored in the session or a flash message.
            invited = {"user": user, "link": link, "password": None if link else secret}
            return _page(Form({"role": "volunteer", "method": "link"}), invited=invited)
    return _page(form, 422)


@bp.post("/<int:user_id>/role")
@require("users.manage")
def role(user_id: int):
    """Change someone's role."""
    person = db.session.get(User, user_id)
    if person is None:
        abort(404, description=f"There is no person {user_id}.")
    new_role = request.form.get("role", "")
    if person.id == current_user.id and new_role != "admin":
        flash("You cannot take away your own administrator role; ask another administrator.", "error")
        return redirect(url_for("people.index"))
    try:
        attempt(set_role, person, new_role, actor=current_user)
    except OperationError as exc:
        flash(exc.message[0].upper() + exc.message[1:] + ".", "error")
        return redirect(url_for("people.index"))
    flash(f"{person.email} is now a {person.role}.", "success")
    return redirect(url_for("people.index"))


@bp.post("/<int:user_id>/active")
@require("users.manage")
def active(user_id: int):
    """Deactivate someone (signed out everywhere, sign-in and API tokens refused) or reactivate them."""
    person = db.session.get(User, user_id)
    if person is None:
        abort(404, description=f"There is no person {user_id}.")
    wanted = {"yes": True, "no": False}.get(request.form.get("active", ""))
    if wanted is None:
        flash("Choose whether to deactivate or reactivate this person.", "error")
    elif person.id == current_user.id and not wanted:
        flash("You cannot deactivate yourself; ask another administrator.", "error")
    else:
        set_active(person, wanted, actor=current_user)
        flash(f"{person.email} is {'reactivated' if wanted else 'deactivated and signed out everywhere'}.",
              "success")
    return redirect(url_for("people.index"))


@bp.post("/tokens/<int:token_id>/revoke")
@require("users.manage")
def revoke(token_id: int):
    """Revoke anyone's API token."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404, description=f"There is no API token {token_id}.")
    revoke_token(token_id, current_user)
    flash(f"The token “{token.label}” of {token.user.email} is revoked.", "success")
    return redirect(url_for("people.index"))

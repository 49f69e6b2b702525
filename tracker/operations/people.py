"""People managing their own access: passwords, invitations, notes they leave on requests."""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tracker import audit
from tracker.extensions import db
from tracker.models import User
from tracker.operations.accounts import check_password_strength, create_user
from tracker.operations.errors import Forbidden, Invalid

INVITATION_SALT = "foiltrack-invitation"
INVITATION_DAYS = 7


def change_password(user: User, current: str, new: str, confirm: str | None = None, actor=None) -> User:
    """Replace the person's password after checking the one they have now; their other sessions end."""
    if not user.check_password(current or ""):
        raise Forbidden("the current password is not right", field="current_password")
    if confirm is not None and new != confirm:
        raise Invalid("the two new passwords are not the same", field="confirm_password")
    if new == current:
        raise Invalid("the new password must differ from the current one", field="new_password")
    try:
        check_password_strength(new or "")
    except Invalid as exc:
        raise Invalid(exc.message, field="new_password") from None
    user.set_password(new)
    user.end_sessions()
    audit.record(actor or user, "user.password", user)
    db.session.flush()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def _fingerprint(user: User) -> str:
    # The link carries a digest of the password hash, so it stops working once a password is set.
    return (user.password_hash or "none")[-12:]


def invitation_token(user: User) -> str:
    """A signed, one-time token that lets `user` set a password within INVITATION_DAYS."""
    return _serializer().dumps({"user": user.id, "state": _fingerprint(user)})


def invite_user(email: str, role: str, name: str = "", *, method: str = "link",
                actor=None) -> tuple[User, str]:
    """Create a person; returns (user, secret): a set-password token, or a temporary password shown once."""
    if method not in ("link", "password"):
        raise Invalid("choose a set-password link or a temporary password", field="method")
    if method == "password":
        temporary = secrets.token_urlsafe(12)
        return create_user(email, role, password=temporary, name=name, actor=actor), temporary
    user = create_user(email, role, name=name, actor=actor)
    return user, invitation_token(user)


def invited_user(token: str) -> User:
    """The person an invitation token belongs to, or Invalid saying why the link no longer works."""
    try:
        payload = _serializer().loads(token, max_age=INVITATION_DAYS * 86400)
    except SignatureExpired:
        raise Invalid(f"this invitation link is older than {INVITATION_DAYS} days; ask for a new one") \
            from None
    except BadSignature:
        raise Invalid("this invitation link is not valid; check that it was copied whole") from None
    user = db.session.get(User, payload.get("user"))
    if user is None or not user.active or payload.get("state") != _fingerprint(user):
        raise Invalid("this invitation link was already used; sign in, or ask for a new link") from None
    return user


def accept_invitation(token: str, password: str, confirm: str) -> User:
    """Set the invited person's first password; the link stops working."""
    user = invited_user(token)
    if password != confirm:
        raise Invalid("the two passwords are not the same", field="confirm_password")
    try:
        check_password_strength(password or "")
    except Invalid as exc:
        raise Invalid(exc.message, field="password") from None
    user.set_password(password)
    audit.record(user, "user.accept_invitation", user)
    db.session.flush()
    return user

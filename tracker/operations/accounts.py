"""People and their credentials: creating users, API tokens, calendar secrets."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from tracker import audit
from tracker.extensions import db
from tracker.models import ROLES, ApiToken, User
from tracker.models.base import utcnow
from tracker.models.users import hash_token
from tracker.operations.errors import Conflict, Invalid, NotFound

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}, not {role!r}", code="invalid_role", field="role")
    return role


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to protect privileged records."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"the password must have at least {MIN_PASSWORD} characters", field="password")


def create_user(email: str, role: str, *, password: str | None = None, name: str = "", actor=None) -> User:
    """Create a person with a role; the password is optional (an invitation sets it later)."""
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise Invalid(f"{email!r} is not an email address", field="email")
    _check_role(role)
    if db.session.scalar(select(User).where(User.email == email)):
        raise Conflict(f"a user with the email {email} already exists", code="duplicate")
    user = User(email=email, role=role, name=name.strip(), calendar_secret=secrets.token_urlsafe(24))
    if password is not None:
        check_password_strength(password)
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, changes={"email": email, "role": role, "name": user.name})
    return user


def set_role(user: User, role: str, actor=None) -> User:
    """Change a person's role; their sessions end, so the new role applies at their next sign-in."""
    before = user.role
    user.role = _check_role(role)
    if before != user.role:
        user.end_sessions(tokens=False)  # a token acts with the role its holder has at each call
        audit.record(actor, "user.role", user, changes={"role": {"before": before, "after": user.role}})
    db.session.flush()
    return user


def set_active(user: User, active: bool, actor=None) -> User:
    """Deactivate a person (their sessions end and their API tokens are revoked) or let them back in
    (with none of the old sessions or tokens)."""
    if not isinstance(active, bool):
        raise Invalid("active must be true or false", field="active")
    if user.active != active:
        user.active = active
        user.end_sessions()
        audit.record(actor, "user.reactivate" if active else "user.deactivate", user,
                     changes={"active": {"before": not active, "after": active}})
    db.session.flush()
    return user


def end_sessions(user: User, actor=None) -> User:
    """Sign a person out everywhere: every session and remember cookie issued so far stops working, and
    every API token is revoked."""
    user.end_sessions()
    audit.record(actor, "user.sign_out_everywhere", user)
    db.session.flush()
    return user


def issue_token(user: User, label: str = "", actor=None, **options) -> str:
    """Create an API token for `user` and return its secret, which is shown only this once (see
    `new_token` for the options)."""
    return new_token(user, label, actor, **options)[1]


def new_token(user: User, label: str = "", actor=None, *, days: int | None = None,
              password_checked_at: datetime | None = None, now: datetime | None = None) -> tuple[ApiToken, str]:
    """Create an API token for `user`; returns it and its secret, which is shown only this once.

    It expires after `days` (TOKEN_DAYS when not given; never longer). `password_checked_at`: when the
    maker's password was last checked (None when it was not, e.g. issued by another token).
    """
    longest = current_app.config["TOKEN_DAYS"]
    if days is None:
        days = longest
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise Invalid("days must be a whole number of days, 1 or more", field="days")
    if days > longest:
        raise Invalid(f"a token works at most {longest} days; choose {longest} or fewer", field="days")
    now = now or utcnow()
    secret = ApiToken.new_secret()
    token = ApiToken(user=user, token_hash=hash_token(secret), label=(label or "")[:200], created_at=now,
                     expires_at=now + timedelta(days=days), password_checked_at=password_checked_at)
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "token.issue", token, changes={"user": user.email, "label": token.label,
                                                       "expires_at": token.expires_at})
    return token, secret


def token_for(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The unrevoked, unexpired token with this secret whose holder is active, or None; notes its use (at
    most once a minute)."""
    if not secret:
        return None
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.state(now) != "active" or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= timedelta(minutes=1):
        token.last_used_at = now
    return token


def authenticate_token(secret: str) -> User | None:
    """The active user holding this unrevoked, unexpired token, or None."""
    token = token_for(secret)
    return token.user if token is not None else None


def tokens_of(user: User):
    """A query of the person's API tokens, the newest first."""
    return select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(),
                                                                        ApiToken.id.desc())


def revoke_token(token_id: int, actor=None, *, owner: User | None = None) -> ApiToken:
    """Revoke one API token (of `owner`, when given); it stops working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise NotFound(f"you have no API token {token_id}" if owner is not None else f"no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, "token.revoke", token, changes={"user": token.user.email, "label": token.label})
    db.session.flush()
    return token


def calendar_secret(user: User, *, renew: bool = False, actor=None) -> str:
    """The person's private calendar feed secret; `renew` revokes the old feed URL."""
    if renew or not user.calendar_secret:
        user.calendar_secret = secrets.token_urlsafe(24)
        db.session.flush()
        audit.record(actor, "calendar.renew" if renew else "calendar.create", user)
    return user.calendar_secret

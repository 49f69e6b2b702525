"""Signed-in sessions, one per sign-in, and the password typed again before a sensitive change.

A session's cookies (Flask's session cookie and the remember-me cookie) carry
"<user id>:<session generation>:<session key>" (User.get_id). The key names one UserSession row, of which
only a digest is stored: ending the row ends that browser's cookies and every copy of them, while the
generation still ends every session at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from ua_parser import parse as parse_user_agent

from tracker import audit, signin_limits
from tracker.dispatch import keep_despite_refusal
from tracker.extensions import db
from tracker.models import User, UserSession
from tracker.models.base import utcnow
from tracker.models.users import hash_token
from tracker.operations.errors import Forbidden, NotFound, OperationError

SEEN_EVERY = timedelta(minutes=1)  # last seen is written at most this often, not on every request
FRESH_FOR = timedelta(minutes=10)  # a password typed this recently need not be typed again


class TooManyTries(OperationError):
    """Too many failed passwords from this address: it must wait."""

    status = 429
    code = "too_many_attempts"


def open_session(user: User, *, user_agent: str = "", address: str | None = None, remember: bool = False,
                 now: datetime | None = None) -> UserSession:
    """Start a session for `user` after they typed their password; it becomes the user's current one."""
    import secrets

    now = now or utcnow()
    key = secrets.token_urlsafe(24)
    row = UserSession(user=user, key_hash=hash_token(key), created_at=now, verified_at=now, last_seen_at=now,
                      user_agent=(user_agent or "")[:300], address=(address or None) and address[:64],
                      remember=remember)
    db.session.add(row)
    db.session.flush()
    row.cookie_key = key
    user.current_session = row
    return row


def _lifetime() -> timedelta:
    return timedelta(days=current_app.config["REMEMBER_DAYS"])


def session_user(cookie_id: str, *, address: str | None = None, now: datetime | None = None) -> User | None:
    """The person a session or remember cookie signs in, or None when its session has ended (signed out,
    ended from the account page, every session ended, the person deactivated, or not seen for
    REMEMBER_DAYS). Notes when the session was last seen, at most once every SEEN_EVERY."""
    parts = (cookie_id or "").split(":")
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()) or not parts[2]:
        return None
    now = now or utcnow()
    user = db.session.get(User, int(parts[0]))
    if user is None or not user.active or user.session_generation != int(parts[1]):
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.key_hash == hash_token(parts[2]),
                                                      UserSession.user_id == user.id))
    if row is None or row.ended_at is not None or row.last_seen_at < now - _lifetime():
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        if address:
            row.address = address[:64]
    row.cookie_key = parts[2]
    user.current_session = row
    return user


def live_sessions(user: User, now: datetime | None = None) -> list[UserSession]:
    """The person's sessions that still work, the most recently seen first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
                                  UserSession.last_seen_at >= now - _lifetime())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def end_session(user: User, session_id: int, actor=None, now: datetime | None = None) -> UserSession:
    """End one of the person's sessions: its cookies, and any copy of them, stop working."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound("you have no session with that number")
    if row.ended_at is None:
        row.ended_at = now or utcnow()
        audit.record(actor, "session.end", user, changes={"session": row.id, "device": device(row.user_agent),
                                                          "address": row.address})
    db.session.flush()
    return row


def device(user_agent: str) -> str:
    """A person's words for the browser and system a User-Agent names ("Firefox on Windows")."""
    found = parse_user_agent(user_agent or "")
    browser = found.user_agent.family if found.user_agent else ""
    system = found.os.family if found.os else ""
    gadget = found.device.family if found.device and found.device.family not in ("Other", "") else ""
    if not browser or browser == "Other":
        return "Unknown browser" + (f" on {system}" if system and system != "Other" else "")
    where = gadget if gadget and gadget not in ("Mac", "Spider") else system
    return f"{browser} on {where}" if where and where != "Other" else browser


def is_fresh(checked_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether a password checked at `checked_at` is recent enough to skip asking for it again."""
    return checked_at is not None and (now or utcnow()) - checked_at <= FRESH_FOR


def check_password_again(user: User, password: str, address: str, now: datetime | None = None) -> datetime:
    """Check the password a person typed again to confirm a sensitive change; returns when it was checked.

    Wrong passwords count as failed sign-ins (the same limits and audit trail as the sign-in page), so a
    stolen session or token cannot be used to guess the password.
    """
    now = now or utcnow()
    refused = signin_limits.refusal(user.email, address, now)
    if refused is not None:
        raise TooManyTries("too many wrong passwords from your address; try again later", field="password")
    if not password:
        raise Forbidden("type your password again: it was last checked more than 10 minutes ago",
                        code="password_required", field="password")
    if not user.check_password(password):
        signin_limits.record_failure(user.email, address, now)
        audit.record(user, "sign_in.failed", user, changes={"email": user.email, "address": address,
                                                             "while": "confirming the password"})
        keep_despite_refusal()  # the failure counts though the answer is a refusal
        raise Forbidden("the password is not right", code="wrong_password", field="password")
    return now

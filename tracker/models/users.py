"""People who use FOIL Tracker, their signed-in sessions and the API tokens they hold."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.models.base import one_of, utcnow

ROLES = ("admin", "lawyer", "volunteer", "researcher")


def hash_token(token: str) -> str:
    """Tokens are kept only as SHA-256 digests: a stolen database yields no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # In every session and remember cookie: bumping it (sign-out everywhere, a new password, a new role,
    # deactivation) makes every cookie issued before stop working.
    session_generation: Mapped[int] = mapped_column(default=1, server_default="1")
    calendar_secret: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")
    sessions: Mapped[list[UserSession]] = relationship(back_populates="user", cascade="all, delete-orphan")
    # The sign-in this request is made under (set by the user loader or at sign-in; never stored here).
    current_session = None  # a UserSession

    def set_password(self, password: str) -> None:
        """Store a salted hash of `password`."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether `password` matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def get_id(self) -> str:  # Flask-Login: what the session and remember cookies carry
        # "<user id>:<session generation>:<this sign-in's key>": the key names one UserSession row, so
        # signing out of one browser ends its cookies (and copies of them) without touching the others.
        key = self.current_session.cookie_key if self.current_session is not None else ""
        return f"{self.id}:{self.session_generation or 1}:{key}"

    def end_sessions(self, *, tokens: bool = True) -> None:
        """Make every session and remember cookie issued so far stop working, and (unless `tokens` is
        False) revoke every API token, so that letting the person back in later revives none of them."""
        now = utcnow()
        self.session_generation = (self.session_generation or 1) + 1
        db.session.execute(update(UserSession).where(UserSession.user_id == self.id, UserSession.ended_at.is_(None))
                           .values(ended_at=now))
        if tokens:
            db.session.execute(update(ApiToken).where(ApiToken.user_id == self.id, ApiToken.revoked_at.is_(None))
                               .values(revoked_at=now))

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Every token ends: TOKEN_DAYS after it was issued unless its maker chose sooner.
    expires_at: Mapped[datetime | None]
    # When the maker's password was last checked before it was issued (None: issued without a recent check,
    # e.g. by another token or the command line); only a fresh one lets its holder issue tokens unasked.
    password_checked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

    @staticmethod
    def new_secret() -> str:
        """A fresh random token to give to the user once."""
        return "ft_" + secrets.token_urlsafe(32)

    def state(self, now: datetime) -> str:
        """`active`, `expired` or `revoked`, as of `now`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class UserSession(db.Model):
    """One sign-in on one browser: its session and remember cookies carry its key, and they stop working
    when it ends (signing out, ending it from the account page, or anything that ends every session)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the key in the cookies
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the password was last typed in this session (at sign-in, or again to issue a token).
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str | None] = mapped_column(String(64))
    remember: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(back_populates="sessions")
    # The key itself, known only in the request that made it or read it from a cookie.
    cookie_key = ""

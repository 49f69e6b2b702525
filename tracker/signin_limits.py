"""Sign-in limits shared by every web process: failed sign-ins counted per account and per address.

Two limits, each a moving window:
- LOGIN_RATE_LIMIT counts failures from one address to one account. Past it, that address must wait
  before trying that account again; people behind the same address signing in to other accounts are not
  held up, and the right password from another address still works.
- LOGIN_ACCOUNT_LIMIT counts failures to one account from every address. Past it, the account is locked
  until the window moves on, even for the right password, and the sign-in page says until when.

Failures are counted in the database (every web process shares it, no extra server), or in Redis when
RATELIMIT_STORAGE_URI is a redis:// URL. If Redis cannot be reached, the database counts them instead,
so that sign-in keeps working through a Redis outage.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from limits import parse
from sqlalchemy import delete, select

from tracker.extensions import db
from tracker.models.audit import SignInFailure
from tracker.models.base import utcnow

log = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 0.5  # a sign-in never waits longer than this on an unreachable Redis
REDIS_RETRY_SECONDS = 30  # after Redis failed, the database counts alone this long before Redis is tried again
KEY_PREFIX = "foiltrack:signin:"


@dataclass(frozen=True)
class Window:
    """A limit: `amount` failures within `seconds`."""

    amount: int
    seconds: int

    @classmethod
    def of(cls, text: str) -> Window:
        """Parse '10 per minute', '30 per hour', '5/15minutes'."""
        item = parse(text)
        return cls(item.amount, item.get_expiry())


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in is refused before the password is looked at, and until when (UTC, naive)."""

    scope: str  # "account": the account is locked; "address": this address must wait for this account
    until: datetime


def _until(times: list[datetime], window: Window) -> datetime | None:
    """When a moving window holding these failure times lets one more through (None: it does now)."""
    if len(times) < window.amount:
        return None
    times = sorted(times)
    return times[len(times) - window.amount] + timedelta(seconds=window.seconds)


# -- where the failures are kept ---------------------------------------------------------------------


class DatabaseCounts:
    """Failures as rows of sign_in_failures; written in the caller's unit of work."""

    def times(self, email: str, address: str | None, since: datetime) -> list[datetime]:
        """Failure times for the account (and, given an address, from that address) since `since`."""
        query = select(SignInFailure.at).where(SignInFailure.email == email, SignInFailure.at > since)
        if address is not None:
            query = query.where(SignInFailure.address == address)
        return list(db.session.scalars(query))

    def add(self, email: str, address: str, at: datetime, keep_seconds: int) -> None:
        """Count one failure, and forget those older than every window."""
        db.session.execute(delete(SignInFailure).where(SignInFailure.at < at - timedelta(seconds=keep_seconds)))
        db.session.add(SignInFailure(email=email, address=address, at=at))
        db.session.flush()


class RedisCounts:
    """Failures as sorted sets in Redis (score: the failure's Unix time), one per account and per pair."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                           socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        self.down_until = 0.0  # time.monotonic() before which Redis is not tried (it just failed)

    @staticmethod
    def _key(email: str, address: str | None) -> str:
        return f"{KEY_PREFIX}{email}" + (f"|{address}" if address is not None else "")

    def times(self, email: str, address: str | None, since: datetime) -> list[datetime]:
        """Failure times for the account (and, given an address, from that address) since `since`."""
        scores = self.client.zrangebyscore(self._key(email, address), _epoch(since), "+inf", withscores=True)
        return [datetime(1970, 1, 1) + timedelta(seconds=score) for _member, score in scores]

    def add(self, email: str, address: str, at: datetime, keep_seconds: int) -> None:
        """Count one failure in both sets; each set expires once its newest failure is out of every window."""
        member = f"{_epoch(at)}:{secrets.token_hex(4)}"
        pipe = self.client.pipeline()
        for key in (self._key(email, None), self._key(email, address)):
            pipe.zremrangebyscore(key, 0, _epoch(at) - keep_seconds)
            pipe.zadd(key, {member: _epoch(at)})
            pipe.expire(key, keep_seconds)
        pipe.execute()


def _epoch(moment: datetime) -> float:
    return (moment - datetime(1970, 1, 1)).total_seconds()


def _stores() -> list:
    """Redis first when configured, then the database, which is always there."""
    url = current_app.config["RATELIMIT_STORAGE_URI"] or "database"
    database = DatabaseCounts()
    if url.startswith(("redis://", "rediss://", "unix://")):
        stores = current_app.extensions.setdefault("foiltrack_signin_redis", {})
        if url not in stores:
            stores[url] = RedisCounts(url)
        return [stores[url], database]
    return [database]


def _with_fallback(action):
    import redis

    stores = _stores()
    for store in stores[:-1]:
        if time.monotonic() < store.down_until:
            continue
        try:
            return action(store)
        except redis.RedisError as exc:
            store.down_until = time.monotonic() + REDIS_RETRY_SECONDS
            log.warning("sign-in limits: Redis is unreachable (%s); counting in the database for %ss",
                        exc, REDIS_RETRY_SECONDS)
    return action(stores[-1])


# -- the rules ----------------------------------------------------------------------------------------


def windows() -> tuple[Window, Window]:
    """(per address and account, per account) from the settings."""
    return Window.of(current_app.config["LOGIN_RATE_LIMIT"]), Window.of(current_app.config["LOGIN_ACCOUNT_LIMIT"])


def _email(email: str) -> str:
    return (email or "").strip().lower()[:320]


def refusal(email: str, address: str, now: datetime | None = None) -> Refusal | None:
    """Why this sign-in must wait (the account is locked, or this address tried it too often), or None."""
    now = now or utcnow()
    email = _email(email)
    pair, account = windows()

    def check(store) -> Refusal | None:
        locked = _until(store.times(email, None, now - timedelta(seconds=account.seconds)), account)
        if locked is not None and locked > now:
            return Refusal("account", locked)
        waiting = _until(store.times(email, address, now - timedelta(seconds=pair.seconds)), pair)
        if waiting is not None and waiting > now:
            return Refusal("address", waiting)
        return None

    return _with_fallback(check)


def record_failure(email: str, address: str, now: datetime | None = None) -> Refusal | None:
    """Count a failed sign-in; returns the refusal the next try would meet, if any."""
    now = now or utcnow()
    keep = max(w.seconds for w in windows())
    _with_fallback(lambda store: store.add(_email(email), address, now, keep))
    return refusal(email, address, now)

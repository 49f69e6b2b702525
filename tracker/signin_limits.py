"""The one rate limiter: events counted under a key in a moving window, shared by every process.

Events (a failed sign-in, a resident's submission, a resident email sent) are counted in the database
(every process shares it; the rows are written in the caller's unit of work) or in Redis when
RATELIMIT_STORAGE_URI names a Redis server. If Redis cannot be reached, the database counts instead, so
that nothing stops working through a Redis outage. `network` and `client_key` give the key of an address.

(The `limits` package parses the settings; its own strategies are not used because they keep no count in
the database and stop counting once a window is full, while the sign-in delay grows with every failure.)

Sign-in rules, each a moving window:
- LOGIN_RATE_LIMIT: failures from one address to one account. Past it, that address waits before trying
  that account again; others behind the address, and the account from elsewhere, are not held up.
- LOGIN_ADDRESS_LIMIT: failures from one address to any account (password spraying). Past it, that
  address waits before trying any account.
- LOGIN_ACCOUNT_LIMIT: failures to one account from every address. Past it, every sign-in to the account
  is slowed by a delay that grows with each further failure, up to MAX_DELAY_SECONDS; never a lock-out,
  so that nobody can keep the owner out by failing on purpose from many addresses.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from limits import parse
from sqlalchemy import delete, select

from tracker.extensions import db
from tracker.models.audit import LimitHit
from tracker.models.base import utcnow

log = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 0.5  # nothing waits longer than this on an unreachable Redis
REDIS_RETRY_SECONDS = 30  # after Redis failed, the database counts alone this long before Redis is tried again
KEY_PREFIX = "foiltrack:limit:"
DAY_SECONDS = 24 * 3600
MAX_DELAY_SECONDS = 3.0  # the longest a sign-in to an attacked account is slowed
FIRST_DELAY_SECONDS = 0.25  # the delay at the account limit; it doubles every DELAY_DOUBLES_EVERY failures
DELAY_DOUBLES_EVERY = 5


@dataclass(frozen=True)
class Window:
    """A limit: `amount` events within `seconds`."""

    amount: int
    seconds: int

    @classmethod
    def of(cls, text: str) -> Window:
        """Parse '10 per minute', '30 per hour', '5/15minutes'."""
        item = parse(text)
        return cls(item.amount, item.get_expiry())


def network(address: str) -> str:
    """The network an address belongs to for limits: IPv4 /24, IPv6 /64 (anything else as it is)."""
    return _network(address, 24)


def client_key(address: str) -> str:
    """One client for limits: an IPv4 address itself, an IPv6 address by its /64 (one machine holds a
    whole /64, so counting single IPv6 addresses would count nothing)."""
    return _network(address, 32)


def _network(address: str, ipv4_prefix: int) -> str:
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text[:64] or "unknown"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = ipv4_prefix if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def private_key(text: str) -> str:
    """A key part that must not store personal data as it is (a resident's email): its digest."""
    return hashlib.sha256(text.encode()).hexdigest()[:40]


# -- where events are kept ----------------------------------------------------------------------------


class DatabaseCounts:
    """Events as rows of rate_limit_hits; written in the caller's unit of work."""

    def times(self, key: str, since: datetime) -> list[datetime]:
        """Event times under `key` after `since`."""
        return list(db.session.scalars(select(LimitHit.at).where(LimitHit.key == key, LimitHit.at > since)))

    def add(self, keys: list[str], at: datetime, keep_seconds: int) -> None:
        """Count one event under each key, and forget what every window has left behind."""
        db.session.execute(delete(LimitHit).where(LimitHit.key.in_(keys),
                                                  LimitHit.at < at - timedelta(seconds=keep_seconds)))
        db.session.execute(delete(LimitHit).where(LimitHit.at < at - timedelta(seconds=_longest_seconds())))
        db.session.add_all(LimitHit(key=key, at=at) for key in keys)
        db.session.flush()


class RedisCounts:
    """Events as sorted sets in Redis (score: the event's Unix time), one per key."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                           socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        self.down_until = 0.0  # time.monotonic() before which Redis is not tried (it just failed)

    def times(self, key: str, since: datetime) -> list[datetime]:
        """Event times under `key` after `since`."""
        scores = self.client.zrangebyscore(KEY_PREFIX + key, f"({_epoch(since)}", "+inf", withscores=True)
        return [datetime(1970, 1, 1) + timedelta(seconds=score) for _member, score in scores]

    def add(self, keys: list[str], at: datetime, keep_seconds: int) -> None:
        """Count one event in each set; a set expires once its newest event is out of every window."""
        member = f"{_epoch(at)}:{secrets.token_hex(4)}"
        pipe = self.client.pipeline()
        for key in keys:
            pipe.zremrangebyscore(KEY_PREFIX + key, 0, _epoch(at) - keep_seconds)
            pipe.zadd(KEY_PREFIX + key, {member: _epoch(at)})
            pipe.expire(KEY_PREFIX + key, keep_seconds)
        pipe.execute()


def _epoch(moment: datetime) -> float:
    return (moment - datetime(1970, 1, 1)).total_seconds()


def _longest_seconds() -> int:
    """The longest window any limit counts over: older events count for nothing."""
    config = current_app.config
    signin = [Window.of(config[name]).seconds for name in ("LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_LIMIT",
                                                           "LOGIN_ADDRESS_LIMIT")]
    return max([DAY_SECONDS, *signin])


def _stores() -> list:
    """Redis first when configured, then the database, which is always there."""
    url = current_app.config["RATELIMIT_STORAGE_URI"] or "database"
    database = DatabaseCounts()
    if url.startswith(("redis://", "rediss://", "unix://")):
        stores = current_app.extensions.setdefault("foiltrack_limit_redis", {})
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
            log.warning("rate limits: Redis is unreachable (%s); counting in the database for %ss",
                        exc, REDIS_RETRY_SECONDS)
    return action(stores[-1])


# -- the limiter --------------------------------------------------------------------------------------


def count(key: str, window: Window, now: datetime | None = None) -> int:
    """How many events `key` holds in the window ending `now`."""
    now = now or utcnow()
    return len(_with_fallback(lambda store: store.times(key, now - timedelta(seconds=window.seconds))))


def free_at(key: str, window: Window, now: datetime | None = None) -> datetime | None:
    """When the moving window lets one more event under `key` through (None: it does now)."""
    now = now or utcnow()
    times = sorted(_with_fallback(lambda store: store.times(key, now - timedelta(seconds=window.seconds))))
    if len(times) < window.amount:
        return None
    return times[len(times) - window.amount] + timedelta(seconds=window.seconds)


def hit(keys: Iterable[str], keep_seconds: int, now: datetime | None = None) -> None:
    """Count one event under each of `keys` (kept `keep_seconds`, the longest window they are read with)."""
    now = now or utcnow()
    keys = list(keys)
    _with_fallback(lambda store: store.add(keys, now, keep_seconds))


# -- sign-in ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in is refused before the password is looked at, and until when (UTC, naive)."""

    scope: str  # "address": this address tried too many accounts; "pair": this address tried this account
    until: datetime


def windows() -> dict[str, Window]:
    """The sign-in windows from the settings: per pair (address and account), per address, per account."""
    config = current_app.config
    return {"pair": Window.of(config["LOGIN_RATE_LIMIT"]), "address": Window.of(config["LOGIN_ADDRESS_LIMIT"]),
            "account": Window.of(config["LOGIN_ACCOUNT_LIMIT"])}


def _signin_keys(email: str, address: str) -> dict[str, str]:
    email, client = (email or "").strip().lower()[:300], client_key(address)
    return {"pair": f"signin:pair:{email}|{client}", "address": f"signin:address:{client}",
            "account": f"signin:account:{email}"}


def refusal(email: str, address: str, now: datetime | None = None) -> Refusal | None:
    """Why a sign-in from `address` to `email` must wait (too many failures from the address, to any
    account or to this one), or None."""
    now = now or utcnow()
    keys, limits = _signin_keys(email, address), windows()
    for scope in ("address", "pair"):
        until = free_at(keys[scope], limits[scope], now)
        if until is not None and until > now:
            return Refusal(scope, until)
    return None


def delay(email: str, now: datetime | None = None) -> float:
    """Seconds every sign-in to this account is slowed by: none below LOGIN_ACCOUNT_LIMIT failures, then
    FIRST_DELAY_SECONDS doubling every DELAY_DOUBLES_EVERY failures, at most MAX_DELAY_SECONDS."""
    window = windows()["account"]
    beyond = count(_signin_keys(email, "")["account"], window, now) - window.amount
    if beyond < 0:
        return 0.0
    return min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** (beyond // DELAY_DOUBLES_EVERY))


def record_failure(email: str, address: str, now: datetime | None = None) -> Refusal | None:
    """Count a failed sign-in; returns the refusal the next try from this address would meet, if any."""
    now = now or utcnow()
    keep = max(w.seconds for w in windows().values())
    hit(_signin_keys(email, address).values(), keep, now)
    return refusal(email, address, now)


def slow_down(email: str) -> float:
    """Wait the account's delay (see `delay`) before its password is checked; returns the seconds waited.

    Call it before the unit of work writes anything: the unit's transaction is ended before the wait, so
    that no lock (SQLite's write lock above all) is held while a sign-in waits.
    """
    from tracker.dispatch import rollback

    seconds = delay(email)
    if seconds:
        rollback()
        time.sleep(seconds)
    return seconds

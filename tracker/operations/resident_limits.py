"""Residents' limits, counted by the one rate limiter (tracker.signin_limits).

- Submissions per email address in 24 hours (RESIDENT_LIMIT_PER_EMAIL), counting the address as mail
  reaches it: `name+tag@host` and a trailing dot are the same mailbox as `name@host`.
- Submissions per network in 24 hours (RESIDENT_LIMIT_PER_ADDRESS): an IPv4 /24 or an IPv6 /64, since
  one person holds a whole IPv6 /64 and often many IPv4 addresses of one block.
- Confirmation emails per campaign in an hour (RESIDENT_LIMIT_PER_HOUR), to protect the campaign's
  sending reputation: a submission over it is kept, and its email waits. The sender asks for a place
  with `take_resident_sending_place` before each confirmation email; the pages ask
  `resident_sending_paused` (and `resident_sending_resumes_at`) to tell the resident their email waits.

Keys hold digests of email addresses, never the addresses: a forgotten resident leaves no address here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from tracker import signin_limits
from tracker.models.base import utcnow
from tracker.signin_limits import DAY_SECONDS, Window

HOUR_SECONDS = 3600


@dataclass(frozen=True)
class Refused:
    """Why a submission is refused: a message and the field at fault (None: the whole form)."""

    message: str
    field: str | None


def canonical_email(email: str) -> str:
    """The mailbox an address reaches: lower case, without a `+tag` and without trailing dots."""
    text = (email or "").strip().lower()
    local, at, domain = text.rpartition("@")
    if not at:
        return text.rstrip(".")
    return f"{local.split('+', 1)[0].rstrip('.')}@{domain.rstrip('.')}"


def _email_key(email: str) -> str:
    return "residents:email:" + signin_limits.private_key(canonical_email(email))


def _network_key(client_address: str) -> str:
    return "residents:network:" + signin_limits.network(client_address)


def check_submission(email: str, client_address: str, now: datetime | None = None) -> Refused | None:
    """Refuse a submission past the per-email or per-network limit of 24 hours, or count it."""
    now = now or utcnow()
    config = current_app.config
    if signin_limits.free_at(_email_key(email), Window(config["RESIDENT_LIMIT_PER_EMAIL"], DAY_SECONDS), now):
        return Refused("this email address has made as many requests as it may today; try again tomorrow",
                       "email")
    keys = [_email_key(email)]
    if client_address:
        network = Window(config["RESIDENT_LIMIT_PER_ADDRESS"], DAY_SECONDS)
        if signin_limits.free_at(_network_key(client_address), network, now):
            return Refused("too many requests have come from your network today; try again tomorrow", None)
        keys.append(_network_key(client_address))
    signin_limits.hit(keys, DAY_SECONDS, now)
    return None


def _sending_key(campaign) -> str:
    return f"residents:emails:campaign:{campaign.id}"


def _sending_window() -> Window:
    return Window(current_app.config["RESIDENT_LIMIT_PER_HOUR"], HOUR_SECONDS)


def resident_sending_resumes_at(campaign, now: datetime | None = None) -> datetime | None:
    """When the campaign may send its next confirmation email (UTC, naive), or None: it may now."""
    now = now or utcnow()
    until = signin_limits.free_at(_sending_key(campaign), _sending_window(), now)
    return until if until is not None and until > now else None


def resident_sending_paused(campaign, now: datetime | None = None) -> bool:
    """Whether the campaign has sent RESIDENT_LIMIT_PER_HOUR confirmation emails in the last hour, so a
    new submission's email waits (at most an hour) for a free place."""
    return resident_sending_resumes_at(campaign, now) is not None


def take_resident_sending_place(campaign, now: datetime | None = None) -> bool:
    """Count one confirmation email of the campaign if the hour has room for it (True: send it now);
    False: it must wait until `resident_sending_resumes_at`."""
    now = now or utcnow()
    if resident_sending_paused(campaign, now):
        return False
    signin_limits.hit([_sending_key(campaign)], HOUR_SECONDS, now)
    return True

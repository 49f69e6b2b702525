"""Residents' limits through the one rate limiter, counted in the database and in a real Redis: the
per-email limit counts the mailbox (no +tags, no trailing dots), the per-address limit counts networks
(IPv4 /24, IPv6 /64), and the campaign's hourly cap holds confirmation emails back without refusing
anyone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import public_support as support
from tests.servers.redis import start_redis, stop_redis

BOTH_DATABASES = True
campaign = support.campaign  # fixture


@pytest.fixture(params=["database", "redis"])
def app_config(app_config, request):
    config = support.portal_config(app_config)
    if request.param == "redis":
        redis = start_redis()
        request.addfinalizer(lambda: stop_redis(redis))
        config["RATELIMIT_STORAGE_URI"] = redis.url
    return config


@pytest.mark.parametrize(("typed", "mailbox"), [
    ("rosa@example.net", "rosa@example.net"),
    ("Rosa@Example.NET", "rosa@example.net"),
    ("rosa+foil@example.net", "rosa@example.net"),
    ("rosa+a+b@example.net", "rosa@example.net"),
    ("rosa@example.net.", "rosa@example.net"),
    ("rosa.@example.net", "rosa@example.net"),
    ("  rosa+x@example.net.. ", "rosa@example.net"),
    ("ro.sa@example.net", "ro.sa@example.net"),  # dots inside the name are another mailbox on most hosts
    ("rosa@sub.example.net", "rosa@sub.example.net"),
])
def test_the_mailbox_an_address_reaches(typed, mailbox):
    from tracker.operations.resident_limits import canonical_email

    assert canonical_email(typed) == mailbox


def _submit(campaign, email: str, address: str, nta: str):
    from tracker.dispatch import commit
    from tracker.geo import find_neighborhood
    from tracker.operations.residents import submit

    resident, _secret = submit(campaign, find_neighborhood(nta), "Rosa Parks", email, client_address=address)
    commit()
    return resident


NTAS = ["BK0101", "BK0102", "BK0103", "BK0104", "BK0201", "BK0202"]


def test_tags_and_trailing_dots_count_as_one_mailbox(app, campaign):
    from tracker.dispatch import rollback
    from tracker.operations.residents import LimitReached

    app.config.update(RESIDENT_LIMIT_PER_EMAIL=2, RESIDENT_LIMIT_PER_ADDRESS=100)
    _submit(campaign, "rosa+one@example.net", "203.0.113.1", NTAS[0])
    _submit(campaign, "rosa@example.net.", "198.51.100.1", NTAS[1])
    with pytest.raises(LimitReached) as refused:
        _submit(campaign, "rosa+three@example.net", "192.0.2.1", NTAS[2])
    rollback()
    assert refused.value.field == "email" and refused.value.status == 429
    _submit(campaign, "someone.else@example.net", "192.0.2.1", NTAS[2])  # another mailbox is fine


@pytest.mark.parametrize(("first", "same_network", "other_network"), [
    ("203.0.113.5", "203.0.113.250", "203.0.114.5"),
    ("2001:db8:aa:1::5", "2001:db8:aa:1:ffff::9", "2001:db8:aa:2::5"),
])
def test_the_per_address_limit_counts_networks(app, campaign, first, same_network, other_network):
    from tracker.dispatch import rollback
    from tracker.operations.residents import LimitReached

    app.config.update(RESIDENT_LIMIT_PER_EMAIL=100, RESIDENT_LIMIT_PER_ADDRESS=2)
    _submit(campaign, "a@example.net", first, NTAS[0])
    _submit(campaign, "b@example.net", same_network, NTAS[1])
    with pytest.raises(LimitReached) as refused:
        _submit(campaign, "c@example.net", same_network, NTAS[2])
    rollback()
    assert refused.value.field is None and "network" in refused.value.message
    _submit(campaign, "c@example.net", other_network, NTAS[2])


def test_limits_refused_on_the_page_keep_nothing_and_say_why(app, client, campaign):
    from sqlalchemy import func, select

    from tracker.extensions import db
    from tracker.models import Resident

    app.config.update(RESIDENT_LIMIT_PER_EMAIL=1)
    page = client.get("/public/ban-the-scan/request?nta=BK0101")
    data = {"csrf_token": support.form_token(page.get_data(as_text=True)), "name": "Rosa Parks",
            "email": "rosa+1@example.net", "nta": "BK0101"}
    first = client.post("/public/ban-the-scan/request", data=data)
    assert first.status_code == 302, first.get_data(as_text=True)  # on to the page that says what was sent
    again = client.post("/public/ban-the-scan/request", data={**data, "email": "rosa+2@example.net",
                                                               "nta": "BK0102"})
    assert again.status_code == 429 and "Too many requests" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Resident)) == 1


def test_the_hourly_cap_holds_emails_back_without_refusing_submissions(app, campaign, make_agency):
    from tracker.dispatch import commit
    from tracker.models.base import utcnow
    from tracker.operations.campaigns import create_public_campaign
    from tracker.operations.resident_limits import (
        resident_sending_paused,
        resident_sending_resumes_at,
        take_resident_sending_place,
    )

    app.config.update(RESIDENT_LIMIT_PER_HOUR=3)
    other = create_public_campaign(None, name="Other", slug="other", agency_id=campaign.agency_id, public=True)
    commit()
    start = utcnow()
    moments = [start + timedelta(minutes=m) for m in (0, 10, 20)]
    assert not resident_sending_paused(campaign, start)
    assert [take_resident_sending_place(campaign, at) for at in moments] == [True, True, True]
    commit()
    later = start + timedelta(minutes=30)
    assert resident_sending_paused(campaign, later)
    assert not take_resident_sending_place(campaign, later)  # the email waits...
    assert resident_sending_resumes_at(campaign, later) == start + timedelta(hours=1)  # ...until a place frees
    assert not resident_sending_paused(other, later)  # each campaign has its own hour
    # Submissions past the cap are still kept (the cap is on emails, not on residents).
    residents = [_submit(campaign, f"r{n}@example.net", f"192.0.2.{n}", NTAS[n]) for n in range(5)]
    assert len({r.id for r in residents}) == 5
    after_an_hour = start + timedelta(hours=1, seconds=1)
    assert not resident_sending_paused(campaign, after_an_hour)
    assert resident_sending_resumes_at(campaign, after_an_hour) is None
    assert take_resident_sending_place(campaign, after_an_hour)


def test_no_email_address_is_kept_in_the_counts(app, campaign):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import LimitHit

    _submit(campaign, "private.person@example.net", "203.0.113.9", NTAS[0])
    if app.config["RATELIMIT_STORAGE_URI"] == "database":
        keys = db.session.scalars(select(LimitHit.key)).all()
    else:
        import redis

        keys = [k.decode() for k in redis.Redis.from_url(app.config["RATELIMIT_STORAGE_URI"]).keys("*")]
    # The mailbox (hashed), the network, and the campaign's hourly count of confirmation emails.
    assert len(keys) == 3 and any("203.0.113.0/24" in k for k in keys)
    assert not any("private" in k or "example.net" in k for k in keys)

"""One state everywhere: the map, every neighborhood page and the staff coverage page agree for every
neighborhood of the demonstration, all from the lifecycle fold; and a confirmed request counts at once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import public_support as support
from tests.public_support import form_token

campaign = support.campaign  # fixture


@pytest.fixture
def app_config(app_config):
    return support.portal_config(app_config)


@pytest.fixture
def demo(app):
    from tracker.cli.demo import load_demo
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Campaign

    load_demo()
    commit()
    return db.session.scalar(select(Campaign).where(Campaign.slug == "ban-the-scan"))


def map_states(client, slug: str) -> dict[str, str]:
    html = client.get(f"/public/{slug}/").get_data(as_text=True)
    return dict(re.findall(r'data-nta="([A-Z]{2}\d{4})" class="nta s-([a-z]+)"', html))


def test_the_map_every_neighborhood_page_and_the_coverage_page_agree(client, demo, login):
    from tracker import geo

    shown = map_states(client, demo.slug)
    assert len(shown) == len(geo.residential())
    # The demonstration has a request in each state of the legend but "being sent".
    assert {"waiting", "overdue", "denied", "appeal", "released"} <= set(shown.values())
    pages = {}
    for code in shown:
        html = client.get(f"/public/{demo.slug}/neighborhoods/{code}").get_data(as_text=True)
        pages[code] = re.search(r'id="neighborhood-state" data-state="([a-z]+)"', html).group(1)
        if pages[code] == "released":
            assert "No records released yet" not in html
    login("lawyer")
    coverage = client.get(f"/campaigns/{demo.id}/coverage").get_data(as_text=True)
    covered = dict(re.findall(r'<li data-nta="([A-Z]{2}\d{4})" data-state="([a-z]+)"', coverage))
    assert shown == pages == covered


@pytest.mark.parametrize("events,expected", [
    ([], "overdue"),  # not acknowledged within five business days (POL §89(3)(a))
    ([("acknowledged", 3, {})], "waiting"),
    ([("acknowledged", 3, {}), ("records_released", 10, {"pages": 2})], "released"),
    ([("granted", 3, {})], "released"),
    ([("denied", 3, {})], "denied"),
    ([("denied", 3, {}), ("appeal_filed", 12, {"filed_by": "post"})], "appeal"),
    ([("denied", 3, {}), ("appeal_filed", 5, {"filed_by": "post"})], "overdue"),  # no decision in 10 days
    ([("withdrawn", 2, {})], None),
])
def test_a_request_s_map_state_is_its_folded_status(events, expected):
    from datetime import date

    from tracker import deadlines
    from tracker.lifecycle import EventFact, fold
    from tracker.public.states import map_state

    received = date(2026, 11, 2)
    facts = [EventFact("submitted", received)]
    facts += [EventFact(kind, deadlines.add_business_days(received, days), data) for kind, days, data in events]
    assert map_state(fold(facts, date(2026, 11, 30))) == expected


def test_a_request_the_agency_has_not_answered_in_time_is_overdue():
    from datetime import date

    from tracker.lifecycle import EventFact, fold
    from tracker.public.states import map_state

    assert map_state(fold([EventFact("submitted", date(2026, 1, 5))], date(2026, 6, 1))) == "overdue"


def test_a_confirmed_request_counts_in_its_neighborhood_at_once(client, campaign):
    """No mail server here: the letter is not sent, and the map says it is being sent, not "no request"."""
    from tracker.extensions import db
    from tracker.models import Resident
    from tracker.operations.residents import link_for

    assert map_states(client, "ban-the-scan").get("BK0101") == "none"
    page = client.get("/public/ban-the-scan/request?nta=BK0101")
    client.post("/public/ban-the-scan/request", data={
        "csrf_token": form_token(page.get_data(as_text=True)), "nta": "BK0101", "name": "Rosa Parks",
        "email": "rosa@example.net"})
    secret = link_for(db.session.scalar(select(Resident)), "confirm")
    confirm = client.get(f"/public/confirm/{secret}")
    done = client.post(f"/public/confirm/{secret}", data={"csrf_token": form_token(confirm.get_data(as_text=True))})
    assert done.status_code == 302
    assert map_states(client, "ban-the-scan")["BK0101"] == "sending"
    html = client.get("/public/ban-the-scan/neighborhoods/BK0101").get_data(as_text=True)
    assert 'data-state="sending"' in html and "Request being sent" in html
    status = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "could not be emailed to the NYPD yet" in status and "Sent to the" not in status

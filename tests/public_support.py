"""Helpers shared by the public-side tests: an app with the public portal on and a public campaign."""

from __future__ import annotations

import re

import pytest


def portal_config(app_config) -> dict:
    """Test settings with PUBLIC_PORTAL on (a module overrides `app_config` with this)."""
    return {**app_config, "PUBLIC_PORTAL": True}


@pytest.fixture
def campaign(app, make_agency):
    """A public campaign `ban-the-scan` whose residents' requests go to a police department."""
    from tracker.dispatch import commit
    from tracker.operations.campaigns import create_public_campaign

    nypd = make_agency(name="New York City Police Department", short_name="NYPD",
                       foil_email="foil@records.nypd.example.gov")
    created = create_public_campaign(None, name="Ban the Scan", slug="ban-the-scan", agency_id=nypd.id,
                                     public=True)
    commit()
    return created


def form_token(html: str) -> str:
    """The CSRF token in a page's form."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def link_in(body: str, path: str) -> str:
    """The first link to `path`... in an email body (absolute URL), as the resident would click it."""
    found = re.search(r"https?://\S+" + re.escape(path) + r"[A-Za-z0-9_\-]+", body)
    assert found, f"no {path} link in:\n{body}"
    return found.group(0)

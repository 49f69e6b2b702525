"""Compressed responses: the map page over the wire, what is compressed, and what never is."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from tests import public_support as support
from tracker.compression import carries_secret

MAP_LIMIT = 60 * 1024


@pytest.fixture
def app_config(app_config):
    return support.portal_config(app_config)


@pytest.fixture
def demo(app):
    """The demonstration campaign (`foiltrack demo`), whose public map is /public/ban-the-scan/."""
    from tracker.cli.demo import load_demo
    from tracker.dispatch import commit

    load_demo()
    commit()


def test_the_map_page_is_served_compressed_and_under_60_kb(client, demo):
    plain = client.get("/public/ban-the-scan/")
    served = client.get("/public/ban-the-scan/", headers={"Accept-Encoding": "gzip"})
    assert served.status_code == 200 and served.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in served.headers["Vary"]
    body = served.get_data()
    assert len(body) < MAP_LIMIT < len(plain.get_data())
    assert int(served.headers["Content-Length"]) == len(body)
    page = gzip.decompress(body)
    assert len(re.findall(rb'data-nta="[A-Z]{2}\d{4}"', page)) == 262
    assert page == plain.get_data()


def test_brotli_is_preferred_when_the_client_accepts_it(client, demo):
    served = client.get("/public/ban-the-scan/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert served.headers["Content-Encoding"] == "br"
    assert brotli.decompress(served.get_data()) == client.get("/public/ban-the-scan/").get_data()


def test_no_accept_encoding_gets_the_plain_page_with_vary(client, demo):
    plain = client.get("/public/ban-the-scan/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert plain.get_data().startswith(b"<!doctype html") or b"<html" in plain.get_data()[:200]


@pytest.mark.parametrize("path,mimetype", [
    ("/static/style.css", "text/css"),
    ("/static/uploads.js", "text/javascript"),
    ("/api/v1/openapi.json", "application/json"),
])
def test_css_javascript_and_json_are_compressed(client, path, mimetype):
    with client.get(path) as plain, client.get(path, headers={"Accept-Encoding": "gzip"}) as served:
        assert served.status_code == 200 and served.mimetype == mimetype
        assert served.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(served.get_data()) == plain.get_data()


def test_a_small_json_body_stays_plain(client, api_as):
    response = api_as("lawyer").get("/api/v1/agencies", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and len(response.get_data()) < 500
    assert "Content-Encoding" not in response.headers


def test_pages_showing_a_credential_are_never_compressed(client, login):
    login("lawyer")
    account = client.get("/account/", headers={"Accept-Encoding": "gzip, br"})
    assert account.status_code == 200 and len(account.get_data()) > 500
    assert "Content-Encoding" not in account.headers and "Accept-Encoding" in account.headers["Vary"]
    assert b"calendar-url" in account.get_data()


def test_the_api_never_compresses_the_calendar_address(client, api_as):
    me = api_as("lawyer").get("/api/v1/me", headers={"Accept-Encoding": "gzip"})
    assert me.status_code == 200 and "calendar_url" in me.get_json()
    assert "Content-Encoding" not in me.headers


@pytest.mark.parametrize("endpoint,view_args,secret", [
    ("account.index", {}, True),
    ("account.new_token", {}, True),
    ("people.invite", {}, True),
    ("auth.invitation", {"token": "x"}, True),
    ("calendar.feed", {"secret": "x"}, True),
    ("public.status", {"link": "x"}, True),
    ("public.withdraw_page", {"link": "x"}, True),
    ("api.me", {}, True),
    ("api.create_token", {}, True),
    ("public.campaign", {"slug": "ban-the-scan"}, False),
    ("requests.index", {}, False),
    ("api.get_request", {"request_id": 1}, False),
    ("static", {"filename": "style.css"}, False),
    (None, None, False),
])
def test_which_responses_carry_a_secret(endpoint, view_args, secret):
    assert carries_secret(endpoint, view_args) is secret


@pytest.mark.browser
def test_chromium_gets_the_map_compressed_and_draws_it(app, demo, live_server, browser_page):
    base = live_server(app)
    response = browser_page.goto(f"{base}/public/ban-the-scan/")
    assert response.status == 200
    assert response.header_value("content-encoding") in ("br", "gzip")
    assert int(response.header_value("content-length")) < MAP_LIMIT
    assert browser_page.locator("svg.citymap [data-nta]").count() == 262
    css = browser_page.request.get(f"{base}/static/style.css", headers={"Accept-Encoding": "gzip, br"})
    assert css.ok and css.headers.get("content-encoding") in ("br", "gzip")

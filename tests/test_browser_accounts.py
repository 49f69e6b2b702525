"""People, audit trail and sign-in pages in headless Chromium, down to a phone's width."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def site(app_config, request, live_server):
    """The demo campaign (a long audit trail) with an administrator, served on a loopback port."""
    app_config.update(LOGIN_RATE_LIMIT="2 per minute")
    app = request.getfixturevalue("app")
    from tracker.cli.demo import load_demo
    from tracker.dispatch import commit
    from tracker.operations import create_user

    load_demo()
    create_user("boss@example.org", "admin", password=PASSWORD)
    create_user("vic@example.org", "volunteer", password=PASSWORD)
    commit()
    return live_server(app)


def sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def fits_a_phone(page) -> bool:
    page.set_viewport_size({"width": 390, "height": 844})
    # Measured after the next frame, once the page has been laid out again at the phone's width.
    width = page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame("
                          "() => done(document.documentElement.scrollWidth))))")
    return width <= 390 + 1


def test_admin_reads_the_trail_and_deactivates_someone(site, browser_page, tmp_path):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, site, "boss@example.org")
    page.wait_for_url(site + "/")
    page.get_by_role("link", name="People").click()
    page.get_by_role("button", name="Deactivate vic@example.org").click()
    assert "vic@example.org is deactivated" in page.text_content(".flash")
    assert fits_a_phone(page)
    page.screenshot(path=str(tmp_path / "people-phone.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Audit", exact=True).click()
    assert "user.deactivate" in page.text_content("table.audit")
    page.get_by_label("Person").select_option(label="vic@example.org")
    page.get_by_role("button", name="Show").click()
    assert re.search(r"\d+ entr(y|ies) by or about vic@example.org", page.text_content("main"))
    rows = page.locator("table.audit tbody tr")
    assert "user.deactivate" in rows.first.text_content() and "boss@example.org" in rows.first.text_content()
    page.goto(site + "/audit/")
    assert fits_a_phone(page)
    page.screenshot(path=str(tmp_path / "audit-phone.png"), full_page=True)


def test_an_address_that_failed_too_often_is_told_until_when(site, browser_page):
    page = browser_page
    for _ in range(2):
        sign_in(page, site, "vic@example.org", "not the password")
        assert "do not match an account" in page.text_content("main")
    sign_in(page, site, "vic@example.org")
    text = page.text_content("main")
    assert re.search(r"Try again after \w+day, \w+ \d+, \d{4} at \d+:\d\d [AP]M", text), text
    assert fits_a_phone(page)


def test_my_account_lists_sessions_and_issues_a_token_down_to_a_phone(site, browser_page, tmp_path):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, site, "vic@example.org")
    page.wait_for_url(site + "/")
    page.goto(site + "/account/")
    sessions = page.locator("table.sessions tbody tr")
    assert sessions.count() == 1 and "(this browser)" in sessions.first.text_content()
    assert "Chrome" in sessions.first.text_content()
    page.get_by_label("What the token is for").fill("spreadsheet import")
    page.get_by_label("Days it works (90 at most)").fill("7")
    page.get_by_role("button", name="Issue a token").click()
    assert page.get_by_label("New API token").input_value().startswith("ft_")
    row = page.locator("table", has_text="spreadsheet import").locator("tbody tr").first
    assert "active" in row.text_content()
    page.screenshot(path=str(tmp_path / "account-wide.png"), full_page=True)
    page.goto(site + "/account/")
    assert fits_a_phone(page)
    page.screenshot(path=str(tmp_path / "account-phone.png"), full_page=True)
    page.get_by_role("button", name="Sign out of this browser").click()
    page.wait_for_url(re.compile(r".*/login.*"))
    page.goto(site + "/account/")
    assert "/login" in page.url

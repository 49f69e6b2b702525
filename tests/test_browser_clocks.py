"""The clocks on the web, in headless Chromium: grounds beside their paragraphs, a later determination, the
agency's dates checked on the request page, at a desktop's and a phone's width."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def site(app, live_server, make_user):
    from tracker.cli.demo import load_demo
    from tracker.dispatch import commit

    load_demo()
    commit()
    make_user("lawyer", "ana@example.org", password=PASSWORD)
    return live_server(app)


def sign_in(page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def test_a_partial_grant_after_a_denial_with_a_subparagraph(site, browser_page, app, tmp_path):
    from tracker.clock import legal_today
    from tracker.extensions import db
    from tracker.models import Request

    with app.app_context():
        denied = db.session.query(Request).filter_by(title="Audit logs of facial recognition section").one()
        request_id = denied.id
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, site)
    page.goto(f"{site}/requests/{request_id}/events/new")
    page.get_by_label("What happened").select_option("partially_granted")
    # The subparagraphs sit under their paragraph, in view: nothing to unfold.
    subparagraph = page.locator("#g-872eiv")
    assert subparagraph.is_visible()
    group = page.locator(".ground-group", has=page.locator("#g-872e"))
    assert group.locator("#g-872eiv").count() == 1 and group.locator("#g-872gi").count() == 0
    assert page.locator(".ground-group", has=page.locator("#g-872b")).locator("#g-892biv").count() == 1
    page.screenshot(path=str(tmp_path / "log-event.png"), full_page=True)
    subparagraph.check()
    page.get_by_label("Appeals officer the answer names").fill("Jane Roe")
    page.get_by_label("Legal date it happened").fill(legal_today().isoformat())
    page.get_by_role("button", name=re.compile("Log it")).click()
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    assert "Logged: Partially granted" in page.text_content(".flash")
    # Two appeal deadlines: the denial's and the partial grant's, each saying which it is.
    rows = page.locator("tr[id^='deadline-appeal']")
    assert rows.count() == 2
    assert "of the denial of" in rows.nth(0).inner_text() and "of the partial grant of" in rows.nth(1).inner_text()
    assert "Appeals officer named: Jane Roe" in page.text_content(".timeline")
    page.screenshot(path=str(tmp_path / "request.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/requests/{request_id}/events/new")
    page.get_by_label("What happened").select_option("denied")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.screenshot(path=str(tmp_path / "log-event-phone.png"), full_page=True)


def test_the_agencys_dates_are_checked_on_the_request_page(site, browser_page, app, tmp_path):
    from tracker.extensions import db
    from tracker.models import Request

    with app.app_context():
        extended = db.session.query(Request).filter_by(title="Cameras with face-matching in subway stations").one()
        request_id = extended.id
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, site)
    page.goto(f"{site}/requests/{request_id}")
    box = page.locator(".warnings-box")
    assert box.is_visible()
    # The demo's acknowledgment gave no date (POL §89(3)(a) asks for one).
    assert box.locator("[data-code='acknowledgment_without_date']").count() == 1
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.screenshot(path=str(tmp_path / "warnings-phone.png"), full_page=True)

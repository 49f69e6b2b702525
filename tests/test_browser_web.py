"""The web app in headless Chromium: a lawyer files and moves a request; a researcher stays out of notes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tracker import deadlines

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def site(app, live_server, make_user):
    """The demo campaign served on a loopback port, with a lawyer and a researcher who can sign in."""
    from tracker.cli.demo import load_demo
    from tracker.dispatch import commit

    load_demo()
    commit()
    make_user("lawyer", "ana@example.org", password=PASSWORD)
    make_user("researcher", "rita@example.org", password=PASSWORD)
    return live_server(app)


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def last_business_day_before(day, n):
    for _ in range(n):
        day -= timedelta(days=1)
        while not deadlines.is_business_day(day):
            day -= timedelta(days=1)
    return day


def test_file_a_request_then_log_the_acknowledgment(site, browser_page, tmp_path):
    from tracker.clock import legal_today

    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, site, "ana@example.org")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert page.get_by_role("heading", name=re.compile("Overdue")).is_visible()

    today = legal_today()
    received = last_business_day_before(today, 3)
    acknowledged = last_business_day_before(today, 1)
    page.get_by_role("link", name="File a request").first.click()
    page.get_by_label("New York State Police").check()
    page.get_by_label("Title (required)").fill("Drone footage retention policy")
    page.get_by_label("Text of the request").fill("All policies on keeping drone footage.")
    page.get_by_label("Day the agency received it").fill(received.isoformat())
    page.get_by_role("button", name="File the request").click()
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    assert "is filed with New York State Police" in page.text_content(".flash")
    ack_due = deadlines.acknowledgment_due(received)
    assert ack_due.isoformat() in page.inner_html("#deadline-acknowledgment")

    page.get_by_role("link", name="Log what happened").click()
    page.get_by_label("What happened").select_option("acknowledged")
    assert page.get_by_label("Pages released").is_hidden()  # only the fields this event needs
    page.get_by_label("Legal date it happened").fill(acknowledged.isoformat())
    page.get_by_label("Tracking number the agency gave").fill("NYSP-24-12345")
    page.get_by_role("button", name=re.compile("Log it")).click()
    page.wait_for_url(re.compile(r"/requests/\d+$"))

    determination = deadlines.determination_due(acknowledged)
    flash = page.text_content(".flash")
    assert "Next deadline was Acknowledgment due" in flash and "now Determination due" in flash
    assert page.locator("#deadline-acknowledgment").count() == 0
    assert determination.isoformat() in page.inner_html("#deadline-determination")
    assert "NYSP-24-12345" in page.text_content(".facts")
    page.screenshot(path=str(tmp_path / "request.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.screenshot(path=str(tmp_path / "request-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1


def test_researcher_cannot_open_internal_notes(site, browser_page, app, tmp_path):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import Request

    public = db.session.scalars(select(Request).where(Request.visibility == "public",
                                                      Request.status != "draft")).first()
    internal = db.session.scalars(select(Request).where(Request.visibility == "internal")).first()
    page = browser_page
    sign_in(page, site, "rita@example.org")
    assert page.get_by_role("heading", name=re.compile("Welcome")).is_visible()

    page.goto(f"{site}/requests/{public.id}")
    assert page.get_by_role("heading", name=public.title).is_visible()
    assert "Demo:" not in page.content()  # the demo's notes
    assert page.locator("text=Internal notes").count() == 0

    response = page.goto(f"{site}/requests/{public.id}/notes")
    assert response.status == 403
    assert "Ask a lawyer or an administrator" in page.content()
    page.screenshot(path=str(tmp_path / "forbidden.png"))

    response = page.goto(f"{site}/requests/{internal.id}")
    assert response.status == 404

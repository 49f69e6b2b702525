"""Failed redactions in headless Chromium at a desktop and a phone width: flagged to a lawyer on the
dashboard and the request page, the text under the box shown with its warning, and the decision made."""

from __future__ import annotations

import os

import pytest

from tests.test_failed_redactions import UNDER_BOX, redacted_pdf

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
WIDTHS = [1366, 390]
SHOTS = os.environ.get("FOILTRACK_SCREENSHOTS")  # a folder to keep screenshots in, when set


@pytest.fixture
def site(app_config, request, live_server):
    """A public document whose page 2 has a failed redaction, a lawyer and a researcher."""
    app = request.getfixturevalue("app")
    from tracker.dispatch import commit
    from tracker.operations.documents import add_document, extract_text, set_visibility, store_extraction

    make_user = request.getfixturevalue("make_user")
    lawyer = make_user("lawyer", "ana@example.org", password=PASSWORD)
    make_user("researcher", "rita@example.org", password=PASSWORD)
    found = request.getfixturevalue("make_request")(title="Facial recognition deployments", visibility="public")
    document = add_document(redacted_pdf(), "production.pdf", request=found, queue_extraction=False)
    store_extraction(document, extract_text(document.sha256, document.media_type))
    commit()
    set_visibility(document, "public", lawyer)
    commit()
    return live_server(app), found.id, document.id


def sign_in(page, base: str, email: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def fits(page) -> None:
    """No sideways scrolling: the page is no wider than the viewport."""
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"] + 1, page.url


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_lawyer_is_flagged_reads_with_a_warning_and_decides(site, browser_page, width):
    base, request_id, document_id = site
    page = browser_page
    sign_in(page, base, "ana@example.org", width)
    flag = page.locator("section.redaction-flag")
    assert "Failed redactions to review" in flag.inner_text()
    fits(page)
    shot(page, f"dashboard-{width}")
    page.goto(f"{base}/requests/{request_id}")
    assert "production.pdf, page 2" in page.locator("section.redaction-flag").inner_text()
    fits(page)
    shot(page, f"request-{width}")
    page.locator("section.redaction-flag a").first.click()
    under = page.locator("#text-under-redaction")
    assert f"{UNDER_BOX[0]} {UNDER_BOX[1]}" in under.inner_text()
    assert "never made public" in page.locator("#failed-redaction").inner_text()
    fits(page)
    shot(page, f"viewer-lawyer-{width}")
    page.get_by_role("button", name="Release the text outside the boxes").click()
    assert "the text under them stays hidden" in page.locator("body").inner_text()
    page.goto(f"{base}/requests/{request_id}")
    assert page.locator("section.redaction-flag").count() == 0  # decided: no longer waiting


@pytest.mark.parametrize("width", WIDTHS)
def test_a_researcher_sees_the_page_held_back(site, browser_page, width):
    base, _, document_id = site
    page = browser_page
    sign_in(page, base, "rita@example.org", width)
    page.goto(f"{base}/documents/{document_id}?page=2")
    body = page.locator("body").inner_text()
    assert "held back while the campaign's lawyers review" in body
    assert not any(word in body for word in UNDER_BOX)
    fits(page)
    shot(page, f"viewer-researcher-{width}")

"""Records in and letters out, in headless Chromium at a desktop and a phone width (issue 11)."""

from __future__ import annotations

import re

import pytest

from tests.ingest_support import make_pdf

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
WIDTHS = [1366, 390]


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


def sign_in(page, base: str, email: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def fits(page) -> None:
    """No sideways scrolling: the page is no wider than the viewport."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, page.url


def a_submitted_request():
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import Request

    found = db.session.scalars(select(Request).where(Request.status != "draft").order_by(Request.id)).first()
    db.session.rollback()
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_upload_a_production_with_progress_then_find_its_words(site, browser_page, tmp_path, width):
    page = browser_page
    sign_in(page, site, "ana@example.org", width)
    target = a_submitted_request()
    page.goto(f"{site}/requests/{target.id}")
    fits(page)
    files = [tmp_path / "production-part-1.pdf", tmp_path / "production-part-2.pdf", tmp_path / "cover.pdf"]
    files[0].write_bytes(make_pdf(["Quarterly audit of the Zephyrine matching system", "Second page"]))
    files[1].write_bytes(make_pdf(["Vendor invoice for Zephyrine licences"]))
    files[2].write_bytes(make_pdf(["Cover letter releasing records"]))
    page.get_by_label(re.compile("^Files")).set_input_files([str(f) for f in files])
    assert page.locator("[data-upload-list] li").count() == 3  # the chosen files are listed
    page.get_by_label("Who may see them").select_option("public")
    page.screenshot(path=str(tmp_path / f"upload-{width}.png"), full_page=True)
    page.get_by_role("button", name="Add the documents").click()
    page.wait_for_url(re.compile(r"\?added=3#documents$"))
    assert "Added 3 files" in page.text_content(".flash")
    for f in files:
        assert page.get_by_role("link", name=f.name).is_visible()
    fits(page)
    page.screenshot(path=str(tmp_path / f"request-after-upload-{width}.png"), full_page=True)

    page.goto(f"{site}/search?q=Zephyrine")
    assert page.get_by_role("link", name=re.compile("production-part-1.pdf")).count() >= 1
    assert page.get_by_role("link", name=re.compile("production-part-2.pdf")).count() >= 1
    fits(page)


def test_the_progress_bar_moves_while_a_file_uploads(site, browser_page, tmp_path):
    page = browser_page
    sign_in(page, site, "ana@example.org", 1366)
    target = a_submitted_request()
    page.goto(f"{site}/requests/{target.id}")
    big = tmp_path / "scan.pdf"
    big.write_bytes(make_pdf([f"Page {n} of the scanned production" for n in range(1, 400)]))
    page.get_by_label(re.compile("^Files")).set_input_files(str(big))
    seen = []
    page.expose_function("recordProgress", lambda value: seen.append(value))
    page.evaluate("""() => {
        const bar = document.querySelector('[data-upload-bar]');
        new MutationObserver(() => window.recordProgress(bar.value)).observe(bar, {attributes: true,
            childList: true, characterData: true, subtree: true});
    }""")
    page.get_by_role("button", name="Add the documents").click()
    page.wait_for_url(re.compile(r"\?added=1#documents$"))
    assert seen and max(seen) == 100

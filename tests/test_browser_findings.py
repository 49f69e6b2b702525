"""A researcher makes a finding from a passage selected in the viewer, a lawyer verifies it, and the public
sees it on the neighborhood page, on the map's findings layer and in the open data; an unverified finding
appears nowhere public. Headless Chromium against the app on a loopback port."""

from __future__ import annotations

import csv
import io

import pytest

from tests.public_support import campaign  # noqa: F401 - fixture
from tests.search_support import add_pages

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
PASSAGE = "operates 41 cameras linked to the facial recognition section"
OTHER = "Second passage about Williamsburg"
F1 = "rgb(203, 201, 226)"  # --f1 in public_findings.css: one finding
F0 = "rgb(242, 240, 247)"  # --f0: none


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PUBLIC_PORTAL": True}


@pytest.fixture
def site(app, live_server, make_user, make_request, campaign):  # noqa: F811
    request = make_request(campaign=campaign.name, visibility="public")
    document = add_pages(request, [f"The department {PASSAGE} in Greenpoint.\n{OTHER}.", "Page two."])
    make_user("researcher", "rita@example.org", password=PASSWORD)
    make_user("lawyer", "ana@example.org", password=PASSWORD)
    return live_server(app), document


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def select_text(page, words: str) -> None:
    """Select `words` in the page text as a reader would, by a range the browser reports as the selection."""
    page.evaluate("""words => {
        const box = document.querySelector('#page-text');
        const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(words);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + words.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return;
        }
        throw new Error('words not on the page');
    }""", words)


def make_finding(page, base, document, words: str, nta: str, shots) -> None:
    page.goto(f"{base}/documents/{document.id}?page=1")
    select_text(page, words)
    quote = page.get_by_label("Quoted passage")
    quote.wait_for()
    page.wait_for_function("w => document.querySelector('#finding-quote').value === w", arg=words)
    assert page.locator("#finding-control").get_attribute("open") is not None  # the selection opened it
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.screenshot(path=str(shots / f"control-{width}.png"), full_page=True)
    page.get_by_label("What it shows").select_option("camera_network")
    page.get_by_label("Neighborhood", exact=True).select_option(nta)
    page.get_by_role("button", name="Save the finding").click()
    assert "It is not public until someone else verifies it." in page.text_content(".flash.success")


def public_findings(context, base: str) -> tuple[dict, list[dict], dict]:
    geojson = context.request.get(f"{base}/public/ban-the-scan/findings.geojson").json()
    rows = list(csv.DictReader(io.StringIO(context.request.get(f"{base}/public/ban-the-scan/findings.csv").text())))
    api = context.request.get(f"{base}/api/v1/findings").json()
    return geojson, rows, api


def fill_of(page, code: str) -> str:
    return page.evaluate("c => getComputedStyle(document.querySelector(`a[data-nta='${c}'] path`)).fill", code)


@pytest.mark.parametrize("width", [1366, 390])
def test_a_verified_finding_reaches_the_public_and_an_unverified_one_does_not(site, browser_page, tmp_path,
                                                                              width):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import Finding

    base, document = site
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "rita@example.org")
    make_finding(page, base, document, PASSAGE, "BK0101", tmp_path)
    make_finding(page, base, document, OTHER, "BK0102", tmp_path)
    page.screenshot(path=str(tmp_path / f"viewer-{width}.png"), full_page=True)
    db.session.expire_all()
    verified, unverified = db.session.scalars(select(Finding).order_by(Finding.id)).all()
    db.session.rollback()
    assert (verified.quote, verified.nta_codes, verified.page) == (PASSAGE, ["BK0101"], 1)

    # The author cannot verify their own finding: the page offers them no button.
    page.goto(base + "/findings")
    assert page.get_by_role("button", name=f"Verify finding {verified.id}").count() == 0

    lawyer = page.context.browser.new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in(lawyer, base, "ana@example.org")
    lawyer.goto(base + "/findings")
    lawyer.get_by_role("button", name=f"Verify finding {verified.id}").click()
    assert f"Finding {verified.id} is verified." in lawyer.text_content(".flash.success")
    lawyer.context.close()

    visitor = page.context.browser.new_context(viewport={"width": width, "height": 900})
    public = visitor.new_page()
    public.goto(base + "/public/ban-the-scan/neighborhoods/BK0101")
    section = public.locator("#findings")
    assert "What the records say about Greenpoint" in section.text_content()
    assert PASSAGE in section.locator("blockquote").text_content()
    assert public.evaluate("document.documentElement.scrollWidth") <= width + 1
    public.screenshot(path=str(tmp_path / f"neighborhood-{width}.png"), full_page=True)
    section.get_by_role("link", name="production.pdf, page 1").click()
    public.wait_for_url(f"**/public/documents/{document.id}?page=1")
    assert PASSAGE in public.text_content("pre.pagetext")

    public.goto(base + "/public/ban-the-scan/neighborhoods/BK0102")
    assert OTHER not in public.content()
    assert "No verified findings about this neighborhood yet." in public.text_content("#findings")

    public.goto(base + "/public/ban-the-scan/")
    assert public.locator("a", has_text="How New York City Police Department answers").count() == 1
    public.get_by_label("what the records say (verified findings)").check()
    assert fill_of(public, "BK0101") == F1
    assert fill_of(public, "BK0102") == F0  # its finding is not verified: drawn as having none
    assert public.locator('.findings-table tr[data-code="BK0101"]').count() == 1
    assert public.locator('.findings-table tr[data-code="BK0102"]').count() == 0
    assert public.evaluate("document.documentElement.scrollWidth") <= width + 1
    public.screenshot(path=str(tmp_path / f"map-{width}.png"), full_page=True)

    geojson, rows, api = public_findings(visitor, base)
    assert [f["id"] for f in geojson["features"]] == [verified.id]
    assert geojson["features"][0]["properties"]["citation"] == "production.pdf, page 1"
    assert geojson["features"][0]["properties"]["quote"] == PASSAGE
    assert [int(r["id"]) for r in rows] == [verified.id]
    assert [f["id"] for f in api["items"]] == [verified.id]
    assert visitor.request.get(f"{base}/api/v1/findings/{unverified.id}").status == 404
    everything = " ".join([str(geojson), str(rows), str(api)])
    assert OTHER not in everything
    visitor.close()

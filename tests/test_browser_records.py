"""Records in and letters out, in headless Chromium at a desktop and a phone width."""

from __future__ import annotations

import re

import pytest

from tests.ingest_support import make_pdf

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
WIDTHS = [1366, 390]


@pytest.fixture
def site(app_config, smtp_sink, request, live_server):
    """The demo campaign served on a loopback port, with a lawyer and a researcher who can sign in."""
    app_config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)
    app = request.getfixturevalue("app")
    from tracker.cli.demo import load_demo
    from tracker.dispatch import commit

    load_demo()
    commit()
    make_user = request.getfixturevalue("make_user")
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

    found = db.session.scalars(select(Request).where(Request.status == "submitted").order_by(Request.id)).first()
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


@pytest.mark.parametrize("width", WIDTHS)
def test_file_to_three_agencies_seeing_each_letter_then_the_mail_arrives(site, browser_page, smtp_sink, tmp_path,
                                                                          width):
    page = browser_page
    sign_in(page, site, "ana@example.org", width)
    page.get_by_role("link", name="File a request").first.click()
    for name in ("New York State Police", "Metropolitan Transportation Authority",
                 "New York City Department of Investigation"):
        page.get_by_label(name).check()
    page.get_by_label("Title (required)").fill("Face recognition at {{ agency }}")
    page.get_by_label("Text of the request").fill("All contracts and policies on face recognition.")
    page.get_by_role("button", name="File the request").click()
    page.wait_for_url(re.compile(r"/requests/file\?ids="))
    fits(page)
    previews = page.locator("[data-letter-for]")
    assert previews.count() == 3
    for n in range(3):
        text = previews.nth(n).inner_text()
        assert "Public Officers Law §89(3)(a)" in text and "estimated amount of any fee" in text
        assert "Test lawyer" in text
    page.screenshot(path=str(tmp_path / f"file-three-{width}.png"), full_page=True)
    page.get_by_label("Email each letter above to its agency now").check()
    page.get_by_role("button", name="File the 3 requests").click()
    page.wait_for_url(re.compile(r"/requests/file\?ids="))
    assert "3 requests queued to be emailed" in page.text_content(".flash")
    mails = smtp_sink.wait_for(3)
    assert sorted(m.message["To"] for m in mails) == ["foil@mta.example.org", "foil@troopers.example.org",
                                                      "records@doi.example.org"]
    page.reload()
    assert page.get_by_text("Request email sent to").count() == 3
    links = page.locator(".filing-item h2 a")
    assert links.count() == 3  # landed on those three requests
    fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_log_a_denial_with_its_letter_then_download_the_appeal(site, browser_page, tmp_path, width):
    import pypdfium2

    page = browser_page
    sign_in(page, site, "ana@example.org", width)
    target = a_submitted_request()
    page.goto(f"{site}/requests/{target.id}/events/new")
    page.get_by_label("What happened").select_option("denied")
    page.get_by_label("Legal date it happened").fill(target.events[-1].occurred_on.isoformat())
    page.get_by_label(re.compile(r"^POL §87\(2\)\(e\)\(iv\)")).check()
    page.get_by_label(re.compile(r"^POL §87\(2\)\(g\): ")).check()
    letter = tmp_path / "denial-letter.pdf"
    letter.write_bytes(make_pdf(["Your request is denied under Public Officers Law 87(2)(e)(iv) and 87(2)(g)."]))
    page.get_by_label("Attach the letter or its records (optional)").set_input_files(str(letter))
    fits(page)
    page.get_by_role("button", name=re.compile("Log it")).click()
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    assert "1 file attached" in page.text_content(".flash")
    timeline = page.locator(".timeline").inner_text()
    assert "except routine techniques and procedures" in timeline and "POL §87(2)(g)" in timeline
    assert page.get_by_role("link", name="denial-letter.pdf").is_visible()
    fits(page)
    page.screenshot(path=str(tmp_path / f"denied-{width}.png"), full_page=True)

    page.get_by_role("link", name="appeal", exact=True).click()
    body = page.locator(".letter-text").inner_text()
    assert "Fink v. Lefkowitz" in body and "statistical or factual tabulations or data" in body and "Gould" in body
    fits(page)
    page.screenshot(path=str(tmp_path / f"appeal-letter-{width}.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    pdf = pypdfium2.PdfDocument(download.value.path())
    text = " ".join(" ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).split())
    assert "POL §87(2)(e)(iv)" in text and "Fink v. Lefkowitz, 47 N.Y.2d 567 (1979)" in text
    assert "final agency policy or determinations" in text and "POL §89(4)(c)(ii)" in text
    # The editor: the letter as the lawyer edits it, sent by email or printed exactly as edited.
    page.goto(f"{site}/requests/{target.id}/appeal-letter")
    assert page.get_by_role("button", name="Download this text as PDF").is_visible()
    assert page.get_by_role("button", name="Send the appeal").is_visible()
    fits(page)
    page.screenshot(path=str(tmp_path / f"appeal-editor-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_make_a_production_public_then_a_researcher_finds_it(site, browser_page, tmp_path, width):
    from tracker.dispatch import commit
    from tracker.operations.uploads import Upload, add_documents

    target = a_submitted_request()
    from tracker.extensions import db

    target = db.session.merge(target)
    docs = add_documents(target, [Upload(f"box-{n}.pdf", make_pdf([f"Box {n}: Larkspur camera inventory"]))
                                  for n in (1, 2)], None, released_on=target.events[-1].occurred_on)
    commit()
    page = browser_page
    sign_in(page, site, "ana@example.org", width)
    page.goto(f"{site}/documents/{docs[0].id}")
    image = page.locator(".page-image img")
    for _ in range(100):  # drawn on first request (the CSP forbids wait_for_function's eval)
        if image.evaluate("img => img.complete && img.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    assert image.evaluate("img => img.naturalWidth") > 500
    page.get_by_label("Who may see them").select_option("public")
    page.get_by_label("for", exact=True).select_option("production")
    page.get_by_role("button", name="Change who may see them").click()
    assert "All 2 documents of this production are now public" in page.text_content(".flash")
    fits(page)
    page.screenshot(path=str(tmp_path / f"viewer-{width}.png"), full_page=True)
    page.context.clear_cookies()
    sign_in(page, site, "rita@example.org", width)
    page.goto(f"{site}/search?q=Larkspur")
    assert page.get_by_role("link", name=re.compile("box-1.pdf")).count() >= 1
    assert page.get_by_role("link", name=re.compile("box-2.pdf")).count() >= 1
    fits(page)


PAGES = ["/", "/requests/", "/requests/{id}", "/requests/{id}/events/new", "/requests/{id}/documents",
         "/requests/{id}/letters/request", "/requests/{id}/letters/followup", "/requests/file?ids={id}",
         "/requests/new", "/search?q=facial", "/mail/triage", "/mail/outbox", "/appeals", "/litigation",
         "/campaigns/",
         "/campaigns/{campaign}", "/calendar", "/agencies/", "/requests/bulk", "/account"]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_is_wider_than_the_screen(site, browser_page, tmp_path, width):
    target = a_submitted_request()
    page = browser_page
    sign_in(page, site, "ana@example.org", width)
    too_wide = []
    for path in PAGES:
        url = site + path.format(id=target.id, campaign=target.campaign_id)
        response = page.goto(url)
        if response.status >= 400:
            too_wide.append(f"{path}: {response.status}")
            continue
        scroll = page.evaluate("document.documentElement.scrollWidth")
        name = "".join(c if c.isalnum() else "_" for c in path.strip("/")) or "dashboard"
        page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
        if scroll > width + 1:
            too_wide.append(f"{path}: {scroll}px")
    assert not too_wide, too_wide

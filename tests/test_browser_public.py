"""A resident on a phone asks for Greenpoint's records, end to end, with real servers: Chromium at 390 px,
the SMTP sink, Dovecot, the search index. Then the public sees what was released, and nothing else."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests import ingest_support as support
from tests.ingest_support import build_email, pdf_attachment
from tests.search_support import add_pages

pytestmark = [pytest.mark.browser, support.IGNORE_IMAPLIB2_WARNING]
search_service = support.search_service  # fixture
AGENCY = "foil@nypd.example.org"  # the demo's NYPD


@pytest.fixture
def app_config(app_config, smtp_sink, imap_mailbox):
    return {**app_config, "PUBLIC_PORTAL": True, "SMTP_HOST": smtp_sink.host, "SMTP_PORT": smtp_sink.port,
            "MAIL_FROM": "Ban the Scan <campaign@foil.example.org>", "IMAP_HOST": imap_mailbox.host,
            "IMAP_PORT": imap_mailbox.port, "IMAP_USER": imap_mailbox.user,
            "IMAP_PASSWORD": imap_mailbox.password, "IMAP_SSL": False, "IMAP_MAILBOX": "INBOX",
            "EXTRACT_CPU_SECONDS": 30}


@pytest.fixture
def site(app, live_server, search_service):
    """The demo (its public campaign `ban-the-scan`) served on a loopback port."""
    from tracker.cli.demo import load_demo
    from tracker.dispatch import commit

    load_demo()
    commit()
    return live_server(app)


def click_inside(page, code: str) -> None:
    """Click the map where the neighborhood really is (its shape, not its bounding box's centre)."""
    point = page.evaluate("""code => {
        const shape = document.querySelector(`a[data-nta="${code}"] path`);
        shape.scrollIntoView({block: "center"});
        const box = shape.getBBox(), matrix = shape.getScreenCTM();
        for (let i = 1; i < 40; i++) for (let j = 1; j < 40; j++) {
            const p = new DOMPoint(box.x + box.width * i / 40, box.y + box.height * j / 40);
            if (!shape.isPointInFill(p)) continue;
            const screen = p.matrixTransform(matrix);
            const hit = document.elementFromPoint(screen.x, screen.y);
            if (hit && hit.closest(`a[data-nta="${code}"]`)) return {x: screen.x, y: screen.y};
        }
        return null;
    }""", code)
    assert point, f"no visible point of {code} on the map"
    page.mouse.click(point["x"], point["y"])


def local_path(url: str) -> str:
    return url.split("tracker.test", 1)[1]


def test_a_resident_asks_and_the_public_sees_what_was_released(site, app, browser_page, smtp_sink, imap_mailbox,
                                                               runner, api_as, tmp_path):
    from tracker.clock import legal_today
    from tracker.extensions import db
    from tracker.models import Document, Request

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/public/ban-the-scan/request")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.screenshot(path=str(tmp_path / "generator-map.png"), full_page=True)
    click_inside(page, "BK0101")
    page.wait_for_url(re.compile(r"/request\?nta=BK0101$"))
    assert page.text_content("#chosen-place") == "Greenpoint, Brooklyn"
    assert "Brooklyn Community District 1" in page.text_content("pre.letter")
    page.get_by_label("Your name (required)").fill("Rosa Parks")
    page.get_by_label("Your email (required)").fill("rosa@example.net")
    page.get_by_label("Your postal address (optional)").fill("1 Main St\nBrooklyn, NY 11222")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.get_by_role("button", name="Send me the confirmation link").click()
    assert "We emailed a confirmation link to rosa@example.net" in page.text_content("main")

    (confirmation,) = smtp_sink.wait_for(1)
    link = re.search(r"http://\S+/public/confirm/\S+", confirmation.message.get_content()).group(0)
    smtp_sink.clear()
    page.goto(site + local_path(link))
    page.get_by_role("button", name="Confirm and send the request").click()
    page.wait_for_url(re.compile(r"/public/status/"))
    status_url = page.url.split("?")[0]
    # The letter went out while the page loaded (tasks run inline here): the page says when, from its record.
    assert "Sent to the NYPD on" in page.text_content("#sending")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.screenshot(path=str(tmp_path / "status-phone.png"), full_page=True)

    received = smtp_sink.wait_for(3)  # the letter to the agency and two emails to the resident
    [letter] = [m for m in received if m.rcpt_tos == (AGENCY,)]
    request = db.session.scalar(select(Request).where(Request.nta_code == "BK0101",
                                                      Request.resident_id.is_not(None)))
    reply_to = letter.message["Reply-To"]
    assert reply_to == f"foil+{request.reply_token}@foil.example.org"
    assert "Rosa Parks" in letter.message.get_content() and "Greenpoint" in letter.message["Subject"]
    smtp_sink.clear()

    # The agency answers with a PDF, to the reply address, through the campaign's IMAP mailbox.
    production = pdf_attachment(["Contract for the turnstile cameras at Greenpoint Avenue, 2021."], "reply.pdf")
    imap_mailbox.append(build_email(to=reply_to, sender="records@nypd.example.org",
                                    subject="Re: " + str(letter.message["Subject"]), attachments=[production]))
    result = runner.invoke(args=["ingest", "--once"])
    assert "delivered 1" in result.output, result.output
    db.session.expire_all()
    [released] = db.session.scalars(select(Document).where(Document.request_id == request.id)).all()
    add_pages(request, ["The quartermaster's internal memo."], visibility="internal", filename="memo.docx")

    lawyer = api_as("lawyer")
    assert lawyer.patch(f"/api/v1/documents/{released.id}", json={"visibility": "public"}).status_code == 200
    logged = lawyer.post(f"/api/v1/requests/{request.id}/events",
                         json={"type": "records_released", "occurred_on": legal_today().isoformat(),
                               "data": {"pages": 1}})
    assert logged.status_code == 201, logged.json
    (update,) = smtp_sink.wait_for(1)
    assert update.rcpt_tos == ("rosa@example.net",)
    assert "released records" in update.message.get_content()

    page.goto(status_url)
    assert "Records released" in page.text_content("ol.timeline")
    page.goto(site + "/public/ban-the-scan/")
    assert "s-released" in page.get_attribute('a[data-nta="BK0101"]', "class")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.screenshot(path=str(tmp_path / "map-phone.png"), full_page=True)
    # Every neighborhood is a link that the keyboard reaches and opens.
    page.focus('a[data-nta="BK0101"]')
    assert page.evaluate("document.activeElement.getAttribute('data-nta')") == "BK0101"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/neighborhoods/BK0101$"))
    assert page.text_content("#neighborhood-state") == "Records released"
    assert "Rosa Parks" not in page.content()
    page.screenshot(path=str(tmp_path / "neighborhood.png"), full_page=True)

    # Someone else, without an account, searches the public records.
    anonymous = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    try:
        visitor = anonymous.new_page()
        visitor.goto(site + "/public/search")
        visitor.get_by_label("Words to look for").fill("turnstile")
        visitor.get_by_role("button", name="Search").click()
        assert "reply.pdf" in visitor.text_content("ol.hits")
        visitor.get_by_role("link", name="reply.pdf").click()
        assert "turnstile cameras" in visitor.text_content("pre.pagetext")
        visitor.goto(site + "/public/search?q=quartermaster")
        assert visitor.text_content("#result-count") == "0 pages found"
        assert "memo.docx" not in visitor.content()
        assert visitor.evaluate("document.documentElement.scrollWidth") <= 391
    finally:
        anonymous.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_a_form_with_errors_puts_every_error_first_and_focuses_it(site, browser_page, tmp_path, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(site + "/public/ban-the-scan/request?nta=BK0101&lang=es")
    page.get_by_label("Su nombre (obligatorio)").fill("Ofertas en www.ofertas.biz")
    page.get_by_label("Su correo electrónico (obligatorio)").fill("no-es-un-correo")
    page.get_by_role("button", name=re.compile("enlace de confirmación")).click()
    # The page's script moves the focus once the page has loaded (a deferred script): wait for it, 5 s at most.
    expect(page.locator("#error-summary")).to_be_focused(timeout=5000)
    summary = page.text_content("#error-summary")
    assert "Hay 2 problemas en el formulario" in summary and "dirección web" in summary
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.screenshot(path=str(tmp_path / f"form-errors-{width}.png"), full_page=True)
    page.click('#error-summary a[href="#email"]')
    expect(page.locator("#email")).to_be_focused(timeout=5000)

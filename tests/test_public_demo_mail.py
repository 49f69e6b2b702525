"""The demonstration's mailbox: a real aiosmtpd Maildir sink as the mail server, and /demo/mail showing
every email the app sent, with links that work, to lawyers and admins only, and only while the sink is the
configured server."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from tests import public_support as support
from tests.public_support import form_token
from tests.servers.ports import LOOPBACK, free_port

campaign = support.campaign  # fixture


@pytest.fixture
def sink(tmp_path):
    """The same sink scripts/run starts (aiosmtpd's Maildir handler) on a free loopback port."""
    folder = tmp_path / "demo-mail"
    controller = Controller(Mailbox(folder), hostname=LOOPBACK, port=free_port(), ready_timeout=10)
    controller.start()
    yield controller, folder
    controller.stop()


@pytest.fixture
def app_config(app_config, sink):
    controller, folder = sink
    return {**support.portal_config(app_config), "SMTP_HOST": LOOPBACK, "SMTP_PORT": controller.port,
            "DEMO_MAIL_DIR": str(folder)}


def test_every_email_sent_is_on_the_page_with_working_links(app, client, campaign, login):
    page = client.get("/public/ban-the-scan/request?nta=BK0101")
    sent = client.post("/public/ban-the-scan/request", data={
        "csrf_token": form_token(page.get_data(as_text=True)), "nta": "BK0101", "name": "Rosa Parks",
        "email": "rosa@example.net"}, follow_redirects=True)
    assert "We emailed a confirmation link to rosa@example.net" in sent.get_data(as_text=True)
    assert client.get("/demo/mail").status_code == 302  # not signed in: to the sign-in page
    login("lawyer")
    html = client.get("/demo/mail").get_data(as_text=True)
    assert "Confirm your records request for Greenpoint" in html and "rosa@example.net" in html
    link = re.search(r'<a href="(http://tracker\.test/public/confirm/[^"]+)"', html)
    assert link, "the link in the email is a link on the page"
    confirm_page = client.get(link.group(1).split("tracker.test", 1)[1])
    assert confirm_page.status_code == 200 and "Confirm and send the request" in confirm_page.get_data(as_text=True)
    client.post(link.group(1).split("tracker.test", 1)[1],
                data={"csrf_token": form_token(confirm_page.get_data(as_text=True))})
    html = client.get("/demo/mail").get_data(as_text=True)
    # The letter to the agency went to the sink too, and the resident's news of it.
    assert "foil@records.nypd.example.gov" in html and "Freedom of Information Law request" in html
    assert "is confirmed" in html


def test_only_lawyers_and_admins_read_it(client, campaign, login):
    login("volunteer")
    assert client.get("/demo/mail").status_code == 403


@pytest.mark.parametrize("settings", [{"DEMO_MAIL_DIR": ""}, {"SMTP_HOST": "smtp.example.org"}])
def test_no_page_unless_the_sink_is_the_mail_server(app, client, login, settings):
    app.config.update(settings)
    login("admin")
    assert client.get("/demo/mail").status_code == 404

"""A resident's request from the form to the agency, by real SMTP: confirm, follow, withdraw, be forgotten."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import public_support as support
from tests.public_support import form_token, link_in

campaign = support.campaign  # fixture
AGENCY = "foil@records.nypd.example.gov"


@pytest.fixture
def app_config(app_config, smtp_sink):
    return {**support.portal_config(app_config), "SMTP_HOST": smtp_sink.host, "SMTP_PORT": smtp_sink.port,
            "MAIL_FROM": "Ban the Scan <campaign@foil.example.org>"}


def submit(client, nta="BK0101", email="rosa@example.net"):
    page = client.get(f"/public/ban-the-scan/request?nta={nta}")
    response = client.post("/public/ban-the-scan/request", data={
        "csrf_token": form_token(page.get_data(as_text=True)), "nta": nta, "name": "Rosa Parks",
        "email": email, "postal_address": "1 Main St\nBrooklyn, NY 11222"}, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "We emailed a confirmation link to " + email in response.get_data(as_text=True)


def confirm(client, smtp_sink) -> str:
    """Follow the emailed link and press the button; returns the private status page's path."""
    (mail,) = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == ("rosa@example.net",)
    url = link_in(mail.message.get_content(), "/public/confirm/")
    path = url.split("tracker.test", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "Greenpoint" in page.get_data(as_text=True)
    smtp_sink.clear()
    done = client.post(path, data={"csrf_token": form_token(page.get_data(as_text=True))})
    assert done.status_code == 302, done.get_data(as_text=True)
    return done.headers["Location"].split("?")[0]


def test_confirming_files_the_request_in_the_residents_name_to_the_agency(client, campaign, smtp_sink):
    from tracker.extensions import db
    from tracker.models import Message, Request, Resident

    submit(client)
    status_path = confirm(client, smtp_sink)
    received = smtp_sink.wait_for(3)  # the letter, and two emails to the resident
    [letter] = [m.message for m in received if m.rcpt_tos == (AGENCY,)]
    to_resident = [m.message.get_content() for m in received if m.rcpt_tos == ("rosa@example.net",)]
    [request] = db.session.scalars(select(Request)).all()
    assert letter["Reply-To"] == f"foil+{request.reply_token}@foil.example.org"
    body = letter.get_content()
    assert "Greenpoint" in body and "Brooklyn Community District 1" in body and "Rosa Parks" in body
    assert (request.nta_code, request.visibility, request.campaign.slug) == ("BK0101", "public", "ban-the-scan")
    assert request.status == "submitted"  # sent, so the agency has it: the clock runs
    [resident] = db.session.scalars(select(Resident)).all()
    assert request.resident_id == resident.id and resident.state == "confirmed"
    # The resident did not tick the box: the postal address stays with the campaign, out of the letter.
    assert "1 Main St" not in body and "Brooklyn, NY 11222" not in body
    [message] = db.session.scalars(select(Message).where(Message.direction == "out")).all()
    assert message.status == "sent"
    day = request.events[0].occurred_on
    written = f"{day:%B} {day.day}, {day.year}"  # the long date, as Babel writes it in English
    # Each email is written when it is sent: by then the letter had gone out, and the email says so.
    [confirmed] = [text for text in to_resident if "is confirmed" in text]
    assert status_path in confirmed and f"was sent to the NYPD on {written}" in confirmed
    [sent] = [text for text in to_resident if "was emailed to the agency" in text]
    assert request.reference in sent
    page = client.get(status_path).get_data(as_text=True)
    assert request.reference in page and f"Sent to the NYPD on {written}." in page
    assert "Sent to the agency" in page  # the status, from the lifecycle's fold
    assert "five business days" in page  # what happens next


def test_a_link_is_used_once_and_expires(app, client, campaign, smtp_sink):
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Request, Resident

    submit(client)
    (mail,) = smtp_sink.wait_for(1)
    path = link_in(mail.message.get_content(), "/public/confirm/").split("tracker.test", 1)[1]
    resident = db.session.scalar(select(Resident))
    resident.created_at -= timedelta(hours=49)
    commit()
    token = form_token(client.get("/public/ban-the-scan/request?nta=BK0102").get_data(as_text=True))
    expired = client.post(path, data={"csrf_token": token})
    assert expired.status_code == 409 and "expired" in expired.get_data(as_text=True)
    assert db.session.scalars(select(Request)).all() == []
    # A new submission for the same neighborhood is accepted once the old link has expired.
    submit(client)
    assert client.get("/public/confirm/not-a-real-secret-at-all").status_code == 404


def test_the_resident_hears_of_each_step_and_can_withdraw(client, campaign, smtp_sink, make_user):
    from tracker.clock import legal_today
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Request
    from tracker.operations import record_event

    submit(client)
    status_path = confirm(client, smtp_sink)
    smtp_sink.wait_for(3)
    smtp_sink.clear()
    request = db.session.scalar(select(Request))
    record_event(request, "acknowledged", legal_today(), make_user("lawyer"))
    commit()
    (update,) = smtp_sink.wait_for(1)
    assert update.rcpt_tos == ("rosa@example.net",)
    assert "acknowledged your request" in update.message.get_content()
    smtp_sink.clear()

    page = client.get(status_path)
    withdrawn = client.post(status_path + "/withdraw", data={"csrf_token": form_token(page.get_data(as_text=True))})
    assert withdrawn.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Request)).status == "withdrawn"
    received = {m.rcpt_tos[0]: m for m in smtp_sink.wait_for(2)}
    assert "withdraws" in received[AGENCY].message.get_content()
    assert "was withdrawn" in received["rosa@example.net"].message.get_content()
    assert "Withdraw my request" not in client.get(status_path).get_data(as_text=True)


def test_forgetting_keeps_the_request_under_a_pseudonym(client, campaign, smtp_sink):
    from tracker.extensions import db
    from tracker.models import Message, Request, Resident

    submit(client)
    status_path = confirm(client, smtp_sink)
    smtp_sink.wait_for(3)
    page = client.get(status_path)
    gone = client.post(status_path + "/forget", data={"csrf_token": form_token(page.get_data(as_text=True))})
    db.session.expire_all()
    resident = db.session.scalar(select(Resident))
    assert resident.pseudonym in gone.get_data(as_text=True)
    assert (resident.name, resident.email, resident.postal_address, resident.state) == ("", "", "", "forgotten")
    request = db.session.scalar(select(Request))
    assert request.resident_id == resident.id and request.status == "submitted"  # the legal record stays
    assert "Rosa Parks" not in request.description and resident.pseudonym in request.description
    for message in db.session.scalars(select(Message)):
        assert "Rosa Parks" not in message.body_text and "rosa@example.net" not in message.body_text
    assert client.get(status_path).status_code == 404  # the private link is dead


def test_unconfirmed_submissions_are_purged_after_the_retention_period(app, client, campaign, smtp_sink, runner):
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Resident

    submit(client, nta="BK0101")
    submit(client, nta="BK0102")
    old = db.session.scalars(select(Resident).order_by(Resident.id)).first()
    old.created_at -= timedelta(days=app.config["RESIDENT_RETENTION_DAYS"] + 1)
    commit()
    result = runner.invoke(args=["residents", "purge"])
    assert result.exit_code == 0 and "deleted 1 unconfirmed submission" in result.output
    assert [r.nta_code for r in db.session.scalars(select(Resident))] == ["BK0102"]


def test_the_postal_address_goes_into_the_letter_only_when_ticked(client, campaign, smtp_sink):
    page = client.get("/public/ban-the-scan/request?nta=BK0101")
    answer = client.post("/public/ban-the-scan/request", data={
        "csrf_token": form_token(page.get_data(as_text=True)), "nta": "BK0101", "name": "Rosa Parks",
        "email": "rosa@example.net", "postal_address": "1 Main St\nBrooklyn, NY 11222",
        "include_postal_address": "1"}, follow_redirects=True)
    assert answer.status_code == 200
    (mail,) = smtp_sink.wait_for(1)
    path = link_in(mail.message.get_content(), "/public/confirm/").split("tracker.test", 1)[1]
    shown = client.get(path).get_data(as_text=True)
    assert "1 Main St" in shown  # the exact letter, before confirming
    smtp_sink.clear()
    client.post(path, data={"csrf_token": form_token(shown)})
    [letter] = [m for m in smtp_sink.wait_for(3) if m.rcpt_tos == (AGENCY,)]
    assert "1 Main St\nBrooklyn, NY 11222" in letter.message.get_content().replace("\r\n", "\n")


def test_a_spanish_resident_reads_each_step_in_spanish_with_long_dates(client, campaign, smtp_sink):
    from flask_babel import force_locale, format_date

    from tracker.extensions import db
    from tracker.models import Request

    client.get("/public/ban-the-scan/?lang=es")
    form = client.get("/public/ban-the-scan/request?nta=BK0101").get_data(as_text=True)
    # The exact letter goes in English; on Spanish pages, a Spanish account of what it says.
    assert "Under the New York Freedom of Information Law" in form and "Lo que dice la carta" in form
    submit_page = client.post("/public/ban-the-scan/request", data={
        "csrf_token": form_token(form), "nta": "BK0101", "name": "Rosa Parks", "email": "rosa@example.net"},
        follow_redirects=True).get_data(as_text=True)
    assert "Enviamos un enlace de confirmación a rosa@example.net" in submit_page
    status_path = confirm(client, smtp_sink)
    to_resident = [m.message for m in smtp_sink.wait_for(3) if m.rcpt_tos == ("rosa@example.net",)]
    request = db.session.scalar(select(Request))
    with force_locale("es"):
        written = format_date(request.events[0].occurred_on, "long")
    assert " de " in written  # "8 de diciembre de 2026"
    [confirmed] = [m.get_content() for m in to_resident if "está confirmada" in m.get_content()]
    assert f"Se envió a NYPD el {written}" in confirmed
    page = client.get(status_path).get_data(as_text=True)
    assert f"Enviada a NYPD el {written}." in page and "Lo que sigue" in page
    assert "La agencia tiene cinco días hábiles" in page and "Enviada a la agencia" in page


def test_over_the_hourly_cap_the_confirmation_waits_and_the_page_says_so(app, client, campaign, smtp_sink):
    from tracker.extensions import db
    from tracker.models import ResidentEmail
    from tracker.public.notify import retry_unsent

    app.config.update(RESIDENT_LIMIT_PER_HOUR=1)
    submit(client)  # the hour's one place: this email goes out
    smtp_sink.wait_for(1)
    smtp_sink.clear()
    page = client.get("/public/ban-the-scan/request?nta=BK0102")
    response = client.post("/public/ban-the-scan/request", data={
        "csrf_token": form_token(page.get_data(as_text=True)), "nta": "BK0102", "name": "Ada Lovelace",
        "email": "ada@example.net"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "it will go out within the hour" in text
    assert "We emailed" not in text  # nothing was sent: the page must not say it was
    [waiting] = db.session.scalars(select(ResidentEmail).where(ResidentEmail.status == "queued")).all()
    assert "hourly sending limit" in waiting.reason
    assert smtp_sink.messages == []
    app.config.update(RESIDENT_LIMIT_PER_HOUR=10)  # a place frees: the retry sends it
    retry_unsent()
    (mail,) = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == ("ada@example.net",)

"""The public side with the test client: map, neighborhood pages, the generator's rules, ZIP codes, Spanish."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests import public_support as support
from tests.public_support import form_token

campaign = support.campaign  # fixture


@pytest.fixture
def app_config(app_config):
    return support.portal_config(app_config)


def submit(client, slug="ban-the-scan", nta="BK0101", **fields):
    page = client.get(f"/public/{slug}/request?nta=BK0101")  # a form to take the CSRF token from
    assert page.status_code == 200, page.get_data(as_text=True)
    data = {"csrf_token": form_token(page.get_data(as_text=True)), "nta": nta, "name": "Rosa Parks",
            "email": "rosa@example.net", "postal_address": "1 Main St\nBrooklyn, NY 11222", **fields}
    return client.post(f"/public/{slug}/request", data=data, follow_redirects=True)


def residents():
    from tracker.extensions import db
    from tracker.models import Resident

    return db.session.scalars(select(Resident).order_by(Resident.id)).all()


def test_the_map_draws_all_262_neighborhoods_with_their_codes(client, campaign):
    html = client.get("/public/ban-the-scan/").get_data(as_text=True)
    codes = re.findall(r'data-nta="([A-Z]{2}\d{4})"', html)
    assert len(codes) == len(set(codes)) == 262
    assert 'data-nta="BK0101"' in html
    assert re.search(r'<path data-nta="MN6491" class="nta grey"', html)  # Central Park: grey, not a link
    assert 'href="/public/ban-the-scan/neighborhoods/BK0101"' in html
    assert "<script>" not in html and not re.search(r"\son[a-z]+=", html)
    assert "Records released" in html and "No request yet" in html


def test_unknown_campaign_or_neighborhood_is_404(client, campaign):
    assert client.get("/public/nope/").status_code == 404
    assert client.get("/public/ban-the-scan/neighborhoods/XX9999").status_code == 404
    page = client.get("/public/ban-the-scan/neighborhoods/bk0101")
    assert page.status_code == 200 and "Greenpoint" in page.get_data(as_text=True)


def test_a_private_campaign_has_no_public_pages(client, campaign):
    from tracker.dispatch import commit
    from tracker.operations.campaigns import update_campaign

    update_campaign(campaign, None, public=False)
    commit()
    assert client.get("/public/ban-the-scan/").status_code == 404
    assert client.get("/public/ban-the-scan/request?nta=BK0101").status_code == 404


def test_the_letter_names_the_neighborhood_borough_and_district(client, campaign):
    html = client.get("/public/ban-the-scan/request?nta=BK0101").get_data(as_text=True)
    assert "Greenpoint" in html and "Brooklyn Community District 1" in html and "BK0101" in html


def test_a_park_is_not_offered(client, campaign):
    response = client.get("/public/ban-the-scan/request?nta=MN6491")
    assert "Central Park is not a residential neighborhood" in response.get_data(as_text=True)
    assert 'name="email"' not in response.get_data(as_text=True)
    response = submit(client, nta="MN6491")
    assert response.status_code == 422 and residents() == []


@pytest.mark.parametrize("zip_code,expected,not_expected", [
    ("11211", {"BK0102", "BK0104"}, set()),          # Williamsburg
    ("10001", {"MN0401"}, {"MN6491"}),               # Chelsea, never Central Park
    ("10024", {"MN0703"}, {"MN6491"}),               # Upper West Side; the park next door is not offered
])
def test_zip_code_lookup(client, campaign, zip_code, expected, not_expected):
    from tracker.geo import neighborhoods_for_zip

    found = {n.code for n in neighborhoods_for_zip(zip_code)}
    assert expected <= found and not (not_expected & found)
    html = client.get(f"/public/ban-the-scan/request?zip={zip_code}").get_data(as_text=True)
    for code in expected:
        assert f"/public/ban-the-scan/request?nta={code}" in html


@pytest.mark.parametrize("zip_code", ["1121", "11-21", "90210", "00000"])
def test_a_zip_code_outside_the_city_says_so(client, campaign, zip_code):
    html = client.get(f"/public/ban-the-scan/request?zip={zip_code}").get_data(as_text=True)
    assert "is not a ZIP code of New York City" in html


def test_submitting_emails_a_link_and_files_nothing_yet(client, campaign):
    from tracker.extensions import db
    from tracker.models import Request, ResidentEmail

    response = submit(client)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    [resident] = residents()
    assert (resident.state, resident.nta_code, resident.name) == ("pending", "BK0101", "Rosa Parks")
    assert db.session.scalar(select(func.count()).select_from(Request)) == 0
    [email] = db.session.scalars(select(ResidentEmail)).all()
    # The row says what the email is about; its text (with the link and the name) is never stored.
    assert email.kind == "confirm" and email.body == ""
    # No SMTP server in this test: the email is recorded as failed with the reason, never as sent, and the
    # page says so instead of "We emailed".
    assert email.status == "failed" and "SMTP_HOST" in email.reason
    assert "We emailed" not in html and "We could not send the confirmation link to rosa@example.net" in html


def test_the_honeypot_keeps_nothing(client, campaign):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 400
    assert "This form could not be accepted" in response.get_data(as_text=True)
    assert residents() == []


def test_one_pending_confirmation_per_email_and_neighborhood(client, campaign):
    assert submit(client).status_code == 200
    again = submit(client)
    assert again.status_code == 409
    assert "already emailed a confirmation link" in again.get_data(as_text=True)
    assert submit(client, nta="BK0102").status_code == 200  # another neighborhood is fine
    assert len(residents()) == 2


def test_limits_per_email_and_per_address(app, client, campaign):
    app.config.update(RESIDENT_LIMIT_PER_EMAIL=2, RESIDENT_LIMIT_PER_ADDRESS=3)
    assert submit(client, nta="BK0101").status_code == 200
    assert submit(client, nta="BK0102").status_code == 200
    refused = submit(client, nta="BK0103")
    assert refused.status_code == 429 and "Too many requests" in refused.get_data(as_text=True)
    assert submit(client, nta="BK0103", email="other@example.net").status_code == 200
    by_address = submit(client, nta="BK0104", email="third@example.net")
    assert by_address.status_code == 429
    assert len(residents()) == 3


@pytest.mark.parametrize("fields,message", [
    ({"name": ""}, "Give your name"),
    ({"name": "R" * 201}, "Your name is longer than 200 characters"),
    ({"name": "Cheap pills at www.pills.biz"}, "A name cannot contain a web address"),
    ({"name": "Rosa http://spam.example/x"}, "A name cannot contain a web address"),
    ({"name": "Visit spam.com today"}, "A name cannot contain a web address"),
    ({"email": "not-an-email"}, "Give an email address"),
    ({"postal_address": "x" * 600}, "longer than 500"),
])
def test_bad_input_is_refused_with_the_reason_and_kept_in_the_form(client, campaign, fields, message):
    response = submit(client, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert residents() == []
    if "email" not in fields:
        assert 'value="rosa@example.net"' in html


def test_spanish_from_the_browser_and_by_the_switch(client, campaign):
    spanish = client.get("/public/ban-the-scan/", headers={"Accept-Language": "es-US,es;q=0.9"})
    html = spanish.get_data(as_text=True)
    assert '<html lang="es">' in html and "Registros publicados" in html
    assert "Pida los registros de su vecindario" in html
    assert '<html lang="en">' in client.get("/public/ban-the-scan/?lang=en").get_data(as_text=True)
    # The choice sticks for the next pages, over the browser's language.
    form = client.get("/public/ban-the-scan/request?nta=BK0101", headers={"Accept-Language": "es"})
    assert "Su nombre (obligatorio)" not in form.get_data(as_text=True)
    client.get("/public/ban-the-scan/?lang=es")
    form = client.get("/public/ban-the-scan/request?nta=BK0101").get_data(as_text=True)
    assert "Su nombre (obligatorio)" in form
    assert "Under the New York Freedom of Information Law" in form  # the letter stays in English


def test_a_spanish_resident_gets_spanish_email(client, campaign):
    from tracker.extensions import db
    from tracker.models import ResidentEmail

    client.get("/public/ban-the-scan/?lang=es")
    assert submit(client).status_code == 200
    [email] = db.session.scalars(select(ResidentEmail)).all()
    assert email.subject.startswith("Confirme su solicitud")


def test_every_error_at_once_in_a_summary_linked_to_its_field(client, campaign):
    response = submit(client, name="Rosa www.spam.biz", email="nope", postal_address="x" * 600)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and residents() == []
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "There are 3 problems with the form" in summary
    for field, message in (("name", "A name cannot contain a web address"), ("email", "Give an email address"),
                           ("postal_address", "longer than 500")):
        assert f'<a href="#{field}">' in summary and message in summary
        assert f'id="{field}"' in html
    client.get("/public/ban-the-scan/?lang=es")
    spanish = submit(client, name="", email="nope").get_data(as_text=True)
    assert "Hay 2 problemas en el formulario" in spanish


@pytest.mark.parametrize("url", ["/public/ban-the-scan/request?nta=BK0101", "/public/search?q=camera&page=2",
                                 "/public/ban-the-scan/neighborhoods/BK0101"])
def test_the_language_switch_keeps_the_page_and_its_query_and_is_remembered(client, campaign, url):
    html = client.get(url).get_data(as_text=True)
    path, _, query = url.partition("?")
    switch = re.search(r'<a href="([^"]+)" lang="es"', html).group(1).replace("&amp;", "&")
    assert switch.startswith(path + "?") and all(part in switch for part in query.split("&") if part)
    spanish = client.get(switch)
    assert '<html lang="es">' in spanish.get_data(as_text=True)
    assert "public_language=es" in spanish.headers.get("Set-Cookie", "")
    # The next page, with no ?lang=, is in Spanish too, over the browser's English.
    again = client.get(path, headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="es">' in again


@pytest.mark.parametrize("url", ["/public/no-such-campaign/", "/public/ban-the-scan/neighborhoods/XX9999",
                                 "/public/status/not-a-real-link-at-all", "/public/nothing/here/at/all"])
def test_public_error_pages_speak_the_visitor_s_language(client, campaign, url):
    english = client.get(url)
    assert english.status_code == 404 and "There is nothing here" in english.get_data(as_text=True)
    spanish = client.get(url, headers={"Accept-Language": "es"})
    html = spanish.get_data(as_text=True)
    assert spanish.status_code == 404 and '<html lang="es">' in html and "Aquí no hay nada" in html

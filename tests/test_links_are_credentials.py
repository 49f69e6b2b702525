"""A resident's links act for them, so they are kept like passwords: a whole run through the resident's
flow on a real HTTP server and a real SMTP sink, then every log line, every table and the database's
files are searched for every link it used, and none is there."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, text

from tests import public_support as support
from tests.public_support import form_token, link_in

campaign = support.campaign  # fixture
EMAIL = "rosa@example.net"
AGENCY = "foil@records.nypd.example.gov"


@pytest.fixture
def app_config(app_config, smtp_sink):
    return {**support.portal_config(app_config), "SMTP_HOST": smtp_sink.host, "SMTP_PORT": smtp_sink.port,
            "MAIL_FROM": "Ban the Scan <campaign@foil.example.org>"}


def secret_of(url: str) -> str:
    """The secret at the end of a link."""
    return url.rstrip("/").rsplit("/", 1)[1]


def mail_to_resident(smtp_sink, count: int) -> list[str]:
    """The text of the emails the resident received, once `count` have arrived."""
    return [m.message.get_content() for m in smtp_sink.wait_for(count) if m.rcpt_tos == (EMAIL,)]


def ask_again(http: requests.Session, base: str) -> None:
    page = http.get(f"{base}/public/link")
    answer = http.post(f"{base}/public/link", data={"csrf_token": form_token(page.text), "email": EMAIL})
    assert answer.status_code == 200 and "a new private link is on its way" in answer.text


def every_value_in_the_database() -> str:
    """Every column of every row of every table, as text."""
    from tracker.extensions import db

    db.session.expire_all()
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            values.extend(str(value) for value in row)
    return "\n".join(values)


def test_no_link_is_kept_in_a_table_a_log_or_a_database_file(app, campaign, smtp_sink, live_server, caplog,
                                                            tmp_path):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("werkzeug").setLevel(logging.INFO)  # the access log, one line per request
    base, http = live_server(app), requests.Session()
    used: list[str] = []

    form = http.get(f"{base}/public/ban-the-scan/request?nta=BK0101")
    sent = http.post(f"{base}/public/ban-the-scan/request", data={
        "csrf_token": form_token(form.text), "nta": "BK0101", "name": "Rosa Parks", "email": EMAIL,
        "postal_address": "1 Main St\nBrooklyn, NY 11222"})
    assert f"We emailed a confirmation link to {EMAIL}" in sent.text
    [first] = mail_to_resident(smtp_sink, 1)
    first_confirm = link_in(first, "/public/confirm/")
    used.append(secret_of(first_confirm))

    # Asking again by email address issues a new link and ends the old one.
    smtp_sink.clear()
    ask_again(http, base)
    [again] = mail_to_resident(smtp_sink, 1)
    confirm_url = link_in(again, "/public/confirm/")
    used.append(secret_of(confirm_url))
    assert used[0] != used[1]
    path = confirm_url.split("tracker.test", 1)[1]
    assert http.get(base + first_confirm.split("tracker.test", 1)[1]).status_code == 404
    page = http.get(base + path)
    assert page.status_code == 200 and "Rosa Parks" in page.text  # the letter the agency will get

    smtp_sink.clear()
    done = http.post(base + path, data={"csrf_token": form_token(page.text)}, allow_redirects=False)
    assert done.status_code == 302
    status_path = done.headers["Location"].split("?")[0]
    used.append(secret_of(status_path))
    received = smtp_sink.wait_for(3)  # the letter to the agency, "confirmed" and "emailed to the agency"
    assert [m for m in received if m.rcpt_tos == (AGENCY,)]
    for body in [m.message.get_content() for m in received if m.rcpt_tos == (EMAIL,)]:
        assert link_in(body, "/public/status/").endswith(used[-1])  # the page's link, written at send time
    assert http.get(base + status_path).status_code == 200

    smtp_sink.clear()
    ask_again(http, base)
    [new_status] = mail_to_resident(smtp_sink, 1)
    used.append(secret_of(link_in(new_status, "/public/status/")))
    assert http.get(base + status_path).status_code == 404  # the old status link has ended
    status_page = http.get(f"{base}/public/status/{used[-1]}")
    assert status_page.status_code == 200
    withdrawn = http.post(f"{base}/public/status/{used[-1]}/withdraw",
                          data={"csrf_token": form_token(status_page.text)})
    assert withdrawn.status_code == 200

    logged = caplog.text
    # The access log was captured (every path above is in it), with each link masked.
    assert "/public/confirm/…" in logged and "/public/status/…/withdraw" in logged
    stored = every_value_in_the_database()
    assert "Rosa Parks" in stored  # the scan reads the real tables (the resident is not forgotten here)
    from tracker.extensions import db

    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
    files = b"".join(p.read_bytes() for p in Path(tmp_path).rglob("foiltrack.sqlite3*") if p.is_file())
    for secret in used:
        assert len(secret) >= 32
        assert secret not in logged, "a link is in a log line"
        assert secret not in stored, "a link is in a table"
        assert secret.encode() not in files, "a link is in the database's files"


@pytest.mark.parametrize("path", [
    "/public/confirm/{s}", "/public/status/{s}", "/public/status/{s}/withdraw", "/public/status/{s}/forget",
    "/calendar/{s}.ics", "/calendar/{s}/campaign/3.ics", "/invitation/{s}",
])
def test_every_credential_route_is_masked_by_its_converter(app, path):
    from tracker.redaction import REDACTOR

    secret = "Zq3-secretvalue_0123456789abcdefXY"
    line = f'127.0.0.1 - - "GET {path.format(s=secret)}?lang=es HTTP/1.1" 200 -'
    masked = REDACTOR.redact(line)
    assert secret not in masked and path.split("{s}")[0] + "…" in masked and "?lang=es HTTP/1.1" in masked


def test_the_filter_masks_by_converter_not_by_name(app):
    from tracker.redaction import SecretConverter, secret_arguments

    assert app.url_map.converters["secret"] is SecretConverter
    rules = {rule.rule: secret_arguments(app, rule) for rule in app.url_map.iter_rules()}
    assert rules["/public/status/<secret:link>"] == {"link"}
    assert rules["/public/documents/<int:document_id>"] == set()
    # A route argument named like a credential, but not declared one, is not masked: names play no part.
    assert not [rule for rule, names in rules.items() if names and not re.search(r"<secret:", rule)]


def test_asking_again_never_tells_whether_an_address_is_known(client, campaign, smtp_sink):
    page = client.get("/public/link")
    token = form_token(page.get_data(as_text=True))
    unknown = client.post("/public/link", data={"csrf_token": token, "email": "nobody@example.net"})
    assert unknown.status_code == 200 and "a new private link is on its way" in unknown.get_data(as_text=True)
    bad = client.post("/public/link", data={"csrf_token": token, "email": "not an address"})
    assert bad.status_code == 422 and "Give the email address" in bad.get_data(as_text=True)
    assert smtp_sink.messages == []

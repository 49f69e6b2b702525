"""The throwaway servers of tests/servers really run and behave like the real thing."""

from __future__ import annotations

import imaplib
import smtplib
import threading
import time
from email.message import EmailMessage

import imaplib2
import psycopg
import pytest
import sqlalchemy as sa

# The lead's conftest loads the same plugin; loading it here too lets this file run on its own.
pytest_plugins = ["tests.servers"]


def make_message(subject: str, body: str = "Records attached.") -> bytes:
    """Build a small RFC 5322 message as an agency might send it."""
    message = EmailMessage()
    message["From"] = "Records Access Officer <foil@agency.example.gov>"
    message["To"] = "foil+abc123@foil.example.org"
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@agency.example.gov>"
    message.set_content(body)
    return message.as_bytes()


def test_imap_login_append_and_fetch(imap_mailbox):
    uid = imap_mailbox.append(make_message("FOIL-2023-056-11528 acknowledged"))
    assert imap_mailbox.list_uids() == [uid]
    assert b"FOIL-2023-056-11528 acknowledged" in imap_mailbox.fetch(uid)
    assert "\\Seen" not in imap_mailbox.flags(uid)

    client = imaplib.IMAP4(imap_mailbox.host, imap_mailbox.port)
    client.login(imap_mailbox.user, imap_mailbox.password)
    client.select("INBOX")
    client.uid("STORE", str(uid), "+FLAGS", r"(\Seen)")
    client.logout()
    assert "\\Seen" in imap_mailbox.flags(uid)


def test_imap_mailbox_starts_empty_each_test(imap_mailbox):
    assert imap_mailbox.list_uids() == []
    imap_mailbox.append(make_message("left behind"), mailbox="Processed")
    imap_mailbox.append(make_message("also left behind"))
    imap_mailbox.clear()
    assert imap_mailbox.list_uids() == []
    client = imap_mailbox.connect()
    typ, listing = client.list()
    client.logout()
    assert typ == "OK" and [line for line in listing if b"Processed" in line] == []


def test_imap_wrong_password_is_refused(dovecot):
    client = imaplib.IMAP4(dovecot.host, dovecot.port)
    with pytest.raises(imaplib.IMAP4.error):
        client.login(dovecot.user, "not-the-password")
    client.logout()


def test_imaplib2_fetches_what_was_appended(imap_mailbox):
    uid = imap_mailbox.append(make_message("Determination letter", "Your request is denied under 87(2)(e)."))
    client = imaplib2.IMAP4(imap_mailbox.host, imap_mailbox.port)
    try:
        client.login(imap_mailbox.user, imap_mailbox.password)
        typ, data = client.select("INBOX")
        assert typ == "OK" and data == [b"1"]
        typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        assert typ == "OK"
        raw = next(item[1] for item in data if isinstance(item, tuple))
        assert b"Subject: Determination letter" in raw
        assert b"denied under 87(2)(e)" in raw
    finally:
        client.logout()


def test_imaplib2_idle_wakes_up_on_new_mail(imap_mailbox):
    client = imaplib2.IMAP4(imap_mailbox.host, imap_mailbox.port)
    try:
        client.login(imap_mailbox.user, imap_mailbox.password)
        client.select("INBOX")
        assert "IDLE" in client.capabilities
        # Deliver a message shortly after IDLE starts, from another connection.
        later = threading.Timer(0.5, imap_mailbox.append, args=(make_message("Production 1 of 3"),))
        later.start()
        started = time.monotonic()
        typ, _ = client.idle(timeout=20)
        woke_after = time.monotonic() - started
        later.join()
        assert typ == "OK"
        assert woke_after < 10, f"IDLE returned after {woke_after:.1f}s: it timed out instead of waking"
        _, exists = client.response("EXISTS")
        assert exists == [b"1"]
    finally:
        client.logout()


def test_smtp_sink_receives_one_message(smtp_sink):
    message = EmailMessage()
    message["From"] = "FOIL Tracker <foil@foil.example.org>"
    message["To"] = "records@agency.example.gov"
    message["Subject"] = "FOIL request: facial-recognition records"
    message.set_content("Under the Freedom of Information Law, I request…")
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as client:
        client.send_message(message)

    [received] = smtp_sink.wait_for(1)
    assert received.mail_from == "foil@foil.example.org"
    assert received.rcpt_tos == ("records@agency.example.gov",)
    assert received.message["Subject"] == "FOIL request: facial-recognition records"
    assert "Freedom of Information Law" in received.message.get_content()
    assert b"Subject: FOIL request" in received.raw


def test_smtp_sink_checks_credentials_when_a_client_logs_in(smtp_sink):
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as client:
        client.login(smtp_sink.user, smtp_sink.password)
        client.sendmail("a@foil.example.org", ["b@agency.example.gov"], b"Subject: hi\r\n\r\nhello\r\n")
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as client, \
            pytest.raises(smtplib.SMTPAuthenticationError):
        client.login(smtp_sink.user, "wrong")
    assert [m.rcpt_tos for m in smtp_sink.wait_for(1)] == [("b@agency.example.gov",)]


def test_smtp_sink_starts_empty_and_wait_for_times_out(smtp_sink):
    assert smtp_sink.messages == []
    with pytest.raises(AssertionError, match="got 0 message"):
        smtp_sink.wait_for(1, timeout=0.2)


def test_redis_ping_set_get(redis_url, redis_server):
    import redis as redis_py

    assert redis_url == redis_server and redis_server.startswith("redis://127.0.0.1:")
    client = redis_py.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
        client.set("foil:test", "value")
        assert client.get("foil:test") == b"value"
    finally:
        client.close()


def test_redis_url_is_flushed_between_tests(redis_url):
    import redis as redis_py

    client = redis_py.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0
    finally:
        client.close()


@pytest.mark.postgres
def test_postgres_select_one(postgres, postgres_server):
    assert postgres_server.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    assert postgres_server.endswith("/foiltrack_test")
    with psycopg.connect(host=postgres.host, port=postgres.port, user="postgres",
                         dbname="foiltrack_test") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.postgres
def test_postgres_module_database_works_through_sqlalchemy(postgres_database):
    engine = sa.create_engine(postgres_database)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE agency (id serial PRIMARY KEY, name text NOT NULL)"))
            conn.execute(sa.text("INSERT INTO agency (name) VALUES ('NYPD')"))
            assert conn.execute(sa.text("SELECT current_database()")).scalar() == \
                "t_tests_test_servers"
            assert conn.execute(sa.text("SELECT name FROM agency")).scalars().all() == ["NYPD"]
    finally:
        engine.dispose()


def tiny_app(environ, start_response):
    """A WSGI app with one page whose title names the path asked for."""
    body = f"<!doctype html><title>FOIL {environ['PATH_INFO']}</title><h1>ok</h1>".encode()
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]


@pytest.mark.browser
def test_browser_reads_title_from_live_server(browser_page, live_server):
    base_url = live_server(tiny_app)
    assert base_url.startswith("http://127.0.0.1:")
    browser_page.goto(f"{base_url}/requests")
    assert browser_page.title() == "FOIL /requests"
    assert browser_page.locator("h1").inner_text() == "ok"


@pytest.mark.browser
def test_browser_pages_do_not_share_cookies(browser_page, live_server):
    base_url = live_server(tiny_app)
    browser_page.goto(base_url)
    assert browser_page.context.cookies() == []
    browser_page.context.add_cookies([{"name": "session", "value": "x", "url": base_url}])
    assert len(browser_page.context.cookies()) == 1

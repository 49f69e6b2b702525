"""Real throwaway servers for the test suite, as pytest fixtures (load with `pytest_plugins`).

Session-scoped: `dovecot`, `smtp_server`, `redis_instance`, `redis_server` (URL), `postgres`,
`postgres_server` (URL), `chromium`. Per module: `postgres_database` (a fresh database's URL).
Per test: `imap_mailbox` (empty INBOX), `smtp_sink` (no messages yet), `redis_url` (empty Redis),
`browser_page` (fresh context), `live_server` (factory: `live_server(wsgi_app) -> base_url`).
A missing server program skips the test with the package to install, except on CI, where it fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.servers.browser import LiveServers, launch_chromium
from tests.servers.dovecot import DovecotServer, start_dovecot, stop_dovecot
from tests.servers.postgres import PostgresServer, start_postgres, stop_postgres
from tests.servers.redis import RedisServer, start_redis, stop_redis
from tests.servers.smtp import ReceivedMessage, SmtpSink

__all__ = ["DovecotServer", "LiveServers", "PostgresServer", "ReceivedMessage", "RedisServer", "SmtpSink"]


def pytest_configure(config: pytest.Config) -> None:
    """Let imaplib2 run under `filterwarnings = error`."""
    # imaplib2 3.6 calls Thread.setDaemon() and threading.currentThread(), deprecated since Python 3.10.
    # Turned into errors, the warnings kill its reader and writer threads and the client then waits
    # forever for the server's greeting: a hung test run, not a failure. Later lines take precedence.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:imaplib2")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A Dovecot IMAP server with one account (`.user`, `.password`) on a free loopback port."""
    server = start_dovecot()
    try:
        yield server
    finally:
        stop_dovecot(server)


@pytest.fixture
def imap_mailbox(dovecot: DovecotServer) -> DovecotServer:
    """The Dovecot server with an empty INBOX and no other mailbox."""
    dovecot.clear()
    return dovecot


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    """An aiosmtpd sink on a free loopback port, shared by the session."""
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_sink(smtp_server: SmtpSink) -> SmtpSink:
    """The SMTP sink with no messages received yet: send to `.host`/`.port`, read `.messages`."""
    smtp_server.clear()
    return smtp_server


@pytest.fixture(scope="session")
def redis_instance() -> Iterator[RedisServer]:
    """A redis-server on a free loopback port, without persistence."""
    server = start_redis()
    try:
        yield server
    finally:
        stop_redis(server)


@pytest.fixture(scope="session")
def redis_server(redis_instance: RedisServer) -> str:
    """The URL redis://127.0.0.1:<port>/0 of the session's Redis."""
    return redis_instance.url


@pytest.fixture
def redis_url(redis_instance: RedisServer) -> str:
    """The session's Redis URL, emptied for this test."""
    redis_instance.flush()
    return redis_instance.url


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster on a free loopback port with the database `foiltrack_test`."""
    server = start_postgres()
    try:
        yield server
    finally:
        stop_postgres(server)


@pytest.fixture(scope="session")
def postgres_server(postgres: PostgresServer) -> str:
    """SQLAlchemy URL postgresql+psycopg://postgres@127.0.0.1:<port>/foiltrack_test."""
    return postgres.url


@pytest.fixture(scope="module")
def postgres_database(postgres: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLAlchemy URL of an empty database made for this test module, dropped after it."""
    name = "t_" + re.sub(r"[^a-z0-9_]", "_", request.module.__name__.lower())[-50:]
    url = postgres.create_database(name)
    yield url
    postgres.drop_database(name)


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium launched through Playwright's sync API."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def browser_page(chromium):
    """A Playwright page in a fresh browser context (no cookies or storage from other tests)."""
    context = chromium.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def live_server() -> Iterator[LiveServers]:
    """Factory: `live_server(wsgi_app)` serves the app in a thread and returns its base URL."""
    servers = LiveServers()
    try:
        yield servers
    finally:
        servers.stop_all()

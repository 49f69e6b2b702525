"""Shared fixtures: the app on a migrated database (SQLite, or PostgreSQL too), clients and factories.

Each test gets its own database copied from a template that the real migrations built once per session,
so no test sees another's rows and nobody runs drop_all/create_all around tests.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from pathlib import Path

import pytest

pytest_plugins = ["tests.servers"]

FIXTURES = Path(os.environ.get("FOILTRACK_FIXTURES",
                               Path(__file__).resolve().parents[2] / "shared" / "fixtures"))

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "tests-only-not-a-secret",
    "TASKS_EAGER": True,
    "BROKER_URL": "memory://",
    "MAIL_DOMAIN": "foil.example.org",
    "BASE_URL": "http://tracker.test",
    "SMTP_HOST": "",
    "IMAP_HOST": "",
    "LOGIN_RATE_LIMIT": "1000 per minute",
}


def pytest_generate_tests(metafunc):
    """Modules that set BOTH_DATABASES = True run each test on SQLite and on PostgreSQL.

    Modules that set BOTH_SEARCH_ENGINES = True also run each test on PostgreSQL with the PostgreSQL
    search engine (`postgres-search`; the other backends search with Whoosh).
    """
    if "db_backend" in metafunc.fixturenames:
        both = getattr(metafunc.module, "BOTH_DATABASES", False)
        backends = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)] if both else ["sqlite"]
        if getattr(metafunc.module, "BOTH_SEARCH_ENGINES", False):
            backends.append(pytest.param("postgres-search", marks=pytest.mark.postgres))
        metafunc.parametrize("db_backend", backends, indirect=True)


# Modules that start, kill or freeze real processes and wait on wall-clock timeouts. Under pytest-xdist
# (`scripts/test` runs one worker per core) they all go to one worker, one after another, so two of them
# never compete for the same cores; everything else is spread over the workers.
SERIAL_MODULES = frozenset({
    "test_archive_bombs", "test_celery_worker", "test_concurrent_events", "test_database_restart",
    "test_deployment", "test_extract_pool", "test_first_run", "test_ingest_crash", "test_serve",
    "test_singletons",
})


def pytest_collection_modifyitems(config, items):
    """Put the process-killing modules in one xdist group (honoured by `--dist loadgroup`)."""
    for item in items:
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in SERIAL_MODULES:
            item.add_marker(pytest.mark.xdist_group("processes"))


@pytest.fixture
def own_redis():
    """A Redis of this test's own, which it may stop, restart (losing everything) and start again."""
    from tests.servers.redis import start_redis, stop_redis

    server = start_redis()
    try:
        yield server
    finally:
        stop_redis(server)


@pytest.fixture
def db_backend(request) -> str:
    return request.param


def _migrate(config: dict) -> None:
    from flask_migrate import upgrade

    from tracker import create_app

    app = create_app(config)
    with app.app_context():
        upgrade()
        from tracker.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite database built by the migrations, copied for each test."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    _migrate({**BASE_CONFIG, "DATA_DIR": str(folder)})
    return folder / "foiltrack.sqlite3"


@pytest.fixture(scope="session")
def postgres_template(postgres) -> str:
    """A PostgreSQL database built by the migrations, used as the template of each test's database."""
    url = postgres.create_database("foiltrack_template")
    _migrate({**BASE_CONFIG, "DATABASE_URL": url, "DATA_DIR": str(postgres.root / "template-data")})
    return "foiltrack_template"


_numbers = itertools.count(1)


@pytest.fixture
def database_url(db_backend, tmp_path, request) -> str:
    """The URL of an empty, migrated database for this test."""
    if db_backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "foiltrack.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    return migrated_postgres_database(request)


def migrated_postgres_database(request) -> str:
    """A fresh PostgreSQL database copied from the migrated template, dropped after the test."""
    postgres = request.getfixturevalue("postgres")
    template = request.getfixturevalue("postgres_template")
    name = f"foiltrack_t{next(_numbers)}"
    postgres.drop_database(name)
    postgres.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    request.addfinalizer(lambda: postgres.drop_database(name))
    return postgres.database_url(name)


@pytest.fixture
def app_config(tmp_path, database_url, db_backend) -> dict:
    """Settings of the test app; tests may add to it before asking for `app`."""
    engine = "postgres" if db_backend == "postgres-search" else "whoosh"
    return {**BASE_CONFIG, "DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "SEARCH_ENGINE": engine}


@pytest.fixture
def app(app_config):
    """The app, with an application context pushed for the test's duration."""
    from tracker import create_app
    from tracker.extensions import db

    application = create_app(app_config)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class ApiClient:
    """A test client that sends a bearer token with every call."""

    def __init__(self, client, token: str, user):
        self.client, self.token, self.user = client, token, user

    def _call(self, method: str, url: str, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return getattr(self.client, method)(url, headers=headers, **kwargs)

    def get(self, url, **kw):
        return self._call("get", url, **kw)

    def post(self, url, **kw):
        return self._call("post", url, **kw)

    def patch(self, url, **kw):
        return self._call("patch", url, **kw)

    def delete(self, url, **kw):
        return self._call("delete", url, **kw)


@pytest.fixture
def make_user(app):
    """Factory: make_user(role, email=None, password=...) -> User, committed."""
    from tracker.dispatch import commit
    from tracker.operations import create_user

    counter = itertools.count(1)

    def make(role: str = "lawyer", email: str | None = None, password: str = "correct horse battery"):
        user = create_user(email or f"{role}{next(counter)}@example.org", role, password=password,
                           name=f"Test {role}")
        commit()
        return user

    return make


PASSWORD = "correct horse battery"


def csrf_token(response) -> str:
    """The CSRF token of a page's form, as a browser would send it back."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page has no CSRF token"
    return found.group(1)


@pytest.fixture
def login(client, make_user):
    """Factory: login(role) signs a new user of that role in on `client` (through the form) and returns it."""

    def sign_in(role: str):
        user = make_user(role)
        page = client.get("/login")
        response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": csrf_token(page)})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in


@pytest.fixture
def api_as(app, client, make_user):
    """Factory: api_as(role) -> ApiClient for a new user of that role."""
    from tracker.dispatch import commit
    from tracker.operations import issue_token

    def make(role: str = "lawyer", email: str | None = None) -> ApiClient:
        user = make_user(role, email)
        token = issue_token(user, "tests")
        commit()
        return ApiClient(client, token, user)

    return make


@pytest.fixture
def make_agency(app):
    """Factory: make_agency(**fields) -> Agency, committed."""
    from tracker.dispatch import commit
    from tracker.operations import create_agency

    counter = itertools.count(1)

    def make(**fields):
        n = next(counter)
        fields.setdefault("name", f"Test Agency {n}")
        fields.setdefault("short_name", f"TA{n}")
        fields.setdefault("foil_email", f"foil{n}@agency.example.org")
        fields.setdefault("appeals_email", f"appeals{n}@agency.example.org")
        agency = create_agency(None, **fields)
        commit()
        return agency

    return make


@pytest.fixture
def make_request(app, make_agency):
    """Factory: make_request(agency=None, title=..., received_on=None, **kw) -> Request, committed."""
    from tracker.dispatch import commit
    from tracker.operations import file_request

    def make(agency=None, title: str = "Facial recognition records", **kwargs):
        created = file_request(None, agency or make_agency(), title, "All records.", **kwargs)
        commit()
        return created

    return make


@pytest.fixture
def fixtures_dir() -> Path:
    """The shared real-world fixtures, or a skip saying why they are missing."""
    if not FIXTURES.is_dir():
        pytest.skip(f"the shared fixtures folder {FIXTURES} is absent (set FOILTRACK_FIXTURES to it)")
    return FIXTURES

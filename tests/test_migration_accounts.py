"""The accounts migration: tokens issued before it get an expiry of 90 days (the default of TOKEN_DAYS);
the session and limit tables come and go; a downgrade keeps every person and token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.conftest import BASE_CONFIG

BOTH_DATABASES = True


@pytest.fixture
def fresh_url(db_backend, tmp_path, request):
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    postgres = request.getfixturevalue("postgres")
    request.addfinalizer(lambda: postgres.drop_database("foiltrack_migration_accounts"))
    return postgres.create_database("foiltrack_migration_accounts")


def test_old_tokens_get_an_expiry_and_a_downgrade_keeps_people_and_tokens(fresh_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    from tracker import create_app
    from tracker.extensions import db

    app = create_app({**BASE_CONFIG, "DATA_DIR": str(tmp_path), "DATABASE_URL": fresh_url})
    with app.app_context():
        upgrade(revision="a0011bigrams")
        db.session.execute(text("INSERT INTO users (id, email, name, role, active, created_at) "
                                "VALUES (1, 'a@example.org', '', 'lawyer', true, CURRENT_TIMESTAMP)"))
        db.session.execute(text("INSERT INTO api_tokens (user_id, token_hash, label, created_at) "
                                "VALUES (1, 'digest-of-a-token', 'laptop', CURRENT_TIMESTAMP)"))
        db.session.execute(text("INSERT INTO sign_in_failures (at, email, address) "
                                "VALUES (CURRENT_TIMESTAMP, 'a@example.org', '192.0.2.1')"))
        db.session.commit()
        upgrade(revision="a0015accounts")
        expires = db.session.execute(text("SELECT expires_at FROM api_tokens")).scalar()
        if isinstance(expires, str):  # SQLite answers text
            expires = datetime.fromisoformat(expires)
        expected = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=90)
        assert abs(expires - expected) < timedelta(minutes=5)
        assert db.session.execute(text("SELECT count(*) FROM user_sessions")).scalar() == 0
        assert db.session.execute(text("SELECT count(*) FROM rate_limit_hits")).scalar() == 0
        db.session.commit()
        downgrade(revision="a0011bigrams")
        assert db.session.execute(text("SELECT count(*) FROM users")).scalar() == 1
        assert db.session.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
        assert db.session.execute(text("SELECT count(*) FROM sign_in_failures")).scalar() == 0
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

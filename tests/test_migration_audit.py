"""The audit/accounts migration keeps what is there: reminders get their notification-log keys (one per
week's digest), people keep their tokens, and a downgrade loses no row that refers to a person."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import BASE_CONFIG

BOTH_DATABASES = True


@pytest.fixture
def fresh_url(db_backend, tmp_path, request):
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    postgres = request.getfixturevalue("postgres")
    request.addfinalizer(lambda: postgres.drop_database("foiltrack_migration_audit"))
    return postgres.create_database("foiltrack_migration_audit")


def test_upgrade_keys_old_reminders_and_downgrade_keeps_rows(fresh_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    from tracker import create_app
    from tracker.extensions import db

    app = create_app({**BASE_CONFIG, "DATA_DIR": str(tmp_path), "DATABASE_URL": fresh_url})
    with app.app_context():
        upgrade(revision="a0002core")
        db.session.execute(text("INSERT INTO users (id, email, name, role, active, created_at) "
                                "VALUES (1, 'a@example.org', '', 'lawyer', true, CURRENT_TIMESTAMP)"))
        db.session.execute(text("INSERT INTO api_tokens (user_id, token_hash, label, created_at) "
                                "VALUES (1, 'digest-of-a-token', 'laptop', CURRENT_TIMESTAMP)"))
        # Before the log, one week's digest could be recorded twice (a NULL request id never collides).
        for _ in range(2):
            db.session.execute(text("INSERT INTO reminders (user_id, kind, due_on, threshold, state, attempts, "
                                    "error, created_at) VALUES (1, 'digest', '2026-11-30', 'digest', 'sent', 1, "
                                    "'', CURRENT_TIMESTAMP)"))
        db.session.commit()
        upgrade(revision="a0003audit")
        keys = sorted(db.session.execute(text("SELECT key FROM reminders")).scalars(), key=str)
        assert keys == [None, "digest:1:2026-11-30"]
        assert db.session.execute(text("SELECT session_generation FROM users")).scalar() == 1
        db.session.commit()
        downgrade(revision="a0002core")
        assert db.session.execute(text("SELECT count(*) FROM reminders")).scalar() == 2
        assert db.session.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

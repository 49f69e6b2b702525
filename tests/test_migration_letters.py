"""The letter-language migration converts the campaigns' stored templates and back, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import BASE_CONFIG
from tracker import letter_language

BOTH_DATABASES = True


@pytest.fixture
def fresh_url(db_backend, tmp_path, request):
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'letters.sqlite3'}"
    postgres = request.getfixturevalue("postgres")
    request.addfinalizer(lambda: postgres.drop_database("foiltrack_migration_letters"))
    return postgres.create_database("foiltrack_migration_letters")


def test_the_migration_converts_stored_templates_and_back(fresh_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    from tracker import create_app
    from tracker.extensions import db

    application = create_app({**BASE_CONFIG, "DATA_DIR": str(tmp_path), "DATABASE_URL": fresh_url})
    old_letter = "Cameras in {neighborhood:>{resident_name}} ({{BK}}).\n{resident_name}"
    old_request = "{date}\nTo {agency}: {title} {kept}"
    with application.app_context():
        upgrade(revision="a0011bigrams")
        db.session.execute(text("INSERT INTO campaigns (id, name, description, created_at, request_template, "
                                "letterhead, letter_template, public) VALUES (1, 'Ban the Scan', '', "
                                "CURRENT_TIMESTAMP, :request, '', :letter, false)"),
                           {"request": old_request, "letter": old_letter})
        db.session.commit()
        upgrade(revision="a0012letters")
        row = db.session.execute(text("SELECT request_template, letter_template FROM campaigns")).one()
        assert row.letter_template == "Cameras in {{ neighborhood }} ({BK}).\n{{ resident_name }}"
        assert row.request_template == "{{ date }}\nTo {{ agency }}: {{ title }} {kept}"
        letter_language.check("neighborhood", row.letter_template)
        letter_language.check("request", row.request_template)
        db.session.commit()
        downgrade(revision="a0011bigrams")
        row = db.session.execute(text("SELECT request_template, letter_template FROM campaigns")).one()
        assert row.letter_template == "Cameras in {neighborhood} ({{BK}}).\n{resident_name}"
        assert row.request_template == old_request
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

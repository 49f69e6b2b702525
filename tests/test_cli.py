"""The `foiltrack` command as a user runs it: a real process on a fresh data folder."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest


def foiltrack(data_dir, *args, stdin: str = "", env=None):
    """Run `foiltrack ARGS` in a child process with its own data folder."""
    environ = {**os.environ, "FOILTRACK_DATA_DIR": str(data_dir)}
    environ.pop("FOILTRACK_DATABASE_URL", None)  # the data folder's own database, unless `env` names one
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "tracker.cli", *args], input=stdin, capture_output=True,
                          text=True, env=environ, timeout=600)


@pytest.fixture
def fresh(tmp_path):
    result = foiltrack(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_db_upgrade_builds_a_fresh_database(fresh):
    with sqlite3.connect(fresh / "foiltrack.sqlite3") as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"agencies", "requests", "events", "users", "messages", "documents", "pages", "appeals",
            "litigation", "alembic_version"} <= tables


def test_users_create_asks_for_the_password_twice_and_prints_a_token(fresh):
    result = foiltrack(fresh, "users", "create", "Lawyer@Example.org", "--role", "lawyer", "--token",
                       stdin="long enough password\nlong enough password\n")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("ft_")

    from tracker import create_app

    app = create_app({"DATA_DIR": str(fresh), "SECRET_KEY": "x"})
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.json["email"] == "lawyer@example.org"
    assert response.json["role"] == "lawyer"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["users", "create", "a@example.org", "--role", "lawyer"], "one password!\nanother one!\n", "differ"),
        (["users", "create", "a@example.org", "--role", "lawyer"], "short\nshort\n", "at least 10"),
        (["users", "create", "not-an-email", "--role", "lawyer"], "long enough pw\nlong enough pw\n",
         "not an email"),
        (["users", "create", "a@example.org", "--role", "boss"], "", "Invalid value for '--role'"),
    ],
)
def test_users_create_refuses_bad_input_and_creates_nobody(fresh, args, stdin, message):
    result = foiltrack(fresh, *args, stdin=stdin)
    assert result.returncode != 0
    assert message in result.stderr
    with sqlite3.connect(fresh / "foiltrack.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_demo_loads_every_status_once(fresh):
    first = foiltrack(fresh, "demo")
    assert first.returncode == 0, first.stderr
    assert "admin@example.org" in first.stdout
    second = foiltrack(fresh, "demo")
    assert second.returncode == 0
    assert "already loaded" in second.stdout
    with sqlite3.connect(fresh / "foiltrack.sqlite3") as conn:
        statuses = {row[0] for row in conn.execute("SELECT status FROM requests")}
        kinds = {row[0] for row in conn.execute("SELECT next_deadline_kind FROM requests")}
        count = conn.execute("SELECT count(*) FROM requests").fetchone()[0]
    assert count == 20 + 7  # and seven residents' requests on the public map
    assert {"draft", "submitted", "acknowledged", "extended", "granted", "partially_granted", "denied",
            "no_records", "constructively_denied", "appeal_filed", "appeal_granted", "appeal_denied",
            "appeal_constructively_denied", "in_litigation", "closed", "withdrawn"} <= statuses
    assert {"acknowledgment", "determination", "date_certain", "appeal", "appeal_determination",
            "article78"} <= kinds
    with sqlite3.connect(fresh / "foiltrack.sqlite3") as conn:
        messages = dict(conn.execute("SELECT status, count(*) FROM messages GROUP BY status").fetchall())
        documents = conn.execute("SELECT text_status, page_count, visibility FROM documents").fetchall()
    assert messages == {"delivered": 4, "unmatched": 1}
    assert sorted(documents) == [("ok", 3, "public"), ("ok", 8, "public"), ("ok", 12, "public"),
                                 ("ok", 20, "internal")]
    with sqlite3.connect(fresh / "foiltrack.sqlite3") as conn:
        public = conn.execute("SELECT slug, public FROM campaigns").fetchall()
        neighborhoods = {row[0] for row in conn.execute("SELECT nta_code FROM requests WHERE resident_id > 0")}
    assert public == [("ban-the-scan", 1)] and len(neighborhoods) == 7
    credentials = (fresh / "demo-credentials.txt").read_text()
    assert "researcher@example.org" in credentials
    assert oct((fresh / "demo-credentials.txt").stat().st_mode & 0o777) == "0o600"


def test_bad_setting_is_a_clear_error(tmp_path):
    result = foiltrack(tmp_path, "db", "upgrade", env={"FOILTRACK_PORT": "eighty"})
    assert result.returncode != 0
    assert "FOILTRACK_PORT must be a whole number" in result.stderr


def test_demo_productions_are_searchable_within_each_role(fresh):
    assert foiltrack(fresh, "demo").returncode == 0
    from tracker import create_app
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import User
    from tracker.operations import issue_token

    app = create_app({"DATA_DIR": str(fresh), "SECRET_KEY": "x", "TASKS_EAGER": True})
    with app.app_context():
        tokens = {role: issue_token(db.session.scalar(db.select(User).where(User.role == role)))
                  for role in ("lawyer", "researcher")}
        commit()
    client = app.test_client()

    def documents_found(role):
        body = client.get("/api/v1/search?q=probe+image&per_page=100",
                          headers={"Authorization": f"Bearer {tokens[role]}"}).json
        return {hit["document_id"] for hit in body["hits"] if hit.get("document_id")}

    assert len(documents_found("lawyer")) == 4  # with the public production of a resident's request
    assert len(documents_found("researcher")) == 3

"""`foiltrack doctor` says what is fine and what to fix in a deployment's settings and reachability."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.servers.ports import free_port
from tracker.doctor import diagnose

BOTH_DATABASES = True


@contextmanager
def _another_host(app_config: dict, **settings):
    """The app as another host would build it from `settings`, inside its context."""
    from tracker import create_app
    from tracker.extensions import db

    host = create_app({**app_config, **settings})
    with host.app_context():
        try:
            yield host
        finally:
            db.session.remove()
            db.engine.dispose()


def _diagnose(app):
    """What `foiltrack doctor` finds, run as the command runs it: one unit of work."""
    from tracker.dispatch import unit_of_work

    with unit_of_work():
        return diagnose(app)


def _levels(findings) -> dict[str, str]:
    worst: dict[str, str] = {}
    order = {"ok": 0, "warn": 1, "fail": 2}
    for finding in findings:
        if order[finding.level] >= order[worst.get(finding.check, "ok")]:
            worst[finding.check] = finding.level
    return worst


def test_a_healthy_embedded_deployment(app, runner, db_backend):
    if db_backend != "sqlite":
        pytest.skip("the embedded mode is SQLite")
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "OK    database: SQLite" in result.output
    assert "OK    blobs:" in result.output
    assert "0 to fix" in result.output.splitlines()[-1]


def test_an_unreachable_broker_is_a_failure_naming_the_setting(app_config, db_backend):
    with _another_host(app_config, BROKER_URL=f"redis://:hunter2@127.0.0.1:{free_port()}/0") as host:
        findings = _diagnose(host)
    broker = [f for f in findings if f.check == "broker"]
    assert broker and broker[0].level == "fail"
    assert "cannot reach" in broker[0].message
    assert "hunter2" not in broker[0].message  # the password is never printed


def test_a_blob_folder_without_the_stored_files_is_not_the_shared_one(app, make_request, tmp_path):
    from ingest.blobs import BlobStore
    from tracker.extensions import db
    from tracker.models import Document

    sha = BlobStore(app.config["BLOB_DIR"]).put(b"%PDF-1.4 a production")
    request = make_request()
    db.session.add(Document(request_id=request.id, filename="p.pdf", media_type="application/pdf", size=22,
                            sha256=sha, visibility="internal"))
    db.session.commit()
    assert _levels(_diagnose(app))["blobs"] == "ok"
    app.config["BLOB_DIR"] = str(tmp_path / "another-host-folder")
    findings = _diagnose(app)
    assert _levels(findings)["blobs"] == "fail"
    assert "1 of 1 stored files" in next(f.message for f in findings if f.check == "blobs")


def test_production_without_an_explicit_secret_key_fails(app_config, db_backend):
    if db_backend != "postgres":
        pytest.skip("the embedded mode keeps its key in the data folder, as it should")
    with _another_host(app_config, SECRET_KEY="") as host:
        findings = _diagnose(host)
    assert _levels(findings)["secret key"] == "fail"
    assert "FOILTRACK_SECRET_KEY" in next(f.message for f in findings if f.check == "secret key")


def test_hosts_with_different_secret_keys_are_caught(app_config):
    with _another_host(app_config, SECRET_KEY="one key shared by the hosts") as first:
        assert _levels(_diagnose(first))["secret key"] == "ok"
    with _another_host(app_config, SECRET_KEY="one key shared by the hosts") as same:
        assert _levels(_diagnose(same))["secret key"] == "ok"
    with _another_host(app_config, SECRET_KEY="a key someone typed on the new host") as other:
        findings = _diagnose(other)
    assert _levels(findings)["secret key"] == "fail"


def test_a_database_behind_the_migrations_says_to_upgrade(app):
    from sqlalchemy import text

    from tracker.extensions import db

    db.session.execute(text("UPDATE alembic_version SET version_num = '1f81a1b26a2f'"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "foiltrack db upgrade" in result.output


def test_nobody_holding_the_scheduler_lease_is_reported(app):
    assert _levels(_diagnose(app))["scheduler"] == "warn"

"""The app the API and page benchmarks measure: a fresh data folder, migrated, tasks run inline."""

from __future__ import annotations

import tempfile


def migrated_app(database_url: str = "", **settings):
    """A new app on a throwaway data folder (or `database_url`), its database built by the migrations."""
    from flask_migrate import upgrade

    from tracker import create_app

    config = {"DATA_DIR": tempfile.mkdtemp(prefix="foiltrack-bench-"), "SECRET_KEY": "bench",
              "TASKS_EAGER": True, "BROKER_URL": "memory://", **settings}
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app

"""gunicorn's master builds and warms the app before it forks (`--preload`): the neighborhood shapes, the
compiled templates and the first pages' queries are ready in every worker, and no database connection
crosses the fork."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json
from tracker.wsgi import app
from tracker.extensions import db
from tracker.geo import neighborhoods
with app.app_context():
    pool = db.engine.pool
    print(json.dumps({"shapes_loaded": neighborhoods.cache_info().currsize,
                      "templates_compiled": len(app.jinja_env.cache or {}),
                      "connections_open": pool.checkedin() + pool.checkedout()}))
"""


def test_the_master_warms_the_app_and_forks_with_no_connection_open(sqlite_template, tmp_path):
    shutil.copyfile(sqlite_template, tmp_path / "foiltrack.sqlite3")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FOILTRACK_DATA_DIR": str(tmp_path),
           "FOILTRACK_PUBLIC_PORTAL": "true", "FOILTRACK_SECRET_KEY": "tests"}
    env.pop("FOILTRACK_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["shapes_loaded"] == 1
    assert found["templates_compiled"] >= 20
    assert found["connections_open"] == 0
    assert "could not warm" not in done.stderr


def test_every_way_the_product_starts_gunicorn_preloads():
    from tracker.cli.serve import _processes

    web = _processes({"HOST": "127.0.0.1", "PORT": 5000, "WORKER_CONCURRENCY": 1, "IMAP_HOST": "",
                      "DATA_DIR": "/srv/foiltrack"})["web"]
    assert web[web.index("--preload") + 1] == "tracker.wsgi:app"
    assert "--preload tracker.wsgi:app" in (ROOT / "deploy" / "foiltrack-web.service").read_text()

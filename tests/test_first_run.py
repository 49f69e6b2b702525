"""First run: the demo accounts are printed last, once everything has started; `demo` again says where they are."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.servers.ports import free_port
from tests.test_cli import foiltrack

pytestmark = pytest.mark.slow


def test_serve_prints_the_demo_accounts_after_everything_started(tmp_path):
    assert foiltrack(tmp_path, "db", "upgrade").returncode == 0
    first = foiltrack(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    again = foiltrack(tmp_path, "demo")
    assert f"Its accounts and passwords are in {tmp_path / 'demo-credentials.txt'}" in again.stdout
    port = free_port()
    env = {**os.environ, "FOILTRACK_DATA_DIR": str(tmp_path), "FOILTRACK_PORT": str(port),
           "FOILTRACK_WORKER_CONCURRENCY": "1"}
    env.pop("FOILTRACK_DATABASE_URL", None)
    env.pop("FOILTRACK_BROKER_URL", None)
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        serve = subprocess.Popen([sys.executable, "-m", "tracker.cli", "serve"], env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and "admin@example.org" not in log_path.read_text():
                assert serve.poll() is None, log_path.read_text()
                time.sleep(0.5)
            text = log_path.read_text()
        finally:
            serve.send_signal(signal.SIGINT)
            serve.wait(timeout=40)
    lines = text.splitlines()
    ready = next(i for i, line in enumerate(lines) if line.startswith("Ready: open "))
    assert all(i < ready for i, line in enumerate(lines) if line.startswith("started "))
    accounts = [line for line in lines[ready:] if "password:" in line]
    assert {line.split()[0] for line in accounts} >= {"admin@example.org", "lawyer@example.org"}
    assert "search index unusable" not in text

"""`foiltrack serve` starts the web app, workers and scheduler with no server, and Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.servers.ports import free_port

pytestmark = pytest.mark.slow


def _children(pid: int) -> set[int]:
    """Every descendant process of `pid`, read from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie awaiting its parent does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_serve_runs_everything_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = {**os.environ, "FOILTRACK_DATA_DIR": str(tmp_path), "FOILTRACK_PORT": str(port),
           "FOILTRACK_WORKER_CONCURRENCY": "1"}
    env.pop("FOILTRACK_DATABASE_URL", None)
    env.pop("FOILTRACK_BROKER_URL", None)
    upgrade = subprocess.run([sys.executable, "-m", "tracker.cli", "db", "upgrade"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed at the end of the test
    elsewhere = tmp_path / "started-from"
    elsewhere.mkdir()
    serve = subprocess.Popen([sys.executable, "-m", "tracker.cli", "serve"], env=env, stdout=log,
                             stderr=subprocess.STDOUT, cwd=elsewhere)
    try:
        deadline = time.monotonic() + 60
        page = None
        while time.monotonic() < deadline and page is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    page = response.read().decode()
            except OSError:
                assert serve.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.5)
        assert page is not None and "Sign in" in page, (tmp_path / "serve.log").read_text()
        children = _children(serve.pid)
        assert len(children) >= 4  # web, worker, indexer, scheduler (and their own children)
        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=40) == 0
        time.sleep(1)
        survivors = {pid for pid in children if _alive(pid)}
        assert survivors == set(), (tmp_path / "serve.log").read_text()
        assert "stopped" in (tmp_path / "serve.log").read_text()
        # The embedded broker and the scheduler's state live in the data folder, nowhere else.
        assert (tmp_path / "broker" / "control").is_dir()
        assert list(elsewhere.iterdir()) == []
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
        log.close()

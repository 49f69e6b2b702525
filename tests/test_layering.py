"""Packages depend one way: `tracker` uses `ingest` and `search`, never the reverse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Imports every submodule of the libraries, then reports which modules ended up loaded.
PROBE = """
import importlib, json, pkgutil, sys
failed = {}
for package in ("ingest", "search"):
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failed[info.name] = repr(exc)
print(json.dumps({"loaded": sorted(sys.modules), "failed": failed}))
"""


@pytest.fixture(scope="module")
def probe() -> dict:
    """What a fresh interpreter loads when it imports all of `ingest` and `search`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_library_module_imports_on_its_own(probe):
    assert probe["failed"] == {}
    loaded = set(probe["loaded"])
    # The probe really walked the packages (a walk that found nothing would prove nothing).
    assert {"ingest.imap", "ingest.smtp", "ingest.mime.parse", "search.index", "search.query"} <= loaded


def test_libraries_load_no_tracker_module(probe):
    assert [name for name in probe["loaded"] if name == "tracker" or name.startswith("tracker.")] == []


@pytest.mark.parametrize("moved", ["ingest.pipeline", "ingest.tasks", "ingest.smtp_tasks", "search.service",
                                   "search.filters", "search.sources", "search.tasks"])
def test_the_glue_lives_in_tracker(moved, probe):
    assert moved not in probe["loaded"]

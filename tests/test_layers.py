"""The layers declared in pyproject.toml hold (import-linter's contracts), imports inside functions included,
and a new upward import breaks them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT), "--config", str(tree / "pyproject.toml"), "--no-cache"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_declared_layers_hold():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_an_upward_import_inside_a_function_breaks_the_layers(tmp_path):
    for part in ("tracker", "ingest", "search"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "static",
                                                                                     "translations"))
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "tracker" / "operations" / "sneaky.py").write_text(
        '"""An operation that reaches up to a page (what the layers forbid)."""\n\n\n'
        "def act():\n    from tracker.web import dashboard\n\n    return dashboard\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "tracker.operations.sneaky -> tracker.web.dashboard" in done.stdout


def test_a_mended_arrow_must_leave_the_ignore_list(tmp_path):
    for part in ("tracker", "ingest", "search"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "static",
                                                                                     "translations"))
    config = (ROOT / "pyproject.toml").read_text()
    (tmp_path / "pyproject.toml").write_text(config.replace(
        'ignore_imports = [\n', 'ignore_imports = [\n    "tracker.models -> tracker.web",\n', 1))
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "tracker.models -> tracker.web" in done.stdout + done.stderr


def test_every_part_of_the_application_has_its_layer():
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    [layers] = [c["layers"] for c in contracts if c["id"] == "layers"]
    placed = {name.strip() for layer in layers for name in layer.split(":")}
    parts = {f"tracker.{p.stem}" for p in (ROOT / "tracker").glob("*.py") if p.stem != "__init__"}
    parts |= {f"tracker.{p.name}" for p in (ROOT / "tracker").iterdir() if (p / "__init__.py").exists()}
    assert sorted(parts - placed) == []

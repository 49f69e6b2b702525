"""The suite's own arrangement: the serial group names real modules, and scripts/test spreads the rest."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SERIAL_MODULES

TESTS = Path(__file__).resolve().parent


def test_every_serial_module_exists():
    missing = sorted(name for name in SERIAL_MODULES if not (TESTS / f"{name}.py").is_file())
    assert missing == [], f"SERIAL_MODULES names modules that are gone: {missing}"


def test_scripts_test_runs_workers_grouped_and_lists_the_slowest():
    script = (TESTS.parent / "scripts" / "test").read_text()
    assert '-n "$workers" --dist loadgroup' in script
    assert "--durations=10" in script

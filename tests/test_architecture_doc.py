"""docs/architecture.md stays true where it names code: every path it names exists, and every package of
tracker/ is described there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
NAMED = sorted(set(re.findall(r"`((?:tracker|ingest|search|tests|docs|migrations)/[^`\s]*)`", DOC)))


def test_the_page_names_code():
    assert len(NAMED) >= 30


def test_every_path_it_names_exists():
    assert [path for path in NAMED if not (ROOT / path).exists()] == []


def test_every_package_of_the_application_is_described():
    packages = sorted(f"tracker/{p.name}/" for p in (ROOT / "tracker").iterdir()
                      if p.is_dir() and (p / "__init__.py").exists())
    assert [p for p in packages if f"`{p}`" not in DOC] == []

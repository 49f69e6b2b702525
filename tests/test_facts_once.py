"""Each fact once: statuses, event types, deadline kinds and their groups are written in tracker/lifecycle.py
alone (templates read them as `lifecycle.…`). Anywhere else, in Python or in a template, a literal collection
made mostly of two or more of those names is a copy that will drift, and fails this test."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from tracker import lifecycle

ROOT = Path(__file__).resolve().parent.parent
NAMES = set(lifecycle.STATUSES) | set(lifecycle.EVENT_TYPES) | set(lifecycle.DEADLINE_KINDS)
# The rules' own modules: the lifecycle, the fold that reads it, the calendar.
HOME = {"tracker/lifecycle.py", "tracker/timeline.py", "tracker/timeline_agency.py", "tracker/deadlines.py"}
# Collections that hold these words with another meaning, each said here.
OTHER_MEANINGS = {
    ("tracker/models/requests.py", ("pending", "granted", "denied", "constructively_denied", "withdrawn")):
        "an appeal record's outcome (a CHECK constraint), not a request's status",
    ("tracker/operations/appeals.py", ("granted", "denied")): "the appeal outcomes that are decisions",
    ("tracker/operations/petitions.py", ("appeal_filed", "appeal_denied")): "the appeal events a petition recounts",
}
LITERAL = re.compile(r"[\(\[]\s*'[^'\n]+'(?:\s*,\s*'[^'\n]+')+\s*,?\s*[\)\]]")


def _a_copy(words) -> bool:
    named = sum(w in NAMES for w in words)
    return named >= 2 and named * 2 >= len(words)


def python_copies(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / "tracker").rglob("*.py")):
        where = str(path.relative_to(root))
        if where in HOME:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                words = tuple(e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
                if _a_copy(words) and (where, words) not in OTHER_MEANINGS:
                    found.append(f"{where}:{node.lineno} {words}")
    return found


def template_copies(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in LITERAL.finditer(line):
                words = re.findall(r"'([^'\n]+)'", match.group(0))
                if _a_copy(words):
                    found.append(f"{path.relative_to(root)}:{number} {words}")
    return found


def test_no_python_module_retypes_a_set_of_statuses_events_or_clocks():
    assert python_copies() == []


def test_no_template_retypes_a_set_of_statuses_events_or_clocks():
    assert template_copies() == []


@pytest.mark.parametrize(("where", "source"), [
    ("tracker/sneaky.py", 'ENDED = ("closed", "withdrawn")\n'),
    ("tracker/sneaky.py",
     'def late(status):\n    return status in {"constructively_denied", "appeal_constructively_denied"}\n'),
    ("templates/sneaky.html", "{% if s in ('closed', 'withdrawn') %}over{% endif %}\n"),
])
def test_the_guard_catches_a_copy(tmp_path, where, source):
    for part in ("tracker", "templates"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "static",
                                                                                    "translations"))
    (tmp_path / where).write_text(source)
    assert [hit for hit in python_copies(tmp_path) + template_copies(tmp_path) if hit.startswith(where)]

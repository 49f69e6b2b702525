"""The public side is whole in Spanish: the compiled catalog has every message translated, none fuzzy, every
plural form filled, and it is current with the templates and code (read with Babel's own catalog reader)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tracker" / "public" / "translations"


def key(message) -> str | tuple:
    """A message's id, the same whether read from the .po (a tuple for plurals) or the .mo (a list)."""
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id


def unfinished(catalog) -> list:
    return [m.id for m in catalog if m.id and (
        m.fuzzy or not m.string or (isinstance(m.string, (list, tuple)) and not all(m.string)))]


def test_the_spanish_catalog_is_complete_and_compiled():
    with open(FOLDER / "es" / "LC_MESSAGES" / "messages.po", "rb") as f:
        source = read_po(f, locale="es")
    assert unfinished(source) == []
    with open(FOLDER / "es" / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = read_mo(f)
    assert unfinished(compiled) == []
    plural = [m for m in compiled if isinstance(m.id, (list, tuple))]
    assert len(plural) >= 2 and all(len(m.string) == source.num_plurals == 3 for m in plural)
    assert {key(m) for m in source if m.id} == {key(m) for m in compiled if m.id}, "compile the catalog again"


def test_every_message_of_the_code_and_templates_is_in_the_catalog(tmp_path):
    pot = tmp_path / "messages.pot"
    done = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "tracker/public/babel.cfg",
         "-k", "lazy_gettext", "-k", "_l", "-o", str(pot), "tracker/public", "templates/public"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with open(pot, "rb") as f:
        wanted = {key(m) for m in read_po(f) if m.id}
    with open(FOLDER / "es" / "LC_MESSAGES" / "messages.po", "rb") as f:
        have = {key(m) for m in read_po(f) if m.id}
    assert wanted - have == set()


def test_spanish_plural_forms_follow_the_catalog_s_rule():
    """Babel's rule for Spanish has three forms (one, many: whole millions, other): each count gets its own."""
    from babel.support import Translations

    with open(FOLDER / "es" / "LC_MESSAGES" / "messages.mo", "rb") as f:
        spanish = Translations(f)
    page = ("%(num)d page", "%(num)d pages")
    assert [spanish.ngettext(*page, n) % {"num": n} for n in (1, 2, 0, 1_000_000)] == [
        "1 página", "2 páginas", "0 páginas", "1000000 de páginas"]

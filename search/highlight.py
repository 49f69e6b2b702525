"""Snippets and whole-page highlighting: the page text, HTML-escaped, with <mark> around the terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from .analysis import stem, stems


@dataclass(frozen=True)
class Terms:
    """What to mark: whole stems, and prefixes of lowercase words."""

    stems: frozenset[str]
    prefixes: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # space-joined stem sequences that must occur in a hit's text

    def matches(self, word: str) -> bool:
        """Whether a lowercase word is one to mark."""
        return stem(word) in self.stems or (bool(self.prefixes) and word.startswith(self.prefixes))

    def phrases_in(self, text: str) -> bool:
        """Whether every phrase occurs in text, word for word (after stemming)."""
        joined = f" {' '.join(stems(text))} "
        return all(f" {phrase} " in joined for phrase in self.phrases)


def _spans(text: str, terms: Terms) -> list[tuple[int, int, str]]:
    """(start, end, lowercase word) of each word to mark, in order."""
    finder = _finder(terms)
    if finder is None:
        return []
    out = []
    # The regular expression finds the few words that could match (those starting like a stem or a
    # prefix) at C speed; only those are stemmed and checked.
    for m in finder.finditer(text):
        word = m.group().lower()
        if terms.matches(word):
            out.append((m.start(), m.end(), word))
    return out


@lru_cache(maxsize=256)
def _finder(terms: Terms) -> re.Pattern | None:
    # A word whose stem is s starts with s less its last letter ("deny" -> "deni"; "city" -> "citi").
    heads = {s[:-1] if len(s) > 2 else s for s in terms.stems} | set(terms.prefixes)
    heads.discard("")
    if not heads:
        return None
    alternatives = "|".join(re.escape(h) for h in sorted(heads, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def _render(text: str, spans: list[tuple[int, int, str]], start: int, end: int) -> str:
    parts = []
    pos = start
    for s, e, _ in spans:
        if s < start or e > end:
            continue
        parts.append(escape(text[pos:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    parts.append(escape(text[pos:end]))
    return "".join(parts)


def snippet(text: str, terms: Terms, width: int = 240) -> str:
    """About width characters of text around the densest cluster of matches, escaped and marked."""
    text = text or ""
    spans = _spans(text, terms)
    if not spans:
        end = _word_end(text, min(len(text), width))
        return escape(text[:end].strip()) + ("…" if end < len(text) else "")
    # Pick the window (starting at a match) covering the most distinct matched words.
    best, best_score = 0, -1
    for i, (s, _, _) in enumerate(spans):
        seen = {w for (s2, _, w) in spans[i:] if s2 < s + width}
        if len(seen) > best_score:
            best, best_score = i, len(seen)
    first = spans[best][0]
    start = _word_start(text, max(0, first - width // 4))
    end = _word_end(text, min(len(text), start + width))
    html = _render(text, spans, start, end).strip()
    return ("…" if start > 0 else "") + html + ("…" if end < len(text) else "")


def mark_all(text: str, terms: Terms) -> str:
    """The whole text, escaped, with every match marked."""
    text = text or ""
    return _render(text, _spans(text, terms), 0, len(text))


def _word_start(text: str, pos: int) -> int:
    """Move pos back to the start of the word it falls in."""
    while 0 < pos < len(text) and not text[pos - 1].isspace():
        pos -= 1
    return pos


def _word_end(text: str, pos: int) -> int:
    """Move pos forward to the end of the word it falls in."""
    while pos < len(text) and not text[pos].isspace():
        pos += 1
    return pos

"""Snippets and whole-page highlighting: the page text, HTML-escaped, with <mark> around the terms."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from .analysis import stem, stems

# A snippet looks at the first MAX_POSITIONS matches of a page at most (and at most MAX_CANDIDATES words
# that merely start like one): a page repeating the word 200,000 times costs no more than one repeating
# it a thousand times. Whole-page marking (mark_all) marks every match, in one linear pass.
MAX_POSITIONS = 1000
MAX_CANDIDATES = 4 * MAX_POSITIONS


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


def _spans(text: str, terms: Terms, limit: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, lowercase word) of each word to mark, in order; the first limit of them at most."""
    finder = _finder(terms)
    if finder is None:
        return []
    out = []
    candidates = MAX_CANDIDATES if limit is not None else None
    # The regular expression finds the few words that could match (those starting like a stem or a
    # prefix) at C speed; only those are stemmed and checked.
    for m in finder.finditer(text):
        word = m.group().lower()
        if terms.matches(word):
            out.append((m.start(), m.end(), word))
            if limit is not None and len(out) >= limit:
                break
        if candidates is not None:
            candidates -= 1
            if candidates <= 0:
                break
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
    """About width characters of text around the densest cluster of matches, escaped and marked.

    Linear in the text's length: the matches (the first MAX_POSITIONS) are found in one scan, and the
    window is chosen by sliding its two ends forward once each.
    """
    text = text or ""
    spans = _spans(text, terms, MAX_POSITIONS)
    if not spans:
        end = _word_end(text, min(len(text), width))
        return escape(text[:end].strip()) + ("…" if end < len(text) else "")
    first = spans[_densest(spans, width)][0]
    start = _word_start(text, max(0, first - width // 4))
    end = _word_end(text, min(len(text), start + width))
    html = _render(text, spans, start, end).strip()
    return ("…" if start > 0 else "") + html + ("…" if end < len(text) else "")


def _densest(spans: list[tuple[int, int, str]], width: int) -> int:
    """Index of the match that starts the window of width characters holding the most distinct words."""
    inside: Counter = Counter()  # words of spans[i:j], the matches starting within width of spans[i]
    best, best_score, j = 0, -1, 0
    for i, (s, _, _) in enumerate(spans):
        while j < len(spans) and spans[j][0] < s + width:
            inside[spans[j][2]] += 1
            j += 1
        if len(inside) > best_score:
            best, best_score = i, len(inside)
        word = spans[i][2]
        inside[word] -= 1
        if not inside[word]:
            del inside[word]
    return best


def mark_all(text: str, terms: Terms) -> str:
    """The whole text, escaped, with every match marked."""
    text = text or ""
    return _render(text, _spans(text, terms), 0, len(text))


WORD_REACH = 40  # a snippet's edge moves at most this far to avoid cutting a word (text with no spaces)


def _word_start(text: str, pos: int) -> int:
    """Move pos back to the start of the word it falls in (at most WORD_REACH characters)."""
    stop = max(0, pos - WORD_REACH)
    while stop < pos < len(text) and not text[pos - 1].isspace():
        pos -= 1
    return pos


def _word_end(text: str, pos: int) -> int:
    """Move pos forward to the end of the word it falls in (at most WORD_REACH characters)."""
    stop = pos + WORD_REACH
    while pos < min(len(text), stop) and not text[pos].isspace():
        pos += 1
    return pos

"""A forgiving parser for what people type into the search box.

Grammar (OR binds tighter than the implicit AND, so ``police OR sheriff report`` means
``(police OR sheriff) AND report``)::

    query   := group ([AND] group)*
    group   := unary (OR unary)*
    unary   := (NOT | "-") unary | atom
    atom    := "(" query ")" | FIELD ":" (word | phrase | "(" query ")") | phrase | word

Unbalanced quotes and brackets are repaired (closed at the end, stray closers dropped); a query left
with nothing to look for raises QueryError with a message the user can act on, and so does one nested more
than MAX_DEPTH deep (brackets, NOT and field: each add a level), which every engine would otherwise
compile by recursion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Names users may type before a colon, mapped to the index field they search.
USER_FIELDS = {
    "agency": "agency_words",
    "campaign": "campaign_words",
    "file": "filename_words",
    "filename": "filename_words",
    "type": "type_words",
    "year": "year",
    "request": "request_id",
    "document": "document_id",
}

MAX_LENGTH = 1000
MAX_DEPTH = 20
TOO_DEEP = (f"That search nests more than {MAX_DEPTH} levels deep (brackets, NOT and field: each add one): "
            "take out some brackets.")

_LEX = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|"(?P<phrase>[^"]*)(?:"|$)'
                  r"|(?P<field>[A-Za-z]+):(?=[^\s)])|(?P<minus>-)(?=[^\s\-])|(?P<word>[^\s()\"]+))")


class QueryError(ValueError):
    """A search the user typed cannot be run; the message says why and what to type instead."""


@dataclass(frozen=True)
class Node:
    """One node of a parsed query: op is word, prefix, phrase, field, and, or, not."""

    op: str
    text: str = ""
    children: tuple[Node, ...] = ()


def _lex(q: str) -> list[tuple[str, str]]:
    tokens = []
    pos = 0
    while pos < len(q):
        m = _LEX.match(q, pos)
        if m is None or m.end() == pos:  # only trailing whitespace is left
            break
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind) if kind else ""
        if kind == "word" and value in ("AND", "OR", "NOT"):
            kind = value
        elif kind == "field" and value.lower() not in USER_FIELDS:
            kind, value = "word", value  # "Re: FOIL" or a typo: search the words themselves
        tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    @staticmethod
    def deeper(depth: int) -> int:
        if depth >= MAX_DEPTH:
            raise QueryError(TOO_DEEP)
        return depth + 1

    def query(self, depth: int) -> Node | None:
        parts = []
        while self.peek() is not None:
            kind = self.peek()
            if kind == "close":
                if depth:
                    break
                self.take()  # a stray ")" at the top level: drop it
                continue
            if kind in ("AND", "OR"):
                self.take()  # a dangling operator: "AND police", "police OR OR fire"
                continue
            node = self.group(depth)
            if node is not None:
                parts.append(node)
        return _combine("and", parts)

    def group(self, depth: int) -> Node | None:
        parts = [self.unary(depth)]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, "close", "AND", "OR"):
                break
            parts.append(self.unary(depth))
        return _combine("or", [p for p in parts if p is not None])

    def unary(self, depth: int) -> Node | None:
        kind = self.peek()
        if kind in ("NOT", "minus"):
            self.take()
            if self.peek() in (None, "close", "AND", "OR"):
                return None
            child = self.unary(self.deeper(depth))
            return Node("not", children=(child,)) if child is not None else None
        return self.atom(depth)

    def atom(self, depth: int) -> Node | None:
        kind, value = self.take()
        if kind == "open":
            inner = self.query(self.deeper(depth))
            if self.peek() == "close":
                self.take()
            return inner  # a missing ")" is supplied at the end of the query
        if kind == "phrase":
            return Node("phrase", value) if value.strip() else None
        if kind == "field":
            if self.peek() is None:
                return None
            child = self.atom(self.deeper(depth))
            return Node("field", value.lower(), (child,)) if child is not None else None
        if kind == "word":
            if value.endswith("*") and value.strip("*"):
                return Node("prefix", value.rstrip("*"))
            return Node("word", value) if value.strip("*") else None
        # NOT/minus handled by unary; AND/OR/close cannot start an atom: skip it.
        return None


def _combine(op: str, parts: list[Node]) -> Node | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Node(op, children=tuple(parts))


def parse(q: str) -> Node:
    """Parse a user's query into a Node tree, repairing what can be repaired."""
    if len(q) > MAX_LENGTH:
        raise QueryError(f"That search is too long: keep it under {MAX_LENGTH:,} characters.")
    tree = _Parser(_lex(q)).query(0)
    if tree is None:
        raise QueryError("Type a word or a \"quoted phrase\" to search for.")
    if not _has_positive(tree):
        raise QueryError("Add a word to look for as well as the ones to leave out (NOT or -).")
    return tree


def _has_positive(node: Node) -> bool:
    if node.op == "not":
        return False
    if node.op == "and":
        return any(_has_positive(c) for c in node.children)
    if node.op == "or":
        return all(_has_positive(c) for c in node.children)
    return True


def check_syntax(q: str) -> None:
    """Refuse quotes and brackets that do not pair up, saying which (the engine would silently repair them).

    People who type `(((\"unbalanced` should learn that the search they meant is not the one that would
    run, rather than read results for a guess; the API answers such a query 400 invalid_query.
    """
    depth = 0
    quoted = False
    for char in q:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise QueryError(TOO_DEEP)
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise QueryError("A “)” closes a bracket that was never opened: take it out, or add the “(” "
                                 "where the group starts.")
    if quoted:
        raise QueryError("A quotation mark is not closed: end the phrase with a second \" (or take the "
                         "first one out).")
    if depth:
        many = "a “(” is" if depth == 1 else f"{depth} “(” are"
        raise QueryError(f"Brackets do not pair up: {many} never closed. Add the missing “)” or take out "
                         "the extra “(”.")

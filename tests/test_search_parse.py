"""The search-box parser, as a table: what people type and the tree it becomes."""

from __future__ import annotations

import pytest

from search.parse import Node, QueryError, parse


def w(text: str) -> Node:
    return Node("word", text)


def n(op: str, *children: Node) -> Node:
    return Node(op, children=children)


@pytest.mark.parametrize(("q", "tree"), [
    ("police", w("police")),
    ("police department", n("and", w("police"), w("department"))),
    ("police AND department", n("and", w("police"), w("department"))),
    ("police OR sheriff report", n("and", n("or", w("police"), w("sheriff")), w("report"))),
    ("police NOT sheriff", n("and", w("police"), n("not", w("sheriff")))),
    ("-sheriff police", n("and", n("not", w("sheriff")), w("police"))),
    ('"facial recognition"', Node("phrase", "facial recognition")),
    ('"facial recognition', Node("phrase", "facial recognition")),          # unclosed quote closed
    ('(((\\"unbalanced', n("and", w("\\"), Node("phrase", "unbalanced"))),   # "\\" has no letters
    ('((("unbalanced', Node("phrase", "unbalanced")),
    ("(police OR fire) budget", n("and", n("or", w("police"), w("fire")), w("budget"))),
    ("(police OR fire", n("or", w("police"), w("fire"))),                   # missing ")" supplied
    ("police)) budget", n("and", w("police"), w("budget"))),                # stray ")" dropped
    ("rulemak*", Node("prefix", "rulemak")),
    ("agency:NYPD", Node("field", "agency", (w("NYPD"),))),
    ('campaign:"stop and frisk"', Node("field", "campaign", (Node("phrase", "stop and frisk"),))),
    ("type:(pdf OR tiff)", Node("field", "type", (n("or", w("pdf"), w("tiff")),))),
    ("Re: budget", n("and", w("Re:"), w("budget"))),                         # not a field: words
    ("colour:red", n("and", w("colour"), w("red"))),                         # unknown field: words
    ("10:30 meeting", n("and", w("10:30"), w("meeting"))),
    ("AND OR police", w("police")),                                          # dangling operators
    ("police OR", w("police")),
    ("police NOT", w("police")),
    ("FOIL-2023-056-11528", w("FOIL-2023-056-11528")),
])
def test_parse(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize(("q", "message"), [
    ("", "Type a word"),
    ("()", "Type a word"),
    ('""', "Type a word"),
    ("* **", "Type a word"),
    ("AND OR NOT", "Type a word"),
    ("NOT police", "as well as"),
    ("-police -fire", "as well as"),
    ("x" * 1001, "too long"),
])
def test_parse_refuses_with_a_reason(q, message):
    with pytest.raises(QueryError, match=message):
        parse(q)

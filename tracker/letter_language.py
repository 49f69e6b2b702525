"""The one template language of every letter a person can edit: Jinja2's sandboxed environment, reduced to
placeholders.

Pure: no Flask, no database. Each kind of letter offers its own placeholders, declared below as data. A
template may contain plain text and placeholders written `{{ name }}`, nothing else: no attribute access,
calls, filters, tests, format specs, literals, statements or comments. `check` refuses anything more with
the line and column of the problem, so a template that passed it can always be filled in: `fill` renders
missing values as empty text and cannot raise on a checked template. Letters are plain text, so nothing
is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

# Placeholders per kind of letter: name -> what it is filled with (shown to whoever edits the letter).
PLACEHOLDERS: dict[str, dict[str, str]] = {
    # A campaign's request letter to an agency (staff filing).
    "request": {
        "date": "today's date, e.g. Monday, March 2, 2026",
        "agency": "the agency's name",
        "agency_email": "the agency's FOIL email address",
        "title": "the request's title",
        "description": "the text of the request (the records sought)",
        "reference": "our reference, e.g. FT-2026-00012",
        "requester": "the name of the person filing",
        "requester_email": "the request's reply address",
        "campaign": "the campaign's name",
        "agency_deadline": "what the agency owes next and by when (follow-ups)",
    },
    # The letter a resident sends about a neighborhood, from the campaign's public page.
    "neighborhood": {
        "neighborhood": "the neighborhood's name",
        "nta_code": "its 2020 Neighborhood Tabulation Area code, e.g. BK0101",
        "borough": "its borough",
        "community_district": "its community district, e.g. Brooklyn Community District 1",
        "precincts": "the police precincts that serve it, e.g. ', police precincts 90 and 94', when the "
                     "campaign supplies them; empty otherwise",
        "resident_name": "the resident's name",
        "postal_address": "the resident's postal address, only when they chose to include it; empty otherwise",
        "agency": "the agency's name",
    },
    # A follow-up sent to many requests at once, filled in per request.
    "bulk": {
        "reference": "our reference",
        "title": "the request's title",
        "agency": "the agency's name",
        "tracking_numbers": "the agency's tracking numbers (our reference when there are none)",
        "received_on": "the day the agency received the request",
        "agency_deadline": "what the agency owes next and by when",
    },
    # The title and text of a request filed with several agencies at once.
    "new_request": {
        "agency": "the name of each agency the request is filed with",
    },
}

MAX_TEMPLATE = 20_000

# Single-brace forms a person may type out of habit from other template languages ({name}, {name:x}).
_SINGLE_BRACE = re.compile(r"\{\s*([A-Za-z_]\w*)(?!\w)")

_UNEXPECTED = re.compile(r"unexpected char (.+) at (\d+)")

_ENVIRONMENT = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True, finalize=lambda v: "" if v is
                                    None else v)


@dataclass
class LetterTemplateError(ValueError):
    """A template the letter language refuses: what is wrong, and where (1-based line and column)."""

    problem: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.problem}"


def placeholders(kind: str) -> dict[str, str]:
    """The placeholders a kind of letter offers, with what each is filled with; KeyError for an unknown kind."""
    return PLACEHOLDERS[kind]


def _position(source: str, offset: int) -> tuple[int, int]:
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _tokens(source: str):
    """(offset, type, value) of each raw token; a lexer error is raised with the offset it stopped at."""
    offset = 0
    try:
        for _lineno, kind, value in _ENVIRONMENT.lex(source):
            yield offset, kind, value
            offset += len(value)
    except TemplateError as exc:
        raise _Stopped(offset, getattr(exc, "message", None) or str(exc)) from None


class _Stopped(Exception):
    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset, self.message = offset, message


def _refuse(source: str, offset: int, problem: str) -> LetterTemplateError:
    line, column = _position(source, offset)
    return LetterTemplateError(problem, line, column)


def _offered(kind: str) -> str:
    return ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS[kind])


# What each construct after a placeholder's name is, in words a letter's editor understands.
_AFTER_NAME = {
    ".": "attribute access", "[": "item access", "(": "a call", "|": "a filter", ":": "a format spec",
    "!": "a conversion", "%": "an operator", "~": "joining", "+": "arithmetic", "-": "arithmetic",
    "*": "arithmetic", "/": "arithmetic", "//": "arithmetic", "**": "arithmetic", "==": "a comparison",
    "!=": "a comparison", "<": "a comparison", ">": "a comparison", "<=": "a comparison",
    ">=": "a comparison", ",": "a list", "=": "an assignment",
}


def check(kind: str, source) -> str:
    """The template, if it is plain text and `{{ name }}` placeholders this kind of letter offers.

    Otherwise LetterTemplateError naming the first problem and its line and column.
    """
    offered = placeholders(kind)
    if not isinstance(source, str):
        raise LetterTemplateError("a letter template must be text", 1, 1)
    if len(source) > MAX_TEMPLATE:
        raise LetterTemplateError(f"the template is longer than {MAX_TEMPLATE:,} characters", 1, 1)
    # Positions are counted in the text as the lexer reads it, with every line ending a plain newline.
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    opened = 0  # where the placeholder being read began
    expect = "data"  # data, name, end
    try:
        for offset, token, value in _tokens(text):
            if token == "whitespace":
                continue
            if expect == "data":
                if token == "data":
                    _check_single_braces(kind, text, offset, value)
                elif token == "variable_begin":
                    opened, expect = offset, "name"
                elif token in ("block_begin", "raw_begin", "linestatement_begin"):
                    raise _refuse(text, offset, "statements ({% … %}) are not allowed in a letter; "
                                                  f"use only placeholders: {_offered(kind)}")
                elif token == "comment_begin":
                    raise _refuse(text, offset, "comments ({# … #}) are not allowed in a letter")
                else:
                    raise _refuse(text, offset, f"unexpected {value!r}")
            elif expect == "name":
                if token == "name" and value in offered:
                    expect = "end"
                elif token == "name":
                    raise _refuse(text, offset, f"unknown placeholder {{{{ {value} }}}}; this letter offers "
                                                  f"{_offered(kind)}")
                elif token == "variable_end":
                    raise _refuse(text, opened, "an empty placeholder {{ }}: write a name inside, one of "
                                                  f"{_offered(kind)}")
                else:
                    raise _refuse(text, offset, f"{value!r} is not a placeholder name; a placeholder is "
                                                  "just a name, e.g. {{ " + next(iter(offered)) + " }}")
            elif token == "variable_end":
                expect = "data"
            else:
                what = _AFTER_NAME.get(value, f"{value!r}")
                raise _refuse(text, offset, f"{what} is not allowed in a placeholder: write just "
                                              "{{ name }}, with no format, filter or expression")
    except _Stopped as stopped:
        unexpected = _UNEXPECTED.fullmatch(stopped.message)
        if unexpected:  # the lexer says which character, and where
            raise _refuse(text, int(unexpected.group(2)), f"{unexpected.group(1)} is not allowed in a "
                                                            "placeholder: write just {{ name }}") from None
        raise _refuse(text, opened if expect != "data" else stopped.offset,
                      f"the template cannot be read: {stopped.message}") from None
    if expect != "data":
        raise _refuse(text, opened, "a placeholder opened with {{ is never closed with }}")
    try:
        _ENVIRONMENT.from_string(text)
    except TemplateError as exc:  # the token check above should make this unreachable; never a 500 if not
        raise LetterTemplateError(f"the template cannot be read: {exc}", getattr(exc, "lineno", 1) or 1,
                                  1) from None
    return source


def _check_single_braces(kind: str, source: str, offset: int, text: str) -> None:
    """Refuse `{name}`, `{name:spec}` and the like when `name` is one of this letter's placeholders."""
    for match in _SINGLE_BRACE.finditer(text):
        name = match.group(1)
        if name in PLACEHOLDERS[kind]:
            raise _refuse(source, offset + match.start(),
                          f"{{{name} is written with single braces; placeholders are written "
                          f"{{{{ {name} }}}}, with nothing else inside")


def fill(kind: str, source: str, values: Mapping[str, object]) -> str:
    """The checked template with its placeholders filled in; a missing or None value is empty text.

    Raises LetterTemplateError (only) when the template does not pass `check`.
    """
    check(kind, source)
    offered = placeholders(kind)
    context = {name: "" if values.get(name) is None else str(values.get(name)) for name in offered}
    return _ENVIRONMENT.from_string(source).render(context)


def described(kind: str) -> list[dict[str, str]]:
    """The placeholders of a kind of letter as the API lists them: [{name, written, description}]."""
    return [{"name": name, "written": "{{ " + name + " }}", "description": words}
            for name, words in placeholders(kind).items()]

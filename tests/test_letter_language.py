"""The one letter language: what its checker accepts and refuses (with the line and column), filling in,
the save-time refusals through the API and the web, and the migration of stored templates."""

from __future__ import annotations

import html
import importlib.util
import re
from pathlib import Path

import pytest

from tracker import letter_language
from tracker.letter_language import LetterTemplateError

ROOT = Path(__file__).resolve().parents[1]
OFFERED = {"neighborhood": "Greenpoint", "borough": "Brooklyn", "resident_name": "Rosa Parks",
           "postal_address": "", "nta_code": "BK0101"}


@pytest.mark.parametrize(("template", "expected"), [
    ("", ""),
    ("Plain text, no placeholder.\n", "Plain text, no placeholder.\n"),
    ("Records about {{ neighborhood }}, {{ borough }}.", "Records about Greenpoint, Brooklyn."),
    ("{{neighborhood}}{{ nta_code }}", "GreenpointBK0101"),
    ("Dear Officer,\n\n{{ resident_name }}\n{{ postal_address }}\n", "Dear Officer,\n\nRosa Parks\n\n"),
    # Offered but not given: empty, never an error.
    ("In {{ precincts }}.", "In ."),
    ("{{- neighborhood -}}", "Greenpoint"),
    # Braces that are not placeholders stay as typed.
    ("Keep {braces like these}, a lone } and {x}.", "Keep {braces like these}, a lone } and {x}."),
    ("{{ neighborhood }}}}", "Greenpoint}}"),
    ("Section §87(2)(e) — “quoted” — 50% of {{ borough }}", "Section §87(2)(e) — “quoted” — 50% of Brooklyn"),
])
def test_good_templates_are_filled_in(template, expected):
    assert letter_language.check("neighborhood", template) == template
    assert letter_language.fill("neighborhood", template, OFFERED) == expected


@pytest.mark.parametrize(("template", "line", "column", "message"), [
    # The templates that once answered 500, or let a visitor's name size the page.
    ("{resident_name:x}", 1, 1, "{resident_name is written with single braces; placeholders are written "
                                "{{ resident_name }}"),
    ("Hi {neighborhood:>{resident_name}}", 1, 4, "{neighborhood is written with single braces"),
    ("x {{ resident_name:x }}", 1, 19, "a format spec is not allowed in a placeholder"),
    ("{{ neighborhood!r }}", 1, 16, "'!' is not allowed in a placeholder"),
    # Attribute and item access, calls, filters, tests and expressions.
    ("a\n  {{ neighborhood.upper() }}", 2, 18, "attribute access is not allowed"),
    ("{{ neighborhood.__class__ }}", 1, 16, "attribute access is not allowed"),
    ("{{ neighborhood[0] }}", 1, 16, "item access is not allowed"),
    ("{{ resident_name() }}", 1, 17, "a call is not allowed"),
    ("{{ neighborhood|upper }}", 1, 16, "a filter is not allowed"),
    ("{{ neighborhood | e }}", 1, 17, "a filter is not allowed"),
    ("{{ neighborhood is defined }}", 1, 17, "'is' is not allowed"),
    ("{{ neighborhood ~ borough }}", 1, 17, "joining is not allowed"),
    ("{{ 1 + 2 }}", 1, 4, "'1' is not a placeholder name"),
    ("{{ 'x' * 1000000 }}", 1, 4, "is not a placeholder name"),
    ("{{ range(10) }}", 1, 4, "unknown placeholder {{ range }}"),
    # Statements, blocks and comments.
    ("{% for i in range(9) %}x{% endfor %}", 1, 1, "statements ({% … %}) are not allowed"),
    ("one\ntwo {% raw %}{{ x }}{% endraw %}", 2, 5, "statements"),
    ("{# a note #}", 1, 1, "comments ({# … #}) are not allowed"),
    # Unknown names, empty and unclosed placeholders.
    ("Dear {{ officer }}", 1, 9, "unknown placeholder {{ officer }}; this letter offers {{ neighborhood }}"),
    ("{{ title }}", 1, 4, "unknown placeholder {{ title }}"),
    ("{{ }}", 1, 1, "an empty placeholder"),
    ("line one\nabc {{ neighborhood", 2, 5, "a placeholder opened with {{ is never closed with }}"),
    ("abc {{ \"neigh", 1, 8, "'\"' is not allowed in a placeholder"),
    ("{{{ neighborhood }}}", 1, 3, "'{' is not a placeholder name"),
])
def test_refused_templates_name_the_problem_and_where(template, line, column, message):
    with pytest.raises(LetterTemplateError) as refused:
        letter_language.check("neighborhood", template)
    assert (refused.value.line, refused.value.column) == (line, column), str(refused.value)
    assert message in refused.value.problem
    assert str(refused.value).startswith(f"line {line}, column {column}: ")
    with pytest.raises(LetterTemplateError):  # filling checks first: nothing is rendered
        letter_language.fill("neighborhood", template, OFFERED)


@pytest.mark.parametrize(("kind", "template", "ok"), [
    ("request", "{{ requester }} for {{ campaign }}", True),
    ("request", "{{ resident_name }}", False),
    ("neighborhood", "{{ requester }}", False),
    ("bulk", "{{ tracking_numbers }} {{ agency_deadline }}", True),
    ("bulk", "{{ next_deadline }}", False),
    ("new_request", "Cameras at {{ agency }}", True),
    ("new_request", "{{ title }}", False),
])
def test_each_letter_offers_its_own_placeholders(kind, template, ok):
    if ok:
        assert letter_language.check(kind, template) == template
    else:
        with pytest.raises(LetterTemplateError, match="unknown placeholder"):
            letter_language.check(kind, template)


@pytest.mark.parametrize("value", [None, 5, b"{{ x }}", "x" * (letter_language.MAX_TEMPLATE + 1)])
def test_what_is_not_a_template_is_refused(value):
    with pytest.raises(LetterTemplateError):
        letter_language.check("request", value)


def test_filled_values_are_text_and_not_templates():
    # A resident's name that looks like a template is printed, never evaluated.
    filled = letter_language.fill("neighborhood", "{{ resident_name }}",
                                  {"resident_name": "{{ neighborhood.__class__ }} {% for %}"})
    assert filled == "{{ neighborhood.__class__ }} {% for %}"
    assert letter_language.fill("neighborhood", "<{{ resident_name }}>", {"resident_name": "A & B <c>"}) == (
        "<A & B <c>>")  # plain text: nothing is escaped


def test_the_default_letters_pass_their_checker():
    from tracker.operations.bulk import FOLLOW_UP_BODY, FOLLOW_UP_SUBJECT
    from tracker.operations.campaigns import DEFAULT_LETTER
    from tracker.request_letter import DEFAULT_REQUEST_TEMPLATE

    assert letter_language.check("request", DEFAULT_REQUEST_TEMPLATE)
    assert letter_language.check("neighborhood", DEFAULT_LETTER)
    assert letter_language.check("bulk", FOLLOW_UP_SUBJECT) and letter_language.check("bulk", FOLLOW_UP_BODY)


# -- refused at save time -----------------------------------------------------------------------------


@pytest.mark.parametrize(("template", "position"), [
    ("Records about {resident_name:x}", "line 1, column 15"),
    ("Records about\n{neighborhood:>{resident_name}}", "line 2, column 1"),
    ("{{ neighborhood|truncate(9999999) }}", "line 1, column 16"),
])
def test_the_api_refuses_a_bad_residents_letter_with_400_and_keeps_the_old_one(api_as, template, position):
    lawyer = api_as("lawyer")
    created = lawyer.post("/api/v1/campaigns", json={"name": "Ban the Scan", "slug": "ban-the-scan",
                                                     "letter_template": "In {{ neighborhood }}."}).json
    response = lawyer.patch(f"/api/v1/campaigns/{created['id']}", json={"letter_template": template})
    assert response.status_code == 400, response.json
    error = response.json["error"]
    assert error["field"] == "letter_template" and error["code"] == "invalid_template"
    assert position in error["message"]
    assert lawyer.get(f"/api/v1/campaigns/{created['id']}").json["letter_template"] == "In {{ neighborhood }}."


def test_the_bulk_follow_up_refuses_a_bad_template_before_anything_is_sent(app, make_request, make_user):
    from tracker.models import Message
    from tracker.operations import OperationError
    from tracker.operations.bulk import follow_up_each

    request = make_request()
    with pytest.raises(OperationError) as refused:
        follow_up_each([request], make_user("lawyer"), "About {{ reference }}", "Dear {{ title.upper() }}")
    assert refused.value.status == 400 and refused.value.field == "body"
    assert "line 1, column 14: attribute access" in refused.value.message
    assert Message.query.count() == 0


def test_the_request_form_refuses_an_old_style_agency_placeholder(client, login, make_agency):
    login("lawyer")
    agency = make_agency(name="Agency A")
    page = client.get("/requests/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/requests/new", data={"csrf_token": token, "agency": [str(agency.id)],
                                                  "title": "Cameras at {agency}"})
    assert response.status_code == 422
    assert "line 1, column 12: {agency is written with single braces" in html.unescape(
        response.get_data(as_text=True))
    from tracker.models import Request

    assert Request.query.count() == 0


# -- the migration of stored templates ---------------------------------------------------------------


def _migration():
    path = ROOT / "migrations" / "versions" / "a0012letters_letter_language.py"
    spec = importlib.util.spec_from_file_location("a0012letters", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MIGRATION = _migration()


# (old format dialect, letter language, back again: specs and conversions are not restored)
@pytest.mark.parametrize(("old", "new", "back"), [
    ("", "", ""),
    ("In {neighborhood} ({borough}).", "In {{ neighborhood }} ({{ borough }}).", "In {neighborhood} ({borough})."),
    ("Literal {{braces}} stay", "Literal {braces} stay", "Literal {{braces}} stay"),
    ("{resident_name:x}", "{{ resident_name }}", "{resident_name}"),
    ("{neighborhood:>{resident_name}}", "{{ neighborhood }}", "{neighborhood}"),
    ("{postal_address!r}", "{{ postal_address }}", "{postal_address}"),
    ("unbalanced { brace", "unbalanced { brace", "unbalanced {{ brace"),  # could not have been saved
])
def test_the_residents_letter_converts_from_the_format_dialect(old, new, back):
    assert MIGRATION.letter_template_up(old) == new
    assert MIGRATION.letter_template_down(new) == back


@pytest.mark.parametrize(("old", "new"), [
    ("", ""),
    ("{date}\n\nTo {agency}: {title}", "{{ date }}\n\nTo {{ agency }}: {{ title }}"),
    ("Keep {braces like these} and {{ this }}", "Keep {braces like these} and {{ this }}"),
])
def test_the_request_letter_converts_from_its_brace_dialect(old, new):
    assert MIGRATION.request_template_up(old) == new
    if "{{" not in old:
        assert MIGRATION.request_template_down(new) == old


def test_the_offered_follow_up_fills_in_for_a_request(app, make_request):
    from tracker.operations.bulk import FOLLOW_UP_BODY, FOLLOW_UP_SUBJECT, fill

    request = make_request(title="Drone footage", received_on="2026-11-02", tracking_numbers=["FOIL-2026-056-00042"])
    assert fill(FOLLOW_UP_SUBJECT, request, "subject") == "Follow-up: FOIL request FOIL-2026-056-00042 (Drone footage)"
    body = fill(FOLLOW_UP_BODY, request)
    assert "“Drone footage” (FOIL-2026-056-00042), received by" in body and "Monday, November 2, 2026" in body
    assert "{" not in body


def test_positions_count_windows_line_endings_as_one():
    with pytest.raises(LetterTemplateError) as refused:
        letter_language.check("neighborhood", "Dear Officer,\r\n\r\nIn {{ neighborhood.name }}\r\n")
    assert (refused.value.line, refused.value.column) == (3, 19)
    assert letter_language.fill("neighborhood", "A\r\n{{ borough }}\r\n", OFFERED) == "A\nBrooklyn\n"

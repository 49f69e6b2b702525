"""one letter language: stored letter templates move to {{ placeholders }}

Campaigns keep two editable letters. `request_template` used `{name}` for its placeholders and left
every other brace as typed; `letter_template` (the residents' letter) used Python's format dialect, where
`{name}` (with an optional `!conversion` and `:format spec`) was a placeholder and `{{`/`}}` a literal
brace. Both now use the letter language (tracker.letter_language): `{{ name }}` and nothing else, braces
otherwise as typed. Format specs and conversions are dropped: they are what the new language refuses.
The downgrade writes the old dialects back. The conversions are frozen here, as they were at this
revision, so that later changes to the letter language cannot change what this migration did.

Revision ID: a0012letters
Revises: a0011bigrams
"""
import re
import string

import sqlalchemy as sa
from alembic import op

revision = 'a0012letters'
down_revision = 'a0011bigrams'
branch_labels = None
depends_on = None

# The placeholders each letter offered at this revision.
REQUEST_NAMES = frozenset({"date", "agency", "agency_email", "title", "description", "reference", "requester",
                           "requester_email", "campaign", "agency_deadline"})
NEIGHBORHOOD_NAMES = frozenset({"neighborhood", "nta_code", "borough", "community_district", "resident_name",
                                "postal_address", "agency"})

_OLD_REQUEST_FIELD = re.compile(r"\{([a-z_]+)\}")
_NEW_FIELD = re.compile(r"\{\{-?\s*([A-Za-z_]\w*)\s*-?\}\}")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def request_template_up(text):
    """`{name}` of a known placeholder becomes `{{ name }}`; every other brace stays as typed."""
    if not text:
        return text
    return _OLD_REQUEST_FIELD.sub(lambda m: "{{ %s }}" % m.group(1) if m.group(1) in REQUEST_NAMES else m.group(0),
                                  text)


def request_template_down(text):
    """`{{ name }}` becomes `{name}` again."""
    if not text:
        return text
    return _NEW_FIELD.sub(lambda m: "{%s}" % m.group(1), text)


def letter_template_up(text):
    """The format dialect to the letter language: `{name!r:>9}` is `{{ name }}`, `{{` and `}}` are `{`, `}`.

    A text the format dialect cannot read (it could not have been saved) is kept as it is.
    """
    if not text:
        return text
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return text
    out = []
    for literal, field, _spec, _conversion in parts:
        out.append(literal)
        if field is not None:
            name = _IDENTIFIER.match(field)
            if name:
                out.append("{{ %s }}" % name.group(0))
    return "".join(out)


def letter_template_down(text):
    """The letter language to the format dialect: braces are doubled and `{{ name }}` is `{name}`."""
    if not text:
        return text
    out, last = [], 0
    for match in _NEW_FIELD.finditer(text):
        out.append(text[last:match.start()].replace("{", "{{").replace("}", "}}"))
        out.append("{%s}" % match.group(1))
        last = match.end()
    out.append(text[last:].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def _convert(request_template, letter_template):
    campaigns = sa.table("campaigns", sa.column("id", sa.Integer), sa.column("request_template", sa.Text),
                         sa.column("letter_template", sa.Text))
    bind = op.get_bind()
    rows = bind.execute(sa.select(campaigns.c.id, campaigns.c.request_template, campaigns.c.letter_template)).all()
    for row in rows:
        new_request, new_letter = request_template(row.request_template), letter_template(row.letter_template)
        if (new_request, new_letter) != (row.request_template, row.letter_template):
            bind.execute(campaigns.update().where(campaigns.c.id == row.id)
                         .values(request_template=new_request, letter_template=new_letter))


def upgrade():
    _convert(request_template_up, letter_template_up)


def downgrade():
    _convert(request_template_down, letter_template_down)

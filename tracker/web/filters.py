"""Template helpers for every page: New York dates, labels, permissions and links to areas that exist."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from tracker import lifecycle, permissions
from tracker.clock import local
from tracker.grounds import describe, label
from tracker.lifecycle import LABELS

STATUS_LABELS = {
    "draft": "Draft (not sent)",
    "submitted": "Submitted",
    "acknowledged": "Acknowledged",
    "extended": "Extended",
    "granted": "Granted",
    "partially_granted": "Partially granted",
    "denied": "Denied",
    "no_records": "No records",
    "constructively_denied": "Constructively denied",
    "appeal_filed": "Appeal filed",
    "appeal_granted": "Appeal granted",
    "appeal_denied": "Appeal denied",
    "appeal_constructively_denied": "Appeal constructively denied",
    "in_litigation": "In litigation",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
}

# Unicode's bidirectional controls (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, the
# marks U+200E/U+200F and the Arabic letter mark U+061C) reorder the text around them when displayed:
# "résumé\u202efdp.exe" shows as "résuméexe.pdf". A filename shows each one as a visible "[U+202E]" instead.
BIDI_CONTROLS = {code: f"[U+{code:04X}]" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                                      0x200E, 0x200F, 0x061C)}

EVENT_LABELS = {
    "submitted": "Agency received the request",
    "acknowledged": "Agency acknowledged",
    "extended": "Agency extended (date certain)",
    "records_released": "Records released",
    "granted": "Granted",
    "partially_granted": "Partially granted",
    "denied": "Denied",
    "no_records": "No records",
    "appeal_filed": "Appeal filed",
    "appeal_granted": "Appeal granted",
    "appeal_denied": "Appeal denied",
    "article78_filed": "Article 78 petition filed",
    "fee_requested": "Agency asked for a fee",
    "fee_paid": "Fee paid",
    "clarification_requested": "Agency asked for clarification",
    "clarification_answered": "Clarification reached the agency",
    "reasonably_described": "Marked as reasonably described (a lawyer)",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
    "note": "Note",
}


def _legal_date(value) -> date | None:
    """A legal date as is (or from ISO text); a stored UTC timestamp as its New York date."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = local(value).date()
    return value


def nydate(value) -> str:
    """'Monday, January 9, 2023': a legal date as is, a stored UTC timestamp converted to New York."""
    day = _legal_date(value)
    return f"{day:%A}, {day:%B} {day.day}, {day.year}" if day else ""


def shortdate(value) -> str:
    """'Mon Jan 9, 2023', for tables."""
    day = _legal_date(value)
    return f"{day:%a} {day:%b} {day.day}, {day.year}" if day else ""


def nytime(value: datetime | None) -> str:
    """'Mon Jan 9, 2023, 3:04 PM EST': a stored UTC timestamp in New York time."""
    if value is None:
        return ""
    moment = local(value)
    hour = moment.hour % 12 or 12
    return f"{shortdate(moment.date())}, {hour}:{moment:%M} {moment:%p} {moment.tzname()}"


def nytime_long(value: datetime | None) -> str:
    """'Monday, January 9, 2023 at 3:04 PM EST': a stored UTC timestamp in New York time, in full."""
    if value is None:
        return ""
    moment = local(value)
    hour = moment.hour % 12 or 12
    return f"{nydate(moment.date())} at {hour}:{moment:%M} {moment:%p} {moment.tzname()}"


def status_label(status: str | None) -> str:
    """A request status in words."""
    return STATUS_LABELS.get(status or "", (status or "").replace("_", " ").capitalize())


def deadline_label(kind: str | None) -> str:
    """A deadline kind in words ('Determination due')."""
    return LABELS.get(kind or "", (kind or "").replace("_", " ").capitalize())


def event_label(kind: str) -> str:
    """An event type in words."""
    return EVENT_LABELS.get(kind, kind.replace("_", " ").capitalize())


def citation(basis: str | None) -> str:
    """The statute a deadline's basis starts with ('POL §89(3)(a)', 'CPLR 217(1)'), for narrow cells.

    A deadline's own kind is the surer guide (`Deadline.statute`); this reads a basis text alone.
    """
    if not basis:
        return ""
    head = basis.split(":", 1)[0]
    return head if ("§" in head or "CPLR" in head) else head[:40]


def ground_label(key: str) -> str:
    """An exemption in short ('POL §87(2)(e)', or the words of a non-exemption ground)."""
    described = describe(key)
    if described is None:
        return key
    citation_text, words = described
    return citation_text if key[:2] in ("87", "89") else words.capitalize()


def ground_text(key: str) -> str:
    """An exemption with the statute's words: 'POL §87(2)(e)(iv): … except routine techniques …'."""
    return label(key) if describe(key) is not None else key


def can(permission: str) -> bool:
    """Whether the signed-in person holds `permission`."""
    return permissions.can(current_user, permission)


def nav_url(endpoint: str, **values) -> str | None:
    """The URL of `endpoint`, or None while the area that provides it has not landed."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def mail_out_configured() -> bool:
    """Whether outgoing mail can leave at all (SMTP_HOST is set); send pages say so before the button."""
    return bool(current_app.config["SMTP_HOST"])


def filename(name: str | None) -> str:
    """A filename as every page and the API show it: bidirectional controls made visible ([U+202E])."""
    return (name or "").translate(BIDI_CONTROLS)


def init_app(app: Flask) -> None:
    """Make the helpers available to every template."""
    for fn in (filename, nydate, shortdate, nytime, nytime_long, status_label, deadline_label, event_label, citation,
               ground_label, ground_text):
        app.add_template_filter(fn)
    app.add_template_global(can)
    app.add_template_global(nav_url)
    app.add_template_global(mail_out_configured)
    app.add_template_global(deadline_label)
    app.add_template_global(status_label)
    # The FOIL rules' statuses, groups and clocks, for templates to test against (never retyped there).
    app.add_template_global(lifecycle, "lifecycle")


def plain_words(text: str) -> str:
    """A message for people: event types in words ('appeal_granted' → 'Appeal granted'), ISO dates in full."""
    import re
    from datetime import date

    from tracker.lifecycle import EVENT_TYPES

    def event_words(match):
        word = match.group(0)
        return event_label(word) if word in EVENT_TYPES else word.replace("_", " ")

    def long_date(match):
        try:
            return nydate(date.fromisoformat(match.group(0)))
        except ValueError:
            return match.group(0)

    text = re.sub(r"\b[a-z]+(?:_[a-z0-9]+)+\b", event_words, text)
    text = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", long_date, text)
    return text[:1].upper() + text[1:]

"""The audit trail: every operation in tracker/operations records who changed what, when and how.

`record(actor, action, subject, ...)` adds one row to the current unit of work (it flushes and never
commits), so the row is saved with the change it describes, or not at all. The actor is a person (a
`User`), the command line (`cli_actor()`, which names the system account that ran `foiltrack`), the system
(`SYSTEM`: workers, the mail intake, the scheduler) or someone without an account (kind "anonymous": a
failed sign-in, a resident on the public side). An operation given no actor records the person
signed in to the current web request (or an anonymous visitor, in a request nobody signed in to); outside
a web request, the command line while one of `foiltrack`'s own commands runs (`acting_from_command_line`,
set by tracker.cli for each of them), else the system.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracker.extensions import db
from tracker.models.audit import AuditEntry

MAX_VALUE_CHARS = 2000  # long texts (a request's description, a letter) are kept in part


@dataclass(frozen=True)
class Actor:
    """Who acts when no person does: `kind` is "cli", "system" or "anonymous", `label` what the trail shows."""

    kind: str
    label: str


SYSTEM = Actor("system", "system")


def cli_actor() -> Actor:
    """The command line, named after the system account that runs `foiltrack`."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = "unknown"
    return Actor("cli", f"command line ({account})")


ANONYMOUS = Actor("anonymous", "anonymous visitor")
_command_line: ContextVar[Actor | None] = ContextVar("foiltrack_command_line", default=None)


@contextmanager
def acting_from_command_line() -> Iterator[Actor]:
    """Within this block (a `foiltrack` command), operations given no actor record the command line."""
    token = _command_line.set(cli_actor())
    try:
        yield _command_line.get()
    finally:
        _command_line.reset(token)


def _implicit_actor():
    """Who acts when an operation is given no actor (see the module's docstring)."""
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context():
        if getattr(current_user, "is_authenticated", False):
            return current_user._get_current_object()  # noqa: SLF001 - the User, not Flask-Login's proxy
        return ANONYMOUS
    return _command_line.get() or SYSTEM


def _who(actor) -> tuple[str, int | None, str]:
    if actor is None:
        actor = _implicit_actor()
    if isinstance(actor, Actor):
        return actor.kind, None, actor.label
    if getattr(actor, "id", None) is not None and hasattr(actor, "email"):
        return "user", actor.id, actor.email
    return "anonymous", None, str(actor)[:320]


def _address() -> str | None:
    from flask import has_request_context, request

    return (request.remote_addr or None) if has_request_context() else None


def plain(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO text, rows by id, long texts shortened."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if hasattr(value, "email"):
        return value.email
    if hasattr(value, "id"):
        return (getattr(value, "name", None) or getattr(value, "number", None)
                or getattr(value, "reference", None) or value.id)
    return str(value)


def snapshot(obj, fields) -> dict:
    """The named attributes of `obj`, as `plain` values (taken before and after an edit)."""
    return {name: plain(getattr(obj, name)) for name in fields}


def diff(before: dict, after: dict) -> dict:
    """{field: {"before": old, "after": new}} for each field whose value changed."""
    return {key: {"before": before.get(key), "after": after.get(key)}
            for key in after if before.get(key) != after.get(key)}


def _subject(subject) -> tuple[str, int | None]:
    if subject is None:
        return "", None
    if isinstance(subject, tuple):
        return str(subject[0]), subject[1]
    return getattr(subject, "__tablename__", type(subject).__name__.lower()), getattr(subject, "id", None)


def _request_id(subject, request) -> int | None:
    if request is not None:
        return request if isinstance(request, int) else request.id
    if getattr(subject, "__tablename__", None) == "requests":
        return subject.id
    return getattr(subject, "request_id", None)


def record(actor, action: str, subject=None, *, request=None, changes: dict | None = None,
           summary: str = "") -> AuditEntry:
    """Add an audit row for `action` (e.g. "request.update") on `subject` (a row, or ("kind", id)).

    `request` ties the row to a request's trail (taken from the subject when it is, or belongs to, one);
    `changes` says what changed (use `diff(before, after)` for edits). Flushes; never commits.
    """
    kind, actor_id, label = _who(actor)
    subject_type, subject_id = _subject(subject)
    entry = AuditEntry(actor_kind=kind, actor_id=actor_id, actor_label=label[:320], action=action[:60],
                       subject_type=subject_type[:40], subject_id=subject_id,
                       request_id=_request_id(subject, request), summary=(summary or "")[:500],
                       changes=plain(changes or {}), address=_address())
    db.session.add(entry)
    db.session.flush()
    return entry


def trail(*, request_id: int | None = None, user_id: int | None = None):
    """The audit rows, newest first, of one request and/or about one person (as actor or as subject)."""
    from sqlalchemy import or_, select

    query = select(AuditEntry)
    if request_id is not None:
        query = query.where(AuditEntry.request_id == request_id)
    if user_id is not None:
        query = query.where(or_(AuditEntry.actor_id == user_id,
                                (AuditEntry.subject_type == "users") & (AuditEntry.subject_id == user_id)))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def as_dict(entry: AuditEntry) -> dict:
    """One audit row as the API and the evidence bundle give it."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat() + "Z",
        "actor": {"kind": entry.actor_kind, "id": entry.actor_id, "label": entry.actor_label},
        "action": entry.action,
        "subject": {"type": entry.subject_type, "id": entry.subject_id},
        "request_id": entry.request_id,
        "changes": entry.changes or {},
        "address": entry.address,
    }

"""Secrets never reach a log line: each is replaced by `…` before any handler sees the record.

What counts as a secret:
- a URL path segment that is a credential: every route argument declared with the `secret` converter
  (`/calendar/<secret:secret>.ics`, `/invitation/<secret:token>`, `/public/status/<secret:link>`, and
  whatever route another area declares so), read from the app's url_map; what an argument is called
  plays no part;
- `token=`, `secret=`, `key=` and `password=` query or form parameters;
- bearer tokens (`Authorization: Bearer …`) and our API tokens (`ft_…`) wherever they appear;
- the token of a request's reply address (`foil+…@domain`): whoever knows it can write into the request.

`RedactSecrets` is a logging filter. It sits on the app's logger and on werkzeug's and gunicorn's
loggers, and, because a filter on a logger never sees what that logger's children propagate (and handlers
come and go with gunicorn and Celery), it is also applied where every log record of the process is made
(the log record factory), so no logger, handler or traceback escapes it.
"""

from __future__ import annotations

import logging
import re
import threading

from flask import Flask
from werkzeug.routing import BaseConverter

MASK = "…"
NAMED_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "celery", "celery.task")

# What ends a path segment in a log line: a slash, a query, a fragment, space or quotes.
_SEGMENT = r"[^/?#\s\"'<>]+?"
_SEGMENT_END = r"(?=[/?#\s\"'<>]|$)"
_ALWAYS = (
    re.compile(r"(?i)(\bbearer\s+)[^\s\"',;]+"),
    re.compile(r"\b(ft_)[A-Za-z0-9_\-]{16,}"),
    re.compile(r"(?i)([?&;](?:token|secret|key|password|api_key)=)[^&\s\"'#]+"),
)
# A route argument: `<name>`, `<converter:name>` or `<converter(arguments):name>`.
_ARGUMENT = re.compile(r"<(?:([A-Za-z_][A-Za-z0-9_]*)(?:\([^)]*\))?:)?([A-Za-z_][A-Za-z0-9_]*)>")


class SecretConverter(BaseConverter):
    """`<secret:name>` in a route: a path segment that is a credential (a link that acts for someone).

    It matches what the default converter matches; declaring it is what makes the log filter mask it.
    """


def secret_arguments(app: Flask, rule) -> set[str]:
    """The names of `rule`'s arguments declared with a converter that is a SecretConverter."""
    found = set()
    for match in _ARGUMENT.finditer(rule.rule):
        converter = app.url_map.converters.get(match.group(1) or "default")
        if isinstance(converter, type) and issubclass(converter, SecretConverter):
            found.add(match.group(2))
    return found


def route_patterns(app: Flask) -> list[re.Pattern[str]]:
    """One pattern per credential argument of a route: the static text before it, then the argument's
    value, up to the static text after it or the end of the path segment."""
    patterns = []
    for rule in app.url_map.iter_rules():
        secret = secret_arguments(app, rule)
        if not secret:
            continue
        pieces, last = [], 0
        for found in _ARGUMENT.finditer(rule.rule):
            pieces.append(("text", rule.rule[last:found.start()]))
            pieces.append(("arg", found.group(2)))
            last = found.end()
        pieces.append(("text", rule.rule[last:]))
        for index, (kind, name) in enumerate(pieces):
            if kind != "arg" or name not in secret:
                continue
            before = pieces[index - 1][1]
            after = pieces[index + 1][1] if index + 1 < len(pieces) else ""
            # The fixed text just before the secret names the route (e.g. "/invitation/"); what follows it
            # up to the next separator, or up to the fixed text after it (".ics"), is the secret.
            tail = f"(?={re.escape(after)}|{_SEGMENT_END[3:]}" if after and after[0] != "/" else _SEGMENT_END
            patterns.append(re.compile(f"({re.escape(before)}){_SEGMENT}{tail}"))
    return patterns


def reply_address_pattern(reply_address: str, domain: str) -> re.Pattern[str] | None:
    """The reply address format (`foil+{token}@{domain}`) as a pattern whose group 1 ends before the token."""
    if "{token}" not in reply_address:
        return None
    before, _, after = reply_address.partition("{token}")
    before, after = before.replace("{domain}", domain), after.replace("{domain}", domain)
    return re.compile(f"(?i)({re.escape(before)})[0-9a-z\\-]{{4,32}}(?={re.escape(after)})")


class RedactSecrets(logging.Filter):
    """A logging filter that rewrites a record's message (and traceback) with every secret masked."""

    def __init__(self, patterns=()):
        super().__init__()
        self._lock = threading.Lock()
        self.patterns: list[re.Pattern[str]] = list(_ALWAYS)
        self.add(patterns)

    def add(self, patterns) -> None:
        """Also mask what `patterns` match (each keeps its group 1 and masks the rest of the match)."""
        with self._lock:
            known = {p.pattern for p in self.patterns}
            self.patterns = self.patterns + [p for p in patterns if p is not None and p.pattern not in known]

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by the mask."""
        for pattern in self.patterns:
            text = pattern.sub(lambda m: m.group(1) + MASK, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        if getattr(record, "_secrets_redacted", False):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: log what was given, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        record._secrets_redacted = True
        return True


# One filter per process: every app built here adds its routes' and reply address's patterns to it.
REDACTOR = RedactSecrets()
_factory_installed = False


def _install_record_factory() -> None:
    global _factory_installed
    if _factory_installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacted_record(*args, **kwargs):
        record = make_record(*args, **kwargs)
        REDACTOR.filter(record)
        return record

    logging.setLogRecordFactory(redacted_record)
    _factory_installed = True


def init_app(app: Flask) -> None:
    """Mask this app's secrets in every log line (call once its routes are registered)."""
    REDACTOR.add(route_patterns(app))
    REDACTOR.add([reply_address_pattern(app.config["REPLY_ADDRESS"], app.config["MAIL_DOMAIN"])])
    for name in (app.logger.name, *NAMED_LOGGERS):
        logger = logging.getLogger(name)
        if REDACTOR not in logger.filters:
            logger.addFilter(REDACTOR)
    _install_record_factory()

"""What every `foiltrack` command answers when the machine fails it: one line naming the cause and what to do.

A full disk, a read-only or forbidden folder and an unreachable database are the world's failures, not
ours: a command answers them like `Error: the disk is full ...` (exit status 1) rather than with a
traceback. The command's unit of work was rolled back before this answer, and the blob store writes
through a temporary file renamed into place, so nothing half-written is kept.
"""

from __future__ import annotations

import errno
import socket
import ssl
from functools import wraps

import click
from sqlalchemy.exc import DBAPIError

FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
READ_ONLY = (errno.EROFS,)
FORBIDDEN = (errno.EACCES, errno.EPERM)
UNREACHABLE = (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT, errno.ECONNRESET)


def _where(exc: OSError) -> str:
    return f" {exc.filename}" if exc.filename else ""


def os_error_line(exc: OSError) -> str | None:
    """The one line for an operating-system failure people can fix, or None for any other OSError."""
    if isinstance(exc, (ssl.SSLError, ConnectionError, socket.timeout)):
        return None  # the network's failures (TLS reuses small errno values); each command names its peer
    if exc.errno in FULL:
        return (f"the disk is full: could not write{_where(exc)} ({exc.strerror}). Free space on that disk "
                "(or point FOILTRACK_DATA_DIR or FOILTRACK_BLOB_DIR at a larger one) and run the command "
                "again; what it had not finished was not kept.")
    if exc.errno in READ_ONLY:
        return (f"cannot write{_where(exc)}: the file system is read-only. Remount it read-write (or point "
                "FOILTRACK_DATA_DIR at a writable folder) and run the command again.")
    if exc.errno in FORBIDDEN and exc.filename:
        return (f"cannot write{_where(exc)}: permission denied. Run foiltrack as the user that owns the data "
                "folder (FOILTRACK_DATA_DIR), or give that user write access, and run the command again.")
    return None


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as a placeholder, never with its password
        return "(FOILTRACK_DATABASE_URL)"


def database_error_line(exc: DBAPIError, database_url: str) -> str | None:
    """The one line for a database that is unreachable, full or read-only; None for our own mistakes."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    lowered = reason.lower()
    where = _safe_url(database_url)
    if "disk is full" in lowered or "no space left" in lowered:
        return (f"the disk holding the database {where} is full ({reason}). Free space on it and run the "
                "command again; the command's changes were rolled back.")
    if "readonly database" in lowered or "read-only" in lowered:
        return (f"the database {where} is read-only ({reason}). Make its file and folder writable by the "
                "user running foiltrack and run the command again.")
    if "no such table" in lowered or "undefinedtable" in type(exc.orig).__name__.lower():
        return (f"the database {where} has no tables yet ({reason}). Run `foiltrack db upgrade` first, "
                "then run the command again.")
    from tracker.database_outage import database_unreachable

    if database_unreachable(exc) or "unable to open database file" in lowered:
        return (f"cannot reach the database {where} ({reason}). Check that it is running and that "
                "FOILTRACK_DATABASE_URL is right, then run the command again; nothing was changed.")
    return None


def plain_error_line(exc: BaseException, database_url: str) -> str | None:
    """One line for a failure of the machine (disk, folder, database), or None to let it surface as is."""
    if isinstance(exc, DBAPIError):
        return database_error_line(exc, database_url)
    if isinstance(exc, OSError):
        return os_error_line(exc)
    return None


def _database_url() -> str:
    """The running app's database URL (its app context may already be gone when the error arrives)."""
    from flask import current_app
    from flask.cli import ScriptInfo

    if current_app:
        return current_app.config.get("DATABASE_URL", "")
    try:
        return click.get_current_context().ensure_object(ScriptInfo).load_app().config.get("DATABASE_URL", "")
    except Exception:  # noqa: BLE001 - the line still names the cause, without the URL
        return ""


def answer_plainly(command: click.Command) -> None:
    """Make `command` (and its subcommands) answer a full disk, a read-only folder or an unreachable
    database with one line (click's `Error: ...`, exit status 1) instead of a traceback."""
    for sub in getattr(command, "commands", {}).values():
        answer_plainly(sub)
    original = command.callback
    if original is None or getattr(original, "foiltrack_plain_errors", False):
        return

    @wraps(original)
    def run(*args, **kwargs):
        try:
            return original(*args, **kwargs)
        except (OSError, DBAPIError) as exc:
            line = plain_error_line(exc, _database_url())
            if line is None:
                raise
            raise click.ClickException(line) from exc

    run.foiltrack_plain_errors = True
    command.callback = run

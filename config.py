"""Every setting of FOIL Tracker, declared once with its default and what it does.

A setting ``NAME`` is read, in order of precedence, from the mapping given to
``tracker.create_app(config)``, then from the environment variable ``FOILTRACK_NAME``,
then from the default below. Settings are read once, when the app is created.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "FOILTRACK_"


@dataclass(frozen=True)
class Setting:
    """One configurable value: its name, default, type and a one-line description."""

    name: str
    default: Any
    help: str
    type: type = str


SETTINGS: tuple[Setting, ...] = (
    # Storage
    Setting("DATA_DIR", "foiltrack-data",
            "Folder for the embedded mode: SQLite database, blob store, search index and broker."),
    Setting("DATABASE_URL", "",
            "SQLAlchemy database URL; empty means SQLite in DATA_DIR. Production: postgresql+psycopg://..."),
    Setting("BLOB_DIR", "", "Content-addressed store of raw emails and attachments; empty means DATA_DIR/blobs."),
    Setting("INDEX_DIR", "", "Whoosh search index folder; empty means DATA_DIR/index."),
    # Search
    Setting("SEARCH_ENGINE", "whoosh",
            "Search engine: whoosh (embedded index in INDEX_DIR) or postgres (full-text search in the "
            "PostgreSQL database itself; needs DATABASE_URL on PostgreSQL)."),
    Setting("SEARCH_RUM", False,
            "With the postgres engine, index pages with RUM (postgresql-15-rum) rather than GIN when the "
            "database is first migrated: faster ranking, but see the README on crash restarts.", bool),
    Setting("SEARCH_BUDGET_SECONDS", 2.0,
            "Time one search may take; when it runs out the search answers what it found, marked partial "
            "(0: no limit).", float),
    Setting("SECRET_KEY", "",
            "Key that signs sessions and CSRF tokens; empty means a random key kept in DATA_DIR/secret_key."),
    # Tasks
    Setting("BROKER_URL", "",
            "Celery broker URL; empty means a filesystem broker in DATA_DIR (no server). Production: redis://..."),
    Setting("TASKS_EAGER", False, "Run background tasks inline in the calling process (tests, one-off scripts).",
            bool),
    Setting("BROKER_VISIBILITY_SECONDS", 300,
            "Seconds before a task taken by a worker that died goes back to the queue (Redis broker).", int),
    Setting("WORKER_CONCURRENCY", 2, "Processes of the Celery worker started by `foiltrack serve`.", int),
    # Web
    Setting("HOST", "127.0.0.1", "Address `foiltrack serve` listens on."),
    Setting("PORT", 5000, "Port `foiltrack serve` listens on.", int),
    Setting("BASE_URL", "",
            "Public address of the web app, used in emails and calendar feeds; empty means http://HOST:PORT."),
    Setting("TIMEZONE", "America/New_York", "Time zone in which dates are shown and legal days begin."),
    Setting("PAGE_SIZE", 50, "Rows per page in lists, in the web pages and the API.", int),
    Setting("PROXY_COUNT", 0,
            "Reverse proxies in front of the web app whose X-Forwarded-For/-Proto are trusted (0: none).", int),
    Setting("REMEMBER_DAYS", 30, "Days a ticked “remember me” keeps a person signed in on that browser.", int),
    Setting("LOGIN_RATE_LIMIT", "10 per minute",
            "Failed sign-ins allowed from one address to one account before that address must wait."),
    Setting("LOGIN_ACCOUNT_LIMIT", "30 per hour",
            "Failed sign-ins to one account from all addresses before every sign-in to it is slowed: a delay "
            "that grows with each further failure, at most 3 seconds; never a lock-out."),
    Setting("LOGIN_ADDRESS_LIMIT", "20 per hour",
            "Failed sign-ins from one address to any accounts before that address must wait (IPv6: per /64)."),
    Setting("RATELIMIT_STORAGE_URI", "database",
            "Where every rate limit counts (sign-ins, residents' submissions and emails), shared by every "
            "process: `database` (no extra server) or redis://...; when Redis cannot be reached the database "
            "is used instead."),
    Setting("TOKEN_DAYS", 90,
            "Days an API token works after it is issued; a shorter life may be chosen when issuing it.", int),
    # Mail out
    Setting("MAIL_DOMAIN", "foil.example.org", "Domain of the per-request reply addresses."),
    Setting("REPLY_ADDRESS", "foil+{token}@{domain}",
            "Pattern of a request's reply address; {token} is the request's reply token."),
    Setting("MAIL_FROM", "FOIL Tracker <foil@foil.example.org>", "From address of what the campaign sends."),
    Setting("SMTP_HOST", "", "SMTP server for outgoing mail; empty means mail is recorded but not sent."),
    Setting("SMTP_PORT", 25, "SMTP server port.", int),
    Setting("SMTP_USER", "", "SMTP user name, if the server needs one."),
    Setting("SMTP_PASSWORD", "", "SMTP password."),
    Setting("SMTP_STARTTLS", False, "Use STARTTLS on the SMTP connection.", bool),
    # Mail in
    Setting("IMAP_HOST", "", "IMAP server of the campaign mailbox; empty means no mail worker."),
    Setting("IMAP_PORT", 993, "IMAP server port.", int),
    Setting("IMAP_USER", "", "IMAP user name."),
    Setting("IMAP_PASSWORD", "", "IMAP password."),
    Setting("IMAP_SSL", True, "Connect to IMAP over TLS.", bool),
    Setting("IMAP_MAILBOX", "INBOX", "Mailbox folder the ingest worker reads."),
    Setting("IMAP_POLL_SECONDS", 60, "Polling interval when the server has no IDLE, and the IDLE timeout.", int),
    # Extraction
    Setting("EXTRACT_MEMORY_MB", 1024, "Address-space limit of the child process that extracts a document.", int),
    Setting("EXTRACT_CPU_SECONDS", 120, "CPU-time limit of the child process that extracts a document.", int),
    Setting("EXTRACT_MAX_PAGES", 5000, "Pages extracted from one document at most.", int),
    Setting("EXTRACT_WORKERS", 2, "Sandboxed children reading one large PDF or scan at once, each every "
            "n-th page (OCR of one scan spreads over the cores).", int),
    Setting("EXTRACT_CHILD_DOCUMENTS", 100, "Documents one warm extraction child reads before it is "
            "replaced by a fresh one (it is replaced at once after any limit is hit).", int),
    Setting("EXTRACT_ARCHIVE_MB", 512, "Bytes the zip attachments of one email (or the files of one upload "
            "batch) may unpack to, all nesting levels together; past it the archive is refused whole.", int),
    Setting("EXTRACT_ARCHIVE_MEMBERS", 1000, "Files (nested zips included) the zip attachments of one email "
            "may hold, all nesting levels together.", int),
    Setting("OCR_LANGUAGES", "eng", "Tesseract languages for scanned pages, e.g. eng+spa."),
    # Public side
    Setting("PUBLIC_PORTAL", False,
            "Open the public pages (/public/...) and token-less public search to anyone without an account.",
            bool),
    Setting("RESIDENT_CONFIRM_HOURS", 48, "Hours a resident's emailed confirmation link stays valid.", int),
    Setting("RESIDENT_RETENTION_DAYS", 30,
            "Days an unconfirmed resident submission (name, email) is kept before it is deleted.", int),
    Setting("RESIDENT_LIMIT_PER_EMAIL", 5,
            "Resident submissions one email address may make in 24 hours (name+tag@ and a trailing dot count "
            "as the address itself).", int),
    Setting("DEMO_MAIL_DIR", "",
            "Maildir of the demonstration's local mail sink (scripts/run starts one when SMTP_HOST is empty); "
            "while SMTP_HOST is this machine, lawyers and admins read every email sent at /demo/mail."),
    Setting("RESIDENT_LIMIT_PER_ADDRESS", 20,
            "Resident submissions one network may make in 24 hours: an IPv4 /24 or an IPv6 /64.", int),
    Setting("RESIDENT_LIMIT_PER_HOUR", 100,
            "Confirmation emails a campaign sends residents in an hour; submissions beyond it are kept and "
            "their emails wait for the next free place.", int),
    # Deadlines
    Setting("REMINDER_DAYS", 7, "Days before a deadline that its assignees are reminded.", int),
    Setting("NOTICE_CLAIM_SECONDS", 600,
            "A reminder, digest or alert claimed by a run that died is taken over by another run after this.",
            int),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


def coerce(setting: Setting, value: Any) -> Any:
    """Turn a value given as text (environment) or as a Python value into the setting's type."""
    if setting.type is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConfigError(f"{ENV_PREFIX}{setting.name} must be true or false, not {value!r}")
    if setting.type is int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{ENV_PREFIX}{setting.name} must be a whole number, not {value!r}") from None
    if setting.type is float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{ENV_PREFIX}{setting.name} must be a number, not {value!r}") from None
        if number != number or number < 0:  # NaN or negative
            raise ConfigError(f"{ENV_PREFIX}{setting.name} must be a number of at least 0, not {value!r}")
        return number
    return str(value)


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """Resolve every setting from overrides, then FOILTRACK_* variables, then defaults."""
    overrides = dict(overrides or {})
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            raw = overrides.pop(setting.name)
        elif ENV_PREFIX + setting.name in environ:
            raw = environ[ENV_PREFIX + setting.name]
        else:
            raw = setting.default
        values[setting.name] = coerce(setting, raw)
    values.update(overrides)  # Flask and extension keys (TESTING, WTF_CSRF_ENABLED, ...) pass through.
    _derive_paths(values)
    _check_search_engine(values)
    return values


SEARCH_ENGINES = ("whoosh", "postgres")


def _check_search_engine(values: dict) -> None:
    engine = values["SEARCH_ENGINE"] = values["SEARCH_ENGINE"].strip().lower()
    if engine not in SEARCH_ENGINES:
        raise ConfigError(f"{ENV_PREFIX}SEARCH_ENGINE must be whoosh or postgres, not {engine!r}")
    if engine == "postgres" and not values["DATABASE_URL"].startswith("postgresql"):
        raise ConfigError(f"{ENV_PREFIX}SEARCH_ENGINE=postgres needs {ENV_PREFIX}DATABASE_URL on PostgreSQL "
                          "(postgresql+psycopg://...)")


def _derive_paths(values: dict) -> None:
    data_dir = Path(values["DATA_DIR"]).expanduser().resolve()
    values["DATA_DIR"] = str(data_dir)
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{data_dir / 'foiltrack.sqlite3'}"
    values["BLOB_DIR"] = values["BLOB_DIR"] or str(data_dir / "blobs")
    values["INDEX_DIR"] = values["INDEX_DIR"] or str(data_dir / "index")
    if not values["BROKER_URL"]:
        values["BROKER_URL"] = "filesystem://"
    if values["BROKER_URL"].startswith("filesystem://"):
        values.setdefault("BROKER_FOLDER", str(data_dir / "broker"))
    if not values["BASE_URL"]:
        values["BASE_URL"] = f"http://{values['HOST']}:{values['PORT']}"


def secret_key(values: dict) -> str:
    """The configured SECRET_KEY, or a random one created once and kept in DATA_DIR."""
    if values["SECRET_KEY"]:
        return values["SECRET_KEY"]
    path = Path(values["DATA_DIR"]) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key

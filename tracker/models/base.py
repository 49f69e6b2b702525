"""Helpers shared by the model modules."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint

# The largest id our id columns hold: they are INTEGER, 32 bits in PostgreSQL (SQLite's hold 64), so a
# bigger number in a URL, a form or a filter is refused (or a 404), never an "out of range" database error.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    """The current time in UTC, as stored in every timestamp column."""
    return datetime.now(UTC).replace(tzinfo=None)


def one_of(column: str, values, name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps `column` within `values`."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


VISIBILITIES = ("public", "internal", "privileged")

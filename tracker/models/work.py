"""Follow-up work written in the transaction that decided it, and facts a deployment keeps about itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.base import utcnow


class PendingWork(db.Model):
    """A job (a Celery task by name and its arguments) that must run because a committed change asked for it.

    Written in the same transaction as the change, relayed to the broker after the commit, marked done by
    the task; the sweeper hands the broker again what is not done after a while.
    """

    __tablename__ = "pending_work"
    __table_args__ = (Index("ix_pending_work_open", "done_at", "relayed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    relayed_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # A worker running the job holds a claim it renews while it works; one that lapsed means it died.
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str] = mapped_column(String(200), default="")


class DeploymentFact(db.Model):
    """Something every host of a deployment must agree on (the secret key's fingerprint), by name."""

    __tablename__ = "deployment_facts"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LeaseEpoch(db.Model):
    """A singleton role's fencing token: the number of times its lease has been taken (tracker.fencing)."""

    __tablename__ = "lease_epochs"

    role: Mapped[str] = mapped_column(String(40), primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger, default=0)
    holder: Mapped[str] = mapped_column(String(200), default="")
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)

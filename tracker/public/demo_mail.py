"""The demonstration's mailbox: every email the app "sent" while a local mail sink stood in for a mail
server (scripts/run starts one when no SMTP_HOST is set), with working links, for lawyers and admins.

The page exists only while DEMO_MAIL_DIR is set and SMTP_HOST is this machine: a real deployment, whose
mail leaves through a real server, has no such page. It reads the sink's Maildir; it never sends.
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, render_template

from tracker.web.access import require

bp = Blueprint("demo_mail", __name__, url_prefix="/demo")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SHOWN = 200


@dataclass(frozen=True)
class SunkEmail:
    """One email the sink received, as the page shows it."""

    sent_at: datetime | None
    to: str
    subject: str
    text: str


def sink_folder() -> Path | None:
    """The sink's Maildir when the demonstration's sink is the configured mail server, else None."""
    folder = current_app.config["DEMO_MAIL_DIR"]
    if not folder or current_app.config["SMTP_HOST"] not in LOOPBACK:
        return None
    return Path(folder)


def _read(raw: bytes) -> SunkEmail:
    email = message_from_bytes(raw, policy=default_policy)
    body = email.get_body(preferencelist=("plain",))
    try:
        sent_at = parsedate_to_datetime(email["Date"]) if email["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    return SunkEmail(sent_at, str(email.get("X-RcptTo") or email.get("To") or ""), str(email["Subject"] or ""),
                     body.get_content() if body is not None else "")


def received(folder: Path) -> list[SunkEmail]:
    """The emails in the sink's Maildir, newest first (at most SHOWN)."""
    if not (folder / "cur").is_dir():
        return []
    box = mailbox.Maildir(folder, create=False)
    emails = [_read(box.get_bytes(key)) for key in box.iterkeys()]
    return sorted(emails, key=lambda e: e.sent_at.timestamp() if e.sent_at else 0, reverse=True)[:SHOWN]


@bp.get("/mail")
@require("resident.view")
def mail():
    """Every email the demonstration sent (to residents and to agencies), newest first."""
    folder = sink_folder()
    if folder is None:
        abort(404)
    return render_template("public/demo_mail.html", emails=received(folder), folder=folder)


def init_app(app: Flask) -> None:
    """Register the demonstration's mailbox page."""
    app.register_blueprint(bp)

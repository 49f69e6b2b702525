"""What parsing an email yields: plain data classes the database and matching layers consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnparseableEmail(ValueError):
    """The bytes are not an email at all (empty, or no header lines); store raw and mark rejected."""


@dataclass
class Attachment:
    """One file carried by a message, decoded; ``nested`` when it came from inside a forwarded message."""

    filename: str
    declared_type: str
    content: bytes
    content_id: str | None = None
    inline: bool = False
    nested: bool = False

    @property
    def size(self) -> int:
        """Length of the decoded content in bytes."""
        return len(self.content)

    @property
    def is_outlook_msg(self) -> bool:
        """True for an Outlook item (.msg/.oft, an OLE compound file) that needs its own extraction."""
        named = self.filename.lower().endswith((".msg", ".oft"))
        typed = self.declared_type in ("application/vnd.ms-outlook", "application/x-msg")
        return (named or typed) and self.content.startswith(_OLE_MAGIC)


@dataclass
class BounceInfo:
    """Delivery-failure details, as far as the report states them."""

    recipients: list[str] = field(default_factory=list)
    status: str | None = None
    action: str | None = None
    diagnostic: str | None = None

    @property
    def permanent(self) -> bool:
        """True when the report says delivery failed for good (5.x.x or action failed), not merely delayed."""
        return self.action == "failed" or (self.status or "").startswith("5")


@dataclass
class ParsedEmail:
    """Everything the mail worker needs from one message; raw bytes are kept separately as evidence."""

    message_id: str | None = None
    in_reply_to: str | None = None
    in_reply_to_all: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_addr: str | None = None
    from_name: str = ""
    reply_to: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    recipients_for_matching: list[str] = field(default_factory=list)
    date: datetime | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""
    html_sanitized: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    is_auto_reply: bool = False
    auto_reply_reason: str | None = None
    is_bounce: bool = False
    bounce: BounceInfo | None = None
    defects: list[str] = field(default_factory=list)

    @property
    def is_outlook_msg(self) -> bool:
        """True when an attached Outlook item (.msg/.oft) is among the attachments."""
        return any(a.is_outlook_msg for a in self.attachments)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this answers, most specific first: In-Reply-To, then References newest first."""
        ids: list[str] = []
        for mid in [*self.in_reply_to_all, *reversed(self.references)]:
            if mid not in ids:
                ids.append(mid)
        return ids

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive name), decoded, or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

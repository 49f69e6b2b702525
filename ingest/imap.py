"""The IMAP side of the mail worker (imaplib2): read new messages by UID, flag them once delivered, IDLE.

A message is fetched with BODY.PEEK[] so that nothing on the server changes until the database has
committed its delivery; only then is it flagged \\Seen and $FoilTracked (see tracker.mailroom.pipeline).
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
import threading
from dataclasses import dataclass, field

import imaplib2

log = logging.getLogger(__name__)

TRACKED_FLAG = "$FoilTracked"
FETCH_BATCH = 25
_UID_IN_FETCH = re.compile(rb"\bUID (\d+)")
# What a broken connection or an unhappy server raises: reconnect and try again.
TRANSIENT_ERRORS = (imaplib2.IMAP4.abort, OSError, TimeoutError)


class MailboxError(Exception):
    """The IMAP server refused something (login, mailbox, command); the message says what and why."""


@dataclass(frozen=True)
class ImapSettings:
    """Where the campaign mailbox is and how to sign in (the IMAP_* settings)."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)  # kept out of reprs: a logged traceback must not carry it
    ssl: bool = True
    mailbox: str = "INBOX"
    timeout: float = 60.0

    @classmethod
    def from_config(cls, config) -> ImapSettings:
        """Read IMAP_HOST, IMAP_PORT, IMAP_USER, IMAP_PASSWORD, IMAP_SSL and IMAP_MAILBOX."""
        if not config["IMAP_HOST"]:
            raise MailboxError(
                "IMAP_HOST is not set: set FOILTRACK_IMAP_HOST (and _USER, _PASSWORD) to the campaign mailbox"
            )
        return cls(
            config["IMAP_HOST"],
            int(config["IMAP_PORT"]),
            config["IMAP_USER"],
            config["IMAP_PASSWORD"],
            bool(config["IMAP_SSL"]),
            config["IMAP_MAILBOX"] or "INBOX",
        )

    @property
    def account(self) -> str:
        """The cursor key: one cursor per account and mailbox."""
        return f"{self.user}@{self.host}:{self.port}/{self.mailbox}"


class VerifiedIMAP4_SSL(imaplib2.IMAP4_SSL):  # noqa: N801 - named after the class it refines
    """IMAP over TLS that checks the server's certificate and name (imaplib2 alone checks neither)."""

    def ssl_wrap_socket(self):
        """Wrap the socket with the system's trusted CAs and hostname checking."""
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)
        self.read_fd = self.sock.fileno()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Mailbox:
    """One signed-in connection to the campaign mailbox, with the mailbox selected read-write."""

    def __init__(self, settings: ImapSettings):
        self.settings = settings
        self.client = None
        self.uidvalidity = 0

    def __enter__(self) -> Mailbox:
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def connect(self) -> int:
        """Connect, sign in and select the mailbox; returns its UIDVALIDITY."""
        s = self.settings
        cls = VerifiedIMAP4_SSL if s.ssl else imaplib2.IMAP4
        self.client = cls(s.host, s.port, timeout=s.timeout)
        try:
            self.client.login(s.user, s.password)
        except imaplib2.IMAP4.error as exc:
            self.close()
            raise MailboxError(f"IMAP sign-in as {s.user!r} at {s.host}:{s.port} was refused: {exc}") from exc
        typ, data = self.client.select(_quote(s.mailbox))
        if typ != "OK":
            self.close()
            raise MailboxError(f"cannot open the mailbox {s.mailbox!r}: {_text(data)}")
        _, values = self.client.response("UIDVALIDITY")
        try:
            self.uidvalidity = int(values[0])
        except (TypeError, ValueError, IndexError):
            raise MailboxError(f"the server gave no UIDVALIDITY for {s.mailbox!r}") from None
        return self.uidvalidity

    def close(self) -> None:
        """Sign out (ending any IDLE) and drop the connection."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.logout()
        except (imaplib2.IMAP4.error, OSError) as exc:
            log.info("IMAP logout did not complete cleanly: %s", exc)

    def _ok(self, typ: str, data, what: str):
        if typ != "OK":
            raise MailboxError(f"IMAP {what} failed: {typ} {_text(data)}")
        return data

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid`, ascending ("N:*" always names the newest message, so filter)."""
        data = self._ok(*self.client.uid("SEARCH", "UID", f"{last_uid + 1}:*"), "UID SEARCH")
        uids = {int(u) for chunk in data if chunk for u in chunk.split()}
        return sorted(u for u in uids if u > last_uid)

    def fetch(self, uids: list[int]):
        """Yield (uid, raw bytes) for the UIDs, in order, a batch at a time, without setting \\Seen."""
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            data = self._ok(
                *self.client.uid("FETCH", ",".join(map(str, batch)), "(UID BODY.PEEK[])"), "UID FETCH"
            )
            found: dict[int, bytes] = {}
            for item in data:
                if isinstance(item, tuple) and len(item) >= 2:
                    match = _UID_IN_FETCH.search(item[0] or b"")
                    if match:
                        found[int(match.group(1))] = item[1] or b""
            for uid in batch:
                if uid in found:  # a message expunged meanwhile is simply gone
                    yield uid, found[uid]

    def mark_done(self, uid: int) -> None:
        """Flag a delivered message \\Seen and $FoilTracked on the server."""
        self._ok(
            *self.client.uid("STORE", str(uid), "+FLAGS.SILENT", rf"(\Seen {TRACKED_FLAG})"), "UID STORE"
        )

    def flag_leftovers(self, up_to_uid: int) -> int:
        """Flag messages at or below the cursor still unflagged (a crash between commit and flag)."""
        if up_to_uid < 1:
            return 0
        data = self._ok(*self.client.uid("SEARCH", "UID", f"1:{up_to_uid}", "UNKEYWORD", TRACKED_FLAG),
                        "UID SEARCH")
        uids = sorted(int(u) for chunk in data if chunk for u in chunk.split() if int(u) <= up_to_uid)
        for uid in uids:
            self.mark_done(uid)
        return len(uids)

    @property
    def can_idle(self) -> bool:
        """Whether the server announced IDLE."""
        return "IDLE" in (self.client.capabilities or ())

    def wait_for_mail(self, timeout: float, stop: threading.Event) -> None:
        """Block until the server reports a change, `timeout` passes or `stop` is set (IDLE, else a sleep)."""
        if not self.can_idle:
            stop.wait(timeout)
            return
        woke = threading.Event()
        outcome: list = []

        def done(result):
            outcome.append(result)
            woke.set()

        self.client.idle(timeout=timeout, callback=done)
        while not woke.is_set() and not stop.is_set():
            woke.wait(0.5)
        if stop.is_set() and not woke.is_set():
            return  # close() ends the IDLE
        if outcome and outcome[0][2] is not None:
            error_class, reason = outcome[0][2]
            raise imaplib2.IMAP4.abort(f"IDLE failed: {error_class.__name__}: {reason}")


def _text(data) -> str:
    parts = []
    for item in data or []:
        if isinstance(item, bytes):
            parts.append(item.decode("utf-8", "replace"))
        elif item is not None:
            parts.append(str(item))
    return " ".join(parts)[:300]

"""An SMTP sink: a real aiosmtpd server on a free loopback port that keeps every message it receives."""

from __future__ import annotations

import email
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers.ports import LOOPBACK, free_port

USER = "mailer"
PASSWORD = "smtp-test-password"


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as the sink got it: the SMTP envelope, the raw bytes and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage


@dataclass
class SmtpSink:
    """Collects messages; `host`/`port` to send to, optional AUTH with `user`/`password` (no TLS)."""

    host: str = LOOPBACK
    port: int = 0
    user: str = USER
    password: str = PASSWORD
    messages: list[ReceivedMessage] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _controller: Controller | None = field(default=None, repr=False)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        """aiosmtpd hook: keep the message and wake whoever waits for it."""
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=default_policy)
        received = ReceivedMessage(envelope.mail_from, tuple(envelope.rcpt_tos), raw, parsed)
        with self._arrived:
            self.messages.append(received)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        # Clients that log in must use the right credentials; clients that do not log in are accepted too.
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user
              and auth_data.password.decode() == self.password)
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        """Start listening on a free loopback port."""
        self.port = free_port()
        self._controller = Controller(
            self, hostname=self.host, port=self.port, enable_SMTPUTF8=True, decode_data=False,
            authenticator=self._authenticate, auth_require_tls=False, ready_timeout=10,
        )
        self._controller.start()

    def stop(self) -> None:
        """Stop the server thread."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        """Forget every message received so far."""
        with self._arrived:
            self.messages.clear()

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedMessage]:
        """Wait until `count` messages have arrived and return them all; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"SMTP sink got {len(self.messages)} message(s) in {timeout:.0f}s, expected {count}")
                self._arrived.wait(left)
            return list(self.messages)

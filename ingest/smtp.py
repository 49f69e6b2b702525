"""Mail out: build a proper email and hand it to the configured SMTP server.

Every failure comes out as `SendError` with a message a person can act on and a `permanent` flag:
a permanent failure (a 5xx answer, wrong credentials, no STARTTLS) will fail again if retried as is,
a temporary one (connection refused, a timeout, a 4xx answer) is worth retrying later.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid

from flask import current_app

# Seconds to wait for the server to answer at each step (connect, each command).
TIMEOUT = 30
# The conventional port of SMTP over implicit TLS (RFC 8314); other ports speak plain SMTP first.
IMPLICIT_TLS_PORT = 465
# CRLF line ends as on the wire; headers are folded only past RFC 5322's hard limit, so Message-IDs in
# In-Reply-To stay on their header's line for the agencies' simpler mail systems.
SMTP_POLICY = SMTP.clone(max_line_length=998)
# Body lines longer than this travel quoted-printable (RFC 5322 §2.1.1 recommends 78).
MAX_PLAIN_LINE = 78
# Threads get long; past this many ids, the oldest are dropped from References (RFC 5322 §3.6.4 allows it).
MAX_REFERENCES = 20


class SendError(Exception):
    """A message could not be sent; `permanent` says whether retrying unchanged could help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def bracket(message_id: str) -> str:
    """A Message-ID in angle brackets, as headers carry it."""
    return "<" + message_id.strip().strip("<>") + ">"


def unbracket(message_id: str | None) -> str | None:
    """A Message-ID without angle brackets, as the database keeps it."""
    if message_id is None:
        return None
    return message_id.strip().strip("<>") or None


def _single_line(value: str, field: str) -> str:
    # A CR or LF in a header value would let a form field add headers of its own.
    if "\r" in value or "\n" in value:
        raise ValueError(f"{field} must be on one line")
    return value


def build_message(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    sender: str | None = None,
    cc: Sequence[str] = (),
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    attachments: Iterable[tuple[str, bytes, str]] = (),
    message_id: str | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    """An EmailMessage (SMTP policy, CRLF lines) from MAIL_FROM unless `sender` is given.

    `attachments` are (filename, bytes, media type) triples; `in_reply_to` and `references` are
    Message-IDs with or without brackets; `message_id` defaults to a new one on MAIL_DOMAIN.
    """
    config = current_app.config
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = _single_line(sender or config["MAIL_FROM"], "From")
    msg["To"] = [_single_line(a, "To") for a in to]
    if cc:
        msg["Cc"] = [_single_line(a, "Cc") for a in cc]
    if reply_to:
        msg["Reply-To"] = _single_line(reply_to, "Reply-To")
    msg["Subject"] = _single_line(subject, "Subject")
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = bracket(message_id) if message_id else make_msgid(domain=config["MAIL_DOMAIN"])
    thread = [bracket(r) for r in references if unbracket(r)]
    if in_reply_to:
        msg["In-Reply-To"] = bracket(in_reply_to)
        if bracket(in_reply_to) not in thread:
            thread.append(bracket(in_reply_to))
    if thread:
        msg["References"] = " ".join(thread[-MAX_REFERENCES:])
    # Short ASCII lines travel as 7bit; anything else as quoted-printable, so no server needs 8BITMIME.
    plain = body.isascii() and all(len(line) <= MAX_PLAIN_LINE for line in body.splitlines())
    cte = "7bit" if plain else "quoted-printable"
    msg.set_content(body, cte=cte)
    for filename, data, media_type in attachments:
        maintype, _, subtype = (media_type or "application/octet-stream").partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    return msg


def envelope(msg: EmailMessage) -> tuple[str, list[str]]:
    """The SMTP envelope of a message: the From address, and every To, Cc and Bcc address."""
    senders = [addr for _name, addr in getaddresses([str(msg.get("From", ""))]) if addr]
    if not senders:
        raise SendError("the message has no From address; set MAIL_FROM", permanent=True)
    recipients: list[str] = []
    for header in ("To", "Cc", "Bcc"):
        for _name, addr in getaddresses([str(v) for v in msg.get_all(header, [])]):
            if addr and addr not in recipients:
                recipients.append(addr)
    if not recipients:
        raise SendError("the message has no recipient (To, Cc or Bcc)", permanent=True)
    return senders[0], recipients


def send(msg: EmailMessage) -> str:
    """Send `msg` with the SMTP_* settings and return its Message-ID (without brackets)."""
    if not msg.get("Message-ID"):
        msg["Message-ID"] = make_msgid(domain=current_app.config["MAIL_DOMAIN"])
    sender, recipients = envelope(msg)
    # The Bcc header must not travel; policy SMTP gives CRLF line ends as the wire wants.
    del msg["Bcc"]
    send_bytes(msg.as_bytes(policy=SMTP_POLICY), sender, recipients)
    return unbracket(str(msg["Message-ID"]))


def send_bytes(raw: bytes, sender: str, recipients: Sequence[str]) -> None:
    """Send raw message bytes exactly as given to `recipients`; SendError on any failure."""
    config = current_app.config
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    if not host:
        raise SendError("SMTP_HOST is not set", permanent=True)
    where = f"the SMTP server {host}:{port}"
    options = ["SMTPUTF8"] if not all(a.isascii() for a in [sender, *recipients]) else []
    try:
        with _connect(host, port) as server:
            if config["SMTP_STARTTLS"] and port != IMPLICIT_TLS_PORT:
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if config["SMTP_USER"]:
                server.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            refused = server.sendmail(sender, list(recipients), raw, mail_options=options)
    except SendError:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        raise SendError(f"{where} refused every recipient: {_refusals(exc.recipients)}",
                        permanent=_all_permanent(exc.recipients)) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"{where} refused the user name and password in SMTP_USER/SMTP_PASSWORD "
                        f"({_answer(exc.smtp_code, exc.smtp_error)})", permanent=True) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(f"{where} does not support what the settings ask for ({exc}); check "
                        "SMTP_STARTTLS and SMTP_USER", permanent=True) from exc
    except smtplib.SMTPSenderRefused as exc:
        raise SendError(f"{where} refused the sender {exc.sender} "
                        f"({_answer(exc.smtp_code, exc.smtp_error)}); check MAIL_FROM",
                        permanent=exc.smtp_code >= 500) from exc
    except (smtplib.SMTPConnectError, smtplib.SMTPHeloError) as exc:
        raise SendError(f"{where} refused the connection ({_answer(exc.smtp_code, exc.smtp_error)})",
                        permanent=exc.smtp_code >= 500) from exc
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"{where} refused the message ({_answer(exc.smtp_code, exc.smtp_error)})",
                        permanent=exc.smtp_code >= 500) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise SendError(f"{where} closed the connection ({exc or 'no reason given'})") from exc
    except ssl.SSLError as exc:
        raise SendError(f"TLS with {where} failed ({exc.reason or exc}); check SMTP_PORT and "
                        "SMTP_STARTTLS", permanent=True) from exc
    except TimeoutError as exc:
        raise SendError(f"{where} did not answer within {TIMEOUT} seconds") from exc
    except socket.gaierror as exc:
        raise SendError(f"cannot resolve the SMTP_HOST {host!r} ({exc.strerror})") from exc
    except OSError as exc:
        raise SendError(f"cannot connect to {where} ({exc.strerror or exc})") from exc
    except smtplib.SMTPException as exc:
        raise SendError(f"{where} failed: {exc}") from exc
    if refused:
        # Some recipients got it, so a retry would send them a copy again: say who missed it instead.
        raise SendError(f"{where} accepted the message for some recipients but refused "
                        f"{_refusals(refused)}", permanent=True)


def _connect(host: str, port: int) -> smtplib.SMTP:
    if port == IMPLICIT_TLS_PORT:
        return smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
    return smtplib.SMTP(host, port, timeout=TIMEOUT)


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _refusals(recipients: dict) -> str:
    return "; ".join(f"{addr} ({_answer(code, text)})" for addr, (code, text) in recipients.items())


def _all_permanent(recipients: dict) -> bool:
    return all(code >= 500 for code, _text in recipients.values())


def mailbox(address: str) -> str:
    """The bare address part of a header value like 'Name <a@b>' (lower-case domain kept as given)."""
    pairs = [addr for _name, addr in getaddresses([address]) if addr]
    return pairs[0] if pairs else ""


def display_name(address: str) -> str:
    """The display name of a header value like 'Name <a@b>', or ''."""
    pairs = getaddresses([address])
    return pairs[0][0] if pairs else ""

"""``parse_message(raw) -> ParsedEmail``: stdlib ``email`` with the modern policy, read defensively.

Any bytes go in; what cannot be read becomes a line in ``defects`` instead of an exception. Only
input that is not an email at all (empty, no header lines) raises ``UnparseableEmail``.
"""

from __future__ import annotations

import re
from email import policy
from email.errors import MessageError
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value

from . import headers as hdr
from .charsets import codec_for, decode_bytes, decode_encoded_words, header_charsets, unescape_surrogates
from .html import html_to_text, sanitize_html
from .legacy import TNEF_ERRORS, BinHexError, decode_binhex, find_uu_blocks, read_tnef
from .model import Attachment, ParsedEmail, UnparseableEmail
from .names import safe_filename, type_for

MAX_ATTACHMENTS = 1000
MAX_PARTS = 5000
MAX_DEPTH = 30
MAX_TEXT_CHARS = 2_000_000
MAX_DEFECTS = 200
MAX_REFERENCES = 100

# What the stdlib email package (and its known bugs) raise on hostile input.
PARSE_ERRORS = (MessageError, ValueError, LookupError, IndexError, TypeError, AttributeError, AssertionError,
                RecursionError)
_CHARSET_IN_RAW = re.compile(rb"charset\s*=\s*\"?([A-Za-z0-9_.:\-]{2,40})", re.IGNORECASE)
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_UU_ENCODINGS = {"x-uuencode", "uuencode", "x-uue", "uue"}
_NESTED_MESSAGE_TYPES = {"message/rfc822", "message/global", "message/news"}
# A message must have at least one of these to be treated as email rather than random bytes.
_EMAIL_HEADERS = {"from", "to", "cc", "subject", "date", "message-id", "received", "return-path",
                  "content-type", "mime-version", "delivered-to", "sender", "reply-to", "x-mailer"}


def parse_message(raw: bytes) -> ParsedEmail:
    """Parse raw message bytes into a ParsedEmail; UnparseableEmail only for empty or non-email input."""
    if isinstance(raw, bytearray | memoryview):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise TypeError(f"parse_message takes bytes, not {type(raw).__name__}")
    if not raw.strip():
        raise UnparseableEmail("empty message: there are no bytes to parse")
    defects: list[str] = []
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except RecursionError:
        defects.append("MIME structure nested too deeply to parse; only the headers were read")
        msg = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    raw_headers = [(str(name), str(value)) for name, value in msg.raw_items()]
    if not {name.lower() for name, _ in raw_headers} & _EMAIL_HEADERS:
        raise UnparseableEmail(f"not an email: no header lines found (starts with {raw[:40]!r})")
    # Charsets declared anywhere in the message hint at what undeclared 8-bit header bytes are.
    declared = [f"charset={m.decode('ascii')}" for m in _CHARSET_IN_RAW.findall(raw[:500_000])[:30]]
    return _Reader(msg, raw_headers, defects, declared).read()


def expand_tnef(data: bytes) -> list[Attachment]:
    """The files inside a TNEF (winmail.dat) blob; ValueError naming the problem when it is unreadable."""
    try:
        contents = read_tnef(data)
    except TNEF_ERRORS as exc:
        raise ValueError(f"unreadable TNEF (winmail.dat): {type(exc).__name__}: {exc}") from exc
    return [Attachment(safe_filename(name, index=i), type_for(name), content)
            for i, (name, content) in enumerate(contents.files, start=1)]


class _Reader:
    """One parse: walks the MIME tree once, collecting bodies, attachments and defects."""

    def __init__(self, msg: Message, raw_headers: list[tuple[str, str]], defects: list[str],
                 charset_params: list[str]):
        self.msg = msg
        self.raw_headers = raw_headers
        self.defects = defects
        self.hints = header_charsets([value for _, value in raw_headers] + charset_params)
        self.plain: list[str] = []
        self.html: list[str] = []
        self.fallback_text: list[str] = []
        self.fallback_html: list[str] = []
        self.attachments: list[Attachment] = []
        self.delivery_status: list[str] = []
        self.report_types: set[str] = set()
        self.parts_seen = 0
        self.dropped_attachments = 0

    def get(self, name: str) -> str | None:
        """First raw value of a header, unfolded, or None."""
        wanted = name.lower()
        return next((hdr.unfold(v) for k, v in self.raw_headers if k.lower() == wanted), None)

    def get_all(self, name: str) -> list[str]:
        """Every raw value of a header."""
        wanted = name.lower()
        return [v for k, v in self.raw_headers if k.lower() == wanted]

    def defect(self, text: str) -> None:
        """Record a problem once (bounded, so a hostile message cannot grow the list without end)."""
        if text not in self.defects and len(self.defects) < MAX_DEFECTS:
            self.defects.append(text)

    def read(self) -> ParsedEmail:
        """Build the ParsedEmail."""
        out = ParsedEmail()
        self._read_headers(out)
        self._walk(self.msg, depth=0, nested=False)
        if self.parts_seen > MAX_PARTS:
            self.defect(f"more than {MAX_PARTS} MIME parts; {self.parts_seen - MAX_PARTS} were not read")
        if self.dropped_attachments:
            self.defect(f"attachment limit of {MAX_ATTACHMENTS} reached; "
                        f"{self.dropped_attachments} more attachments were not extracted")
        self._assemble_text(out)
        out.attachments = self.attachments
        self._classify(out)
        out.defects = self.defects
        return out

    def _read_headers(self, out: ParsedEmail) -> None:
        """Identity, threading, addresses, date and the decoded header list."""
        truncated = False
        for name, value in self.raw_headers[:hdr.MAX_HEADERS]:
            text = decode_encoded_words(hdr.unfold(value), self.hints)
            if len(text) > hdr.MAX_HEADER_CHARS:
                text, truncated = text[:hdr.MAX_HEADER_CHARS], True
            out.headers.append((unescape_surrogates(name), text))
        if truncated:
            self.defect(f"header values longer than {hdr.MAX_HEADER_CHARS} characters were cut")
        if len(self.raw_headers) > hdr.MAX_HEADERS:
            self.defect(f"more than {hdr.MAX_HEADERS} header lines; the rest are not listed")
        ids = hdr.message_ids(self.get("message-id"))
        out.message_id = ids[0] if ids else None
        out.in_reply_to_all = hdr.message_ids(self.get("in-reply-to"))
        out.in_reply_to = out.in_reply_to_all[0] if out.in_reply_to_all else None
        out.references = hdr.message_ids(self.get("references"))
        if len(out.references) > MAX_REFERENCES:  # keep the thread's root and its most recent ids
            out.references = out.references[:1] + out.references[-(MAX_REFERENCES - 1):]
        out.subject = decode_encoded_words(self.get("subject") or "", self.hints)[:hdr.MAX_HEADER_CHARS]
        senders = hdr.addresses(self.get_all("from") or self.get_all("sender"), self.hints)
        if senders:
            out.from_name, out.from_addr = senders[0]
        out.reply_to = [a for _, a in hdr.addresses(self.get_all("reply-to"), self.hints)]
        out.to = [a for _, a in hdr.addresses(self.get_all("to"), self.hints)]
        out.cc = [a for _, a in hdr.addresses(self.get_all("cc"), self.hints)]
        for name in hdr.RECIPIENT_HEADERS:
            for _, addr in hdr.addresses(self.get_all(name), self.hints):
                if addr not in out.recipients_for_matching:
                    out.recipients_for_matching.append(addr)
        out.date = hdr.parse_date(self.get("date"))
        if self.get("date") and out.date is None:
            self.defect(f"unreadable Date header: {self.get('date')[:100]!r}")

    def _record_part_defects(self, part: Message, ctype: str) -> None:
        """Copy the stdlib parser's defects for a part into our list."""
        for found in getattr(part, "defects", []):
            detail = str(found)
            self.defect(f"{ctype}: {type(found).__name__}" + (f": {detail[:200]}" if detail else ""))

    def _walk(self, part: Message, depth: int, nested: bool) -> None:
        """Visit one MIME part and everything under it."""
        self.parts_seen += 1
        if self.parts_seen > MAX_PARTS:
            return
        if depth > MAX_DEPTH:
            self.defect(f"MIME parts nested deeper than {MAX_DEPTH} levels were not read")
            return
        ctype = "application/octet-stream"
        try:
            ctype = part.get_content_type()
            if ctype in _NESTED_MESSAGE_TYPES:
                self._nested_message(part, depth, nested)
            elif ctype.startswith("message/") and part.is_multipart():
                self._message_block(part, ctype, nested)
            elif part.is_multipart():
                if ctype == "multipart/report" and not nested:
                    self.report_types.add(str(part.get_param("report-type") or "").lower())
                for child in part.get_payload():
                    self._walk(child, depth + 1, nested)
            else:
                self._leaf(part, ctype, nested)
        except PARSE_ERRORS as exc:
            self.defect(f"{ctype} part could not be read: {type(exc).__name__}: {str(exc)[:200]}")
        self._record_part_defects(part, ctype)

    def _nested_message(self, part: Message, depth: int, nested: bool) -> None:
        """A forwarded or bounced message: keep it whole as ``<subject>.eml`` and collect its attachments."""
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, Message):
            self.defect("message/rfc822 part without a parsable message; kept as raw bytes")
            self._add(Attachment(safe_filename("forwarded message.eml"), "message/rfc822",
                                 part.get_payload(decode=True) or b"", nested=nested))
            return
        subject = decode_encoded_words(hdr.unfold(str(_raw_header(inner, "subject") or "")), self.hints)
        try:
            content = _serialise(inner)
        except PARSE_ERRORS as exc:
            self.defect(f"nested message could not be re-serialised: {type(exc).__name__}: {exc}")
            content = b""
        # A subject is not a path: its slashes must not cut the name short.
        title = subject.strip()[:150].replace("/", "_").replace("\\", "_") or "forwarded message"
        name = safe_filename(f"{title}.eml")
        self._add(Attachment(name, "message/rfc822", content, _content_id(part),
                             part.get_content_disposition() == "inline", nested))
        self._walk(inner, depth + 1, nested=True)

    def _message_block(self, part: Message, ctype: str, nested: bool) -> None:
        """message/delivery-status and other header-block message types: keep them as text."""
        blocks = [b for b in part.get_payload() if isinstance(b, Message)]
        text = "\n\n".join(_serialise(b).decode("utf-8", "surrogateescape") for b in blocks)
        if not text.strip():  # message/external-body: the pointer is in the part's own header
            text = "\n".join(f"{k}: {v}" for k, v in part.raw_items())
        text = unescape_surrogates(text, self.hints).strip()
        if ctype in ("message/delivery-status", "message/global-delivery-status") and not nested:
            self.delivery_status.append(text)
        subtype = ctype.split("/", 1)[1]
        self._add(Attachment(safe_filename(f"{subtype}.txt"), ctype, text.encode("utf-8"), nested=nested))

    def _leaf(self, part: Message, ctype: str, nested: bool) -> None:
        """A part with content: body text, or an attachment (unwrapping TNEF, BinHex and uuencode)."""
        if ctype.startswith("multipart/"):
            self.defect(f"{ctype} without readable parts (boundary not found); read as text")
            ctype = "text/plain"
        disposition = part.get_content_disposition()
        filename = self._filename(part)
        content = self._content(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            if not nested:
                self._body(content, ctype, part.get_content_charset())
            return
        inline = disposition == "inline"
        lowered = (filename or "").lower()
        if ctype in _TNEF_TYPES or lowered in ("winmail.dat", "win.dat"):
            self._tnef(content, filename, nested)
        elif ctype == "application/mac-binhex40" or lowered.endswith(".hqx"):
            self._binhex(content, filename, nested)
        else:
            name = safe_filename(filename, ctype, len(self.attachments) + 1)
            self._add(Attachment(name, ctype, content, _content_id(part), inline, nested))

    def _body(self, content: bytes, ctype: str, charset: str | None) -> None:
        """Decode a body part; plain text also gives up any uuencoded files pasted into it."""
        if ctype == "text/plain":
            for name, data, problems, (start, end) in reversed(find_uu_blocks(content)):
                self._add(Attachment(safe_filename(name), type_for(name), data))
                for problem in problems[:5]:
                    self.defect(f"inline uuencoded {name!r}: {problem}")
                content = content[:start] + content[end:]
        text, codec = decode_bytes(content, charset, self.hints)
        if charset and codec != codec_for(charset):
            self.defect(f"body declared charset {charset!r} but was read as {codec}")
        (self.plain if ctype == "text/plain" else self.html).append(text)

    def _filename(self, part: Message) -> str | None:
        """The declared file name (RFC 2231 and 2047 decoded, raw 8-bit repaired), or None."""
        name = _param(part, "content-disposition", "filename", self.hints)
        type_name = _param(part, "content-type", "name", self.hints)
        # An unquoted name with a space loses everything after it; Content-Type's copy is often whole.
        if type_name and (not name or ("." not in name and type_name.startswith(name))):
            name = type_name
        return decode_encoded_words(name, self.hints) if name else None

    def _content(self, part: Message) -> bytes:
        """The decoded bytes of a leaf part (uuencode decoded here, not by the deprecated uu module)."""
        cte = str(_raw_header(part, "content-transfer-encoding") or "").strip().lower()
        if cte in _UU_ENCODINGS:
            payload = part.get_payload()
            raw = payload.encode("ascii", "surrogateescape") if isinstance(payload, str) else b""
            blocks = find_uu_blocks(raw)
            if not blocks:
                self.defect("x-uuencode part without a begin/end block; kept undecoded")
                return raw
            for problem in blocks[0][2][:5]:
                self.defect(f"uuencoded part: {problem}")
            return blocks[0][1]
        data = part.get_payload(decode=True)
        return data if isinstance(data, bytes) else b""

    def _tnef(self, content: bytes, filename: str | None, nested: bool) -> None:
        """Unpack winmail.dat into its files; keep it raw (and say why) when that fails."""
        try:
            contents = read_tnef(content)
        except TNEF_ERRORS as exc:
            self.defect(f"unreadable TNEF (winmail.dat), kept as is: {type(exc).__name__}: {str(exc)[:200]}")
            self._add(Attachment(safe_filename(filename or "winmail.dat"), "application/ms-tnef", content,
                                 nested=nested))
            return
        for name, data in contents.files:
            index = len(self.attachments) + 1
            self._add(Attachment(safe_filename(name, index=index), type_for(name), data, nested=nested))
        if not nested and (contents.body or contents.html):
            self.fallback_text.append(contents.body or html_to_text(contents.html or ""))
            if contents.html:
                self.fallback_html.append(contents.html)
        if not contents.files and not (contents.body or contents.html):
            self.defect("TNEF (winmail.dat) held no files or text; kept as is")
            self._add(Attachment(safe_filename(filename or "winmail.dat"), "application/ms-tnef", content,
                                 nested=nested))

    def _binhex(self, content: bytes, filename: str | None, nested: bool) -> None:
        """Decode a BinHex 4.0 attachment to its data fork; keep the .hqx text when it is broken."""
        try:
            decoded = decode_binhex(content)
        except (BinHexError, UnicodeDecodeError) as exc:
            self.defect(f"unreadable BinHex attachment kept as .hqx: {exc}")
            name = filename or "attachment.hqx"
            self._add(Attachment(safe_filename(name if name.lower().endswith(".hqx") else name + ".hqx"),
                                 "application/mac-binhex40", content, nested=nested))
            return
        name = filename[:-4] if filename and filename.lower().endswith(".hqx") else (filename or decoded.name)
        for problem in decoded.problems:
            self.defect(f"BinHex {name!r}: {problem}")
        self._add(Attachment(safe_filename(name), type_for(name), decoded.data, nested=nested))

    def _add(self, attachment: Attachment) -> None:
        """Keep an attachment unless the per-message limit is reached."""
        if len(self.attachments) >= MAX_ATTACHMENTS:
            self.dropped_attachments += 1
            return
        self.attachments.append(attachment)

    def _assemble_text(self, out: ParsedEmail) -> None:
        """Best plain text: the text/plain bodies, else text derived from HTML, else TNEF's body."""
        html = "\n".join(self.html) or "\n".join(self.fallback_html)
        text = "\n\n".join(t.strip("\r\n") for t in self.plain if t.strip())
        if not text and html:
            text = html_to_text(html)
        if not text and self.fallback_text:
            text = "\n\n".join(self.fallback_text)
        if len(text) > MAX_TEXT_CHARS:
            self.defect(f"body text longer than {MAX_TEXT_CHARS} characters was cut")
            text = text[:MAX_TEXT_CHARS]
        out.text = text.replace("\r\n", "\n")
        out.html_sanitized = sanitize_html(html) if html.strip() else None

    def _classify(self, out: ParsedEmail) -> None:
        """Mark auto-replies, read receipts and bounces."""
        top_type = self.msg.get_content_type()
        report_type = "delivery-status" if "delivery-status" in self.report_types else ""
        out.auto_reply_reason = hdr.auto_reply_reason(self.get, out.subject)
        if out.auto_reply_reason is None and "disposition-notification" in self.report_types:
            out.auto_reply_reason = "read receipt (disposition notification)"
        out.is_auto_reply = out.auto_reply_reason is not None
        if report_type:
            top_type = "multipart/report"
        out.is_bounce = bool(self.delivery_status) or hdr.looks_like_bounce(
            top_type, report_type, out.from_addr, out.subject)
        if out.is_bounce:
            known = (out.from_addr or "", *out.to, *out.cc, *out.recipients_for_matching)
            out.bounce = hdr.bounce_details("\n\n".join(self.delivery_status), out.text, known)


def _serialise(msg: Message) -> bytes:
    """A parsed (sub)message as bytes, headers kept as received rather than refolded."""
    return msg.as_bytes(policy=msg.policy.clone(refold_source="none"))


def _raw_header(part: Message, name: str) -> str | None:
    """A header's raw value without the modern policy's parsing (which can fail on junk)."""
    wanted = name.lower()
    return next((str(v) for k, v in part.raw_items() if k.lower() == wanted), None)


def _param(part: Message, header: str, name: str, hints: tuple[str, ...]) -> str | None:
    """A header parameter read the classic (compat32) way, which copes with RFC 2231 continuations
    that mix in RFC 2047 words, where the modern header parser garbles them."""
    raw = _raw_header(part, header)
    if raw is None:
        return None
    holder = Message()
    # Raw 8-bit bytes are turned into text first: compat32 would replace them with U+FFFD.
    holder[header] = unescape_surrogates(hdr.unfold(raw), hints)
    value = holder.get_param(name, header=header)
    if isinstance(value, tuple):
        value = collapse_rfc2231_value(value, errors="replace")
    return str(value).strip() or None if value else None


def _content_id(part: Message) -> str | None:
    """The Content-ID without angle brackets, or None."""
    ids = hdr.message_ids(_raw_header(part, "content-id"))
    raw = _raw_header(part, "content-id")
    return ids[0] if ids else (raw.strip() or None if raw else None)

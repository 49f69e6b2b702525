"""Turning mail bytes into text: charset aliases, fallbacks and RFC 2047 encoded words, never failing.

Mail in the wild declares charsets Python does not know by that name (Outlook's ``ks_c_5601-1987``),
declares the wrong one, or declares none and sends 8-bit bytes. Every function here returns text.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

# Labels mail clients use that Python does not know, or knows as a smaller charset than the one
# actually sent (Outlook labels CP949 as ks_c_5601-1987 and sends GBK as gb2312).
_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "x-mac-ce": "mac_latin2",
    "x-mac-greek": "mac_greek",
    "x-mac-turkish": "mac_turkish",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode20utf7": "utf-7",
    "hz-gb-2312": "hz",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cn-gb": "gb18030",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "x-user-defined": "cp1252",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
    "iso-8859-1": "cp1252",  # what every browser does: the C1 range is Windows punctuation in practice
    "latin1": "cp1252",
    "utf8": "utf-8",
}
# Labels that say "no idea" and must not be looked up.
_UNKNOWN = {"", "unknown", "unknown-8bit", "x-unknown", "default", "charset", "none", "8bit", "binary"}


def codec_for(label: str | None) -> str | None:
    """The Python codec name for a charset label from a mail header, or None when unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _UNKNOWN:
        return None
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, declared: str | None = None, hints: tuple[str, ...] = ()) -> tuple[str, str]:
    """Decode bytes to text however mislabelled they are; return (text, codec used).

    Order: UTF-8 when the bytes are valid UTF-8 with non-ASCII in them (mislabelled UTF-8 is the most
    common error, and other charsets' text is almost never valid UTF-8), then the declared charset,
    the hinted ones, CP1252, and last the declared charset (or Latin-1) with replacement characters.
    """
    candidates: list[str] = []
    if not data.isascii():
        candidates.append("utf-8")
    for label in (declared, *hints, "cp1252"):
        codec = codec_for(label)
        if codec and codec not in candidates:
            candidates.append(codec)
    if b"\x1b$" in data or b"\x1b(" in data:
        # ISO-2022-JP escapes are 7-bit, so check them before an ASCII-compatible codec "succeeds".
        candidates.insert(0, "iso2022_jp")
    for codec in candidates:
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            if codec == "iso2022_jp":
                try:
                    return _iso2022jp_as_cp932(data), "iso2022_jp (cp932)"
                except UnicodeDecodeError:
                    continue
    # Nothing fits exactly: the declared charset with replacement keeps most of the text readable.
    fallback = codec_for(declared) or "latin-1"
    return data.decode(fallback, errors="replace"), fallback


def _iso2022jp_as_cp932(data: bytes) -> str:
    """Decode ISO-2022-JP by rewriting JIS pairs as Shift_JIS and reading them as CP932.

    Outlook and Japanese phones send Microsoft's ISO-2022-JP, which carries NEC and IBM
    extension characters (circled numbers, No.) that Python's strict codec rejects; CP932 has them.
    """
    out = bytearray()
    mode = "ascii"
    i = 0
    while i < len(data):
        if data[i] == 0x1B:
            seq = data[i + 1:i + 3]
            mode = {b"$@": "jis", b"$B": "jis", b"(I": "kana"}.get(seq, "ascii")
            i += 3
            continue
        byte = data[i]
        if mode == "jis" and 0x21 <= byte <= 0x7E and i + 1 < len(data):
            j1, j2 = byte, data[i + 1]
            s1 = ((j1 - 0x21) >> 1) + 0x81
            s1 += 0x40 if s1 > 0x9F else 0
            # Odd JIS rows map to the low half of the Shift_JIS trail-byte range (skipping 0x7F).
            s2 = (j2 + 0x1F + (j2 + 0x1F >= 0x7F)) if j1 % 2 else j2 + 0x7E
            out += bytes([s1, s2 & 0xFF])
            i += 2
            continue
        out.append(byte + 0x80 if mode == "kana" and 0x21 <= byte <= 0x5F else byte)
        i += 1
    return bytes(out).decode("cp932")


def unescape_surrogates(text: str, hints: tuple[str, ...] = ()) -> str:
    """Repair a header the parser read as ASCII with surrogate escapes (raw 8-bit header bytes)."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = text.encode("utf-8", errors="surrogateescape")
    return decode_bytes(raw, None, hints)[0]


# The payload may hold spaces where a careless encoder folded the line inside a word.
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?]*?)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")


def _word_bytes(encoding: str, payload: str) -> bytes:
    """The bytes of one encoded word's payload (Q or B), leniently."""
    if encoding in "Bb":
        payload = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        if len(payload) % 4 == 1:  # a stray character no decoder can use
            payload = payload[:-1]
        return base64.b64decode(payload + "=" * (-len(payload) % 4))
    # utf-8 + surrogateescape gives back raw 8-bit bytes the parser escaped, and encodes anything else.
    raw = re.sub(r"\s", "", payload).replace("_", " ").encode("utf-8", errors="surrogateescape")
    return binascii.a2b_qp(raw)


def decode_encoded_words(text: str, hints: tuple[str, ...] = ()) -> str:
    """Decode RFC 2047 encoded words anywhere in a header value (also in quotes and glued together)."""
    if "=?" not in text:
        return unescape_surrogates(text, hints)
    out: list[str] = []
    pos = 0
    # Adjacent words in the same charset are joined as bytes first: encoders split multibyte
    # characters (and ISO-2022-JP escape sequences) across words.
    pending_bytes = b""
    pending_charset: str | None = None

    def flush() -> None:
        nonlocal pending_bytes, pending_charset
        if pending_charset is not None:
            out.append(decode_bytes(pending_bytes, pending_charset, hints)[0])
        pending_bytes, pending_charset = b"", None

    for match in _ENCODED_WORD.finditer(text):
        gap = text[pos:match.start()]
        if pending_charset is None or not _BETWEEN_WORDS.fullmatch(gap):
            flush()
            out.append(unescape_surrogates(gap, hints))
        charset = match.group(1).lower()
        if pending_charset is not None and charset != pending_charset:
            flush()
        pending_charset = charset
        pending_bytes += _word_bytes(match.group(2), match.group(3))
        pos = match.end()
    flush()
    out.append(unescape_surrogates(text[pos:], hints))
    return "".join(out)


_CHARSET_PARAM = re.compile(r"charset\s*=\s*\"?([\w.:\-]+)", re.IGNORECASE)


def header_charsets(raw_values: list[str]) -> tuple[str, ...]:
    """Charsets named in encoded words or charset= parameters: hints for undeclared 8-bit text."""
    seen: list[str] = []
    for value in raw_values:
        labels = [m.group(1) for m in _ENCODED_WORD.finditer(value)]
        labels += _CHARSET_PARAM.findall(value)
        for label in labels:
            label = label.lower()
            if codec_for(label) and label not in seen and label not in ("utf-8", "us-ascii"):
                seen.append(label)
    return tuple(seen)

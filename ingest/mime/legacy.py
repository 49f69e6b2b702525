"""Old attachment wrappings agencies still send: uuencode, BinHex 4.0 and Outlook's TNEF (winmail.dat).

Python 3.11 dropped ``binhex`` and ``binascii.a2b_hqx``, so BinHex is decoded here (it is short);
uuencode lines go through ``binascii.a2b_uu``; TNEF is read with the ``tnefparse`` library.
"""

from __future__ import annotations

import binascii
import re
import struct
from dataclasses import dataclass, field

from tnefparse.tnef import TNEF

# One uuencoded file inside a text body or a part: "begin <mode> <name>" ... "end".
UU_BLOCK = re.compile(
    rb"^begin(?:-base64)? +[0-7]{3,4} +(?P<name>[^\r\n]+?)[ \t]*\r?\n(?P<body>.*?)^end[ \t]*(?:\r?\n|$)",
    re.MULTILINE | re.DOTALL,
)


def uudecode_lines(body: bytes) -> tuple[bytes, list[str]]:
    """Decode the lines of one uuencoded block; return the bytes and problems met (decoding goes on)."""
    out = bytearray()
    problems: list[str] = []
    for number, line in enumerate(body.splitlines(), start=1):
        line = line.rstrip(b"\r")
        if not line or line in (b"`", b" "):
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            # Some encoders pad lines with junk: trust the length character and decode only that much.
            expected = ((line[0] - 32) & 63) * 4 + 5
            try:
                out += binascii.a2b_uu(line[: expected // 3])
            except binascii.Error as exc:
                problems.append(f"uuencode line {number}: {exc}")
    return bytes(out), problems


def find_uu_blocks(data: bytes) -> list[tuple[str, bytes, list[str], tuple[int, int]]]:
    """Every uuencoded file in ``data`` as (name, bytes, problems, (start, end) span)."""
    found = []
    for match in UU_BLOCK.finditer(data):
        content, problems = uudecode_lines(match.group("body"))
        name = match.group("name").decode("utf-8", errors="replace")
        found.append((name, content, problems, match.span()))
    return found


class BinHexError(ValueError):
    """The BinHex text could not be decoded."""


_HQX_ALPHABET = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
_HQX_VALUE = {ch: i for i, ch in enumerate(_HQX_ALPHABET)}


@dataclass
class BinHexFile:
    """A decoded BinHex 4.0 file: its Macintosh name, type and creator, and its data fork."""

    name: str
    file_type: bytes
    creator: bytes
    data: bytes
    resource_length: int
    problems: list[str] = field(default_factory=list)


def _hqx_bits(text: bytes) -> bytes:
    """The 6-bit characters between the colons, packed into bytes."""
    start = re.search(rb"^[ \t]*:", text, re.MULTILINE)
    end = text.find(b":", start.end()) if start else -1
    if end < 0:
        raise BinHexError("no BinHex data between ':' markers")
    out = bytearray()
    acc = bits = 0
    for ch in text[start.end():end]:
        if ch in b" \t\r\n":
            continue
        if ch not in _HQX_VALUE:
            raise BinHexError(f"character {chr(ch)!r} is not BinHex")
        acc = (acc << 6) | _HQX_VALUE[ch]
        bits += 6
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out)


def _hqx_unrle(data: bytes) -> bytes:
    """Undo BinHex run-length encoding: 0x90 n repeats the previous byte n times in all; 0x90 0 is 0x90."""
    out = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x90 and i + 1 < len(data):
            count = data[i + 1]
            if count == 0:
                out.append(0x90)
            elif out:
                out += bytes([out[-1]]) * (count - 1)
            i += 2
            continue
        out.append(byte)
        i += 1
    return bytes(out)


def _crc_ok(chunk: bytes, stored: bytes) -> bool:
    """BinHex CRC-CCITT check; encoders differ on whether two zero bytes are fed in first."""
    want = int.from_bytes(stored, "big")
    return want in (binascii.crc_hqx(chunk, 0), binascii.crc_hqx(chunk + b"\0\0", 0))


def decode_binhex(text: bytes) -> BinHexFile:
    """Decode a BinHex 4.0 (``application/mac-binhex40``) text into its data fork; BinHexError when broken."""
    raw = _hqx_unrle(_hqx_bits(text))
    if not raw:
        raise BinHexError("empty BinHex data")
    name_len = raw[0]
    header_end = 1 + name_len + 1 + 4 + 4 + 2 + 4 + 4
    if len(raw) < header_end + 2:
        raise BinHexError("BinHex header is truncated")
    name = raw[1:1 + name_len].decode("mac_roman")
    pos = 1 + name_len + 1
    file_type, creator = raw[pos:pos + 4], raw[pos + 4:pos + 8]
    data_len, rsrc_len = struct.unpack(">II", raw[pos + 10:pos + 18])
    problems = []
    if not _crc_ok(raw[:header_end], raw[header_end:header_end + 2]):
        problems.append("BinHex header CRC mismatch")
    data_start = header_end + 2
    data = raw[data_start:data_start + data_len]
    if len(data) < data_len:
        problems.append(f"BinHex data fork truncated: {len(data)} of {data_len} bytes")
    elif not _crc_ok(data, raw[data_start + data_len:data_start + data_len + 2]):
        problems.append("BinHex data fork CRC mismatch")
    return BinHexFile(name, file_type, creator, data, rsrc_len, problems)


@dataclass
class TnefContents:
    """What a winmail.dat holds: its attached files as (name, bytes) and its plain and HTML bodies."""

    files: list[tuple[str, bytes]]
    body: str | None
    html: str | None


# tnefparse reads binary structures with slicing and struct; corrupt input surfaces as these.
TNEF_ERRORS = (ValueError, IndexError, KeyError, struct.error, TypeError, AttributeError, NameError,
               OverflowError, LookupError)


def read_tnef(data: bytes) -> TnefContents:
    """Parse a TNEF blob (raises one of ``TNEF_ERRORS`` when it is corrupt)."""
    tnef = TNEF(data, do_checksum=False)
    files = []
    for item in tnef.attachments:
        name = item.long_filename() or item.name
        if isinstance(name, bytes):
            name = name.decode("cp1252", errors="replace")
        files.append((str(name).strip("\x00"), bytes(item.data or b"")))
    return TnefContents(files, _as_text(tnef.body), _as_text(tnef.htmlbody))


def _as_text(value) -> str | None:
    """TNEF bodies come back as bytes or str depending on the property; normalise to str."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("cp1252", errors="replace")
    return str(value).strip("\x00") or None

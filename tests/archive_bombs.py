"""Hostile zip archives built here, byte by byte where zipfile cannot make them.

- ``fan_out_bomb``: zips of zips (the 42.zip shape) whose every member inflates modestly, so that only a
  budget shared by every nesting level stops it.
- ``zeros_bomb``: the same shape with members of zeros, which the inflation ratio stops.
- ``deep_nesting``: one small file wrapped in many levels of zips.
- ``overlapping_bomb``: many central-directory entries that share one compressed kernel (David
  Fifield's "better zip bomb" idea, without his size tricks).
- ``zip_quine``: a zip whose only member is the zip itself (Russ Cox's "Zip Files All The Way Down"
  construction, with our own encoding of its literal and repeat operations).
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip made by the stdlib from a {name: bytes} mapping."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def compressible(size: int, seed: int) -> bytes:
    """``size`` bytes of numbered lines that deflate about 40 to 1: under any sane inflation-ratio limit."""
    rng = random.Random(seed)
    sentence = b"Records responsive to the request are withheld under 87(2)(e)(iv) and 87(2)(f). " * 3
    out, length = [], 0
    while length < size:
        line = b"%08d " % rng.randrange(10**8) + sentence + b"\n"
        out.append(line)
        length += len(line)
    return b"".join(out)[:size]


def fan_out_bomb(levels: int = 3, fan: int = 16, leaf_bytes: int = 1 << 20) -> bytes:
    """``fan`` zips in a zip, ``levels`` deep, over ``fan**levels`` leaves of ``leaf_bytes``.

    A leaf deflates about 50 to 1, and each zip of ``fan`` identical members about ``fan`` to 1 as a
    member of the next: every member passes an inflation-ratio check, the whole does not pass a budget.
    """
    leaf = compressible(leaf_bytes, 1)
    layer = zip_of({f"part-{n}.txt": leaf for n in range(fan)})
    for level in range(levels - 1):
        layer = zip_of({f"level{level}-{n}.zip": layer for n in range(fan)})
    return layer


def zeros_bomb(levels: int = 3, fan: int = 16) -> bytes:
    """The 42.zip shape: zips of zips over members of 8 MB of zeros (each inflates about 1000 to 1)."""
    layer = zip_of({f"zeros-{n}.bin": b"\0" * (8 << 20) for n in range(fan)})
    for level in range(levels - 1):
        layer = zip_of({f"lib{level}-{n}.zip": layer for n in range(fan)})
    return layer


def deep_nesting(levels: int = 8) -> bytes:
    """A note in a zip in a zip ... ``levels`` deep."""
    data = zip_of({"note.txt": b"the bottom of the well"})
    for level in range(levels - 1):
        data = zip_of({f"level{level}.zip": data})
    return data


def overlapping_bomb(entries: int = 400, kernel_bytes: int = 2 << 20) -> bytes:
    """One local file and its compressed kernel, named by ``entries`` central-directory records."""
    kernel = compressible(kernel_bytes, 7)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressed = packer.compress(kernel) + packer.flush()
    crc = zlib.crc32(kernel)
    name = b"kernel.txt"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(compressed), len(kernel),
                        len(name), 0) + name  # fmt: skip
    body = local + compressed
    directory = b""
    for n in range(entries):
        entry = f"copy-{n:04d}.txt".encode()
        directory += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc,
                                 len(compressed), len(kernel), len(entry), 0, 0, 0, 0, 0, 0) + entry  # fmt: skip
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, entries, entries, len(directory), len(body), 0)
    return body + directory + end


# ---- the zip quine ----------------------------------------------------------------------------
#
# Every deflate operation below is exactly _UNIT bytes, so that one operation can be printed as the
# literal data of another. A literal Ln is an empty stored block then a stored block of n bytes
# (the n bytes follow); a repeat Rn is a fixed-Huffman block copying the last n bytes, an empty
# fixed-Huffman block or two to land on the right bit count, then an empty stored block to get back
# to a byte boundary. Cox's sequence of operations then prints the file itself.

_UNIT = 10
_LENGTHS = [(257 + i, base, extra) for i, (base, extra) in enumerate(
    [(3, 0), (4, 0), (5, 0), (6, 0), (7, 0), (8, 0), (9, 0), (10, 0), (11, 1), (13, 1), (15, 1), (17, 1),
     (19, 2), (23, 2), (27, 2), (31, 2), (35, 3), (43, 3), (51, 3), (59, 3), (67, 4), (83, 4), (99, 4),
     (115, 4), (131, 5), (163, 5), (195, 5), (227, 5)])]  # fmt: skip
_DISTANCES = [(i, base, extra) for i, (base, extra) in enumerate(
    [(1, 0), (2, 0), (3, 0), (4, 0), (5, 1), (7, 1), (9, 2), (13, 2), (17, 3), (25, 3), (33, 4), (49, 4),
     (65, 5), (97, 5), (129, 6), (193, 6), (257, 7), (385, 7), (513, 8), (769, 8), (1025, 9), (1537, 9)])]  # fmt: skip


class _Bits:
    """Deflate's bit order: fields least significant bit first, Huffman codes most significant first."""

    def __init__(self):
        self.bits: list[int] = []

    def field(self, value: int, width: int) -> None:
        self.bits += [(value >> i) & 1 for i in range(width)]

    def code(self, value: int, width: int) -> None:
        self.bits += [(value >> i) & 1 for i in reversed(range(width))]

    def to_bytes(self, length: int) -> bytes:
        assert len(self.bits) <= length * 8
        bits = self.bits + [0] * (length * 8 - len(self.bits))
        return bytes(sum(bits[8 * n + i] << i for i in range(8)) for n in range(length))


def _fixed_length_code(symbol: int) -> tuple[int, int]:
    """(code, width) of a literal/length symbol in deflate's fixed Huffman table."""
    if symbol < 144:
        return 0x30 + symbol, 8
    if symbol < 256:
        return 0x190 + symbol - 144, 9
    if symbol < 280:
        return symbol - 256, 7
    return 0xC0 + symbol - 280, 8


def _copy(bits: _Bits, length: int, distance: int) -> None:
    symbol, base, extra = [entry for entry in _LENGTHS if entry[1] <= length][-1]
    bits.code(*_fixed_length_code(symbol))
    bits.field(length - base, extra)
    code, base, extra = [entry for entry in _DISTANCES if entry[1] <= distance][-1]
    bits.code(code, 5)
    bits.field(distance - base, extra)


def _repeat(n: int, final: bool = False) -> bytes:
    """Rn: print the last n bytes again, in exactly _UNIT bytes."""
    splits = [[n]] + [[a, n - a] for a in range(3, n - 2)]
    for parts in splits:
        for empty_blocks in range(3):
            bits = _Bits()
            bits.field(0, 1)
            bits.field(1, 2)  # fixed Huffman
            for part in parts:
                _copy(bits, part, n)
            bits.code(0, 7)  # end of block
            for _ in range(empty_blocks):
                bits.field(0, 1)
                bits.field(1, 2)
                bits.code(0, 7)
            bits.field(1 if final else 0, 1)
            bits.field(0, 2)  # stored: pads to the byte boundary, then LEN and NLEN
            if 40 < len(bits.bits) <= 48:
                return bits.to_bytes(6) + b"\x00\x00\xff\xff"
    raise ValueError(f"no {_UNIT}-byte encoding of R{n}")


def _literal(n: int) -> bytes:
    """Ln: print the n bytes that follow, in a _UNIT-byte header."""
    return b"\x00\x00\x00\xff\xff" + b"\x00" + struct.pack("<HH", n, n ^ 0xFFFF)


def _quine_parts(name: bytes, crc: int) -> tuple[bytes, bytes, bytes]:
    """(local header, deflate stream, central directory and end record) for one CRC value."""
    u = _UNIT
    p_len, s_len = 30 + len(name), 46 + len(name) + 22
    stream_len = 0

    def header(compressed: int, size: int) -> bytes:
        return struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, compressed, size,
                           len(name), 0) + name  # fmt: skip

    # The stream's length depends only on p and s: build once with a placeholder to measure it.
    for _ in range(2):
        size = p_len + stream_len + s_len
        prefix = header(stream_len, size)
        central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, stream_len,
                              size, len(name), 0, 0, 0, 0, 0, 0) + name  # fmt: skip
        suffix = central + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central),
                                       p_len + stream_len, 0)  # fmt: skip
        lp, rp = _literal(p_len + u), _repeat(p_len + u)
        l1, l4, l0, r4 = _literal(u), _literal(4 * u), _literal(0), _repeat(4 * u)
        ls, rs = _literal(s_len + u), _repeat(s_len + u, final=True)
        stream = b"".join([
            lp, prefix, lp,
            rp,
            l1, rp,
            l1, l1,
            l4, rp, l1, l1, l4,
            r4,
            l4, r4, l4, r4, l4,
            r4,
            l4, r4, l0, l0, ls,
            r4,
            l0,
            l0,
            ls, rs, suffix,
            rs,
        ])  # fmt: skip
        stream_len = len(stream)
    return prefix, stream, suffix


def zip_quine(name: bytes = b"r.zip") -> bytes:
    """A zip holding one member, ``name``, whose bytes are the zip itself.

    The CRC-32 of the file is written inside the file; CRC-32 is affine over GF(2), so the value that
    equals its own file's CRC is found by solving 32 linear equations instead of trying 2**32 values.
    """

    def crc_of(crc: int) -> int:
        return zlib.crc32(b"".join(_quine_parts(name, crc)))

    base = crc_of(0)
    columns = [crc_of(1 << bit) ^ base for bit in range(32)]
    # Solve x = M x + base, i.e. (M + I) x = base, by Gaussian elimination on 32 rows of bits.
    rows = []
    for row in range(32):
        coefficients = sum(((columns[bit] >> row) & 1) << bit for bit in range(32)) ^ (1 << row)
        rows.append([coefficients, (base >> row) & 1])
    solution_rows = []
    for bit in range(32):
        pivot = next((r for r in rows if (r[0] >> bit) & 1), None)
        if pivot is None:
            raise ValueError("singular system: change the member name")
        rows.remove(pivot)
        for other in rows + solution_rows:
            if (other[0] >> bit) & 1:
                other[0] ^= pivot[0]
                other[1] ^= pivot[1]
        solution_rows.append(pivot)
    crc = sum(r[1] << (r[0].bit_length() - 1) for r in solution_rows)
    quine = b"".join(_quine_parts(name, crc))
    assert zlib.crc32(quine) == crc
    return quine

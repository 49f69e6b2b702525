"""Per-request reply tokens for addresses like ``foil+k3x9qz7a@example.org``.

A token is 6 data characters (30 random bits) followed by 2 check characters, all drawn
from Crockford's base32 alphabet, which leaves out I, L, O and U so that what an officer
retypes can be mapped back: ``i``/``l`` read as ``1`` and ``o`` as ``0``. Tokens are
case-insensitive; the canonical form is lower case.

The check part is the 30-bit value modulo 1021 (a prime below 32**2). Because 1021 shares no
factor with 32, with any digit difference (< 32) or with 31, every single-character
substitution and every swap of two adjacent data characters changes the remainder, so
those typos are always caught.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
DATA_LENGTH = 6
CHECK_LENGTH = 2
TOKEN_LENGTH = DATA_LENGTH + CHECK_LENGTH
_CHECK_MODULUS = 1021
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Retyping officers do: the letters Crockford's alphabet leaves out map to the digits they look like.
_RETYPED = str.maketrans({"i": "1", "l": "1", "o": "0"})
_SEPARATORS = re.compile(r"[\s\-_]")


def _to_int(chars: str) -> int:
    """Read base32 characters (already normalised) as an integer."""
    value = 0
    for ch in chars:
        value = value * 32 + _VALUE[ch]
    return value


def _to_chars(value: int, width: int) -> str:
    """Write an integer as exactly ``width`` base32 characters."""
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _check_part(data: str) -> str:
    """The two check characters for six normalised data characters."""
    return _to_chars(_to_int(data) % _CHECK_MODULUS, CHECK_LENGTH)


def new_token(rng=secrets) -> str:
    """A fresh token; ``rng`` has ``choice`` (``secrets``, or a seeded ``random.Random`` in tests)."""
    data = "".join(rng.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + _check_part(data)


def normalize(text: str) -> str:
    """Canonical form of a typed token: lower case, separators dropped, i/l read as 1 and o as 0."""
    return _SEPARATORS.sub("", text).lower().translate(_RETYPED)


def is_valid(token: str) -> bool:
    """True when ``token``, as typed, normalises to 8 alphabet characters with a matching check part."""
    if not isinstance(token, str):
        return False
    canonical = normalize(token)
    if len(canonical) != TOKEN_LENGTH or any(ch not in _VALUE for ch in canonical):
        return False
    return _check_part(canonical[:DATA_LENGTH]) == canonical[DATA_LENGTH:]


def find_tokens(address_or_header_text: str, local_part: str = "foil") -> list[str]:
    """Valid tokens (canonical, in order, no duplicates) found in ``local_part+TOKEN@`` occurrences."""
    # The token is followed by "@" in an address; tolerate a hyphen some officers type as a separator.
    body = rf"[0-9a-z][0-9a-z\-]{{{TOKEN_LENGTH - 1},{TOKEN_LENGTH + 2}}}"
    pattern = re.compile(rf"(?<![\w.+\-]){re.escape(local_part)}\+({body})@", re.IGNORECASE)
    found: list[str] = []
    for match in pattern.finditer(address_or_header_text or ""):
        candidate = match.group(1)
        if is_valid(candidate):
            canonical = normalize(candidate)
            if canonical not in found:
                found.append(canonical)
    return found


def reply_address(token: str, pattern: str = "foil+{token}@{domain}", *, domain: str) -> str:
    """The reply address for a token, e.g. ``foil+k3x9qz7a@example.org``; rejects bad tokens/domains."""
    if not is_valid(token):
        raise ValueError(f"not a valid reply token: {token!r}")
    domain = (domain or "").strip().lower()
    if not domain or "@" in domain or any(ch.isspace() for ch in domain):
        raise ValueError(f"not a mail domain: {domain!r} (set MAIL_DOMAIN, e.g. 'foil.example.org')")
    return pattern.format(token=normalize(token), domain=domain)

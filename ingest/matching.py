"""Pure helpers of reply matching: the clues an email carries about which request it answers.

No Flask, no SQLAlchemy: `tracker.operations.mail` looks the clues up in the database. Every function
takes text (or a ParsedEmail) and returns clues, so the rules read as tables in tests/test_matching.py.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from ingest.mime.headers import message_ids
from ingest.mime.model import ParsedEmail
from ingest.tokens import ALPHABET, TOKEN_LENGTH, find_tokens, normalize

# Our own reference for a request (tracker.operations.requests.file_request): FT-2026-00042-K7QM, whose
# random check part makes it unguessable; references made before it (FT-2023-00042) have none.
REFERENCE = re.compile(r"\bFT[-\s]?(\d{4})[-\s]?(\d{5})(?:-([0-9a-z]{4}))?\b", re.IGNORECASE)
CHECK_LENGTH = 4
# An email address as people keep it in a list of senders, and a domain (records.nyc.gov).
_ADDRESS = re.compile(r"^[^@\s<>]{1,64}@([a-z0-9-]+(?:\.[a-z0-9-]+)+)$")
_DOMAIN = re.compile(r"^(?=.{3,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Anything shaped like a case number: letters/digits with separators, holding at least one digit.
_NUMBER_LIKE = re.compile(r"(?<![\w-])[A-Za-z0-9](?:[A-Za-z0-9]|[-/.#:](?=[A-Za-z0-9])){3,39}(?![\w-])")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|fw|fwd|wg|tr|sv|vs|antw|réf|ref)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_WORD = re.compile(r"[a-z0-9]+")
# Only the start of a long body is searched for numbers: agencies put them in the first lines.
BODY_SEARCH_CHARS = 20_000
_NEAR_TOKEN = re.compile(r"\+([0-9a-z][0-9a-z\-]{5,12})@", re.IGNORECASE)
_HEADER_MESSAGE_ID = re.compile(r"^\s*message-id\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)


def reply_local_part(pattern: str) -> str:
    """The local part before '+' in the REPLY_ADDRESS pattern ('foil' for 'foil+{token}@{domain}')."""
    local = pattern.split("@", 1)[0]
    return local.split("+", 1)[0] if "+" in local else local.replace("{token}", "")


def reply_tokens(recipients: Iterable[str], local_part: str = "foil") -> list[str]:
    """Valid reply tokens (canonical) found in recipient addresses, in order, without duplicates."""
    found: list[str] = []
    for address in recipients:
        for token in find_tokens(address or "", local_part):
            if token not in found:
                found.append(token)
    return found


def near_tokens(recipients: Iterable[str]) -> list[str]:
    """Normalised plus-address tokens that fail their check (a mistyped reply address), for suggestions."""
    near: list[str] = []
    for address in recipients:
        for match in _NEAR_TOKEN.finditer(address or ""):
            candidate = normalize(match.group(1))
            if (
                len(candidate) in (TOKEN_LENGTH - 1, TOKEN_LENGTH, TOKEN_LENGTH + 1)
                and all(ch in ALPHABET for ch in candidate)
                and candidate not in near
            ):
                near.append(candidate)
    return near


def token_distance(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions, adjacent swaps) between two short tokens."""
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def thread_ids(parsed: ParsedEmail) -> list[str]:
    """Message-IDs the email answers, most specific first; a bounce adds its embedded original's id."""
    ids = list(parsed.thread_ids)
    if parsed.is_bounce:
        for mid in bounced_message_ids(parsed):
            if mid not in ids:
                ids.append(mid)
    return ids


def bounced_message_ids(parsed: ParsedEmail) -> list[str]:
    """Message-IDs of the original a bounce returns (its message/rfc822 or headers part, or its text)."""
    ids: list[str] = []
    sources = [
        a.content[:200_000].decode("utf-8", "replace")
        for a in parsed.attachments
        if a.declared_type in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")
        or a.filename.lower().endswith(".eml")
    ]
    sources.append(parsed.text[:BODY_SEARCH_CHARS])
    for text in sources:
        for line in _HEADER_MESSAGE_ID.findall(text):
            for mid in message_ids(line):
                if mid not in ids and mid != parsed.message_id:
                    ids.append(mid)
    return ids


def references_in(text: str) -> list[str]:
    """Our request references mentioned in text (FT-YYYY-NNNNN, with its check part -XXXX when given),
    normalised to upper case, with a retyped check part read back (l/i as 1, o as 0)."""
    found: list[str] = []
    for year, number, check in REFERENCE.findall(text or ""):
        ref = f"FT-{year}-{number}"
        if check:
            ref += "-" + normalize(check).upper()
        if ref not in found:
            found.append(ref)
    return found


def new_reference(year: int, number: int, check: str) -> str:
    """Our reference for request `number` filed in `year`, with its (random) check part."""
    return f"FT-{year}-{number:05d}-{check.upper()}"


def reference_base(reference: str) -> str:
    """A reference without its check part (FT-2026-00042-K7QM -> FT-2026-00042)."""
    return "-".join(reference.upper().split("-")[:3])


def sender_entry(text: str) -> str | None:
    """An entry of an agency's list of senders, normalised: a lower-case address or domain; None if it is
    neither."""
    entry = (text or "").strip().lower().lstrip("@")
    if _ADDRESS.match(entry) and _DOMAIN.match(entry.rsplit("@", 1)[1]):
        return entry
    return entry if _DOMAIN.match(entry) else None


def sender_is_known(address: str | None, entries: Iterable[str]) -> bool:
    """Whether `address` is one of `entries` (addresses), or belongs to one of them (domains, with their
    subdomains: records.nyc.gov covers a@records.nyc.gov and a@mail.records.nyc.gov)."""
    address = (address or "").strip().lower()
    domain = domain_of(address)
    if not domain:
        return False
    for entry in entries:
        entry = (entry or "").strip().lower().lstrip("@")
        if not entry:
            continue
        if "@" in entry:
            if address == entry:
                return True
        elif domain == entry or domain.endswith("." + entry):
            return True
    return False


def tracking_numbers_in(text: str, patterns: Iterable[str]) -> list[str]:
    """Numbers in text matching any of an agency's tracking-number regexes (invalid regexes are skipped)."""
    found: list[str] = []
    for pattern in patterns:
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error:
            continue  # a bad pattern typed into the agency form must not stop mail delivery
        for match in compiled.finditer(text or ""):
            number = match.group(0).strip()
            if number and number not in found:
                found.append(number)
    return found


def number_candidates(text: str, limit: int = 200) -> list[str]:
    """Upper-cased words shaped like case numbers (with a digit), to look up among known tracking numbers."""
    found: list[str] = []
    for match in _NUMBER_LIKE.finditer(text or ""):
        word = match.group(0).upper()
        if any(ch.isdigit() for ch in word) and word not in found:
            found.append(word)
            if len(found) >= limit:
                break
    return found


def strip_reply_prefixes(subject: str) -> str:
    """The subject without Re:/Fwd:/AW: prefixes."""
    return _REPLY_PREFIX.sub("", subject or "").strip()


def subject_similarity(subject: str, title: str) -> float:
    """How alike an email subject and a request title read, from 0 to 1 (word sequences compared)."""
    a = _WORD.findall(strip_reply_prefixes(subject).lower())
    b = _WORD.findall((title or "").lower())
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def domain_of(address: str | None) -> str:
    """The lower-case domain of an email address, or ''."""
    if not address or "@" not in address:
        return ""
    return address.rsplit("@", 1)[1].strip().strip(">").lower()


def rank_suggestions(candidates: Iterable[dict], limit: int = 5) -> list[dict]:
    """Merge suggestions per request (best score, reasons joined) and keep the `limit` best."""
    merged: dict[int, dict] = {}
    for item in candidates:
        current = merged.get(item["request_id"])
        if current is None:
            merged[item["request_id"]] = {**item, "score": round(float(item["score"]), 3)}
            continue
        if item["reason"] not in current["reason"]:
            current["reason"] = f"{current['reason']}; {item['reason']}"
        # Two independent clues make a suggestion stronger than either alone.
        current["score"] = round(min(0.99, max(current["score"], item["score"]) + 0.1), 3)
    ranked = sorted(merged.values(), key=lambda s: (-s["score"], s["request_id"]))
    return ranked[:limit]

"""The clues reply matching reads from an email, as tables (ingest.matching is pure)."""

from __future__ import annotations

import pytest

from ingest import matching
from ingest.mime.model import Attachment, ParsedEmail
from ingest.tokens import new_token

TOKEN = new_token(__import__("random").Random(3))


@pytest.mark.parametrize(("pattern", "local"), [
    ("foil+{token}@{domain}", "foil"),
    ("requests+{token}@{domain}", "requests"),
    ("{token}@{domain}", ""),
])
def test_reply_local_part(pattern, local):
    assert matching.reply_local_part(pattern) == local


@pytest.mark.parametrize(("recipients", "expected"), [
    ([f"foil+{TOKEN}@foil.example.org"], [TOKEN]),
    ([f"Records Officer <FOIL+{TOKEN.upper()}@foil.example.org>"], [TOKEN]),
    ([f"foil+{TOKEN[:4]}-{TOKEN[4:]}@foil.example.org"], [TOKEN]),  # a hyphen typed in the middle
    (["x@example.org", f"foil+{TOKEN}@a.example", f"foil+{TOKEN}@b.example"], [TOKEN]),
    ([f"foil+{TOKEN[:-1]}{'x' if TOKEN[-1] != 'x' else 'y'}@foil.example.org"], []),  # check part fails
    ([f"notfoil+{TOKEN}@foil.example.org"], []),
    ([], []),
])
def test_reply_tokens(recipients, expected):
    assert matching.reply_tokens(recipients, "foil") == expected


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("abcdefgh", "abcdefgh", 0),
    ("abcdefgh", "abcdefgx", 1),
    ("abcdefgh", "bacdefgh", 1),  # adjacent swap
    ("abcdefgh", "abcdefg", 1),
    ("abcdefgh", "zzcdefgh", 2),
])
def test_token_distance(a, b, distance):
    assert matching.token_distance(a, b) == distance


@pytest.mark.parametrize(("text", "expected"), [
    ("Re: FT-2024-00042 your request", ["FT-2024-00042"]),
    ("ref ft 2024 00042 and FT-2023-00001", ["FT-2024-00042", "FT-2023-00001"]),
    ("LEFT-2024-00042", []),
    ("", []),
])
def test_references_in(text, expected):
    assert matching.references_in(text) == expected


NYPD = [r"FOIL-\d{4}-056-\d{5}"]


@pytest.mark.parametrize(("text", "patterns", "expected"), [
    ("Your request FOIL-2023-056-11528 is acknowledged", NYPD, ["FOIL-2023-056-11528"]),
    ("foil-2023-056-11528", NYPD, ["foil-2023-056-11528"]),
    ("FOIL-2023-057-11528", NYPD, []),
    ("R000123-010124 and R000124-010124", [r"R\d{6}-\d{6}"], ["R000123-010124", "R000124-010124"]),
    ("anything", ["([unclosed"], []),  # a broken pattern is skipped, not fatal
])
def test_tracking_numbers_in(text, patterns, expected):
    assert matching.tracking_numbers_in(text, patterns) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Request FOIL-2023-056-11528 received.", ["FOIL-2023-056-11528"]),
    ("Case #2024/00017, see attached", ["2024/00017"]),
    ("no numbers here at all", []),
    ("R-2024-1 and r-2024-1", ["R-2024-1"]),
])
def test_number_candidates(text, expected):
    assert matching.number_candidates(text) == expected


@pytest.mark.parametrize(("subject", "expected"), [
    ("Re: Fwd: AW: Records", "Records"),
    ("RE[2]: Records", "Records"),
    ("Records: more", "Records: more"),
])
def test_strip_reply_prefixes(subject, expected):
    assert matching.strip_reply_prefixes(subject) == expected


@pytest.mark.parametrize(("subject", "title", "low", "high"), [
    ("Re: Facial recognition contracts", "Facial recognition contracts", 1.0, 1.0),
    ("Facial recognition", "Facial recognition contracts", 0.7, 0.9),
    ("Parking tickets", "Facial recognition contracts", 0.0, 0.0),
    ("", "Anything", 0.0, 0.0),
])
def test_subject_similarity(subject, title, low, high):
    assert low <= matching.subject_similarity(subject, title) <= high


@pytest.mark.parametrize(("address", "domain"), [
    ("Foil@Records.NYPD.gov", "records.nypd.gov"), ("no-at-sign", ""), (None, ""),
])
def test_domain_of(address, domain):
    assert matching.domain_of(address) == domain


def test_bounce_adds_the_embedded_originals_message_id_after_its_own_thread():
    original = b"From: foil@foil.example.org\r\nMessage-ID: <sent-9@foil.example.org>\r\nSubject: x\r\n\r\nhi"
    bounce = ParsedEmail(message_id="b@mx", in_reply_to_all=["a@x"], is_bounce=True,
                         attachments=[Attachment("x.eml", "message/rfc822", original)])
    assert matching.thread_ids(bounce) == ["a@x", "sent-9@foil.example.org"]
    # Not a bounce: an attached .eml does not thread the email.
    bounce.is_bounce = False
    assert matching.thread_ids(bounce) == ["a@x"]


def test_rank_suggestions_merges_clues_and_keeps_the_best():
    ranked = matching.rank_suggestions([
        {"request_id": 1, "score": 0.5, "reason": "domain"},
        {"request_id": 2, "score": 0.6, "reason": "number"},
        {"request_id": 1, "score": 0.55, "reason": "subject"},
        *({"request_id": n, "score": 0.1, "reason": "weak"} for n in range(10, 20)),
    ], limit=3)
    assert [s["request_id"] for s in ranked] == [1, 2, 10]
    assert ranked[0]["score"] == 0.65 and ranked[0]["reason"] == "domain; subject"

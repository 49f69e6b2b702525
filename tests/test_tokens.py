"""Reply tokens: short, case-insensitive, checked, and tolerant of l/1/I and o/0 retyping."""

import random

import pytest

from ingest import tokens
from ingest.tokens import find_tokens, is_valid, new_token, normalize, reply_address

SAMPLE = new_token(random.Random(20240501))


def test_new_tokens_are_eight_canonical_characters_that_verify():
    rng = random.Random(7)
    made = [new_token(rng) for _ in range(2000)]
    for token in made:
        assert len(token) == 8
        assert set(token) <= set(tokens.ALPHABET)
        assert is_valid(token)
    assert len(set(made)) == len(made)


def test_default_rng_is_secrets():
    assert is_valid(new_token())


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("AB1C-D0EF", "ab1cd0ef"),
        ("abicdOef", "ab1cd0ef"),
        ("ABLCDoEF", "ab1cd0ef"),
        (" ab1c d0ef ", "ab1cd0ef"),
        ("ab_1c_d0_ef", "ab1cd0ef"),
    ],
)
def test_normalize(typed, canonical):
    assert normalize(typed) == canonical


def _retyped(token):
    """How an officer might retype a token: upper case, 1 as l, 0 as O."""
    return token.upper().replace("1", "l").replace("0", "O")


def test_valid_token_survives_case_and_retyping():
    rng = random.Random(3)
    for _ in range(500):
        token = new_token(rng)
        assert is_valid(token.upper())
        assert is_valid(_retyped(token))
        assert is_valid(token[:4] + "-" + token[4:])


def test_every_single_substitution_is_caught():
    rng = random.Random(11)
    for _ in range(60):
        token = new_token(rng)
        for pos in range(len(token)):
            for ch in tokens.ALPHABET:
                if ch != token[pos]:
                    assert not is_valid(token[:pos] + ch + token[pos + 1:]), (token, pos, ch)


def test_every_adjacent_swap_of_data_characters_is_caught():
    rng = random.Random(12)
    for _ in range(500):
        token = new_token(rng)
        for pos in range(tokens.DATA_LENGTH - 1):
            if token[pos] != token[pos + 1]:
                swapped = token[:pos] + token[pos + 1] + token[pos] + token[pos + 2:]
                assert not is_valid(swapped), (token, pos)


@pytest.mark.parametrize(
    "bad", ["", "abc", SAMPLE + "x", SAMPLE[:-1], "uuuuuuuu", "ab!cd0ef", None, 12345678]
)
def test_invalid_inputs(bad):
    assert not is_valid(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"foil+{SAMPLE}@example.org", [SAMPLE]),
        (f"FOIL+{SAMPLE.upper()}@EXAMPLE.ORG", [SAMPLE]),
        (f'"Records" <Foil+{_retyped(SAMPLE)}@example.org>', [SAMPLE]),
        (f"a@b.org, foil+{SAMPLE}@x.org, foil+{SAMPLE}@y.org", [SAMPLE]),
        (f"foil+{SAMPLE[:4]}-{SAMPLE[4:]}@example.org", [SAMPLE]),
        (f"foil+{SAMPLE[:-1]}{'a' if SAMPLE[-1] != 'a' else 'b'}@example.org", []),
        (f"nofoil+{SAMPLE}@example.org", []),
        (f"foil+{SAMPLE}", []),
        ("", []),
    ],
)
def test_find_tokens(text, expected):
    assert find_tokens(text) == expected


def test_find_tokens_other_local_part_and_several_tokens():
    other = new_token(random.Random(99))
    text = f"To: records+{SAMPLE}@a.org\nCc: records+{other}@a.org, foil+{SAMPLE}@a.org"
    assert find_tokens(text, local_part="records") == [SAMPLE, other]


def test_reply_address_round_trips_through_find_tokens():
    address = reply_address(SAMPLE.upper(), domain="Foil.Example.org")
    assert address == f"foil+{SAMPLE}@foil.example.org"
    assert find_tokens(address) == [SAMPLE]
    assert reply_address(SAMPLE, "requests-{token}@{domain}", domain="a.org") == f"requests-{SAMPLE}@a.org"


@pytest.mark.parametrize(("token", "domain"), [("notatoken", "a.org"), (SAMPLE, ""), (SAMPLE, "a@b.org")])
def test_reply_address_rejects_bad_input(token, domain):
    with pytest.raises(ValueError):
        reply_address(token, domain=domain)

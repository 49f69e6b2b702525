"""The grounds on which an agency may withhold records, as events record them: exactly as cited.

POL §87(2)(a)–(q) lists the exemptions; three more answers are not exemptions but are given as reasons
(POL §89(3)(a)): the request does not reasonably describe the records, no records were found after a
diligent search, and answering would require creating a record. Agencies also cite subparagraphs
(§87(2)(e)(i)–(iv), §87(2)(g)(i)–(iv), §89(2)(b)(i)–(viii)) and, for §87(2)(a), the statute that is said
to exempt the records ("87(2)(a): Civil Rights Law §50-a"); those keys are accepted and described too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Key: what events store. Value: (citation, plain-words label).
GROUNDS: dict[str, tuple[str, str]] = {
    "87(2)(a)": ("POL §87(2)(a)", "specifically exempted from disclosure by a state or federal statute"),
    "87(2)(b)": ("POL §87(2)(b)", "an unwarranted invasion of personal privacy"),
    "87(2)(c)": ("POL §87(2)(c)", "would impair present or imminent contract awards or collective bargaining"),
    "87(2)(d)": ("POL §87(2)(d)", "trade secrets, or commercial information whose disclosure would cause "
                                  "substantial competitive injury"),
    "87(2)(e)": ("POL §87(2)(e)", "compiled for law enforcement purposes, where disclosure would interfere "
                                  "with an investigation, deny a fair trial, identify a confidential source "
                                  "or reveal non-routine investigative techniques"),
    "87(2)(f)": ("POL §87(2)(f)", "could endanger the life or safety of any person"),
    "87(2)(g)": ("POL §87(2)(g)", "inter-agency or intra-agency materials"),
    "87(2)(h)": ("POL §87(2)(h)", "examination questions or answers not yet final"),
    "87(2)(i)": ("POL §87(2)(i)", "would jeopardize the security of the agency's information technology"),
    # (j)–(q) each protect images taken by one automated traffic-enforcement program under the
    # Vehicle and Traffic Law; campaigns rarely meet them, so they share a label.
    **{f"87(2)({letter})": (f"POL §87(2)({letter})",
                            "images recorded by an automated traffic-enforcement camera (Vehicle and Traffic Law)")
       for letter in "jklmnopq"},
    "not_reasonably_described": ("POL §89(3)(a)", "the request does not reasonably describe the records"),
    "no_records": ("POL §89(3)(a)", "no records were found after a diligent search"),
    "would_create_record": ("POL §89(3)(a)", "answering would require creating a record"),
}


# The subparagraphs agencies cite, in the statute's words (shortened). Key: what events store.
SUBPARAGRAPHS: dict[str, tuple[str, str]] = {
    "87(2)(e)(i)": ("POL §87(2)(e)(i)", "law enforcement records whose disclosure would interfere with law "
                                        "enforcement investigations or judicial proceedings"),
    "87(2)(e)(ii)": ("POL §87(2)(e)(ii)", "law enforcement records whose disclosure would deprive a person of "
                                          "a right to a fair trial or impartial adjudication"),
    "87(2)(e)(iii)": ("POL §87(2)(e)(iii)", "law enforcement records whose disclosure would identify a "
                                            "confidential source or disclose confidential information "
                                            "relating to a criminal investigation"),
    "87(2)(e)(iv)": ("POL §87(2)(e)(iv)", "law enforcement records whose disclosure would reveal criminal "
                                          "investigative techniques or procedures, except routine techniques "
                                          "and procedures"),
    "87(2)(g)(i)": ("POL §87(2)(g)(i)", "inter- or intra-agency materials; statistical or factual tabulations "
                                        "or data are excepted and must be released"),
    "87(2)(g)(ii)": ("POL §87(2)(g)(ii)", "inter- or intra-agency materials; instructions to staff that affect "
                                          "the public are excepted and must be released"),
    "87(2)(g)(iii)": ("POL §87(2)(g)(iii)", "inter- or intra-agency materials; final agency policy or "
                                            "determinations are excepted and must be released"),
    "87(2)(g)(iv)": ("POL §87(2)(g)(iv)", "inter- or intra-agency materials; external audits are excepted and "
                                          "must be released"),
    "89(2)(b)": ("POL §89(2)(b)", "an unwarranted invasion of personal privacy, of a kind the section lists"),
    "89(2)(b)(i)": ("POL §89(2)(b)(i)", "privacy: employment, medical or credit histories or personal "
                                        "references of applicants for employment"),
    "89(2)(b)(ii)": ("POL §89(2)(b)(ii)", "privacy: medical or personal records of a client or patient in a "
                                          "medical facility"),
    "89(2)(b)(iii)": ("POL §89(2)(b)(iii)", "privacy: lists of names and addresses to be used for solicitation "
                                            "or fund-raising"),
    "89(2)(b)(iv)": ("POL §89(2)(b)(iv)", "privacy: personal information whose disclosure would cause economic "
                                          "or personal hardship and that is not relevant to the agency's work"),
    "89(2)(b)(v)": ("POL §89(2)(b)(v)", "privacy: personal information reported in confidence and not relevant "
                                        "to the agency's ordinary work"),
    "89(2)(b)(vi)": ("POL §89(2)(b)(vi)", "privacy: personal information in a workers' compensation record"),
    "89(2)(b)(vii)": ("POL §89(2)(b)(vii)", "privacy: electronic contact information collected from a taxpayer "
                                            "(Real Property Tax Law §104)"),
    "89(2)(b)(viii)": ("POL §89(2)(b)(viii)", "privacy: arrest or booking photographs, unless their release "
                                              "serves a specific law enforcement purpose"),
}

# Statutes agencies name behind a §87(2)(a) claim, with what a requester should know about each.
STATUTES: dict[str, str] = {
    "civil rights law §50-a": "police personnel records; repealed effective June 12, 2020 (L. 2020, ch. 96), "
                              "so it exempts nothing today",
    "civil rights law §50-b": "the identity of a victim of a sex offense",
    "public health law §18": "patients' access to their own medical records, and limits on passing patient "
                             "information on",
    "criminal procedure law §160.50": "records of a criminal action that ended in the accused's favor, "
                                      "which are sealed",
    "family court act §166": "family court records, which are not open to indiscriminate public inspection",
}

_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii")
_STATUTE_FORM = re.compile(
    r"^\s*(?:pol\s*)?§?\s*87\s*\(\s*2\s*\)\s*\(\s*a\s*\)\s*[:,;(\-–—]?\s*(?P<statute>.+?)\)?\s*$", re.IGNORECASE)
STATUTE_PREFIX = "87(2)(a): "


def describe(key: str) -> tuple[str, str] | None:
    """(citation, plain words) for any ground an event may store, or None if it is not one."""
    if key in GROUNDS:
        return GROUNDS[key]
    if key in SUBPARAGRAPHS:
        return SUBPARAGRAPHS[key]
    if key.startswith(STATUTE_PREFIX):
        statute = key.removeprefix(STATUTE_PREFIX)
        note = STATUTES.get(statute.lower())
        words = "specifically exempted from disclosure by " + statute + (f" ({note})" if note else "")
        return f"POL §87(2)(a), {statute}", words
    return None


def parent(key: str) -> str:
    """The paragraph a subparagraph or statute claim belongs to: '87(2)(e)(iv)' → '87(2)(e)'."""
    if key.startswith(STATUTE_PREFIX):
        return "87(2)(a)"
    if key in SUBPARAGRAPHS:
        return "89(2)(b)" if key.startswith("89") else key[: key.rindex("(")]
    return key


def check_grounds(values: Iterable[str]) -> list[str]:
    """The grounds given, validated and without repeats; ValueError-like Invalid for unknown ones."""
    from tracker.operations.errors import Invalid

    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise Invalid("exemptions must be a list such as [\"87(2)(e)(iv)\", \"87(2)(g)\"]", field="data.exemptions")
    clean: list[str] = []
    for value in values:
        key = normalise(value)
        if describe(key) is None:
            raise Invalid(f"unknown exemption {value!r}; use §87(2)(a)–(q), a subparagraph such as 87(2)(e)(iv), "
                          "87(2)(g)(iii) or 89(2)(b)(iii), \"87(2)(a): <the statute>\", or one of "
                          "not_reasonably_described, no_records, would_create_record", field="data.exemptions")
        if key not in clean:
            clean.append(key)
    return clean


def normalise(value) -> str:
    """'§ 87(2)(e)', '87-2-e' and 'e' all mean 87(2)(e); '87(2)(e)(iv)' and '87-2-e-iv' mean (e)(iv);
    '87(2)(a) Civil Rights Law §50-a' is the statute claim '87(2)(a): Civil Rights Law §50-a'."""
    if not isinstance(value, str):
        return ""
    statute = _STATUTE_FORM.match(value)
    if statute and len(statute.group("statute").strip(" )")) > 2:
        named = " ".join(statute.group("statute").strip(" )").replace("§ ", "§").split())
        return STATUTE_PREFIX + named
    text = value.strip().lower().replace("§", "").replace("pol", "").replace(" ", "")
    if text in GROUNDS or text in SUBPARAGRAPHS:
        return text
    if len(text) == 1 and text.isalpha():
        return f"87(2)({text})"
    parts = [p for p in re.split(r"[()\-.]+", text) if p]
    if len(parts) == 3 and parts[0] == "87" and parts[1] == "2":
        return f"87(2)({parts[2]})"
    if len(parts) == 4 and parts[1] == "2" and parts[3] in _ROMAN:
        candidate = f"{parts[0]}(2)({parts[2]})({parts[3]})"
        if candidate in SUBPARAGRAPHS:
            return candidate
    digits = text.replace("-", "").replace("(", "").replace(")", "")
    if digits.startswith("872") and len(digits) == 4:
        return f"87(2)({digits[3]})"
    return text


def label(key: str) -> str:
    """'POL §87(2)(e): compiled for law enforcement purposes…'."""
    citation, words = describe(key) or (key, "")
    return f"{citation}: {words}" if words else citation

"""The grounds on which an agency may withhold records, as events record them.

POL §87(2)(a)–(q) lists the exemptions; three more answers are not exemptions but are given as reasons
(POL §89(3)(a)): the request does not reasonably describe the records, no records were found after a
diligent search, and answering would require creating a record.
"""

from __future__ import annotations

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


def check_grounds(values: Iterable[str]) -> list[str]:
    """The grounds given, validated and without repeats; ValueError-like Invalid for unknown ones."""
    from tracker.operations.errors import Invalid

    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise Invalid("exemptions must be a list such as [\"87(2)(e)\", \"87(2)(g)\"]", field="data.exemptions")
    clean: list[str] = []
    for value in values:
        key = normalise(value)
        if key not in GROUNDS:
            raise Invalid(f"unknown exemption {value!r}; use §87(2)(a)–(q) or one of "
                          "not_reasonably_described, no_records, would_create_record", field="data.exemptions")
        if key not in clean:
            clean.append(key)
    return clean


def normalise(value) -> str:
    """'§ 87(2)(e)', '87-2-e' and 'e' all mean 87(2)(e)."""
    if not isinstance(value, str):
        return ""
    text = value.strip().lower().replace("§", "").replace("pol", "").replace(" ", "")
    if text in GROUNDS:
        return text
    if len(text) == 1 and text.isalpha():
        return f"87(2)({text})"
    digits = text.replace("-", "").replace("(", "").replace(")", "")
    if digits.startswith("872") and len(digits) == 4:
        return f"87(2)({digits[3]})"
    return text


def label(key: str) -> str:
    """'POL §87(2)(e): compiled for law enforcement purposes…'."""
    citation, words = GROUNDS[key]
    return f"{citation}: {words}"

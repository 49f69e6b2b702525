"""Appeal letters: the citations, the dates and the addresses, from the pure drafter and through the API."""

from __future__ import annotations

from datetime import date

import pytest

from tracker import letters

REQUEST = letters.RequestFacts(reference="FT-2023-00001", title="Facial recognition contracts",
                               received_on=date(2023, 1, 6), tracking_numbers=["FOIL-2023-056-11528"],
                               description="All contracts for facial recognition software.")
AGENCY = letters.AgencyFacts(name="New York City Police Department", appeals_email="appeals@nypd.example.org",
                             appeals_officer="Records Access Appeals Officer Jane Roe",
                             appeals_address="One Police Plaza, New York, NY 10038")


def draft(kind="denied", on=date(2023, 2, 10), exemptions=(), today=date(2023, 3, 1), **kw):
    denial = letters.DenialFacts(kind=kind, on=on, exemptions=list(exemptions), **kw)
    return letters.draft_appeal(REQUEST, AGENCY, denial, today, signature="Ann Lawyer",
                                reply_to="foil+abc@foil.example.org")


def test_denial_letter_cites_the_law_the_request_and_the_answer_date():
    letter = draft(exemptions=["87(2)(e)", "87(2)(g)"])
    assert letter.to == "appeals@nypd.example.org"
    assert "Facial recognition contracts" in letter.subject and "FOIL-2023-056-11528" in letter.subject
    body = letter.body
    for text in ("§89(4)(a)", "§89(4)(b)", "FT-2023-00001", "FOIL-2023-056-11528", "Friday, January 6, 2023",
                 "On Friday, February 10, 2023, the agency denied the request",
                 "POL §87(2)(e); POL §87(2)(g)", "routine", "statistical or factual tabulations or data",
                 "instructions to staff that affect the public", "final agency policy or determinations",
                 "external audits", "particularized and specific justification", "redactions",
                 "Records Access Appeals Officer Jane Roe", "One Police Plaza", "Ann Lawyer",
                 "foil+abc@foil.example.org", "> All contracts for facial recognition software."):
        assert text in body, text
    # Sent Wed 2023-03-01: ten business days later is Wed 2023-03-15 (POL §89(4)(a)).
    assert letter.answer_due_on == date(2023, 3, 15)
    assert "Wednesday, March 15, 2023" in body
    assert letter.warnings == []


@pytest.mark.parametrize(("ground", "words"), [
    ("87(2)(a)", "specifically exempts"),
    ("87(2)(b)", "identifying details (POL §89(2)(a))"),
    ("87(2)(c)", "present or imminent"),
    ("87(2)(d)", "substantial injury to its competitive position"),
    ("87(2)(e)", "Routine techniques and procedures are expressly not protected"),
    ("87(2)(f)", "based on facts rather than speculation"),
    ("87(2)(g)", "statistical or factual tabulations or data"),
    ("87(2)(h)", "examination questions"),
    ("87(2)(i)", "information technology assets"),
    ("87(2)(k)", "traffic-enforcement programs"),
    ("not_reasonably_described", "voluminous"),
    ("would_create_record", "reasonable effort"),
])
def test_each_exemption_gets_its_argument(ground, words):
    letter = draft(exemptions=[ground])
    assert words in letter.body
    assert letters.argument(ground) in letter.body


def test_no_records_asks_for_the_certification():
    letter = draft(kind="no_records")
    assert "answered that it has no records" in letter.body and "certify" in letter.body


def test_constructive_denial_names_the_missed_deadline():
    letter = draft(kind="constructively_denied", on=date(2023, 1, 13), missed_deadline_kind="acknowledgment",
                   missed_deadline_basis="POL §89(3)(a), 21 NYCRR 1401.5: 5 business days",
                   appeal_due_on=date(2023, 2, 13))
    body = letter.body
    assert "failed to acknowledge, grant or deny the request within five business days" in body
    assert "Friday, January 13, 2023" in body and "§89(4)(a)" in body and "no reason at all" in body


def test_late_appeal_and_missing_address_are_warned():
    agency = letters.AgencyFacts(name="Small Town", appeals_email="")
    denial = letters.DenialFacts(kind="denied", on=date(2023, 1, 3), appeal_due_on=date(2023, 2, 2))
    letter = letters.draft_appeal(REQUEST, agency, denial, date(2023, 3, 1))
    assert letter.to == ""
    assert any("no appeals email" in w for w in letter.warnings)
    assert any("ended on Thursday, February 2, 2023" in w for w in letter.warnings)
    assert letters.DEFAULT_OFFICER in letter.body


def test_closure_days_move_the_answer_date():
    agency = letters.AgencyFacts(name="X", appeals_email="a@x.example.org",
                                 closures=frozenset({date(2023, 3, 2)}))
    letter = letters.draft_appeal(REQUEST, agency, letters.DenialFacts("denied", date(2023, 2, 10)),
                                  date(2023, 3, 1))
    assert letter.answer_due_on == date(2023, 3, 16)


# -- through the API ----------------------------------------------------------------------------------


@pytest.fixture
def lawyer(api_as):
    return api_as("lawyer")


def test_api_draft_after_a_denial(lawyer, make_agency, make_request, app):
    from tracker.dispatch import commit
    from tracker.operations import record_event

    agency = make_agency(name="New York City Police Department", short_name="NYPD",
                         appeals_email="appeals@nypd.example.org")
    request = make_request(agency, title="Drone footage policy", received_on=date(2023, 1, 6),
                           tracking_numbers=["FOIL-2023-056-11528"])
    refused = lawyer.get(f"/api/v1/requests/{request.id}/appeal-letter")
    # Received in 2023 and never answered: long since constructively denied, so a letter can be drafted.
    assert refused.status_code == 200
    record_event(request, "acknowledged", date(2023, 1, 12), None)
    record_event(request, "denied", date(2023, 2, 10), None, data={"exemptions": ["87(2)(e)", "87(2)(g)"]})
    commit()
    response = lawyer.get(f"/api/v1/requests/{request.id}/appeal-letter")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["to"] == "appeals@nypd.example.org"
    assert "Drone footage policy" in body["subject"]
    assert "§89(4)(a)" in body["body"] and "FOIL-2023-056-11528" in body["body"]
    assert "POL §87(2)(e); POL §87(2)(g)" in body["body"]
    assert any("30-day appeal period" in w for w in body["warnings"])


def test_api_409_when_nothing_to_appeal(lawyer, make_request, app, api_as):
    from tracker.clock import legal_today

    request = make_request(received_on=legal_today())
    response = lawyer.get(f"/api/v1/requests/{request.id}/appeal-letter")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "nothing_to_appeal"
    assert "no denial to appeal" in response.json["error"]["message"]
    assert api_as("volunteer").get(f"/api/v1/requests/{request.id}/appeal-letter").status_code == 403

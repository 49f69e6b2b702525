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
    assert body.startswith("Freedom of Information Law appeal\n")
    for text in ("§89(4)(a)", "§89(4)(b)", "FT-2023-00001", "FOIL-2023-056-11528", "Friday, January 6, 2023",
                 "On Friday, February 10, 2023, the agency denied the request",
                 "POL §87(2)(e); POL §87(2)(g)", "statistical or factual tabulations or data",
                 "instructions to staff that affect the public", "final agency policy or determinations",
                 "external audits", "particularized and specific justification", "redact",
                 "Records Access Appeals Officer Jane Roe", "One Police Plaza", "Ann Lawyer",
                 "Wednesday, March 1, 2023", "foil+abc@foil.example.org",
                 "> All contracts for facial recognition software."):
        assert text in body, text
    # Sent Wed 2023-03-01: ten business days after its receipt is Wed 2023-03-15 (POL §89(4)(a)).
    assert letter.answer_due_on == date(2023, 3, 15)
    assert "within ten business days of the receipt of this appeal" in body
    assert "sent by email today, so that is by Wednesday, March 15, 2023" in body
    assert letter.warnings == []
    assert letter.addressee == "Records Access Appeals Officer Jane Roe"


def test_a_letter_sent_by_post_says_the_days_run_from_its_arrival():
    denial = letters.DenialFacts(kind="denied", on=date(2023, 2, 10))
    letter = letters.draft_appeal(REQUEST, AGENCY, denial, date(2023, 3, 1), by_post=True)
    assert "sent by post, so those ten business days run from the day it reaches you" in letter.body
    assert "March 15, 2023" not in letter.body


def test_attorneys_fees_are_stated_as_the_2017_amendment_has_them():
    body = draft().body
    shall = body.index("the court shall award reasonable attorney's fees and other litigation costs where the "
                       "requester substantially prevails and the agency had no reasonable basis for denying access "
                       "(POL §89(4)(c)(ii))")
    may = body.index("and may award them where the requester substantially prevails and the agency failed to "
                     "respond to the request or appeal within the statutory time (POL §89(4)(c)(i))")
    assert shall < may
    assert "shall award them where the agency also failed" not in body  # the old, backwards statement


@pytest.mark.parametrize(("named", "stored", "addressee", "warned"), [
    ("", "Records Access Appeals Officer Jane Roe", "Records Access Appeals Officer Jane Roe", False),
    ("Jane Roe, Records Access Appeals Officer", "", "Jane Roe, Records Access Appeals Officer", False),
    ("General Counsel John Doe", "Records Access Appeals Officer Jane Roe", "General Counsel John Doe", True),
    ("records access appeals officer jane roe", "Records Access Appeals Officer Jane Roe",
     "records access appeals officer jane roe", False),
    ("", "", letters.DEFAULT_OFFICER, False),
])
def test_the_letter_goes_to_the_officer_the_denial_names(named, stored, addressee, warned):
    agency = letters.AgencyFacts(name="NYPD", appeals_email="appeals@nypd.example.org", appeals_officer=stored)
    denial = letters.DenialFacts(kind="denied", on=date(2023, 2, 10), appeals_officer_named=named)
    letter = letters.draft_appeal(REQUEST, agency, denial, date(2023, 3, 1))
    assert letter.addressee == addressee
    assert f"\n{addressee}\nNYPD\n" in letter.body and f"Dear {addressee}:" in letter.body
    differs = [w for w in letter.warnings if w["code"] == "appeals_officer_differs"]
    assert bool(differs) == warned
    if warned:
        assert differs[0] == {"code": "appeals_officer_differs", "citation": "POL §89(4)(a)", "message": (
            "The denial names General Counsel John Doe to hear appeals; the agency's record names Records Access "
            "Appeals Officer Jane Roe. The letter is addressed to General Counsel John Doe, as the denial says; "
            "update the agency if its record is out of date.")}


@pytest.mark.parametrize(("ground", "says", "never"), [
    ("87(2)(a)", ["specifically exempts"], []),
    ("87(2)(b)", ["may delete identifying details"], []),
    ("87(2)(c)", ["present or imminent"], []),
    ("87(2)(d)", ["substantial injury to that enterprise's competitive position"], []),
    ("87(2)(e)", ["particularized and specific justification (Gould v. New York City Police Dept., 89 N.Y.2d 267"],
     ["record by record", "identified investigation", "not compiled for law enforcement purposes at all"]),
    ("87(2)(e)(i)", ["generic categories", "Lesher v. Hynes, 19 N.Y.3d 57 (2012)", "run their course"],
     ["identified investigation", "record by record"]),
    ("87(2)(e)(iv)", ["non-routine techniques whose disclosure would let violators of the law evade detection",
                      "Fink v. Lefkowitz, 47 N.Y.2d 567 (1979)", "contracts, purchasing records and policies"],
     ["record by record", "not compiled for law enforcement purposes at all"]),
    ("87(2)(f)", ["possibility of endangerment", "Stronza v. Hoke, 148 A.D.2d 900 (3d Dept 1989)",
                  "Bellamy v. New York City Police Dept., 87 A.D.3d 874 (1st Dept 2011)", "no factual basis"],
     ["facts rather than speculation"]),
    ("87(2)(g)", ["Factual tallies and data must be released (Gould", "an executed contract is the agency's final "
                  "agreement", "Xerox Corp. v. Town of Webster, 65 N.Y.2d 131 (1985)", "subparagraphs (ii) and (iii)"],
     ["cannot be intra-agency"]),
    ("87(2)(h)", ["examination questions"], []),
    ("87(2)(i)", ["information technology assets"], []),
    ("87(2)(k)", ["traffic-enforcement programs"], []),
    ("not_reasonably_described", ["Konigsberg v. Coughlin, 68 N.Y.2d 245 (1986)", "outside professional service"],
     []),
    ("would_create_record", ["not the preparation or creation of a new record"], []),
])
def test_each_ground_gets_its_argument_and_nothing_overstated(ground, says, never):
    letter = draft(exemptions=[ground])
    for words in says:
        assert words in letter.body, words
    for words in never:
        assert words not in letter.body, words
    assert letters.argument(ground) in letter.body


def test_every_appeal_says_exemptions_are_narrow_and_redaction_comes_first():
    body = draft().body
    assert "narrowly construed" in body and "Capital Newspapers Div. of Hearst Corp. v. Burns, 67 N.Y.2d 562" in body
    assert "Schenectady County SPCA v. Mills, 18 N.Y.3d 42 (2011)" in body


def test_arguments_for_answers_each_known_ground_once_in_order():
    answered = letters.arguments_for(["87(2)(f)", "not a ground", "87(2)(e)(iv)", "87(2)(f)"])
    assert [ground for ground, _ in answered] == ["87(2)(f)", "87(2)(e)(iv)"]
    assert answered[0][1].startswith("POL §87(2)(f) (could endanger the life or safety of any person). ")
    assert answered[1][1].endswith(letters.argument("87(2)(e)"))  # the paragraph's answer follows
    assert letters.arguments_for([]) == []


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
    assert [w["code"] for w in letter.warnings] == ["no_appeals_email", "appeal_period_ended"]
    assert all(set(w) == {"code", "message", "citation"} for w in letter.warnings)
    assert "no appeals email" in letter.warnings[0]["message"]
    assert letter.warnings[1] == {"code": "appeal_period_ended", "citation": "POL §89(4)(a)",
                                  "message": "The 30-day appeal period ended on Thursday, February 2, 2023."}
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
    assert [w["code"] for w in body["warnings"]] == ["appeal_period_ended"]
    [late] = body["warnings"]
    assert late["citation"] == "POL §89(4)(a)" and "30-day appeal period" in late["message"]


def test_api_409_when_nothing_to_appeal(lawyer, make_request, app, api_as):
    from tracker.clock import legal_today

    request = make_request(received_on=legal_today())
    response = lawyer.get(f"/api/v1/requests/{request.id}/appeal-letter")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "nothing_to_appeal"
    assert "no denial to appeal" in response.json["error"]["message"]
    assert api_as("volunteer").get(f"/api/v1/requests/{request.id}/appeal-letter").status_code == 403


def test_what_the_productions_withheld_is_stated_as_fact_before_the_grounds():
    sentence = "Of the 1,240 pages released on March 3, 2023, 312 were withheld in full."
    letter = letters.draft_appeal(REQUEST, AGENCY, letters.DenialFacts(kind="partially_granted", on=date(2023, 3, 3),
                                                                        exemptions=["87(2)(e)"]),
                                  date(2023, 3, 10), withheld=[sentence])
    assert sentence in letter.body
    assert letter.body.index(sentence) < letter.body.index("Each ground the agency relied on fails")
    assert "how much the agency withheld" not in draft(exemptions=["87(2)(e)"]).body  # nothing measured: nothing said


def test_api_draft_states_the_measured_withholding_of_a_production(lawyer, make_agency, make_request, app):
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Document, Page
    from tracker.operations import record_event

    request = make_request(make_agency(), title="Camera contracts", received_on=date(2023, 1, 6))
    record_event(request, "acknowledged", date(2023, 1, 12), None)
    released = record_event(request, "partially_granted", date(2023, 3, 3), None,
                            data={"exemptions": ["87(2)(e)"]})
    production = record_event(request, "records_released", date(2023, 3, 3), None, data={"pages": 4})
    document = Document(request_id=request.id, filename="production.pdf", media_type="application/pdf", size=10,
                        sha256="0" * 64, visibility="internal", event_id=production.id,
                        released_on=date(2023, 3, 3))
    db.session.add(document)
    db.session.flush()
    for number, (share, whole) in enumerate([(0.0, False), (0.5, False), (1.0, True), (1.0, True)], start=1):
        db.session.add(Page(document_id=document.id, number=number, text="", redacted_share=share,
                            withheld_in_full=whole, area=612 * 792))
    commit()
    assert released is not None
    body = lawyer.get(f"/api/v1/requests/{request.id}/appeal-letter").json["body"]
    assert "Of the 4 pages released on March 3, 2023, 2 were withheld in full" in body, body

"""Grounds as agencies cite them: subparagraphs and the statute behind a §87(2)(a) claim."""

from __future__ import annotations

from datetime import date

import pytest

from tracker import grounds, letters
from tracker.operations.errors import Invalid


@pytest.mark.parametrize(("cited", "stored"), [
    # The forms accepted before keep meaning what they meant.
    ("87(2)(e)", "87(2)(e)"),
    ("§ 87(2)(e)", "87(2)(e)"),
    ("87-2-e", "87(2)(e)"),
    ("e", "87(2)(e)"),
    ("no_records", "no_records"),
    # Subparagraphs, as written in denial letters.
    ("87(2)(e)(iv)", "87(2)(e)(iv)"),
    ("POL §87(2)(e)(iv)", "87(2)(e)(iv)"),
    ("87-2-e-iv", "87(2)(e)(iv)"),
    ("87(2)(e)(i)", "87(2)(e)(i)"),
    ("87(2)(g)(iii)", "87(2)(g)(iii)"),
    ("§87(2)(g)(i)", "87(2)(g)(i)"),
    ("89(2)(b)(iii)", "89(2)(b)(iii)"),
    ("89(2)(b)(viii)", "89(2)(b)(viii)"),
    ("89(2)(b)", "89(2)(b)"),
    # The statute behind an (a) claim.
    ("87(2)(a): Civil Rights Law §50-a", "87(2)(a): Civil Rights Law §50-a"),
    ("POL §87(2)(a) Civil Rights Law § 50-a", "87(2)(a): Civil Rights Law §50-a"),
    ("87(2)(a) (Public Health Law §18)", "87(2)(a): Public Health Law §18"),
])
def test_grounds_are_kept_as_cited(cited, stored):
    assert grounds.check_grounds([cited]) == [stored]


@pytest.mark.parametrize("cited", ["87(2)(e)(v)", "87(2)(r)", "89(2)(b)(ix)", "87(2)(a)(x)", "87(2)(b)(i)",
                                   "", "privacy"])
def test_unknown_grounds_are_refused_with_the_forms_that_work(cited):
    with pytest.raises(Invalid) as refused:
        grounds.check_grounds([cited])
    assert "87(2)(e)(iv)" in refused.value.message and refused.value.field == "data.exemptions"


@pytest.mark.parametrize(("key", "words"), [
    ("87(2)(e)(iv)", "except routine techniques and procedures"),
    ("87(2)(g)(iii)", "final agency policy or determinations"),
    ("89(2)(b)(iii)", "lists of names and addresses"),
    ("89(2)(b)(viii)", "arrest or booking photographs"),
    ("87(2)(a): Civil Rights Law §50-a", "repealed effective June 12, 2020"),
    ("87(2)(a): Vehicle and Traffic Law §1180-b", "specifically exempted from disclosure by Vehicle and Traffic"),
])
def test_each_ground_is_shown_with_its_text(key, words):
    assert words in grounds.label(key)


@pytest.mark.parametrize(("cited", "answers"), [
    ("87(2)(e)(iv)", ["Fink v. Lefkowitz, 47 N.Y.2d 567 (1979)", "are not such techniques",
                      "compiled for law enforcement purposes"]),
    ("87(2)(e)(i)", ["pending", "interfere"]),
    ("87(2)(g)(iii)", ["final agency policy or determinations (POL §87(2)(g)(iii))",
                       "statistical or factual tabulations"]),
    ("87(2)(g)(i)", ["statistical or factual tabulations or data (POL §87(2)(g)(i))"]),
    ("89(2)(b)(iii)", ["Section 89(2)(b) lists particular kinds",
                       "Under POL §89(2) an agency may delete identifying details"]),
    ("87(2)(a): Civil Rights Law §50-a", ["repealed (L. 2020, ch. 96), with effect from June 12, 2020"]),
    ("87(2)(a): Public Health Law §18", ["Public Health Law §18 reaches these very records"]),
])
def test_the_appeal_answers_each_ground_on_its_own_terms(cited, answers):
    key = grounds.check_grounds([cited])[0]
    letter = letters.draft_appeal(
        letters.RequestFacts(reference="FT-2026-00001", title="Facial recognition", received_on=date(2026, 1, 5)),
        letters.AgencyFacts(name="New York City Police Department", appeals_email="appeals@nypd.example.org"),
        letters.DenialFacts(kind="denied", on=date(2026, 2, 2), exemptions=[key]), date(2026, 2, 20))
    citation = grounds.describe(key)[0]
    assert f"citing {citation}." in letter.body
    for text in answers:
        assert text in letter.body, text
    # Every appeal states the agency's burden, the Gould standard and the fee-shifting rule.
    for text in ("POL §89(4)(b)", "Gould v. New York City Police Dept., 89 N.Y.2d 267 (1996)",
                 "particularized and specific justification", "POL §89(4)(c)(ii)", "POL §89(4)(c)(i)"):
        assert text in letter.body, text


def test_the_api_accepts_grounds_as_cited_and_keeps_todays_forms(api_as, make_request):
    req = make_request(received_on="2026-01-05")
    api = api_as("lawyer")
    cited = ["87(2)(e)(iv)", "87(2)(g)(iii)", "89(2)(b)(iii)", "87(2)(f)", "i",
             "87(2)(a) Civil Rights Law §50-a"]
    response = api.post(f"/api/v1/requests/{req.id}/events",
                        json={"type": "denied", "occurred_on": "2026-01-20", "data": {"exemptions": cited}})
    assert response.status_code == 201, response.json
    assert response.json["data"]["exemptions"] == ["87(2)(e)(iv)", "87(2)(g)(iii)", "89(2)(b)(iii)", "87(2)(f)",
                                                   "87(2)(i)", "87(2)(a): Civil Rights Law §50-a"]
    letter = api.get(f"/api/v1/requests/{req.id}/appeal-letter").json
    assert "Fink v. Lefkowitz" in letter["body"] and "L. 2020, ch. 96" in letter["body"]
    refused = api.post(f"/api/v1/requests/{req.id}/events",
                       json={"type": "denied", "occurred_on": "2026-01-21", "data": {"exemptions": ["87(2)(e)(v)"]}})
    assert refused.status_code == 422 and "unknown exemption" in refused.json["error"]["message"]

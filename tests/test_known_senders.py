"""Matching by our reference or a tracking number is automatic only from the agency's known senders; from
anyone else the email waits in triage with the request first. References carry an unguessable check part."""

from __future__ import annotations

import re

import pytest

from ingest import matching
from tests import ingest_support as support
from tests.ingest_support import AGENCY_DOMAIN, build_email
from tracker.dispatch import commit

pytestmark = support.IGNORE_IMAPLIB2_WARNING
nypd, search_service, imap_app = support.nypd, support.search_service, support.imap_app  # fixtures

OLD_REFERENCE = "FT-2026-00020"


@pytest.mark.parametrize("address,entries,known", [
    ("foil@records.nypd.gov", ["foil@records.nypd.gov"], True),
    ("FOIL@Records.NYPD.gov", ["foil@records.nypd.gov"], True),
    ("other@records.nypd.gov", ["foil@records.nypd.gov"], False),
    ("portal@records.nyc.gov", ["records.nyc.gov"], True),
    ("portal@mail.records.nyc.gov", ["records.nyc.gov"], True),
    ("portal@evilrecords.nyc.gov", ["records.nyc.gov"], False),
    ("portal@records.nyc.gov.evil.example", ["records.nyc.gov"], False),
    ("portal@records.nyc.gov", ["@records.nyc.gov"], True),
    ("stranger@gmail.com", ["foil@records.nypd.gov", "records.nyc.gov", ""], False),
    ("", ["records.nyc.gov"], False),
    (None, ["records.nyc.gov"], False),
    ("no-at-sign", ["no-at-sign"], False),
])
def test_sender_is_known(address, entries, known):
    assert matching.sender_is_known(address, entries) is known


@pytest.mark.parametrize("text,entry", [
    ("Records.NYC.gov", "records.nyc.gov"),
    ("@records.nyc.gov", "records.nyc.gov"),
    (" Officer@Agency.NY.gov ", "officer@agency.ny.gov"),
    ("localhost", None),
    ("not an address", None),
    ("a@b", None),
    ("https://records.nyc.gov", None),
])
def test_sender_entries_are_checked(text, entry):
    assert matching.sender_entry(text) == entry


@pytest.mark.parametrize("text,found", [
    ("Re: FT-2026-00020 your request", ["FT-2026-00020"]),
    ("Re: FT-2026-00021-K7QM your request", ["FT-2026-00021-K7QM"]),
    ("ft-2026-00021-k7qm", ["FT-2026-00021-K7QM"]),
    ("FT-2026-00021-KLQO retyped", ["FT-2026-00021-K1Q0"]),   # l as 1, o as 0, as officers retype
    ("FT-2026-00020-Appeal", ["FT-2026-00020"]),              # a word after it is not a check part
    ("FT 2026 00020", ["FT-2026-00020"]),
])
def test_references_in(text, found):
    assert matching.references_in(text) == found


def test_new_references_have_a_random_check_part(make_request):
    first, second = make_request(), make_request()
    for made in (first, second):
        assert re.fullmatch(r"FT-\d{4}-\d{5}-[0-9A-HJKMNP-TV-Z]{4}", made.reference), made.reference
    assert first.reference.rsplit("-", 1)[1] != second.reference.rsplit("-", 1)[1] or \
        first.reference != second.reference


@pytest.fixture
def old_request(make_request, nypd):
    """A request filed before references had a check part: FT-2026-00020."""
    made = make_request(agency=nypd, title="Facial recognition contracts")
    made.reference = OLD_REFERENCE
    commit()
    return made


def test_a_strangers_email_carrying_our_reference_waits_in_triage_through_the_real_ingest_path(
        imap_app, imap_mailbox, runner, api_as, old_request, make_request, nypd):
    """An attack seen in testing: a stranger's email with FT-2026-00020 in its subject and four attachments."""
    other = make_request(agency=nypd, title="Drone policies")
    attachments = [(f"evidence-{n}.txt", b"planted text", "text", "plain") for n in range(4)]
    imap_mailbox.append(build_email(to="foil@foil.example.org", sender="prankster@gmail.example.com",
                                    subject=f"Re: {OLD_REFERENCE} your FOIL request", attachments=attachments))
    result = runner.invoke(args=["ingest", "--once"])
    assert result.exit_code == 0, result.output
    assert "delivered 0, unmatched 1" in result.output, result.output

    lawyer = api_as("lawyer")
    [held] = lawyer.get("/api/v1/messages?status=unmatched").json["items"]
    assert held["request_id"] is None and held["match_method"] is None
    assert held["suggestions"][0]["request_id"] == old_request.id
    assert "not among NYPD's known senders" in held["suggestions"][0]["reason"]
    assert "held for a person to check" in held["reason"]
    timeline = lawyer.get(f"/api/v1/requests/{old_request.id}").json
    assert timeline["messages"] == [] and [e["type"] for e in timeline["events"]] == []
    assert lawyer.get(f"/api/v1/requests/{other.id}").json["messages"] == []


@pytest.mark.parametrize("sender,senders,delivered", [
    (f"foil@{AGENCY_DOMAIN}", [], True),                      # the agency's FOIL address
    ("appeals@nypd.example.gov", [], True),                   # its appeals address
    ("noreply@records.nyc.example.gov", ["records.nyc.example.gov"], True),  # a domain in its senders
    ("officer@nypd.example.gov", ["officer@nypd.example.gov"], True),        # an address in its senders
    ("noreply@records.nyc.example.gov", [], False),
    ("someone@gmail.example.com", ["records.nyc.example.gov"], False),
])
def test_only_known_senders_match_by_reference(app, old_request, nypd, sender, senders, delivered):
    from tracker.operations import update_agency
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    update_agency(nypd, None, appeals_email="appeals@nypd.example.gov", senders=senders)
    commit()
    raw = build_email(to="foil@foil.example.org", sender=sender, subject=f"{OLD_REFERENCE} acknowledgment")
    message, _ = deliver_raw(raw, blob_store().put(raw))
    commit()
    if delivered:
        assert (message.status, message.request_id, message.match_method) == ("delivered", old_request.id,
                                                                              "reference")
    else:
        assert message.status == "unmatched" and message.suggestions[0]["request_id"] == old_request.id


def test_a_tracking_number_from_a_stranger_waits_too(app, make_request, nypd):
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    numbered = make_request(agency=nypd, tracking_numbers=["FOIL-2024-056-00042"])
    raw = build_email(to="foil@foil.example.org", sender="x@elsewhere.example", subject="FOIL-2024-056-00042")
    message, _ = deliver_raw(raw, blob_store().put(raw))
    commit()
    assert message.status == "unmatched" and message.suggestions[0]["request_id"] == numbered.id


def test_a_sender_taught_in_triage_is_known_for_the_agencys_requests(app, old_request, make_request, nypd):
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import assign_message, deliver_raw

    first = build_email(to="foil@foil.example.org", sender="clerk@nypd-legal.example.org",
                        subject=f"{OLD_REFERENCE} a letter")
    message, _ = deliver_raw(first, blob_store().put(first))
    commit()
    assert message.status == "unmatched"
    assign_message(message, old_request, None)
    commit()
    later = make_request(agency=nypd, title="Body cameras")
    second = build_email(to="foil@foil.example.org", sender="clerk@nypd-legal.example.org",
                         subject=f"About {later.reference}")
    delivered, _ = deliver_raw(second, blob_store().put(second))
    commit()
    assert (delivered.status, delivered.request_id, delivered.match_method) == ("delivered", later.id, "reference")


def test_new_references_match_with_their_check_part_and_are_suggested_without_it(app, make_request, nypd):
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    made = make_request(agency=nypd)
    retyped = made.reference.lower()
    raw = build_email(to="foil@foil.example.org", subject=f"Re: {retyped}")
    message, _ = deliver_raw(raw, blob_store().put(raw))
    commit()
    assert (message.status, message.request_id) == ("delivered", made.id)
    bare = matching.reference_base(made.reference)
    raw = build_email(to="foil@foil.example.org", subject=f"Re: {bare}")
    message, _ = deliver_raw(raw, blob_store().put(raw))
    commit()
    assert message.status == "unmatched" and message.suggestions[0]["request_id"] == made.id


def test_agency_senders_through_the_api_and_the_page(app, api_as, nypd, login, client):
    lawyer = api_as("lawyer")
    response = lawyer.patch(f"/api/v1/agencies/{nypd.id}", json={"senders": ["Records.NYC.gov", "a@b.example"]})
    assert response.status_code == 200, response.json
    assert response.json["senders"] == ["records.nyc.gov", "a@b.example"]
    assert lawyer.get(f"/api/v1/agencies/{nypd.id}").json["senders"] == ["records.nyc.gov", "a@b.example"]
    bad = lawyer.patch(f"/api/v1/agencies/{nypd.id}", json={"senders": ["not a sender"]})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "senders"
    assert lawyer.get(f"/api/v1/agencies/{nypd.id}").json["senders"] == ["records.nyc.gov", "a@b.example"]
    login("lawyer")
    assert "records.nyc.gov" in client.get(f"/agencies/{nypd.id}").get_data(as_text=True)
    form = client.get(f"/agencies/{nypd.id}/edit").get_data(as_text=True)
    assert 'name="senders"' in form and "records.nyc.gov" in form

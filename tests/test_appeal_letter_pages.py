"""The appeal letter on its page: the officer the denial names, the warnings in the request's shape, and the
edited text printed as a PDF exactly as edited (nothing is sent by printing it)."""

from __future__ import annotations

import html
import re

import pytest

from tracker.clock import legal_today


def csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


@pytest.fixture
def denied(app, make_agency, make_request):
    from tracker.dispatch import commit
    from tracker.operations import record_event

    agency = make_agency(name="New York City Police Department", short_name="NYPD",
                         appeals_email="appeals@nypd.example.org",
                         appeals_officer="Records Access Appeals Officer Jane Roe")
    found = make_request(agency, title="Drone program records", received_on=legal_today(), campaign="Ban the Scan")
    found.campaign.letterhead = "Ban the Scan Coalition\n123 Example Street, New York, NY 10001"
    record_event(found, "denied", legal_today(), None,
                 data={"exemptions": ["87(2)(f)"], "appeals_officer_named": "General Counsel John Doe"})
    commit()
    return found


def pdf_text(data: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    return " ".join(" ".join(document[i].get_textpage().get_text_range() for i in range(len(document))).split())


def test_the_letter_page_addresses_the_named_officer_and_warns_of_the_difference(client, login, denied):
    login("lawyer")
    page = client.get(f"/requests/{denied.id}/appeal-letter")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "This draft appeals to General Counsel John Doe of New York City Police Department" in text
    assert "Dear General Counsel John Doe:" in text and "Freedom of Information Law appeal" in text
    assert 'data-warning="appeals_officer_differs"' in text
    assert "the agency's record names Records Access Appeals Officer Jane Roe" in text and "(POL §89(4)(a))" in text


def test_the_edited_text_prints_as_edited_and_nothing_is_sent(client, login, denied):
    from tracker.models import Message

    login("lawyer")
    page = client.get(f"/requests/{denied.id}/appeal-letter")
    assert f'formaction="/requests/{denied.id}/appeal-letter/pdf"' in page.get_data(as_text=True)
    edited = ("Freedom of Information Law appeal\n\nDear General Counsel John Doe:\n\nA paragraph the lawyer "
              "rewrote by hand, sent by post: the ten business days run from its arrival.\n\nSincerely,\nAnn")
    response = client.post(f"/requests/{denied.id}/appeal-letter/pdf", data={
        "csrf_token": csrf(page), "to": "appeals@nypd.example.org", "subject": "FOIL appeal", "body": edited})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{denied.reference}-appeal.pdf"'
    printed = pdf_text(response.data)
    assert "Ban the Scan Coalition" in printed
    assert "A paragraph the lawyer rewrote by hand, sent by post: the ten business days run from its arrival." in (
        printed)
    assert "Stronza" not in printed  # the draft's text is not what was printed: the edited text is
    assert Message.query.count() == 0 and denied.status == "denied"


def test_printing_an_empty_letter_or_without_the_right_is_refused(client, login, denied):
    login("lawyer")
    page = client.get(f"/requests/{denied.id}/appeal-letter")
    empty = client.post(f"/requests/{denied.id}/appeal-letter/pdf", data={"csrf_token": csrf(page), "body": "  "})
    assert empty.status_code == 400 and "nothing to print" in empty.get_data(as_text=True)
    no_token = client.post(f"/requests/{denied.id}/appeal-letter/pdf", data={"body": "I appeal."})
    assert no_token.status_code == 400


def test_a_volunteer_may_not_print_an_appeal(client, login, denied):
    login("volunteer")
    page = client.get(f"/requests/{denied.id}")
    response = client.post(f"/requests/{denied.id}/appeal-letter/pdf", data={"csrf_token": csrf(page),
                                                                           "body": "I appeal."})
    assert response.status_code == 403


def test_the_printed_draft_says_the_days_run_from_its_arrival(client, login, denied):
    login("lawyer")
    printed = pdf_text(client.get(f"/requests/{denied.id}/letters/appeal.pdf").data)
    assert "sent by post, so those ten business days run from the day it reaches you" in printed
    assert "Freedom of Information Law appeal" in printed and "General Counsel John Doe" in printed

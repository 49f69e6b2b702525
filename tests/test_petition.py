"""The Article 78 petition draft: read back from the .docx (python-docx) and the .pdf (pypdfium2), by role,
with the 409s for a request that cannot be taken to court, and the dashboard's advice after four months."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from tracker.clock import legal_today

pytestmark = pytest.mark.filterwarnings("ignore:Task name 'foiltrack.deadlines.recompute_all'")


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a .docx, one per line."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, joined, with line wrapping undone."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        pages = [pdf[n].get_textpage().get_text_range() for n in range(len(pdf))]
    finally:
        pdf.close()
    return " ".join(" ".join(pages).split())


def flat(text: str) -> str:
    return " ".join(text.split())


def long(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


@pytest.fixture
def nypd(app, make_agency):
    return make_agency(name="New York City Police Department", short_name="NYPD",
                       appeals_officer="Jordan Appeals", appeals_email="appeals@nypd.example.org",
                       appeals_address="One Police Plaza, New York, NY 10038")


@pytest.fixture
def days():
    """The history of a request denied and appealed in the last few months (its four months still run)."""
    today = legal_today()
    return {"received": today - timedelta(days=70), "acknowledged": today - timedelta(days=66),
            "certain": today - timedelta(days=52), "denied": today - timedelta(days=50),
            "appeal": today - timedelta(days=40), "appeal_denied": today - timedelta(days=30)}


@pytest.fixture
def appealed(app, nypd, make_request, days):
    """A request denied on (e)(iv) and (f), appealed, and the appeal denied, with the letters on file."""
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Document
    from tracker.operations import record_event

    request = make_request(nypd, title="Facial recognition contracts", received_on=days["received"],
                           tracking_numbers=["FOIL-2026-056-00042"])
    record_event(request, "acknowledged", days["acknowledged"], None, {"date_certain": days["certain"].isoformat()})
    denial = record_event(request, "denied", days["denied"], None, {"exemptions": ["87(2)(e)(iv)", "87(2)(f)"]})
    record_event(request, "appeal_filed", days["appeal"], None, {"filed_by": "post"})
    record_event(request, "appeal_denied", days["appeal_denied"], None)
    db.session.add(Document(request_id=request.id, event_id=denial.id, filename="NYPD denial letter.pdf",
                            media_type="application/pdf", sha256="2" * 64, visibility="internal"))
    commit()
    return request


def test_request_petition_docx_and_pdf_hold_parties_venue_dates_grounds_relief_exhibits(
        appealed, api_as, days):
    from tracker import deadlines
    from tracker.letters import argument

    lawyer = api_as("lawyer", "counsel@example.org")
    docx = lawyer.get(f"/api/v1/requests/{appealed.id}/article78-petition.docx")
    assert docx.status_code == 200, docx.get_data(as_text=True)
    assert docx.mimetype.endswith("wordprocessingml.document")
    assert f'filename="{appealed.reference}-article78-petition.docx"' in docx.headers["Content-Disposition"]
    pdf = lawyer.get(f"/api/v1/requests/{appealed.id}/article78-petition.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    due = deadlines.article78_due(days["appeal_denied"])
    for text in (flat(docx_text(docx.data)), pdf_text(pdf.data)):
        # The parties: the campaign's request has no resident, so no name is made up for the petitioner.
        assert "[Petitioner]" in text
        assert "New York City Police Department and Jordan Appeals, in their official capacity as Records " \
               "Access Appeals Officer of New York City Police Department" in text
        # Venue: One Police Plaza's ZIP code is in Manhattan, New York County (CPLR 506(b)).
        assert "COUNTY OF NEW YORK" in text and "Venue lies in New York County" in text
        assert "CPLR 506(b)" in text and "CPLR 7804(b)" in text
        # Every date of the history, and the four months of CPLR 217(1).
        for key in ("received", "acknowledged", "certain", "denied", "appeal", "appeal_denied"):
            assert long(days[key]) in text, key
        assert f"the four months end on {long(due)}" in text
        assert "FOIL-2026-056-00042" in text
        # Each ground and the appeal letter's own argument against it.
        for ground, citation in (("87(2)(e)(iv)", "POL §87(2)(e)(iv)"), ("87(2)(f)", "POL §87(2)(f)")):
            assert citation in text
            assert flat(argument(ground)) in text
        assert "the agency involved has the burden of proving" in text
        # The relief, with the 2017 fee language: shall under (c)(ii), may under (c)(i).
        assert "produce the records requested" in text and "in camera review" in text
        assert "the Court shall assess them against respondents where petitioner has substantially prevailed " \
               "and the Court finds that respondents had no reasonable basis for denying access " \
               "(POL §89(4)(c)(ii)), and may assess them where petitioner has substantially prevailed and " \
               "respondents failed to respond to the request or the appeal within the statutory time " \
               "(POL §89(4)(c)(i))" in text
        # The papers: notice of petition (CPLR 7804(c)), verified petition, verification, exhibits.
        assert "NOTICE OF PETITION" in text and "VERIFIED PETITION" in text and "VERIFICATION" in text
        assert "CPLR 7804(c)" in text
        assert "Exhibit A: The request" in text or "Exhibit A The request" in text
        assert "document " in text and "NYPD denial letter.pdf" in text
        assert "The appeal determination" in text and "The administrative appeal" in text
        assert "no copy is on file in FOIL Tracker; attach it" in text
        assert "never files it" in text


def test_exhibits_are_lettered_in_history_order_and_cited_in_the_facts(appealed, api_as, days):
    lawyer = api_as("lawyer")
    text = flat(docx_text(lawyer.get(f"/api/v1/requests/{appealed.id}/article78-petition.docx").data))
    titles = ["The request", "The agency's acknowledgment", "The agency's denial", "The administrative appeal",
              "The appeal determination"]
    for n, title in enumerate(titles):
        label = "ABCDE"[n]
        assert f"Exhibit {label} {title}" in text, title
        assert f"A copy is annexed as Exhibit {label}." in text


@pytest.mark.parametrize("role", ["volunteer", "researcher"])
def test_only_lawyers_and_admins_get_the_petition(appealed, api_as, role):
    caller = api_as(role)
    for url in (f"/api/v1/requests/{appealed.id}/article78-petition.docx",
                f"/api/v1/requests/{appealed.id}/article78-petition.pdf"):
        response = caller.get(url)
        assert response.status_code == 403, url
        assert response.json["error"]["code"] == "forbidden"


def test_admin_gets_it_and_unknown_ids_are_404(appealed, api_as):
    admin = api_as("admin")
    assert admin.get(f"/api/v1/requests/{appealed.id}/article78-petition.pdf").status_code == 200
    assert admin.get("/api/v1/requests/999999/article78-petition.docx").status_code == 404
    assert admin.get("/api/v1/litigation/999999/petition.pdf").json["error"]["code"] == "not_found"


def test_a_request_without_a_final_denial_gets_409(app, nypd, make_request, api_as, days):
    from tracker.dispatch import commit
    from tracker.operations import record_event

    lawyer = api_as("lawyer")
    request = make_request(nypd, title="Drone policy", received_on=days["received"])
    record_event(request, "denied", days["denied"], None, {"exemptions": ["87(2)(g)"]})
    commit()
    response = lawyer.get(f"/api/v1/requests/{request.id}/article78-petition.docx")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "no_final_denial"
    assert "it is denied" in response.json["error"]["message"] and "POL §89(4)" in response.json["error"]["message"]


def _old_appeal_denied(request):
    from tracker.dispatch import commit
    from tracker.operations import record_event

    record_event(request, "denied", date(2023, 2, 10), None, {"exemptions": ["87(2)(e)"]})
    record_event(request, "appeal_filed", date(2023, 3, 1), None, {"filed_by": "portal"})
    record_event(request, "appeal_denied", date(2023, 3, 14), None)
    commit()


def test_past_four_months_409_says_a_new_request_is_the_way(app, nypd, make_request, api_as):
    lawyer = api_as("lawyer")
    request = make_request(nypd, title="Old contracts", received_on=date(2023, 1, 6))
    _old_appeal_denied(request)
    for fmt in ("docx", "pdf"):
        response = lawyer.get(f"/api/v1/requests/{request.id}/article78-petition.{fmt}")
        assert response.status_code == 409
        error = response.json["error"]
        # Four months after Tue 2023-03-14 is Fri 2023-07-14 (CPLR 217(1), GCL §30).
        assert error["code"] == "article78_time_passed"
        assert "ended on 2023-07-14" in error["message"] and "file a new request" in error["message"]


def test_constructive_denials_are_stated_with_their_dates(app, nypd, make_request, api_as):
    from tracker import deadlines
    from tracker.dispatch import commit
    from tracker.operations import record_event

    today = legal_today()
    received = today - timedelta(days=100)
    acknowledged = today - timedelta(days=99)
    request = make_request(nypd, title="Camera locations", received_on=received)
    record_event(request, "acknowledged", acknowledged, None)
    appeal = today - timedelta(days=55)
    record_event(request, "appeal_filed", appeal, None, {"filed_by": "portal"})
    commit()
    missed = deadlines.determination_due(acknowledged)
    appeal_due = deadlines.appeal_determination_due(appeal)
    text = pdf_text(api_as("lawyer").get(f"/api/v1/requests/{request.id}/article78-petition.pdf").data)
    assert f"let its determination deadline pass on {long(missed)}" in text
    assert f"that time ran out on {long(appeal_due)}" in text and "(POL §89(4)(b))" in text
    assert f"the four months end on {long(deadlines.article78_due(appeal_due))}" in text
    assert "Respondents gave no ground at all" in text
    assert "POL §89(4)(c)(i)" in text


def test_a_residents_request_names_the_resident_as_petitioner(app, nypd, make_request, api_as, days):
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Resident
    from tracker.operations import record_event

    request = make_request(nypd, title="Cameras in my neighborhood", received_on=days["received"],
                           campaign="Ban the Scan")
    resident = Resident(campaign_id=request.campaign_id, nta_code="BK0101", name="Ana Rivera",
                        email="ana@example.org", postal_address="12 Bedford Ave\nBrooklyn, NY 11211",
                        pseudonym="resident-petition-1", state="confirmed")
    db.session.add(resident)
    db.session.flush()
    request.resident_id = resident.id
    request.nta_code = "BK0101"
    record_event(request, "denied", days["denied"], None, {"exemptions": ["87(2)(i)"]})
    record_event(request, "appeal_filed", days["appeal"], None, {"filed_by": "post"})
    record_event(request, "appeal_denied", days["appeal_denied"], None)
    commit()
    text = flat(docx_text(api_as("lawyer").get(f"/api/v1/requests/{request.id}/article78-petition.docx").data))
    assert "In the Matter of the Application of Ana Rivera, Petitioner," in text
    assert "Petitioner Ana Rivera is a resident of Greenpoint, Brooklyn, residing at 12 Bedford Ave, Brooklyn, " \
           "NY 11211" in text
    assert "Ana Rivera, being duly sworn" in text
    assert "Ban the Scan" not in text.split("Respondents.")[0]


def test_litigation_petition_uses_its_court_caption_and_index_number(appealed, api_as, make_request, nypd, days):
    lawyer = api_as("lawyer")
    suit = lawyer.post("/api/v1/litigation", json={
        "caption": "Surveillance Accountability Project v. NYPD", "index_number": "156672/2026",
        "court": "Supreme Court of the State of New York, County of Kings", "request_ids": [appealed.id]}).json
    docx = lawyer.get(f"/api/v1/litigation/{suit['id']}/petition.docx")
    assert docx.status_code == 200
    text = flat(docx_text(docx.data))
    assert "Surveillance Accountability Project" in text and "Index No. 156672/2026" in text
    assert "COUNTY OF KINGS" in text and "Venue lies in Kings County" in text
    assert "confirm that CPLR 506(b) allows it" in text
    # The request's own download uses the lawsuit that covers it.
    via_request = flat(docx_text(lawyer.get(f"/api/v1/requests/{appealed.id}/article78-petition.docx").data))
    assert "Index No. 156672/2026" in via_request
    pdf = lawyer.get(f"/api/v1/litigation/{suit['id']}/petition.pdf")
    assert pdf.status_code == 200 and "Index No. 156672/2026" in pdf_text(pdf.data)
    assert api_as("volunteer").get(f"/api/v1/litigation/{suit['id']}/petition.docx").status_code == 403


def test_a_lawsuit_covering_a_request_past_its_four_months_gets_409(app, nypd, make_request, api_as):
    lawyer = api_as("lawyer")
    request = make_request(nypd, title="Old contracts", received_on=date(2023, 1, 6))
    _old_appeal_denied(request)
    suit = lawyer.post("/api/v1/litigation", json={"caption": "Doe v. NYPD", "request_ids": [request.id]}).json
    response = lawyer.get(f"/api/v1/litigation/{suit['id']}/petition.pdf")
    assert response.status_code == 409 and response.json["error"]["code"] == "article78_time_passed"
    # Filed in time, the same lawsuit's petition is judged on its filing day and can be drafted again.
    lawyer.patch(f"/api/v1/litigation/{suit['id']}", json={"filed_on": "2023-07-14"})
    assert lawyer.get(f"/api/v1/litigation/{suit['id']}/petition.pdf").status_code == 200


def test_litigation_page_and_request_page_offer_both_downloads(appealed, client, login):
    from tracker.dispatch import commit
    from tracker.operations.litigation import create_litigation

    lawyer = login("lawyer")
    suit = create_litigation(lawyer, "Doe v. NYPD", request_ids=[appealed.id])
    commit()
    page = client.get(f"/litigation/{suit.id}").get_data(as_text=True)
    for fmt in ("docx", "pdf"):
        assert f'href="/litigation/{suit.id}/petition.{fmt}"' in page
        assert f'href="/requests/{appealed.id}/article78-petition.{fmt}"' in \
            client.get(f"/requests/{appealed.id}").get_data(as_text=True)
    docx = client.get(f"/litigation/{suit.id}/petition.docx")
    assert docx.status_code == 200 and "Doe" in docx_text(docx.data)
    pdf = client.get(f"/requests/{appealed.id}/article78-petition.pdf")
    assert pdf.status_code == 200 and "VERIFIED PETITION" in pdf_text(pdf.data)


def test_volunteers_see_no_petition_button_and_are_refused(appealed, client, login):
    login("volunteer")
    assert "article78-petition" not in client.get(f"/requests/{appealed.id}").get_data(as_text=True)
    assert client.get(f"/requests/{appealed.id}/article78-petition.docx").status_code == 403


def test_after_four_months_pages_and_dashboard_point_to_a_new_request(app, nypd, make_request, client, login):
    from tracker.dispatch import commit
    from tracker.operations.litigation import create_litigation

    lawyer = login("lawyer")
    request = make_request(nypd, title="Old contracts", received_on=date(2023, 1, 6), assignees=[lawyer.email])
    _old_appeal_denied(request)
    suit = create_litigation(lawyer, "Doe v. NYPD", request_ids=[request.id])
    commit()
    view = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "article78-petition." not in view
    assert "ended on 2023-07-14" in view and "file a new request" in view
    suit_page = client.get(f"/litigation/{suit.id}").get_data(as_text=True)
    assert f"/litigation/{suit.id}/petition.docx" not in suit_page and "ended on 2023-07-14" in suit_page
    assert client.get(f"/requests/{request.id}/article78-petition.docx").status_code == 409
    dashboard = client.get("/?scope=all").get_data(as_text=True)
    row = dashboard.split(request.reference, 1)[1].split("</tr>", 1)[0]
    assert "Four months passed: file a new request" in row and 'href="/requests/new"' in row
    assert "Consider an Article 78 petition" not in row


def test_within_four_months_the_dashboard_still_suggests_the_petition(appealed, client, login):
    login("lawyer")
    dashboard = client.get("/?scope=all").get_data(as_text=True)
    row = dashboard.split(appealed.reference, 1)[1].split("</tr>", 1)[0]
    assert "Consider an Article 78 petition" in row and "file a new request" not in row


@pytest.mark.parametrize(("n", "label"), [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (51, "AZ"),
                                          (52, "BA"), (701, "ZZ"), (702, "AAA")])
def test_exhibit_letters(n, label):
    from tracker.petition import exhibit_label

    assert exhibit_label(n) == label


@pytest.mark.parametrize(("caption", "party"), [
    ("Doe v. NYPD", "Doe"),
    ("Surveillance Accountability Project v NYPD", "Surveillance Accountability Project"),
    ("In the Matter of the Application of Jane Roe v. New York City Police Department", "Jane Roe"),
    ("Matter of Amnesty International USA against NYPD", "Amnesty International USA"),
    ("Facial recognition suit", ""),
    ("", ""),
])
def test_petitioner_named_by_the_caption(caption, party):
    from tracker.operations.petitions import _caption_party

    assert _caption_party(caption) == party


@pytest.mark.parametrize(("court", "county"), [
    ("Supreme Court of the State of New York, County of New York", "New York"),
    ("Supreme Court of the State of New York, County of Kings", "Kings"),
    ("Supreme Court, Albany County", "Albany"),
    ("Supreme Court, St. Lawrence County", "St. Lawrence"),
])
def test_the_county_the_court_names_is_the_venue(court, county):
    from tracker.operations.petitions import venue

    warnings: list[str] = []
    assert venue(court, [], warnings)[0] == county
    assert "CPLR 506(b)" in warnings[0]


def _pure_facts(**changes):
    from tracker.petition import Exhibit, HistoryFact, Party, PetitionFacts, RequestHistory

    def history(reference, start):
        facts = [HistoryFact("received", start), HistoryFact("denied", start + timedelta(days=20), ("87(2)(g)",)),
                 HistoryFact("appeal_filed", start + timedelta(days=30)),
                 HistoryFact("appeal_denied", start + timedelta(days=40))]
        exhibits = [(f.kind, Exhibit(f"paper {f.kind}", f.on, (f"document for {f.kind}",))) for f in facts]
        return RequestHistory(reference, f"Title {reference}", "", facts, ("87(2)(g)",), "appeal_denied",
                              start + timedelta(days=40), start + timedelta(days=160), exhibits=exhibits)

    values = dict(court="Supreme Court of the State of New York", county="Bronx", venue_reason="because.",
                  index_number="", petitioners=[Party("Ana Rivera"), Party("Bo Chen")], agency="DOT",
                  appeals_officer="", today=date(2026, 1, 1),
                  requests=[history("R-1", date(2025, 6, 2)), history("R-2", date(2025, 7, 1))])
    values.update(changes)
    return PetitionFacts(**values)


def test_two_requests_two_petitioners_number_allegations_and_letter_exhibits_in_order():
    from tracker.petition import as_text
    from tracker.petition_draft import draft_petition

    document = draft_petition(_pure_facts())
    assert [b.number for b in document.allegations] == list(range(1, len(document.allegations) + 1))
    assert [b.label for b in document.exhibits] == list("ABCDEFGH")
    text = flat(as_text(document))
    assert "Ana Rivera and Bo Chen, Petitioners," in text and "Petitioners Ana Rivera and Bo Chen" in text
    assert "allege:" in text and "the Records Access Appeals Officer of DOT" in text
    assert "Request R-1: Title R-1" in text and "Request R-2: Title R-2" in text
    # R-2's denial is its second paper: exhibit F, after R-1's four.
    assert "citing POL §87(2)(g). A copy is annexed as Exhibit F." in text
    assert "Exhibit F: paper denied, dated July 21, 2025 (R-2); on file: document for denied." in text
    assert text.count("POL §87(2)(g) (inter-agency or intra-agency materials).") == 1  # each ground argued once
    assert "COUNTY OF BRONX" in document.court_lines and "Venue lies in Bronx County: because." in text


def test_without_a_county_the_draft_leaves_a_blank_to_fill():
    from tracker.petition import as_text
    from tracker.petition_draft import draft_petition

    document = draft_petition(_pure_facts(county="", venue_reason="", warnings=["Venue: name the county"]))
    text = flat(as_text(document))
    assert "COUNTY OF ____________" in document.court_lines
    assert "Venue lies in ____________ County: [state where respondents made the determination" in text
    assert document.notes[0] == "Venue: name the county"


def test_a_lawsuit_over_two_agencies_requests_names_both_and_warns(app, nypd, make_agency, make_request, api_as,
                                                                   days):
    from tracker.dispatch import commit
    from tracker.operations import record_event

    lawyer = api_as("lawyer")
    dot = make_agency(name="Department of Transportation", short_name="DOT")
    ids = []
    for agency in (nypd, dot):
        request = make_request(agency, title=f"Cameras {agency.short_name}", received_on=days["received"])
        record_event(request, "denied", days["denied"], None, {"exemptions": ["87(2)(b)"]})
        record_event(request, "appeal_filed", days["appeal"], None, {"filed_by": "hand"})
        record_event(request, "appeal_denied", days["appeal_denied"], None)
        ids.append(request.id)
    commit()
    suit = lawyer.post("/api/v1/litigation", json={"caption": "Roe v. City", "request_ids": ids}).json
    text = flat(docx_text(lawyer.get(f"/api/v1/litigation/{suit['id']}/petition.docx").data))
    assert "New York City Police Department and Department of Transportation" in text
    assert "name each agency's records access appeals officer" in text
    assert "Petitioner Roe made the requests" in text


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 390])
def test_the_buttons_in_chromium_download_the_petition(appealed, app, live_server, make_user, browser_page,
                                                       tmp_path, width):
    from tracker.dispatch import commit
    from tracker.operations.litigation import create_litigation

    lawyer = make_user("lawyer", "ana@example.org")
    suit = create_litigation(lawyer, "Doe v. NYPD", request_ids=[appealed.id])
    commit()
    base = live_server(app)
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base + "/login")
    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")
    for path, name in ((f"/requests/{appealed.id}", "Article 78 petition draft (.docx)"),
                       (f"/litigation/{suit.id}", "Download the petition (.docx)")):
        page.goto(base + path)
        link = page.get_by_role("link", name=name)
        assert link.is_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width  # on the page, not off its edge
        page.screenshot(path=str(tmp_path / f"{path.strip('/').replace('/', '-')}-{width}.png"), full_page=True)
        with page.expect_download() as download:
            link.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.suffix == ".docx" and "VERIFIED PETITION" in docx_text(saved.read_bytes())


def test_exhibits_name_the_emails_on_file_for_the_request_and_the_appeal(app, nypd, make_request, api_as, days):
    from datetime import datetime

    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Document, Message
    from tracker.operations import record_event

    def sent(subject, day, sha):
        message = Message(direction="out", status="sent", subject=subject, raw_sha256=sha * 64,
                          sent_at=datetime(day.year, day.month, day.day, 17, 0), to_addrs=["foil@nypd.example.org"])
        db.session.add(message)
        db.session.flush()
        return message

    request = make_request(nypd, title="Body camera footage policy")
    ask = sent("FOIL request: body camera footage policy", days["received"], "3")
    ask.request_id = request.id
    record_event(request, "submitted", days["received"], None, {"via": "email"}, message=ask)
    record_event(request, "denied", days["denied"], None, {"exemptions": ["87(2)(g)(iii)"]})
    appeal = sent("FOIL appeal: body camera footage policy", days["appeal"], "4")
    appeal.request_id = request.id
    record_event(request, "appeal_filed", days["appeal"], None, {}, message=appeal)
    db.session.add(Document(request_id=request.id, message_id=appeal.id, filename="appeal-exhibits.pdf",
                            media_type="application/pdf", sha256="5" * 64, visibility="privileged"))
    record_event(request, "appeal_denied", days["appeal_denied"], None)
    commit()
    text = flat(docx_text(api_as("lawyer").get(f"/api/v1/requests/{request.id}/article78-petition.docx").data))
    assert f"Exhibit A The request, dated {long(days['received'])} ({request.reference}); on file: email " \
           f"“FOIL request: body camera footage policy” of {days['received'].isoformat()}." in text
    assert f"on file: email “FOIL appeal: body camera footage policy” of {days['appeal'].isoformat()}; " \
           "document " in text and "appeal-exhibits.pdf" in text
    assert "POL §87(2)(g)(iii)" in text and "final agency policy or determinations" in text

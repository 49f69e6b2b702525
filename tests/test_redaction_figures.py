"""Redaction figures per production and per ground, and the sentence an appeal may state: pure rules."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.redaction_figures import (
    Figures,
    PageMeasure,
    Production,
    long_date,
    page_figures,
    redaction_report,
    withheld_sentence,
)

LETTER = 612 * 792


def pages(*shares, withheld=(), area=LETTER):
    return [PageMeasure(s, area, i in withheld) for i, s in enumerate(shares)]


@pytest.mark.parametrize(("measures", "expected"), [
    ([], Figures(0, 0, None, None)),
    (pages(0.0), Figures(1, 0, 0.0, 0.0)),
    (pages(0.0, 0.5, 1.0, withheld=(2,)), Figures(3, 1, 0.5, 0.5)),
    (pages(0.1, 0.2, 0.3, 0.4), Figures(4, 0, 0.25, 0.25)),
    # Area-weighted: a legal-size page (1.27 x letter) fully blacked out weighs more than a letter page.
    ([PageMeasure(1.0, 612 * 1008, True), PageMeasure(0.0, LETTER)], Figures(2, 1, 0.5, round(1008 / 1800, 4))),
    # Areas unknown (0): every page weighs the same.
    (pages(1.0, 0.0, area=0.0), Figures(2, 0, 0.5, 0.5)),
    # Shares outside 0..1 are clamped, never reported as more than the page.
    ([PageMeasure(1.7, LETTER), PageMeasure(-0.2, LETTER)], Figures(2, 0, 0.5, 0.5)),
])
def test_page_figures(measures, expected):
    assert page_figures(measures) == expected


def test_figures_per_production_and_per_ground():
    march = Production(date(2027, 3, 3), pages(1.0, 1.0, 0.2, 0.0, withheld=(0, 1)), ("87(2)(e)", "87(2)(b)"),
                       "records released on 2027-03-03")
    april = Production(date(2027, 4, 1), pages(0.0, 0.0), ("87(2)(b)",), "records released on 2027-04-01")
    report = redaction_report([april, march])
    assert [p.released_on for p in report.productions] == [date(2027, 3, 3), date(2027, 4, 1)]
    assert report.productions[0].figures == Figures(4, 2, 0.6, 0.55)
    assert report.grounds["87(2)(e)"] == Figures(4, 2, 0.6, 0.55)
    assert report.grounds["87(2)(b)"] == Figures(6, 2, 0.1, round(2.2 / 6, 4))
    assert report.total == Figures(6, 2, 0.1, round(2.2 / 6, 4))
    body = report.to_dict()
    assert body["productions"][0]["released_on"] == "2027-03-03"
    assert body["productions"][0]["pages_withheld_in_full"] == 2


def test_a_ground_cited_twice_counts_its_pages_once():
    report = redaction_report([Production(None, pages(0.5), ("87(2)(b)", "87(2)(b)"))])
    assert report.grounds["87(2)(b)"].pages_released == 1


@pytest.mark.parametrize(("figures", "released_on", "sentence"), [
    (Figures(1240, 312, 0.1, 0.3), date(2027, 3, 3),
     "Of the 1,240 pages released on March 3, 2027, 312 were withheld in full, and 30% of the released page "
     "area was blacked out."),
    # A sliver blacked out is not worth a clause.
    (Figures(1240, 312, 0.1, 0.005), date(2027, 3, 3),
     "Of the 1,240 pages released on March 3, 2027, 312 were withheld in full."),
    (Figures(10, 1, 0.0, 0.0), date(2027, 11, 21),
     "Of the 10 pages released on November 21, 2027, 1 was withheld in full."),
    (Figures(1, 1, 1.0, 1.0), None, "Of the 1 page released, 1 was withheld in full, and 100% of the released "
                                    "page area was blacked out."),
    (Figures(200, 0, 0.2, 0.25), date(2027, 3, 3),
     "25% of the page area of the 200 pages released on March 3, 2027 was blacked out."),
    (Figures(200, 0, 0.01, 0.011), date(2027, 3, 3),
     "1% of the page area of the 200 pages released on March 3, 2027 was blacked out."),
    (Figures(200, 0, 0.9, 0.996), date(2027, 3, 3),
     "More than 99% of the page area of the 200 pages released on March 3, 2027 was blacked out."),
    # Nothing withheld, nothing blacked out to speak of: no claim to make.
    (Figures(200, 0, 0.0, 0.004), date(2027, 3, 3), None),
    (Figures(0, 0, None, None), date(2027, 3, 3), None),
])
def test_withheld_sentence(figures, released_on, sentence):
    assert withheld_sentence(figures, released_on) == sentence


@pytest.mark.parametrize(("day", "text"), [(date(2027, 3, 3), "March 3, 2027"),
                                           (date(2026, 12, 25), "December 25, 2026")])
def test_long_date(day, text):
    assert long_date(day) == text


# -- the figures of a real production, measured on its pages, on the request page, in the API and bundle --

fpdf = pytest.importorskip("fpdf", reason="fpdf2 (test dependency) makes the PDFs these tests read")


def production_pdf() -> bytes:
    """Three letter pages: one blacked out entirely, one placeholder, one ordinary page."""
    doc = fpdf.FPDF(unit="pt", format="letter")
    doc.set_font("Helvetica", size=11)
    doc.add_page()
    doc.set_fill_color(0)
    doc.rect(0, 0, 612, 792, style="F")
    doc.add_page()
    doc.set_xy(100, 300)
    doc.cell(400, 20, "Page withheld in full pursuant to POL 87(2)(e)(iv)")
    doc.add_page()
    doc.set_xy(40, 60)
    doc.multi_cell(500, 14, "Purchase order for camera maintenance, fiscal year 2026. " * 5)
    return bytes(doc.output())


@pytest.fixture
def production(app, make_request, make_user):
    from tracker.dispatch import commit
    from tracker.operations.documents import add_document, extract_text, store_extraction
    from tracker.operations.requests import record_event

    lawyer = make_user("lawyer", "counsel@example.org")
    request = make_request(received_on=date(2026, 10, 1))
    event = record_event(request, "records_released", date(2026, 11, 3), lawyer,
                         {"exemptions": ["87(2)(e)(iv)", "87(2)(f)"]})
    document = add_document(production_pdf(), "production.pdf", request=request, event=event,
                            released_on=date(2026, 11, 3), queue_extraction=False, actor=lawyer)
    store_extraction(document, extract_text(document.sha256, document.media_type))
    commit()
    return request, document, lawyer


SENTENCE = ("Of the 3 pages released on November 3, 2026, 2 were withheld in full, and 33% of the released page area "
            "was blacked out.")


def test_the_api_states_the_figures(app, production, api_as):
    request, document, _ = production
    lawyer = api_as("lawyer")
    body = lawyer.get(f"/api/v1/requests/{request.id}/redaction-figures").json
    (item,) = body["productions"]
    assert (item["released_on"], item["pages_released"], item["pages_withheld_in_full"]) == ("2026-11-03", 3, 2)
    assert item["grounds"] == ["87(2)(e)(iv)", "87(2)(f)"] and item["sentence"] == SENTENCE
    assert item["median_redacted_share"] == 0.0 and item["blacked_out_share"] == pytest.approx(1 / 3, abs=0.001)
    assert set(body["grounds"]) == {"87(2)(e)(iv)", "87(2)(f)"}
    doc = lawyer.get(f"/api/v1/documents/{document.id}").json
    assert doc["pages_withheld_in_full"] == 2 and doc["redacted_share"] == pytest.approx(1 / 3, abs=0.001)
    page = lawyer.get(f"/api/v1/documents/{document.id}/pages/1").json
    assert (page["redacted_share"], page["withheld_in_full"], page["failed_redaction"]) == (1.0, True, False)
    assert api_as("researcher").get(f"/api/v1/requests/{request.id}/redaction-figures").status_code == 403


def test_the_request_page_and_the_bundle_state_the_figures(app, production, client, login):
    import io
    import json
    import zipfile

    request, _, _ = production
    login("lawyer")
    html = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "What was blacked out" in html and SENTENCE in html
    bundle = zipfile.ZipFile(io.BytesIO(client.get(f"/requests/{request.id}/bundle.zip").data))
    figures = json.loads(bundle.read("redactions.json"))
    assert figures["productions"][0]["sentence"] == SENTENCE
    assert figures["total"]["pages_withheld_in_full"] == 2

"""Agency scorecards: figures worked out by hand here (business days counted on the 2026 calendar below),
through the pure rules, the API, the public page and the staff page."""

from __future__ import annotations

from datetime import date

import pytest

from tests.public_support import campaign, portal_config  # noqa: F401 - fixture
from tests.search_support import add_pages
from tracker.scorecard import RequestFacts, business_days_between, score

# 2026, GCL §24: Lincoln's Birthday Thu Feb 12, Washington's Birthday Mon Feb 16, Election Day Tue Nov 3,
# Veterans Day Wed Nov 11. Independence Day falls on Saturday Jul 4: no Friday holiday under §24.


@pytest.mark.parametrize("start, end, days", [
    (date(2026, 2, 10), date(2026, 2, 19), 5),   # Feb 11, 13, 17, 18, 19 (12th and 16th are holidays)
    (date(2026, 2, 10), date(2026, 3, 10), 18),  # + Feb 20, 23-27, Mar 2-6, 9, 10
    (date(2026, 7, 3), date(2026, 7, 13), 6),    # Jul 6-10, 13
    (date(2026, 7, 3), date(2026, 8, 5), 23),    # Jul 6-31 (20), Aug 3, 4, 5
    (date(2026, 11, 2), date(2026, 11, 10), 5),  # Nov 4, 5, 6, 9, 10 (the 3rd is Election Day)
    (date(2026, 3, 10), date(2026, 3, 10), 0),
    (date(2026, 3, 10), date(2026, 3, 1), 0),
])
def test_business_days_between(start, end, days):
    assert business_days_between(start, end) == days


def _facts():
    a = RequestFacts(date(2026, 2, 10), date(2026, 2, 19), date(2026, 3, 10), False, 1, 1,
                     ("87(2)(e)(iv)", "87(2)(f)"))
    b = RequestFacts(date(2026, 7, 3), date(2026, 7, 13), date(2026, 8, 5), True, 0, 0, ("87(2)(e)(iv)",))
    c = RequestFacts(date(2026, 11, 2), None, None, True)
    return a, b, c


@pytest.mark.parametrize("today, late, due", [
    (date(2026, 11, 10), 1 / 2, 2),  # C's acknowledgment is due today: not yet late, not yet counted
    (date(2026, 11, 12), 2 / 3, 3),  # the day after (Nov 11 is a holiday, but the 10th has passed)
])
def test_acknowledged_late_counts_a_missing_answer_once_its_day_has_passed(today, late, due):
    card = score(list(_facts()), today)
    assert card.acknowledged_late_share == late and card.acknowledgment_due_count == due


def test_score_by_hand():
    card = score(list(_facts()), date(2026, 12, 8))
    assert card.requests_filed == 3
    assert card.median_days_to_acknowledge == 5.5   # 5 and 6
    assert card.median_days_to_determine == 20.5    # 18 and 23
    assert card.constructive_denial_share == 2 / 3  # B (answered after its day) and C
    assert (card.appeals_filed, card.appeals_granted) == (1, 1)
    assert card.grounds == [("87(2)(e)(iv)", 2), ("87(2)(f)", 1)]
    assert card.pages_released is None and card.median_redacted_share is None
    assert score([], date(2026, 12, 8)).as_dict()["median_business_days_to_acknowledge"] is None


@pytest.fixture
def app_config(app_config):
    return portal_config(app_config)


@pytest.fixture
def agency_with_history(app, make_agency, campaign):  # noqa: F811
    """Requests A and B (public, in the campaign) and C (internal), as in the table above, and a draft."""
    from tracker.dispatch import commit
    from tracker.operations import file_request, record_event

    agency = make_agency(name="Department of Records", short_name="DOR")

    def filed(received, visibility):
        return file_request(None, agency, "Camera records", "All records.", received_on=received,
                            campaign=campaign.name, visibility=visibility)

    a = filed(date(2026, 2, 10), "public")
    record_event(a, "acknowledged", date(2026, 2, 19), None)
    record_event(a, "denied", date(2026, 3, 10), None, {"exemptions": ["87(2)(e)(iv)", "87(2)(f)"]})
    record_event(a, "appeal_filed", date(2026, 3, 20), None, {"filed_by": "post"})
    record_event(a, "appeal_granted", date(2026, 3, 30), None)
    b = filed(date(2026, 7, 3), "public")
    record_event(b, "acknowledged", date(2026, 7, 13), None)
    record_event(b, "partially_granted", date(2026, 8, 5), None, {"exemptions": ["87(2)(e)(iv)"]})
    c = filed(date(2026, 11, 2), "internal")
    file_request(None, agency, "Not sent yet", "Draft.", campaign=campaign.name, visibility="public")
    commit()
    add_pages(a, ["Released page one.", "Released page two."])  # public: counted on both scorecards
    add_pages(c, ["An internal page."], visibility="internal")  # the staff scorecard only
    return agency


def pages_measured() -> bool:
    """Whether this version of the product measures redactions page by page (the page columns exist)."""
    from tracker.models import Page

    return hasattr(Page, "redacted_share") and hasattr(Page, "withheld_in_full")


def test_the_api_scorecard_counts_every_request_for_staff_and_public_ones_for_researchers(api_as,
                                                                                        agency_with_history):
    staff = api_as("lawyer").get(f"/api/v1/agencies/{agency_with_history.id}/scorecard").get_json()
    assert staff["scope"] == "all requests" and staff["requests_filed"] == 3
    assert staff["median_business_days_to_acknowledge"] == 5.5
    assert staff["median_business_days_to_determine"] == 20.5
    assert staff["acknowledged_late_share"] == pytest.approx(2 / 3)
    assert staff["constructive_denial_share"] == pytest.approx(2 / 3)
    assert (staff["appeals_filed"], staff["appeals_granted"]) == (1, 1)
    assert staff["grounds"] == [{"ground": "87(2)(e)(iv)", "count": 2}, {"ground": "87(2)(f)", "count": 1}]
    if pages_measured():  # three pages released, none redacted
        assert (staff["pages_released"], staff["median_redacted_share"]) == (3, 0.0)
    else:
        assert staff["pages_measured"] is False and staff["pages_released"] is None

    public = api_as("researcher").get(f"/api/v1/agencies/{agency_with_history.id}/scorecard").get_json()
    assert public["scope"] == "public requests" and public["requests_filed"] == 2
    assert public["acknowledged_late_share"] == 0.5 and public["constructive_denial_share"] == 0.5
    assert public["pages_released"] == (2 if pages_measured() else None)
    assert api_as("lawyer").get("/api/v1/agencies/999999/scorecard").status_code == 404


def test_the_public_scorecard_page_and_its_json(client, agency_with_history):
    url = f"/public/ban-the-scan/agencies/{agency_with_history.id}"
    html = client.get(url).get_data(as_text=True)
    assert 'id="sc-filed">2<' in html
    assert 'id="sc-ack">5.5 ' in html and 'id="sc-det">20.5 ' in html
    assert 'id="sc-late">50 %' in html and 'id="sc-constructive">50 %' in html
    assert 'id="sc-appeals">1 / 1<' in html
    assert ('id="sc-pages">2<' if pages_measured() else 'id="sc-pages">not measured<') in html
    assert '<tr data-ground="87(2)(e)(iv)"><td>POL §87(2)(e)(iv)</td>' in html
    assert html.count('<svg class="chart"') == 3 and 'role="img"' in html
    data = client.get(url + ".json").get_json()
    assert data["requests_filed"] == 2 and data["scope"] == "public requests"
    assert client.get("/public/ban-the-scan/agencies/999999").status_code == 404


def test_the_staff_agency_page_shows_the_scorecard(client, login, agency_with_history):
    login("lawyer")
    html = client.get(f"/agencies/{agency_with_history.id}").get_data(as_text=True)
    assert "Scorecard" in html and 'id="sc-filed">3<' in html
    assert 'id="sc-late">67 %' in html

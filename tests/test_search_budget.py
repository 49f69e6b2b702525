"""A search runs under FOILTRACK_SEARCH_BUDGET_SECONDS and, cut short, says so."""

from __future__ import annotations

import pytest

from tests.search_support import add_pages


@pytest.fixture
def app_config(app_config):
    # A budget spent before the search starts: every search is cut short at its first check.
    return {**app_config, "SEARCH_BUDGET_SECONDS": 1e-9}


@pytest.fixture
def corpus(app, make_agency, make_request):
    agency = make_agency(name="New York City Police Department", short_name="NYPD")
    request = make_request(agency=agency, title="Cameras", campaign="Ban the Scan")
    return add_pages(request, ["Facial recognition contract.", "Facial recognition audit."])


def test_the_api_answers_partial_instead_of_waiting(corpus, api_as):
    response = api_as("researcher").get("/api/v1/search?q=facial")
    assert response.status_code == 200, response.json
    assert response.json["partial"] is True
    assert response.json["total_is_estimate"] is True


def test_the_search_page_says_the_search_was_cut_short(corpus, client, login):
    login("researcher")
    page = client.get("/search?q=facial").get_data(as_text=True)
    assert 'id="results-partial"' in page and "cut short" in page


def test_a_search_within_its_budget_is_not_partial(app, corpus, api_as):
    app.config["SEARCH_BUDGET_SECONDS"] = 0.0  # 0: no limit
    body = api_as("researcher").get("/api/v1/search?q=facial").json
    assert "partial" not in body and body["total"] == 2

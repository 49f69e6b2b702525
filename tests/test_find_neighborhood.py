"""Finding a neighborhood: by ZIP code (every ZIP code of the city) and by the names people use."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests import public_support as support
from tracker import geo
from tracker.geo.zipcodes import city_zip_points

campaign = support.campaign  # fixture


@pytest.fixture
def app_config(app_config):
    return support.portal_config(app_config)


@pytest.mark.parametrize("zip_code,expected,source", [
    ("10118", {"MN0501"}, "point"),              # the Empire State Building's own ZIP code
    ("10281", {"MN0101"}, "point"),              # Battery Park City, missing from the boundary file
    ("11211", {"BK0102", "BK0103", "BK0104"}, "area"),  # Williamsburg, spanning three NTAs
    ("10001", {"MN0401", "MN0501"}, "area"),     # Chelsea and Midtown South
    ("11249", {"BK0102"}, "area"),               # carved from 11211; the package's point is in East Flatbush
    ("10001-2345", {"MN0401"}, "area"),          # ZIP+4
])
def test_zip_codes_resolve_to_their_neighborhoods(zip_code, expected, source):
    answer = geo.resolve_zip(zip_code)
    codes = {place.code for place in answer.places}
    assert expected <= codes and answer.source == source
    assert all(place.residential for place in answer.places)


@pytest.mark.parametrize("text,reason", [
    ("", "empty"),
    ("1121", "bad_zip"),
    ("11-21", "bad_zip"),
    ("90210", "not_city_zip"),      # Beverly Hills
    ("99999", "not_city_zip"),      # the boundary file's code for land without a ZIP code
    ("10500", "not_city_zip"),      # Westchester
    ("Narnia", "no_match"),
    ("x", "no_match"),
    ("Central Park", "not_residential"),
    ("LaGuardia Airport", "not_residential"),
    ("10082", "not_residential"),   # a unique ZIP code whose point lies in Central Park
])
def test_what_offers_no_neighborhood_says_why(text, reason):
    found = geo.find_places(text)
    assert found.places == () and found.reason == reason
    if reason == "not_residential":
        assert found.outside is not None and not found.outside.residential


@pytest.mark.parametrize("text,expected", [
    ("bed stuy", {"BK0301", "BK0302"}),
    ("BED-STUY", {"BK0301", "BK0302"}),
    ("Bedstuy", {"BK0301", "BK0302"}),
    ("Bedford Stuyvesant", {"BK0301", "BK0302"}),
    ("Hells Kitchen", {"MN0402"}),
    ("hell’s kitchen", {"MN0402"}),
    ("HELL'S KITCHEN!", {"MN0402"}),
    ("Spanish Harlem", {"MN1101", "MN1102"}),
    ("el barrio", {"MN1101", "MN1102"}),
    ("Alphabet City", {"MN0303"}),
    ("DUMBO", {"BK0202"}),
    ("dumbo", {"BK0202"}),
    ("Washington Heights", {"MN1201", "MN1202"}),
    ("LIC", {"QN0201"}),
    ("Long Island City", {"QN0201"}),
    ("Williamsburg", {"BK0102", "BK0103", "BK0104"}),
    ("Bushwick", {"BK0401", "BK0402"}),
    ("Harlem", {"MN1001", "MN1002"}),
    ("Chinatown", {"MN0301"}),
    ("SoHo", {"MN0201"}),
    ("Tribeca", {"MN0102"}),
    ("cobble hill", {"BK0601"}),
    ("Saint George", {"SI0101"}),
    ("st. george", {"SI0101"}),
    ("Mariners Harbor", {"SI0107"}),
    ("Co-op City", {"BX1004"}),
    ("coop city", {"BX1004"}),
    ("Prince’s Bay", {"SI0304"}),
    ("bk0101", {"BK0101"}),
    ("  Greenpoint  ", {"BK0101"}),
])
def test_names_and_aliases_ignore_case_accents_and_punctuation(text, expected):
    found = geo.find_places(text)
    assert found.reason == "" and expected <= {place.code for place in found.places}
    assert all(place.residential for place in found.places)


@pytest.mark.parametrize("text,normal", [
    ("Hell’s Kitchen", "hells kitchen"),
    ("BED-STUY", "bed stuy"),
    ("Crème   Brûlée", "creme brulee"),
    ("St. George", "st george"),
    ("Saint Albans", "st albans"),
])
def test_normalize(text, normal):
    assert geo.normalize(text) == normal


def test_an_exact_name_comes_first():
    assert geo.find_places("Williamsburg").places[0].code == "BK0102"
    assert geo.find_places("Jamaica").places[0].code == "QN1201"


@pytest.mark.parametrize("alias", sorted(geo.ALIASES))
def test_every_alias_maps_to_real_residential_neighborhoods(alias):
    codes = geo.ALIASES[alias]
    known = geo.neighborhoods()
    assert codes and all(code in known and known[code].residential for code in codes)
    assert alias == geo.normalize(alias)  # declared in the form queries are compared in


def test_the_package_lists_the_city_zip_codes():
    points = city_zip_points()
    assert len(points) > 300 and {"10118", "10281", "11211", "10001", "10314"} <= set(points)
    assert "10500" not in points and "90210" not in points


@seed(20260412)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(city_zip_points())))
def test_every_city_zip_code_resolves_or_says_it_is_not_residential(zip_code):
    found = geo.find_places(zip_code)
    assert found.kind == "zip"
    assert found.places or (found.reason == "not_residential" and found.outside is not None), found
    assert all(place.residential for place in found.places)


def test_every_city_zip_code_resolves_without_error():
    """All of them, once (the property test above samples; this one is exhaustive and still fast)."""
    unanswered = [code for code in sorted(city_zip_points())
                  if not (geo.find_places(code).places or geo.find_places(code).outside)]
    assert unanswered == []


@pytest.mark.parametrize("query,expected", [
    ("11211", "/public/ban-the-scan/request?nta=BK0102"),
    ("10118", "/public/ban-the-scan/request?nta=MN0501"),
    ("Bed-Stuy", "/public/ban-the-scan/request?nta=BK0302"),
    ("hell’s kitchen", "/public/ban-the-scan/request?nta=MN0402"),
])
def test_the_public_finder_offers_the_neighborhoods(client, campaign, query, expected):
    html = client.get("/public/ban-the-scan/request", query_string={"zip": query}).get_data(as_text=True)
    assert f'href="{expected}"' in html


@pytest.mark.parametrize("query,message", [
    ("Narnia", "No neighborhood matches"),
    ("Central Park", "Central Park is not a residential area"),
    ("10082", "10082 lies in Central Park, which is not a residential area"),  # its point is in the park
    ("90210", "is not a ZIP code of New York City"),
])
def test_the_public_finder_says_why_it_offers_nothing(client, campaign, query, message):
    page = client.get("/public/ban-the-scan/request", query_string={"zip": query})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and message in html and "zip-matches" not in html


def test_the_map_list_carries_the_names_people_use(client, campaign):
    html = client.get("/public/ban-the-scan/").get_data(as_text=True)
    assert 'data-name="bedford stuyvesant east brooklyn bk0302 bed stuy bedstuy"' in html
    assert 'data-name="hells kitchen manhattan mn0402 hells kitchen clinton"' in html


@pytest.mark.browser
@pytest.mark.parametrize("typed,visible", [
    ("hell’s kitchen", {"Hell's Kitchen"}),
    ("Bed-Stuy", {"Bedford-Stuyvesant (East)", "Bedford-Stuyvesant (West)"}),
    ("EL BARRIO", {"East Harlem (North)", "East Harlem (South)"}),
    ("Saint George", {"St. George-New Brighton"}),
])
def test_the_list_filter_matches_like_the_finder(app, campaign, live_server, browser_page, typed, visible):
    base = live_server(app)
    browser_page.set_viewport_size({"width": 390, "height": 844})
    browser_page.goto(f"{base}/public/ban-the-scan/")
    browser_page.fill("#place-filter", typed)
    shown = browser_page.locator("#places li:visible a").all_inner_texts()
    assert set(shown) == visible

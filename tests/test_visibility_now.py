"""Changing who may see a document takes effect in search at once, even with no index worker running."""

from __future__ import annotations

import pytest

from tests.search_support import add_pages, people  # noqa: F401 - fixture
from tracker.searching.service import index_documents_now, search_for

BOTH_SEARCH_ENGINES = True  # every test on Whoosh (SQLite) and PostgreSQL full-text search


@pytest.fixture
def no_worker_app(app_config, request):
    # Tasks go to a broker nobody consumes: only work done in the request itself can count.
    app_config.update(TASKS_EAGER=False, BROKER_URL="memory://")
    return request.getfixturevalue("app")


def found(user, word):
    return {hit.document_id for hit in search_for(user, word).hits}


def test_patch_visibility_reindexes_before_answering(no_worker_app, people, make_request, api_as):  # noqa: F811
    document = add_pages(make_request(), ["The surveillance contract with the vendor."], visibility="public")
    index_documents_now([document.id])
    assert found(people["volunteer"], "surveillance") == {document.id}

    lawyer = api_as("lawyer")
    response = lawyer.patch(f"/api/v1/documents/{document.id}", json={"visibility": "privileged"})
    assert response.status_code == 200, response.json
    assert found(people["volunteer"], "surveillance") == set()
    assert found(people["researcher"], "surveillance") == set()
    assert found(people["lawyer"], "surveillance") == {document.id}

    assert lawyer.patch(f"/api/v1/documents/{document.id}", json={"visibility": "public"}).status_code == 200
    assert found(people["researcher"], "surveillance") == {document.id}

"""Which search engine this deployment uses (FOILTRACK_SEARCH_ENGINE), and the database's last word.

``whoosh`` (the default) keeps the index in INDEX_DIR, written only by the index worker; ``postgres``
keeps it in the table ``search_pages`` of the application's own PostgreSQL database (search.pg_engine).
Both answer the same SearchResults; the service (tracker.searching.service) picks one per call.

Whichever engine answers, the database has the last word on who may see a document: the index learns
of a visibility change only when the index worker gets to it, so before a search answers, the documents
of its hits are checked against the database, and documents it no longer lets the searcher see are
excluded inside the engine's query (so totals and facets leave them out too), never merely cut from the
page shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app

from search.pg_engine import PostgresEngine
from search.query import SearchResults
from tracker.extensions import db
from tracker.models import Document

_EXTENSION = "foiltrack.search.postgres"
MAX_RECHECKS = 5  # re-runs with newly excluded documents before the search says its page is partial


def uses_postgres() -> bool:
    """Whether this app searches with PostgreSQL full-text search (else Whoosh)."""
    return current_app.config.get("SEARCH_ENGINE", "whoosh") == "postgres"


def postgres_engine() -> PostgresEngine:
    """This app's PostgreSQL engine, over the app's own database engine (connection pool)."""
    engine = current_app.extensions.get(_EXTENSION)
    if engine is None or engine.engine is not db.engine:
        engine = current_app.extensions[_EXTENSION] = PostgresEngine(
            db.engine, budget_seconds=float(current_app.config.get("SEARCH_BUDGET_SECONDS", 2.0)))
    return engine


def hidden_documents(document_ids: Iterable[int], allowed: frozenset[str]) -> set[int]:
    """Which of these documents the database does not let someone allowed `allowed` see (or no longer has)."""
    ids = {int(i) for i in document_ids if i is not None}
    if not ids:
        return set()
    visible = dict(db.session.execute(db.select(Document.id, Document.visibility)
                                      .where(Document.id.in_(ids))).all())
    return {i for i in ids if visible.get(i) not in allowed}


def checked_against_database(allowed: frozenset[str], filters: dict,
                             run: Callable[[dict], SearchResults]) -> SearchResults:
    """Run the search; if a hit's document is hidden in the database, exclude it in the query and re-run."""
    excluded: set[int] = set()
    for _ in range(MAX_RECHECKS):
        extra = {"exclude_document_id": sorted(excluded)} if excluded else {}
        results = run({**filters, **extra})
        hidden = hidden_documents((h.document_id for h in results.hits), allowed)
        if not hidden:
            return results
        excluded |= hidden
    # Many documents hidden at once and not yet re-indexed: answer without them, and say so.
    kept = [h for h in results.hits if h.document_id not in hidden_documents(
        (h.document_id for h in results.hits), allowed)]
    return SearchResults(results.total, True, kept, results.facets, results.page, results.per_page,
                         partial=True)

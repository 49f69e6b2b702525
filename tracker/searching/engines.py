"""Which search engine this deployment uses (FOILTRACK_SEARCH_ENGINE), and the database's last word.

``whoosh`` (the default) keeps the index in INDEX_DIR, written only by the index worker; ``postgres``
keeps it in the table ``search_pages`` of the application's own PostgreSQL database (search.pg_engine).
Both answer the same SearchResults; the service (tracker.searching.service) picks one per call.

Whichever engine answers, the database has the last word on who may see a document (and a page held
back for a failed redaction): the index learns
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
from tracker.models import Document, Page
from tracker.models.documents import page_visibility
from tracker.searching.sources import held_back

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


def hidden_pages(keys: Iterable[str], allowed: frozenset[str]) -> set[str]:
    """Which of these page records ("page:<id>") the database does not let someone allowed `allowed` see:
    a page held back for a failed redaction is at least internal, whatever its document's visibility."""
    ids = {int(k.split(":", 1)[1]) for k in keys if k.startswith("page:") and k.split(":", 1)[1].isdigit()}
    if not ids:
        return set()
    rows = db.session.execute(db.select(Page.id, Page.failed_redaction, Page.redaction_decision,
                                        Document.visibility).join(Document, Page.document_id == Document.id)
                              .where(Page.id.in_(ids))).all()
    seen = {row.id: page_visibility(row.visibility, held_back(row)) for row in rows}
    return {f"page:{i}" for i in ids if seen.get(i) not in allowed}


def checked_against_database(allowed: frozenset[str], filters: dict,
                             run: Callable[[dict], SearchResults]) -> SearchResults:
    """Run the search; if a hit's document or page is hidden in the database, exclude it in the query and
    re-run."""
    excluded: set[int] = set()
    excluded_keys: set[str] = set()
    for _ in range(MAX_RECHECKS):
        extra = {"exclude_document_id": sorted(excluded)} if excluded else {}
        if excluded_keys:
            extra["exclude_key"] = sorted(excluded_keys)
        results = run({**filters, **extra})
        hidden = hidden_documents((h.document_id for h in results.hits), allowed)
        hidden_keys = hidden_pages((h.key for h in results.hits if h.document_id not in hidden), allowed)
        if not hidden and not hidden_keys:
            return results
        excluded |= hidden
        excluded_keys |= hidden_keys
    # Many documents hidden at once and not yet re-indexed: answer without them, and say so.
    gone = hidden_documents((h.document_id for h in results.hits), allowed)
    gone_keys = hidden_pages((h.key for h in results.hits), allowed)
    kept = [h for h in results.hits if h.document_id not in gone and h.key not in gone_keys]
    return SearchResults(results.total, True, kept, results.facets, results.page, results.per_page,
                         partial=True)

"""The two search engines behind one interface: Whoosh (embedded, the default) and PostgreSQL.

Both take PageRecords and answer SearchResults for the same query language (search.parse), with the
access clause inside the query, facets, page numbers and marked snippets. The application picks one with
FOILTRACK_SEARCH_ENGINE; tests and the benchmark run every case on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from .index import SearchIndex, rebuild
from .pg_engine import PostgresEngine
from .query import SearchResults, search
from .records import PageRecord

ENGINES = ("whoosh", "postgres")


class SearchEngine(Protocol):
    """What both engines do."""

    name: str

    def write(self, records: Iterable[PageRecord]) -> int:
        """Add or replace records by key."""

    def delete_keys(self, keys: Iterable[str]) -> int:
        """Remove records by key."""

    def delete_document(self, document_id: int) -> int:
        """Remove every page of a document."""

    def refresh(self) -> None:
        """See writes made since the last search."""

    def doc_count(self) -> int:
        """Number of indexed records."""

    def close(self) -> None:
        """Release what the engine holds."""

    def search(self, q: str, *, allowed_visibility: frozenset[str], filters: Mapping[str, object] | None = None,
               page: int = 1, per_page: int = 10, sort: str = "relevance") -> SearchResults:
        """One page of results for q as someone allowed to see allowed_visibility."""


class WhooshEngine(SearchIndex):
    """The Whoosh index with the engine interface's search() (search.query.search on this index)."""

    name = "whoosh"

    def search(self, q: str, **kwargs) -> SearchResults:
        """Search this index (see search.query.search)."""
        return search(self, q, **kwargs)

    def rebuild(self, records: Iterable[PageRecord], *, total: int | None = None,
                progress: Callable[[int, int | None], None] | None = None, procs: int | None = None) -> int:
        """Build a fresh generation from records, swap it in, and search it from now on."""
        count = rebuild(self.path, records, total=total, progress=progress, procs=procs)
        self.refresh()
        return count


__all__ = ["ENGINES", "PostgresEngine", "SearchEngine", "WhooshEngine"]

"""Page-level full-text search: the Whoosh index, its single writer's operations, and queries."""

from .index import IndexBusy, IndexUnavailable, SearchIndex, rebuild
from .parse import QueryError
from .query import Hit, SearchResults, highlight_page, search
from .records import VISIBILITIES, PageRecord

__all__ = [
    "Hit",
    "IndexBusy",
    "IndexUnavailable",
    "PageRecord",
    "QueryError",
    "SearchIndex",
    "SearchResults",
    "VISIBILITIES",
    "highlight_page",
    "rebuild",
    "search",
]

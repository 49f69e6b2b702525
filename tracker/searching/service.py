"""The search index in the product: what gets indexed when, who may find what, and recovery.

Writes go through one Celery queue (``index``) consumed by one worker with concurrency 1
(``foiltrack serve`` starts it); with TASKS_EAGER they run inline. ``index_documents_now`` writes at once,
for ``foiltrack ingest --once``: Whoosh's file lock (taken with a timeout) keeps it from colliding with
the worker. ``reindex`` rebuilds from the database into a fresh generation and swaps it in while holding
the old generation's write lock, and every incremental write checks afterwards that no swap happened
under it (and writes again on the new generation if one did), so no write is lost to a rebuild.

Each process keeps one SearchIndex per app and refreshes it before each search. A missing or damaged
index is rebuilt inline when small, else a rebuild is queued and searches say so (never a 500).
"""

from __future__ import annotations

import logging
import os
import struct
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from flask import current_app
from kombu.exceptions import KombuError
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import ReaderClosed

from search.highlight import snippet
from search.index import CURRENT, IndexBusy, IndexUnavailable, SearchIndex, rebuild
from search.parse import check_syntax
from search.query import Hit, SearchResults, compile_query, search
from search.writelock import acquire_lock
from tracker import permissions
from tracker.dispatch import rollback
from tracker.searching import engines, sources
from tracker.searching.filters import check_request_terms, resolve_filters

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 60.0  # seconds a write waits for the writer's lock before IndexBusy (the task retries)
INLINE_REBUILD_LIMIT = 0  # records a searching process would rebuild itself: none, readers never write
REBUILD_REQUEUE_SECONDS = 600
# Failures Whoosh raises from index files damaged under an open searcher.
_FILE_DAMAGE = (OSError, EOFError, struct.error)
_EXTENSION = "foiltrack.search"


class SearchUnavailable(Exception):
    """The index is being rebuilt; searching works again when the rebuild finishes."""


class NothingIndexed(Exception):
    """A new installation: no index yet and nothing in the database to put in one (nothing can match)."""


class _State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.index: SearchIndex | None = None
        self.pid = os.getpid()
        self.rebuild_queued_at = 0.0


def index_path() -> Path:
    """The index folder (INDEX_DIR)."""
    return Path(current_app.config["INDEX_DIR"])


def _state() -> _State:
    state = current_app.extensions.get(_EXTENSION)
    if state is None or state.pid != os.getpid():  # a forked process opens its own files
        state = current_app.extensions[_EXTENSION] = _State()
    return state


def _current_target(path: Path) -> Path | None:
    link = path / CURRENT
    return link.resolve() if link.is_symlink() else None


def current_index(inline_limit: int | None | str = "default") -> SearchIndex:
    """This process's SearchIndex, opened once; a missing or damaged index is queued for rebuilding.

    Searching processes never write the index (the index worker is its one writer): they queue the
    rebuild and raise SearchUnavailable until it is done (NothingIndexed on a new installation).
    inline_limit: rebuild in this process when the database holds at most this many records (None:
    always; only the index writer itself uses that).
    """
    state = _state()
    with state.lock:
        if state.index is None:
            state.index = _open_or_recover(INLINE_REBUILD_LIMIT if inline_limit == "default" else inline_limit)
            # Close its files when the app goes away (tests make many apps; a server makes one).
            weakref.finalize(current_app._get_current_object(), state.index.close)
        return state.index


def forget_index() -> None:
    """Close and drop this process's SearchIndex (the next use reopens it)."""
    state = _state()
    with state.lock:
        if state.index is not None:
            index, state.index = state.index, None
            try:
                index.close()
            except _FILE_DAMAGE as exc:
                log.warning("closing a damaged search index: %s", exc)


def _open_or_recover(inline_limit: int | None) -> SearchIndex:
    path = index_path()
    try:
        return SearchIndex(path, create=False, lock_timeout=LOCK_TIMEOUT)
    except IndexUnavailable as exc:
        reason = str(exc)
    total = sources.record_count()
    rollback()
    if total == 0 and _current_target(path) is None:
        if inline_limit is not None:
            raise NothingIndexed()  # a searching process creates nothing: the index worker will
        return SearchIndex(path, create=True, lock_timeout=LOCK_TIMEOUT)  # a new installation
    if inline_limit is None or (total and total <= inline_limit):
        if _current_target(path) is None:  # a first start: nothing is wrong, the index is just new
            log.info("building the search index from the database (%s records)", total)
        else:  # the reason tells people what to run by hand; here it is being done for them
            log.warning("search index unusable (%s); rebuilding it from the database now (%s records)",
                        reason.split(": run `")[0], total)
        reindex(progress=False, _reopen=False)
        return SearchIndex(path, create=False, lock_timeout=LOCK_TIMEOUT)
    _queue_rebuild(reason)
    try:  # with TASKS_EAGER the queued rebuild has already run
        return SearchIndex(path, create=False, lock_timeout=LOCK_TIMEOUT)
    except IndexUnavailable:
        pass
    if _current_target(path) is None and not any(path.glob("gen-*")):  # the index writer has not built one yet
        raise SearchUnavailable("Search is being built for the first time; try again in a few minutes.")
    raise SearchUnavailable("Search is being rebuilt after a problem with its index; "
                            "try again in a few minutes.")


def _queue_rebuild(reason: str) -> None:
    state = _state()
    if time.monotonic() - state.rebuild_queued_at < REBUILD_REQUEUE_SECONDS and state.rebuild_queued_at:
        return
    state.rebuild_queued_at = time.monotonic()
    log.error("search index unusable, rebuild queued: %s", reason)
    try:
        _task("foiltrack.index.rebuild").delay()
    except KombuError as exc:
        log.error("could not queue the rebuild (%s): run `foiltrack reindex`", exc)


def _task(name: str):
    return current_app.extensions["celery"].tasks[name]


# -- reading -----------------------------------------------------------------------------------------


def search_for(user, q: str, filters: Mapping[str, object] | None = None, page: int = 1,
               per_page: int = 10, sort: str = "relevance") -> SearchResults:
    """Search as `user`: only pages whose visibility the user's role may see can match (in the query).

    Raises QueryError (a message to show) for input that cannot be searched, SearchUnavailable while
    a damaged index is being rebuilt.
    """
    allowed = permissions.visible_documents(user) if permissions.can(user, "search") else frozenset()
    check_syntax(q)
    resolved = resolve_filters(filters, user)
    check_request_terms(q, user)
    budget = current_app.config["SEARCH_BUDGET_SECONDS"]

    def run(merged: dict) -> SearchResults:
        if engines.uses_postgres():
            return engines.postgres_engine().search(q, allowed_visibility=allowed, filters=merged, page=page,
                                                    per_page=per_page, sort=sort)
        return _with_index(lambda index: search(index, q, allowed_visibility=allowed, filters=merged,
                                                 page=page, per_page=per_page, sort=sort,
                                                 budget=budget if budget > 0 else None))

    try:
        return engines.checked_against_database(allowed, resolved, run)
    except NothingIndexed:
        compile_query(q, allowed, resolved)  # still refuse what cannot be searched
        return SearchResults(total=0, total_is_estimate=False, hits=[], page=page, per_page=per_page)


def _with_index(run: Callable[[SearchIndex], object]):
    """Run a read on the refreshed index; a damaged index is dropped, recovered and the read tried again."""
    for attempt in (1, 2):
        index = current_index()
        try:
            index.refresh()
            return run(index)
        except (IndexUnavailable, ReaderClosed, *_FILE_DAMAGE) as exc:
            # A reader a writer closed or removed under us: reopen it, never keep it. A generation that
            # no longer opens is queued for rebuilding by the reopen (the reader changes nothing).
            if attempt == 2:
                raise
            log.warning("search index failed while reading (%s); reopening it", exc)
            if isinstance(exc, IndexUnavailable):
                forget_index()  # the generation itself is gone or damaged: every thread must reopen
            else:
                index.drop_thread_searcher()  # only this thread's reader: others may be mid-search
    raise AssertionError("unreachable")


def indexed_keys(keys: Iterable[str]) -> set[str]:
    """Which of these record keys ("page:12") the index holds now."""
    keys = list(keys)
    if engines.uses_postgres():
        return engines.postgres_engine().indexed_keys(keys)

    def run(index: SearchIndex) -> set[str]:
        with index._lock:  # the searcher is shared by this process's threads
            searcher = index.searcher()
            return {k for k in keys if searcher.document_number(key=k) is not None}

    return _with_index(run) if keys else set()


def matching_pages(user, q: str, filters: Mapping[str, object] | None,
                   document_ids: Iterable[int]) -> list[Hit]:
    """Every indexed page of these documents that q matches for user, in document and page order.

    No top-N cut and no ranking: saved-search alerts need all the new matches. The access clause is the
    same as search_for's. Raises QueryError for a query or filter that cannot be searched.
    """
    ids = sorted(set(document_ids))
    allowed = permissions.visible_documents(user) if permissions.can(user, "search") else frozenset()
    resolved = resolve_filters(filters, user)
    check_request_terms(q, user)  # a request: term the user cannot open is refused here too, not an oracle
    if engines.uses_postgres():
        ids = sorted(set(ids) - engines.hidden_documents(ids, allowed))
        return _without_held(engines.postgres_engine().matching(q, allowed_visibility=allowed,
                                                                filters=resolved, document_ids=ids), allowed)
    wquery, terms = compile_query(q, allowed, resolved)
    ids = sorted(set(ids) - engines.hidden_documents(ids, allowed))  # the database has the last word
    if not ids:
        return []
    within = wq.And([wquery, wq.Or([wq.Term("document_id", str(i)) for i in ids]), wq.Term("kind", "page")])

    def run(index: SearchIndex) -> list[Hit]:
        with index._lock:
            searcher = index.searcher()
            found = []
            for docnum in within.docs(searcher):
                stored = searcher.stored_fields(docnum)
                text = stored.get("text", "")
                if terms.phrases and not terms.phrases_in(text):
                    continue  # a hashed-bigram collision, not the phrase (see search.query)
                found.append(_alert_hit(stored, snippet(text, terms)))
            return sorted(found, key=lambda h: (h.document_id or 0, h.page))

    return _without_held(_with_index(run), allowed)


def _without_held(hits: list[Hit], allowed: frozenset[str]) -> list[Hit]:
    """The hits less pages the database holds back from this searcher (not yet re-indexed as such)."""
    gone = engines.hidden_pages((h.key for h in hits), allowed)
    return [h for h in hits if h.key not in gone] if gone else hits


def _alert_hit(stored: dict, marked: str) -> Hit:
    released = stored.get("released_on")
    return Hit(key=stored["key"], document_id=int(stored["document_id"]),
               request_id=int(stored["request_id"]) if stored.get("request_id") else None,
               page=stored.get("page", 1), snippet=marked, score=0.0, filename=stored.get("filename", ""),
               agency=stored.get("agency", ""), campaign=stored.get("campaign", ""),
               released_on=date.fromisoformat(released) if released else None, kind="page",
               ocr=bool(stored.get("ocr", False)))


# -- writing (the index queue's worker, or index_documents_now) -------------------------------------


def _write(op: Callable[[SearchIndex], int]) -> int:
    """Run a write on the current generation; if a rebuild swapped generations meanwhile, write again.

    Writers open the index for the write and close it after: only searching processes keep it open.
    """
    path = index_path()
    for _ in range(3):
        before = _current_target(path)
        with _open_or_recover(inline_limit=None) as index:
            result = op(index)
        if _current_target(path) == before:
            return result
        log.info("the search index was rebuilt during a write; writing again on the new generation")
    raise IndexBusy("the search index was rebuilt three times during one write; try again")


def _indexed_keys(index: SearchIndex, field: str, value: str) -> set[str]:
    """Keys the index holds for documents whose field equals value (the refreshed searcher's view)."""
    with index._lock:  # the searcher is shared by this process's threads
        searcher = index.searcher()
        return {searcher.stored_fields(n)["key"] for n in searcher.document_numbers(**{field: value})}


def _replace(index: SearchIndex, records: list, scope: list[tuple[str, str]]) -> int:
    """Write records and delete the stale ones of the same documents/messages (pages since removed)."""
    keep = {r.key for r in records}
    stale = set()
    for field, value in scope:
        stale |= _indexed_keys(index, field, value) - keep
    if stale:
        index.delete_keys(sorted(stale))
    return index.write(records) if records else 0


def index_documents_now(ids: Iterable[int]) -> int:
    """Index the pages of these documents now (synchronously); return how many records were written."""
    ids = sorted(set(int(i) for i in ids))
    if not ids:
        return 0
    records = sources.document_records(ids)
    rollback()  # hold no database transaction while waiting for the index lock
    if engines.uses_postgres():
        return engines.postgres_engine().replace(records, document_ids=ids)
    return _write(lambda index: _replace(index, records, [("document_id", str(i)) for i in ids]))


def index_messages_now(ids: Iterable[int]) -> int:
    """Index the bodies of these messages now (synchronously); return how many records were written."""
    ids = sorted(set(int(i) for i in ids))
    if not ids:
        return 0
    records = sources.message_records(ids)
    rollback()
    if engines.uses_postgres():
        return engines.postgres_engine().replace(records, keys=[f"message:{i}" for i in ids])
    return _write(lambda index: _replace(index, records, [("key", f"message:{i}") for i in ids]))


def index_requests_now(ids: Iterable[int]) -> int:
    """Index the titles and descriptions of these requests now (synchronously); return records written."""
    ids = sorted(set(int(i) for i in ids))
    if not ids:
        return 0
    records = sources.request_records(ids)
    rollback()
    if engines.uses_postgres():
        return engines.postgres_engine().replace(records, keys=[f"request:{i}" for i in ids])
    return _write(lambda index: _replace(index, records, [("key", f"request:{i}") for i in ids]))


def remove_document_now(document_id: int) -> int:
    """Take every page of a document out of the index now; return how many went."""
    if engines.uses_postgres():
        return engines.postgres_engine().delete_document(int(document_id))
    return _write(lambda index: index.delete_document(int(document_id)))


def queue_document(document_id: int) -> None:
    """Have the index writer (re)index a document's pages (inline when TASKS_EAGER)."""
    _task("foiltrack.index.document").delay(int(document_id))


def queue_message(message_id: int) -> None:
    """Have the index writer (re)index a message's body (inline when TASKS_EAGER)."""
    _task("foiltrack.index.message").delay(int(message_id))


def queue_request(request_id: int) -> None:
    """Have the index writer (re)index a request's title and description (inline when TASKS_EAGER)."""
    _task("foiltrack.index.request").delay(int(request_id))


def remove_document(document_id: int) -> None:
    """Have the index writer take a document's pages out of the index (inline when TASKS_EAGER)."""
    _task("foiltrack.index.remove").delay(int(document_id))


# -- rebuilding -------------------------------------------------------------------------------------


@contextmanager
def _holding_current_generation(path: Path):
    """Hold the write lock of the generation in use, so no incremental write lands there meanwhile."""
    while True:
        target = _current_target(path)
        if target is None or not target.is_dir():
            yield
            return
        lock = FileStorage(str(target)).lock("MAIN_WRITELOCK")
        if not acquire_lock(lock, target, timeout=LOCK_TIMEOUT):  # breaks a dead holder's lock
            raise IndexBusy(f"the search index at {target} stayed locked for {LOCK_TIMEOUT:.0f}s; "
                            "is another rebuild running?")
        if _current_target(path) == target:
            break
        lock.release()  # another rebuild swapped generations while we waited: lock the new one
    try:
        yield
    finally:
        lock.release()


def reindex(progress: bool = True, *, _reopen: bool = True) -> int:
    """Rebuild the index from the database into a fresh folder, swap it in atomically, return the count."""
    from tqdm import tqdm

    path = index_path()
    total = sources.record_count()
    bar = tqdm(total=total, unit=" records", disable=not progress, desc="Indexing", leave=True)

    def advance(done: int, _total: int | None) -> None:
        bar.update(done - bar.n)

    if engines.uses_postgres():
        try:
            return engines.postgres_engine().rebuild(sources.all_records(), total=total, progress=advance)
        finally:
            bar.close()
            rollback()
    try:
        with _holding_current_generation(path):
            count = rebuild(path, sources.all_records(), total=total, progress=advance)
    finally:
        bar.close()
        rollback()
    if _reopen:
        forget_index()  # the next search opens the new generation (refresh would also find it)
    return count

"""The page index on disk: open it, write to it, and rebuild it from scratch with an atomic swap.

Layout: ``<path>/current`` is a symbolic link to the generation in use (``<path>/gen-<stamp>``). A rebuild
writes a new generation beside it and replaces the link in one ``rename``, so a reader sees either the old
index or the new one, never a half-built one; the previous generation is kept until the next rebuild so
that searchers still holding it keep working.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import struct
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filetables import FileFormatError
from whoosh.query import Term
from whoosh.writing import LockError

from .analysis import SCHEMA_VERSION, build_schema
from .bulk import BulkWriter, build_parallel
from .codec import PageCodec
from .facets import FacetCache
from .postings import PostingCache
from .records import PageRecord
from .scoring import PageWeighting
from .writelock import acquire_writer, process_alive

CURRENT = "current"
VERSION_FILE = "FOILTRACK_SCHEMA"
BUILDING = "BUILDING"  # in a generation a rebuild is still writing: the id of the rebuilding process


class IndexUnavailable(Exception):
    """The index is missing, unreadable or from an older schema: rebuild it (``foiltrack reindex``)."""


class IndexBusy(Exception):
    """Another process holds the index's write lock for longer than the timeout allows."""


# Exceptions Whoosh raises from a damaged index: missing segment files, truncated or garbled bytes.
_DAMAGE = (OSError, EOFError, ValueError, KeyError, IndexError, struct.error, whoosh_index.IndexError,
           FileFormatError)


def record_fields(record: PageRecord) -> dict:
    """The Whoosh document for one record."""
    released = record.released_on
    return {
        "key": record.key,
        "kind": record.kind,
        "text": record.text,
        "agency_words": f"{record.agency} {record.agency_short}".strip() or None,
        "campaign_words": record.campaign or None,
        "filename_words": record.filename or None,
        "type_words": record.media_type or None,
        "request_id": _id(record.request_id),
        "agency_id": _id(record.agency_id),
        "campaign_id": _id(record.campaign_id),
        "document_id": _id(record.document_id),
        "page": record.page,
        "filename": record.filename,
        "ocr": record.ocr,
        "visibility": record.visibility,
        "year": str(released.year) if released else None,
        # Facet fields left empty are not indexed; their column then holds b"" (not counted).
        "media": record.media_type or None,
        "media_type": record.media_type or None,
        "agency": record.agency or None,
        "campaign": record.campaign or None,
        "released_on": released.isoformat() if released else None,
        "released": released.isoformat() if released else None,
    }


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def _codec() -> PageCodec:
    return PageCodec(blocklimit=BLOCK_LIMIT, compression=1, inlinelimit=INLINE_LIMIT)


INLINE_LIMIT = 16  # posting lists shorter than this live in the term table (measured: 16 beat 1 and 64)
# Searches read posting lists whole (search.postings), so big blocks cost nothing there and save the
# writer a pickle, a zlib call and a header per 128 postings.
BLOCK_LIMIT = 512


def _open_generation(gen_dir: Path) -> whoosh_index.Index:
    """Open one generation and prove it is readable, or raise IndexUnavailable."""
    try:
        version = (gen_dir / VERSION_FILE).read_text().strip()
    except OSError as exc:
        raise IndexUnavailable(f"search index at {gen_dir} is missing or incomplete ({exc})") from exc
    if version != str(SCHEMA_VERSION):
        raise IndexUnavailable(f"search index at {gen_dir} has schema {version}, this code needs "
                               f"{SCHEMA_VERSION}: rebuild it")
    try:
        with warnings.catch_warnings():
            # On a damaged segment Whoosh retries and drops the files it had opened unclosed.
            warnings.simplefilter("ignore", ResourceWarning)
            return _open_checked(gen_dir)
    except whoosh_index.EmptyIndexError as exc:
        problem, cause = f"no search index at {gen_dir}", exc
    except _DAMAGE as exc:
        problem, cause = f"search index at {gen_dir} is damaged ({type(exc).__name__}: {exc})", exc
    _drop_half_open_files(cause)
    raise IndexUnavailable(problem) from cause


def _open_checked(gen_dir: Path) -> whoosh_index.Index:
    ix = whoosh_index.open_dir(str(gen_dir))
    # Opening a reader opens every segment's files; reading one stored document and one posting list
    # touches the rest, so a deleted or truncated file shows up now rather than mid-search.
    with ix.reader() as reader:
        for segment_reader, _ in reader.leaf_readers():
            if segment_reader.doc_count_all():
                segment_reader.stored_fields(0)
                segment_reader.doc_frequency("visibility", "public")
                list(segment_reader.column_reader("agency"))[:1]
    return ix


def _drop_half_open_files(error: BaseException) -> None:
    """Close the files Whoosh opened before it hit the damage (it keeps no handle to close them by)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        link: BaseException | None = error
        while link is not None:
            link.__traceback__ = None  # the frames in the traceback hold the half-open readers
            link = link.__context__
        gc.collect()


def _new_generation(path: Path, building: bool = False) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    gen_dir = path / f"gen-{time.time_ns()}"
    gen_dir.mkdir(mode=0o700)
    if building:
        # Removed when the build is swapped in: a generation that keeps it after its builder died was
        # cut short (a killed rebuild), and is found and removed by `interrupted_generations`.
        (gen_dir / BUILDING).write_text(str(os.getpid()))
    whoosh_index.create_in(str(gen_dir), build_schema())
    (gen_dir / VERSION_FILE).write_text(str(SCHEMA_VERSION))
    return gen_dir


def interrupted_generations(path: str | os.PathLike) -> list[Path]:
    """Generations a rebuild started and never finished, its process being gone (a killed rebuild)."""
    found = []
    for gen_dir in sorted(Path(path).glob("gen-*")):
        try:
            builder = int((gen_dir / BUILDING).read_text().strip() or 0)
        except (OSError, ValueError):
            continue
        if builder <= 0 or not process_alive(builder):
            found.append(gen_dir)
    return found


def remove_interrupted_generations(path: str | os.PathLike) -> int:
    """Delete what killed rebuilds left in the index folder; return how many generations went."""
    gone = interrupted_generations(path)
    for gen_dir in gone:
        shutil.rmtree(gen_dir, ignore_errors=True)
    return len(gone)


def _point_current(path: Path, gen_dir: Path) -> None:
    """Atomically make ``<path>/current`` point at gen_dir (a symlink replaced by rename)."""
    tmp_link = path / f".current-{time.time_ns()}"
    os.symlink(gen_dir.name, tmp_link)
    os.replace(tmp_link, path / CURRENT)


def _open_searcher(ix):
    """A searcher whose segments' column files (stored fields, lengths, facets) are all open already.

    Whoosh opens a column file on first use. The index writer deletes the files of segments it merged
    away, so a searcher that first reads a segment's stored fields after such a merge finds no file
    (and Whoosh answers None, a TypeError later). Files opened before the deletion stay readable.
    """
    for _attempt in range(5):
        searcher = ix.searcher(weighting=PageWeighting())
        try:
            for leaf, _ in searcher.reader().leaf_readers():
                _open_columns(leaf)
            return searcher
        except OSError:
            searcher.close()  # merged away between opening the segment and its columns: take the newer one
    raise IndexUnavailable("the search index kept changing while it was being opened")


def _open_columns(leaf) -> None:
    """Open every column file of a segment now, and answer "has this column" from what was opened.

    Whoosh asks the folder whether a column's file exists each time it first reads the column (and
    takes a missing file for a column with no values: stored fields of None, a TypeError), so the
    files are opened here while they exist and the reader is told to trust that list from now on.
    """
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None:  # an empty reader
        return
    segment, storage = leaf.segment(), leaf.storage()
    prefix, ext = segment.make_filename("."), ".col"
    for name in storage.list():
        if name.startswith(prefix) and name.endswith(ext):
            field = name[len(prefix):-len(ext)]
            if field not in perdoc._colfiles:
                perdoc._colfiles[field] = perdoc._get_column_file(field)
    if "_stored" not in perdoc._colfiles:  # every segment has one: this one was merged away meanwhile
        raise FileNotFoundError(f"segment {segment.segment_id()} has no stored fields file any more")
    perdoc.has_column = perdoc._colfiles.__contains__


@dataclass
class _Reading:
    """One thread's searcher over one generation of the index."""

    thread: threading.Thread
    searcher: object
    gen_dir: Path


class SearchIndex:
    """One process's handle on the page index: a cached searcher for reading, short-lived writers."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True, lock_timeout: float = 30.0,
                 limitmb: int = 256, procs: int = 1) -> None:
        """Open the index at path; create an empty one there if it is absent and create is true."""
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.limitmb = limitmb
        self.procs = procs
        self._lock = threading.RLock()
        # Each thread reads through a searcher of its own: refreshing a Whoosh searcher closes the segment
        # readers it no longer needs, which a searcher shared with a thread still searching would find
        # closed under it (ReaderClosed answers in a threaded web server while the index was written).
        # Kept by thread id, with the thread, so that a finished thread's searcher is closed, not leaked.
        self._readers: dict[int, _Reading] = {}
        self.facet_cache = FacetCache()
        self.posting_cache = PostingCache()
        self.live_segments: set[str] = set()  # segment ids the caches were last trimmed to
        link = self.path / CURRENT
        if not link.exists() and not link.is_symlink():
            if not create:
                raise IndexUnavailable(f"no search index at {self.path}: run `foiltrack reindex`")
            _point_current(self.path, _new_generation(self.path))
        self._gen_dir = link.resolve()
        self._ix = _open_generation(self._gen_dir)

    # -- reading -------------------------------------------------------------------------------------

    def searcher(self):
        """This thread's searcher (opened on first use; call refresh() to see newer writes)."""
        with self._lock:
            mine = self._readers.get(threading.get_ident())
            if mine is not None and mine.thread is not threading.current_thread():
                mine = None  # a finished thread's id, reused: its searcher is closed with the others
            if mine is not None and mine.gen_dir == self._gen_dir:
                return mine.searcher
            self._forget_finished_threads()
            fresh = _Reading(threading.current_thread(), _open_searcher(self._ix), self._gen_dir)
            self._readers[threading.get_ident()] = fresh
        if mine is not None:
            mine.searcher.close()  # a rebuild replaced the generation it read
        return fresh.searcher

    def refresh(self) -> None:
        """Catch up with writes and rebuilds made since this thread's searcher was opened (cheap when none)."""
        with self._lock:
            gen_dir = (self.path / CURRENT).resolve()
            if gen_dir != self._gen_dir:
                self._ix, self._gen_dir = _open_generation(gen_dir), gen_dir
            mine = self._readers.get(threading.get_ident())
        if mine is None or mine.thread is not threading.current_thread():
            return  # nothing opened by this thread yet: searcher() opens the newest
        try:
            if mine.gen_dir == gen_dir and mine.searcher.up_to_date():
                return
            # A fresh searcher rather than Whoosh's refresh(): that one closes the old searcher's segment
            # readers as it goes, and raises ReaderClosed when it meets one that is closed already.
            with self._lock:
                self._readers[threading.get_ident()] = _Reading(mine.thread, _open_searcher(self._ix), self._gen_dir)
        except _DAMAGE as exc:
            with self._lock:
                self._readers.pop(threading.get_ident(), None)
            raise IndexUnavailable(f"search index at {gen_dir} is damaged ({exc})") from exc
        finally:
            if self._readers.get(threading.get_ident()) is not mine:
                mine.searcher.close()

    def drop_thread_searcher(self) -> None:
        """Close this thread's searcher (the next search opens a fresh one); other threads' stay."""
        with self._lock:
            mine = self._readers.pop(threading.get_ident(), None)
        if mine is not None:
            mine.searcher.close()

    def _forget_finished_threads(self) -> None:
        """Close the searchers of threads that have ended (called with the lock held)."""
        for ident, reading in list(self._readers.items()):
            if not reading.thread.is_alive():
                del self._readers[ident]
                reading.searcher.close()

    def doc_count(self) -> int:
        """Number of indexed pages and messages."""
        return self.searcher().doc_count()

    def close(self) -> None:
        """Release every thread's searcher and the index's files."""
        with self._lock:
            readers, self._readers = list(self._readers.values()), {}
            for reading in readers:
                reading.searcher.close()
            self._ix.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------------

    def _writer(self, procs: int | None = None):
        procs = self.procs if procs is None else procs
        kwargs = {"limitmb": self.limitmb, "compound": False, "codec": _codec()}
        if procs > 1:
            kwargs.update(procs=procs, multisegment=True)
        try:  # a lock left by a dead process is broken (search.writelock)
            return acquire_writer(self._ix, self._gen_dir, timeout=self.lock_timeout, **kwargs)
        except LockError as exc:
            raise IndexBusy(f"the search index at {self._gen_dir} stayed locked for {self.lock_timeout}s: "
                            "another writer is running; all writes should go through the one index "
                            "queue") from exc

    def write(self, records: Iterable[PageRecord]) -> int:
        """Add or replace records by key (writing the same record twice leaves one copy)."""
        writer = self._writer(procs=1)
        count = 0
        try:
            for record in records:
                writer.update_document(**record_fields(record))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return count

    def delete_keys(self, keys: Iterable[str]) -> int:
        """Remove records by key; return how many index documents went."""
        return self._delete("key", keys)

    def delete_document(self, document_id: int) -> int:
        """Remove every page of a document; return how many went."""
        return self._delete("document_id", [str(document_id)])

    def _delete(self, field: str, values: Iterable[str]) -> int:
        writer = self._writer(procs=1)
        deleted = 0
        try:
            for value in values:
                deleted += writer.delete_by_query(Term(field, value))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return deleted


def rebuild(path: str | os.PathLike, records: Iterable[PageRecord], *, total: int | None = None,
            progress: Callable[[int, int | None], None] | None = None, limitmb: int = 128,
            procs: int | None = None) -> int:
    """Build a fresh index from records beside the current one, swap it in atomically, return the count.

    ``progress(done, total)`` is called as the work advances (every few hundred records). procs
    processes build segments side by side (default: up to two, one per core); the generation before
    the previous one is removed, the previous one stays for searchers that still have it open.
    """
    path = Path(path)
    procs = default_procs() if procs is None else max(1, procs)
    if multiprocessing.current_process().daemon:
        procs = 1  # a daemonic process (a Celery prefork child) may not start processes of its own
    remove_interrupted_generations(path)
    gen_dir = _new_generation(path, building=True)
    try:
        ix = whoosh_index.open_dir(str(gen_dir))
        kwargs = {"limitmb": limitmb, "compound": False, "codec": _codec()}
        fields = (record_fields(r) for r in records)
        if procs > 1:
            report = (lambda n: progress(n, total)) if progress is not None else None
            count = build_parallel(ix, fields, procs, on_batch=report, **kwargs)
        else:
            count = _build_serial(ix, fields, kwargs, progress, total)
        ix.close()
        _open_generation(gen_dir).close()
    except BaseException:
        shutil.rmtree(gen_dir, ignore_errors=True)
        raise
    previous = (path / CURRENT).resolve() if (path / CURRENT).exists() else None
    (gen_dir / BUILDING).unlink()
    _point_current(path, gen_dir)
    for old in path.glob("gen-*"):
        if old not in (gen_dir, previous):
            shutil.rmtree(old, ignore_errors=True)
    if progress is not None:
        progress(count, total)
    return count


def default_procs() -> int:
    """Processes a rebuild uses by default: one per core, at most two."""
    return max(1, min(2, os.cpu_count() or 1))


def _build_serial(ix, fields: Iterable[dict], kwargs: dict, progress, total) -> int:
    writer = BulkWriter(ix, **kwargs)
    count = 0
    try:
        for doc in fields:
            writer.add_document(**doc)
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(count, total)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return count

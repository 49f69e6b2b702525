"""Rebuilding the PostgreSQL page index: a fresh table filled beside the live one, then swapped in.

Filling a table whose RUM or GIN index already exists costs an index update per row (measured: about
80 pages a second with RUM, against thousands when the index is built once over the loaded rows), and
emptying the live table in one long transaction would keep its dead rows and bloat until a vacuum. So a
rebuild loads ``search_pages_build`` without indexes, builds the same indexes the live table has (read
from the catalog, so the migration stays their one definition), and swaps the two tables by renaming
them in one short transaction: searches see the old index or the new one, never half of either.

Every write takes the index's write lock exclusive (search.pg_engine): writes are serialized, because two
transactions inserting into a RUM index at once can spin forever at full CPU, deaf even to
pg_terminate_backend (postgrespro/rum#184; seen here in the deployment test with two workers indexing).
A rebuild holds the lock from before it reads the first record to the swap, so a write made meanwhile
waits and lands in the new table, never in the old one that is about to be dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from sqlalchemy import text
from sqlalchemy.engine import Engine

from .index import IndexBusy
from .pg_query import BIGRAM_MARK
from .records import PageRecord

TABLE = "search_pages"
BUILD = "search_pages_build"
WRITE_LOCK = 0x464F494C  # advisory lock key ("FOIL"): one writer (a write or a rebuild) at a time
LOCK_TIMEOUT_MS = 60_000
LOADERS = 2  # connections loading the build table at once
LOAD_BATCH = 5000  # records per loading transaction
INDEX_BUILD_MEMORY = "256MB"  # maintenance_work_mem while a rebuild builds its indexes (the default: 64MB)


def take_write_lock(conn) -> None:
    """Take the index's write lock for this transaction (one writer at a time), or raise IndexBusy."""
    conn.execute(text(f"SELECT set_config('lock_timeout', '{LOCK_TIMEOUT_MS}', true)"))
    try:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
    except Exception as exc:  # noqa: BLE001 - only a lock timeout is turned into IndexBusy
        if getattr(getattr(exc, "orig", None), "sqlstate", None) == "55P03":
            raise IndexBusy(f"the search table stayed locked for {LOCK_TIMEOUT_MS // 1000}s by a rebuild; "
                            "try again") from exc
        raise


def interrupted_build(conn) -> bool:
    """Whether a rebuild's table is left with no rebuild running (its process was killed mid-way).

    A running rebuild holds the write lock as a session lock from before it creates the table to the swap;
    a killed one's session ended with it, and so did the lock. The next rebuild drops the table first.
    """
    if conn.scalar(text("SELECT to_regclass(:t)"), {"t": BUILD}) is None:
        return False
    held = conn.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 "
                            "AND objid::bigint = :key AND objsubid = 1 AND granted"), {"key": WRITE_LOCK})
    return not held


def rebuild_table(engine: Engine, records: Iterable[PageRecord], write_batch, *, total: int | None = None,
                  progress: Callable[[int, int | None], None] | None = None) -> int:
    """Load records into a fresh table, index it like the live one, swap it in; return the count.

    write_batch(conn, records, table=name) writes records into the named table.
    """
    with engine.connect() as holder:
        # The session lock is held by `holder` from here to the swap (its own transaction stays open).
        holder.execute(text(f"SELECT set_config('lock_timeout', '{LOCK_TIMEOUT_MS}', false)"))
        try:
            holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": WRITE_LOCK})
        except Exception as exc:  # noqa: BLE001 - only a lock timeout is turned into IndexBusy
            if getattr(getattr(exc, "orig", None), "sqlstate", None) == "55P03":
                raise IndexBusy("another rebuild or a long write holds the search table") from exc
            raise
        holder.commit()
        try:
            return _rebuild_locked(engine, records, write_batch, total, progress)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": WRITE_LOCK})
            holder.commit()


def _rebuild_locked(engine: Engine, records, write_batch, total, progress) -> int:
    with engine.begin() as conn:
        definitions = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"),
                                   {"t": TABLE}).all()
        conn.execute(text(f"DROP TABLE IF EXISTS {BUILD}"))
        conn.execute(text(f"CREATE TABLE {BUILD} (LIKE {TABLE} INCLUDING ALL EXCLUDING INDEXES) "
                          "WITH (toast_tuple_target = 128)"))
        # Every row written from here holds phrase bigrams: the mark goes with the table when swapped in.
        conn.execute(text(f"COMMENT ON TABLE {BUILD} IS '{BIGRAM_MARK}'"))
    try:
        count = _load_all(engine, write_batch, records, total, progress)
        _build_indexes(engine, definitions)
        with engine.begin() as conn:
            conn.execute(text(f"SELECT set_config('lock_timeout', '{LOCK_TIMEOUT_MS}', true)"))
            conn.execute(text(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_old"))
            conn.execute(text(f"ALTER TABLE {BUILD} RENAME TO {TABLE}"))
            conn.execute(text(f"DROP TABLE {TABLE}_old"))
            for name, _ in definitions:
                conn.execute(text(f'ALTER INDEX "build_{name}" RENAME TO "{name}"'))
    except BaseException:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {BUILD}"))
        raise
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {TABLE}"))  # statistics for the planner, the visibility map
    if progress is not None:
        progress(count, total)
    return count


def _load_all(engine: Engine, write_batch, records: Iterable[PageRecord], total, progress) -> int:
    """Load records into the build table in batches, LOADERS transactions at a time (the server's work
    of analysing each page is most of a rebuild, and one connection keeps one core busy)."""
    count = 0
    with ThreadPoolExecutor(LOADERS, thread_name_prefix="search-load") as pool:
        loading: set[Future] = set()
        for batch in batched(records, LOAD_BATCH):
            loading.add(pool.submit(_load, engine, write_batch, batch))
            if len(loading) > LOADERS:  # at most one batch waiting: memory stays a few batches
                done, loading = wait(loading, return_when=FIRST_COMPLETED)
                count += sum(future.result() for future in done)
                if progress is not None:
                    progress(count, total)
        count += sum(future.result() for future in loading)  # the first error, if any, is raised here
    return count


def _build_indexes(engine: Engine, definitions) -> None:
    """Build the live table's indexes on the build table, LOADERS at a time, each on its own connection
    (CREATE INDEX takes a SHARE lock, which does not block another CREATE INDEX on the same table)."""
    def build(name: str, definition: str) -> None:
        with engine.begin() as conn:
            # A GIN index built in one pass over the rows is as fast as its sort memory is large.
            conn.execute(text(f"SELECT set_config('maintenance_work_mem', '{INDEX_BUILD_MEMORY}', true)"))
            conn.execute(text(_renamed(definition, name)))

    with ThreadPoolExecutor(LOADERS, thread_name_prefix="search-index") as pool:
        for future in [pool.submit(build, name, definition) for name, definition in definitions]:
            future.result()


def batched(records: Iterable[PageRecord], size: int):
    """Lists of up to size records, in order."""
    batch: list[PageRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _load(engine: Engine, write_batch, batch: list[PageRecord]) -> int:
    with engine.begin() as conn:
        return write_batch(conn, batch, table=BUILD)


def _renamed(definition: str, name: str) -> str:
    """An index definition of the live table turned into the same index on the build table."""
    head, on, tail = definition.partition(f" ON {_qualified_prefix(definition)}{TABLE} ")
    if not on:
        raise RuntimeError(f"cannot read the index definition {definition!r}")
    head = head.replace(f" {name}", f' "build_{name}"', 1)
    return f"{head} ON {BUILD} {tail}"


def _qualified_prefix(definition: str) -> str:
    return "public." if f" ON public.{TABLE} " in definition else ""

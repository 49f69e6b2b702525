"""PostgreSQL full-text search: the page index as a table, for deployments that run on PostgreSQL.

The table ``search_pages`` (made by migration a0006pgsearch, on PostgreSQL only) holds one row per
indexed page, message body or request, with a ``tsvector`` of its words and label lexemes (see
search.pg_query) under a GIN index, and a second ``tsvector`` of its word pairs (``pairs``, made by
migration a0011bigrams) under its own, which answers phrases. Every web host reads the same table, read
replicas scale it, and writes are ordinary transactions: a rebuild swaps in a freshly loaded table at
once, so readers see the old index or the new one, never half of it.

Ranking: with a RUM index (the migration makes one when the server has the extension) the top hits
come from the index in rank order (``ORDER BY tsv <=> query``), which keeps positions and needs no
table rows. With GIN, ``ts_rank`` must read each candidate's tsvector, so only a bounded candidate
set (RANK_CANDIDATES, in index order) is ranked. Totals count every match exactly (a bitmap scan of the
index over narrow rows); facets count every match up to FACET_SAMPLE, beyond which they are scaled from
that many and the total says it is an estimate. Snippets are cut from the page's own stored text
(search.highlight), never by ``ts_headline``. Searches run with sequential scans off: reading every
row's tsvector is never the better plan for a text query.

This module imports nothing from the application: it is given a SQLAlchemy engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from .highlight import Terms, snippet
from .parse import QueryError
from .pg_query import BIGRAM_MARK, TEXT_CONFIG, bigram_lexemes, compile_tsquery, label_lexemes, normalized
from .pg_rebuild import BUILD, TABLE, batched, rebuild_table, take_write_lock
from .query import FILTER_FIELDS, MAX_RESULTS_WINDOW, PHRASE_SLACK, Hit, SearchResults
from .records import VISIBILITIES, PageRecord

BATCH = 1000
BIGRAM_RECHECK = 30.0  # seconds a host trusts what it read of the table's bigram mark
RANK_CANDIDATES = 2000  # with GIN: matches ranked by ts_rank at most (the first this many in index order)
FACET_SAMPLE = 20_000  # matches whose facets are counted; past it, facet counts are scaled estimates
_COLUMNS = {"agency_id": "agency_id", "campaign_id": "campaign_id", "request_id": "request_id",
            "document_id": "document_id", "media": "media_type", "visibility": "visibility", "kind": "kind"}
_UPSERT = """
INSERT INTO {table} (key, kind, text, tsv, pairs, request_id, agency_id, agency, campaign_id, campaign,
                     document_id, filename, page, released_on, year, media_type, visibility, ocr)
VALUES (:key, :kind, :text,
        to_tsvector('{config}', :words) || array_to_tsvector(string_to_array(:labels, ' ')),
        array_to_tsvector(string_to_array(:pairs, ' ')),
        :request_id, :agency_id, :agency, :campaign_id, :campaign, :document_id, :filename, :page,
        :released_on, :year, :media_type, :visibility, :ocr)
ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, text = excluded.text, tsv = excluded.tsv,
    pairs = excluded.pairs,
    request_id = excluded.request_id, agency_id = excluded.agency_id, agency = excluded.agency,
    campaign_id = excluded.campaign_id, campaign = excluded.campaign, document_id = excluded.document_id,
    filename = excluded.filename, page = excluded.page, released_on = excluded.released_on,
    year = excluded.year, media_type = excluded.media_type, visibility = excluded.visibility, ocr = excluded.ocr
"""
_UPSERTS = {
    TABLE: text(_UPSERT.format(table=TABLE, config=TEXT_CONFIG)),
    # A rebuild's table has no unique index while it is loaded (search.pg_rebuild): plain inserts.
    BUILD: text(_UPSERT.format(table=BUILD, config=TEXT_CONFIG).split("ON CONFLICT")[0]),
}


class SearchTimeout(Exception):
    """The database cancelled a search that ran past its time budget."""


def _row(record: PageRecord) -> dict:
    released = record.released_on
    words_ = normalized(record.text)
    labels = label_lexemes(agency=record.agency, agency_short=record.agency_short, campaign=record.campaign,
                           filename=record.filename, media_type=record.media_type,
                           year=released.year if released else None, request_id=record.request_id,
                           document_id=record.document_id)
    return {
        "key": record.key, "kind": record.kind, "text": record.text, "words": words_,
        # Space-separated (no lexeme holds a space): one string is far cheaper to send than an array.
        "labels": " ".join(labels), "pairs": " ".join(bigram_lexemes(words_.split())),
        "request_id": record.request_id, "agency_id": record.agency_id, "agency": record.agency or None,
        "campaign_id": record.campaign_id, "campaign": record.campaign or None,
        "document_id": record.document_id, "filename": record.filename, "page": record.page,
        "released_on": released, "year": released.year if released else None,
        "media_type": record.media_type or None, "visibility": record.visibility,
        "ocr": record.ocr,
    }


def _batches(records: Iterable[PageRecord]):
    for batch in batched(records, BATCH):
        yield [_row(record) for record in batch]


class PostgresEngine:
    """The page index in PostgreSQL: the same operations and results as the Whoosh engine."""

    name = "postgres"

    def __init__(self, engine: Engine, *, budget_seconds: float = 2.0) -> None:
        """Search and write through engine (a SQLAlchemy engine on PostgreSQL)."""
        self.engine = engine
        self.budget_seconds = budget_seconds
        self._ranks_in_index: bool | None = None
        self._bigrams: tuple[float, bool] | None = None  # (when read, whether the table holds bigrams)

    # -- writing -------------------------------------------------------------------------------------

    def write(self, records: Iterable[PageRecord]) -> int:
        """Add or replace records by key (writing the same record twice leaves one copy)."""
        with self.engine.begin() as conn:
            take_write_lock(conn)
            return self._write(conn, records)

    @staticmethod
    def _write(conn: Connection, records: Iterable[PageRecord], table: str = TABLE) -> int:
        count = 0
        for batch in _batches(records):
            conn.execute(_UPSERTS[table], batch)
            count += len(batch)
        return count

    def replace(self, records: Iterable[PageRecord], *, document_ids: Iterable[int] = (),
                keys: Iterable[str] = ()) -> int:
        """Write records and, in the same transaction, drop the other rows of these documents/keys."""
        records = list(records)
        keep = [r.key for r in records]
        with self.engine.begin() as conn:
            take_write_lock(conn)
            conn.execute(text(f"DELETE FROM {TABLE} WHERE (document_id = ANY(:docs) OR key = ANY(:keys)) "
                              "AND NOT key = ANY(:keep)"),
                         {"docs": [int(i) for i in document_ids], "keys": list(keys), "keep": keep})
            return self._write(conn, records)

    def delete_keys(self, keys: Iterable[str]) -> int:
        """Remove records by key; return how many went."""
        with self.engine.begin() as conn:
            take_write_lock(conn)
            return conn.execute(text(f"DELETE FROM {TABLE} WHERE key = ANY(:keys)"),
                                {"keys": list(keys)}).rowcount

    def delete_document(self, document_id: int) -> int:
        """Remove every page of a document; return how many went."""
        with self.engine.begin() as conn:
            take_write_lock(conn)
            return conn.execute(text(f"DELETE FROM {TABLE} WHERE document_id = :d"),
                                {"d": int(document_id)}).rowcount

    def rebuild(self, records: Iterable[PageRecord], *, total: int | None = None,
                progress: Callable[[int, int | None], None] | None = None) -> int:
        """Replace every row with records: a fresh table loaded, indexed and swapped in (search.pg_rebuild)."""
        return rebuild_table(self.engine, records, self._write, total=total, progress=progress)

    # -- reading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Nothing to do: every query sees the latest committed rows."""

    def close(self) -> None:
        """Nothing to release: connections belong to the engine's pool."""

    def __enter__(self) -> PostgresEngine:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def doc_count(self) -> int:
        """Number of indexed rows."""
        with self.engine.connect() as conn:
            return conn.scalar(text(f"SELECT count(*) FROM {TABLE}"))

    def indexed_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these record keys the index holds now."""
        keys = list(keys)
        if not keys:
            return set()
        with self.engine.connect() as conn:
            return set(conn.scalars(text(f"SELECT key FROM {TABLE} WHERE key = ANY(:keys)"), {"keys": keys}))

    def ranks_in_index(self, conn: Connection) -> bool:
        """Whether the tsvector index is RUM (ranks inside the index) rather than GIN."""
        if self._ranks_in_index is None:
            indexdef = conn.scalar(text("SELECT indexdef FROM pg_indexes "
                                        "WHERE indexname = 'ix_search_pages_tsv'"))
            self._ranks_in_index = "USING rum" in (indexdef or "")
        return self._ranks_in_index

    def has_bigrams(self, conn: Connection) -> bool:
        """Whether the table's rows hold phrase bigrams (BIGRAM_MARK); read again every BIGRAM_RECHECK
        seconds, so a host sees a rebuild that added them without a restart."""
        now = time.monotonic()
        if self._bigrams is None or now - self._bigrams[0] > BIGRAM_RECHECK:
            self._bigrams = (now, table_has_bigrams(conn))
        return self._bigrams[1]

    def _stems(self, conn: Connection):
        def stem_of(words_: list[str]) -> dict[str, list[str]]:
            return _cached_stems(conn, tuple(words_))
        return stem_of

    def search(self, q: str, *, allowed_visibility: frozenset[str],
               filters: Mapping[str, object] | None = None, page: int = 1, per_page: int = 10,
               sort: str = "relevance", facet_limit: int = 20) -> SearchResults:
        """Search as a user allowed to see allowed_visibility; raises QueryError for bad input.

        Runs under the time budget (budget_seconds): a search cut short answers what it has with
        ``partial=True`` (hits without counts, or nothing) instead of waiting.
        """
        if sort not in ("relevance", "date"):
            raise QueryError("Sort by “relevance” or “date”.")
        page, per_page = max(1, int(page)), max(1, min(int(per_page), 100))
        if page * per_page > MAX_RESULTS_WINDOW:
            raise QueryError(f"Results stop at the first {MAX_RESULTS_WINDOW}: narrow the search with filters.")
        where, params = _access_and_filters(allowed_visibility, filters)
        with self.engine.connect() as conn:
            ranks_in_index = self.ranks_in_index(conn)
            bigrams = self.has_bigrams(conn)
            stem_of = self._stems(conn)
            conn.commit()
            hits: list[Hit] = []
            with conn.begin() as transaction:
                try:
                    compiled, tsquery = _compile(conn, q, stem_of, bigrams, budget=self.budget_seconds)
                    params.update(compiled.params, tsq=tsquery or "", pairs=compiled.pairs, limit=per_page,
                                  offset=(page - 1) * per_page, candidates=RANK_CANDIDATES)
                    if compiled.checks:  # fetch from the top, a few spare, and keep the true phrases
                        params.update(limit=page * per_page + PHRASE_SLACK, offset=0)
                    match = _match(compiled) + where
                    rows = _run(conn, _hits_sql(match, sort, ranks_in_index and bool(tsquery)), params)
                    if compiled.checks:
                        checked = Terms(frozenset(), phrases=compiled.checks)
                        rows = [row for row in rows if checked.phrases_in(row.text)]
                        rows = rows[(page - 1) * per_page:page * per_page]
                    hits = [_hit(row, compiled.terms) for row in rows]
                    total, estimate, facets = _counts(conn, match, params, facet_limit)
                    estimate = estimate or bool(compiled.checks)
                except SearchTimeout:
                    transaction.rollback()  # cancelled: the transaction can do nothing more
                    seen = (page - 1) * per_page + len(hits)
                    return SearchResults(seen, True, hits, {}, page, per_page, partial=True)
        return SearchResults(total, estimate, hits, facets, page, per_page)

    def matching(self, q: str, *, allowed_visibility: frozenset[str],
                 filters: Mapping[str, object] | None, document_ids: Iterable[int]) -> list[Hit]:
        """Every indexed page of these documents that q matches, in document and page order (no ranking)."""
        ids = sorted({int(i) for i in document_ids})
        where, params = _access_and_filters(allowed_visibility, filters)
        with self.engine.connect() as conn:
            compiled, tsquery = _compile(conn, q, self._stems(conn), self.has_bigrams(conn))
            if not ids:
                return []
            params.update(compiled.params, tsq=tsquery or "", pairs=compiled.pairs, ids=ids)
            rows = conn.execute(text(
                f"SELECT {_HIT_COLUMNS} FROM {TABLE} WHERE {_match(compiled)}{where} "
                "AND kind = 'page' AND document_id = ANY(:ids) ORDER BY document_id, page"), params).all()
        checked = Terms(frozenset(), phrases=compiled.checks)
        return [_hit(row, compiled.terms, score=0.0) for row in rows if checked.phrases_in(row.text)]


_HIT_COLUMNS = ("key, kind, text, request_id, document_id, page, filename, agency, campaign, released_on, "
                "ocr")


_STEMS: dict[str, list[str]] = {}


def _cached_stems(conn: Connection, words_: tuple[str, ...]) -> dict[str, list[str]]:
    """PostgreSQL's English stems of words (cached: the stemmer never changes under a running process)."""
    missing = [w for w in words_ if w not in _STEMS]
    if missing:
        rows = conn.execute(text(f"SELECT w, ts_lexize('{TEXT_CONFIG}_stem', w) FROM unnest(CAST(:ws AS text[])) w"),
                            {"ws": missing}).all()
        if len(_STEMS) > 50_000:
            _STEMS.clear()
        for word, found in rows:
            _STEMS[word] = list(found or [])
    return {w: _STEMS[w] for w in words_}


def _run(conn: Connection, sql: str, params: dict):
    try:
        return conn.execute(text(sql), params).all()
    except DBAPIError as exc:
        if _cancelled(exc):
            raise SearchTimeout(str(exc.orig)) from exc
        raise


def _cancelled(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "57014"  # query_canceled: statement_timeout


def _match(compiled) -> str:
    """The text condition: the words' tsquery (:tsq), and the phrases' word pairs (:pairs) when it has some;
    or, for a query with words only the pairs hold, its condition over both columns."""
    if compiled.where is not None:
        return compiled.where
    if compiled.pairs is None:
        return "tsv @@ CAST(:tsq AS tsquery)"
    return "pairs @@ CAST(:pairs AS tsquery) AND tsv @@ CAST(:tsq AS tsquery)"


def table_has_bigrams(conn: Connection) -> bool:
    """Whether the live search table is marked as holding phrase bigrams on every row."""
    return conn.scalar(text(f"SELECT obj_description(to_regclass('{TABLE}'), 'pg_class')")) == BIGRAM_MARK


def _compile(conn: Connection, q: str, stem_of, bigrams: bool, budget: float | None = None):
    """The tsquery of q, as text (and, given a budget, this transaction's time limit set with it)."""
    compiled = compile_tsquery(q, stem_of, bigrams=bigrams)
    words_sql = compiled.sql or "CAST('' AS tsquery)"  # a query the pairs alone answer ranks nothing
    sql = f"SELECT CAST(({words_sql}) AS text), numnode({words_sql})"
    params = dict(compiled.params)
    if budget is not None:
        # Sequential scans off: reading every row's tsvector is never the better plan for a text query.
        sql += (", set_config('statement_timeout', :budget_ms, true), "
                "set_config('enable_seqscan', 'off', true)")
        params["budget_ms"] = str(max(1, int(budget * 1000))) if budget > 0 else "0"  # 0: no limit
    tsquery, nodes, *_ = _run(conn, sql, params)[0]
    if not nodes and compiled.where is None:
        raise QueryError("Those words are too common to search for on their own: add a more specific one.")
    return compiled, tsquery


def _access_and_filters(allowed: frozenset[str], filters: Mapping[str, object] | None) -> tuple[str, dict]:
    """The access clause (inside the SQL, never a filter after the top N) and the filters, as SQL."""
    unknown = set(allowed) - VISIBILITIES
    if unknown:
        raise ValueError(f"unknown visibility {sorted(unknown)}; known: {sorted(VISIBILITIES)}")
    params: dict[str, object] = {"allowed": sorted(allowed)}
    clauses = ["visibility = ANY(:allowed)"]
    for name, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if name not in FILTER_FIELDS:
            raise ValueError(f"unknown search filter {name!r}; known: {sorted(FILTER_FIELDS)}")
        values = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
        key = f"f_{name}"
        if name == "year":
            params[key] = [int(v) for v in values]
            clauses.append(f"year = ANY(:{key})")
        elif name in ("released_from", "released_to"):
            params[key] = date.fromisoformat(str(values[0]))
            clauses.append(f"released_on {'>=' if name == 'released_from' else '<='} :{key}")
        elif name == "exclude_document_id":
            params[key] = [int(v) for v in values]
            clauses.append(f"(document_id IS NULL OR NOT document_id = ANY(:{key}))")
        elif name == "exclude_key":
            params[key] = [str(v) for v in values]
            clauses.append(f"NOT key = ANY(:{key})")
        else:
            column = _COLUMNS[FILTER_FIELDS[name]]
            is_id = column.endswith("_id")
            params[key] = [int(v) for v in values] if is_id else [str(v) for v in values]
            clauses.append(f"{column} = ANY(:{key})")
    return " AND " + " AND ".join(clauses), params


def _hits_sql(match: str, sort: str, ranks_in_index: bool) -> str:
    if sort == "date":
        return (f"SELECT {_HIT_COLUMNS}, 0.0 AS score FROM {TABLE} WHERE {match} "
                "ORDER BY released_on DESC NULLS LAST, key LIMIT :limit OFFSET :offset")
    if ranks_in_index:  # RUM: the index hands rows over best first (distance = 1 / rank)
        return (f"SELECT {_HIT_COLUMNS}, 1.0 / (tsv <=> CAST(:tsq AS tsquery)) AS score FROM {TABLE} "
                f"WHERE {match} ORDER BY tsv <=> CAST(:tsq AS tsquery) LIMIT :limit OFFSET :offset")
    # GIN: rank a bounded candidate set, since ts_rank must read each row's tsvector.
    return (f"WITH candidates AS MATERIALIZED (SELECT key, tsv FROM {TABLE} WHERE {match} LIMIT :candidates), "
            "ranked AS (SELECT key, ts_rank(tsv, CAST(:tsq AS tsquery)) AS score FROM candidates "
            "ORDER BY score DESC, key LIMIT :limit OFFSET :offset) "
            f"SELECT {', '.join('p.' + c.strip() for c in _HIT_COLUMNS.split(','))}, ranked.score "
            f"FROM ranked JOIN {TABLE} p USING (key) ORDER BY ranked.score DESC, p.key")


def _counts(conn: Connection, match: str, params: dict, facet_limit: int):
    """The exact total, and facet counts over every match (scaled from FACET_SAMPLE past that many)."""
    rows = _run(conn, f"SELECT agency, campaign, media_type, year, count(*) FROM "
                      f"(SELECT agency, campaign, media_type, year FROM {TABLE} "
                      f"WHERE {match} LIMIT :sample) m GROUP BY agency, campaign, media_type, year",
                {**params, "sample": FACET_SAMPLE})
    counted = sum(row[-1] for row in rows)
    total = counted
    if counted >= FACET_SAMPLE:  # more matches than were grouped: count them all (a bitmap scan)
        total = _run(conn, f"SELECT count(*) FROM {TABLE} WHERE {match}", params)[0][0]
    scale = total / counted if counted and total > counted else 1.0
    raw: dict[str, dict[str, float]] = {"agency": {}, "campaign": {}, "media_type": {}, "year": {}}
    for agency, campaign, media_type, year, n in rows:
        for name, value in (("agency", agency), ("campaign", campaign), ("media_type", media_type),
                            ("year", str(year) if year is not None else None)):
            if value:
                raw[name][value] = raw[name].get(value, 0) + n
    facets = {name: [(value, round(n * scale)) for value, n in counts.items()] for name, counts in raw.items()}
    facets["year"] = sorted(facets["year"], reverse=True)[:facet_limit]
    for name in ("agency", "campaign", "media_type"):
        facets[name] = sorted(facets[name], key=lambda item: (-item[1], item[0]))[:facet_limit]
    return total, scale != 1.0, facets


def _hit(row, terms, score: float | None = None) -> Hit:
    return Hit(key=row.key, document_id=row.document_id, request_id=row.request_id, page=row.page,
               snippet=snippet(row.text, terms), score=float(row.score if score is None else score),
               filename=row.filename or "", agency=row.agency or "", campaign=row.campaign or "",
               released_on=row.released_on, kind=row.kind, ocr=bool(row.ocr))

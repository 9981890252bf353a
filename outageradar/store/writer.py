"""Writing posts: one transaction stores new posts, their classifications and the rollup increments together.

Idempotence: posts are inserted with ``ON CONFLICT (source, source_id) DO NOTHING ... RETURNING id``, and only the
rows that were really inserted get a classification and count in the rollups. A batch that is interrupted rolls back
whole, so a re-run after a kill ends with exactly the posts of the input, none twice, and rollups that agree with them.
Cursors (``set_cursor``) are written in the same session so a collector's position moves only with its posts.

A post whose (source, source_id) is already stored is a duplicate when its text is the stored text (whitespace
aside) and a *conflict* otherwise: :func:`store_posts` returns the conflicts so the caller quarantines them instead of
counting them as already stored. :func:`quarantine` keeps each rejected record with its reason; a record given with an
ordinal (its line number in a file) is distinct from the same text at another line, so identical bad lines each get
a row, and the same line of the same file is kept once however often the file is ingested.

Speed: :func:`store_posts` and :func:`add_rollups` talk to the driver directly, on the session's own connection and
inside its transaction (and savepoint), with constant SQL strings the driver prepares once per connection, instead of
compiling SQLAlchemy statements for every batch:

- SQLite: the posts go in multi-row ``INSERT ... VALUES ... ON CONFLICT DO NOTHING RETURNING`` statements of fixed
  sizes (chunks of :data:`VALUES_CHUNK` rows, the rest in power-of-two chunks, so there are a dozen distinct
  statements at most; ``executemany`` cannot return the new ids), the classifications and the rollup upserts with
  ``executemany``;
- PostgreSQL: the posts are ``COPY``-ed into a temporary table kept for the connection (``ON COMMIT DELETE ROWS``,
  emptied at each call), then ``INSERT INTO posts ... SELECT ... ORDER BY ord ON CONFLICT DO NOTHING RETURNING``; the
  classifications are ``COPY``-ed into their table; the rollups are one ``INSERT ... SELECT FROM unnest(...) ON
  CONFLICT DO UPDATE`` per table. Fewer than :data:`PG_COPY_MIN` posts (a post retried alone after its batch failed)
  go in with the multi-row ``VALUES`` statements instead, in fewer round trips, and so does every batch of a role
  that may not create temporary tables.

The rollup increments of a batch are summed in memory first: one upsert row per key per batch. The day rollups
(one row per series and UTC day, what the detection reads) are read, merged in Python and written back, the rows
locked first on PostgreSQL (:func:`_merge_day_rows`). Values are converted by the columns' own SQLAlchemy types
(``dialect_impl(dialect).bind_processor``), so the rows are exactly what
SQLAlchemy would have written (on SQLite a UTC timestamp is the naive text ``2026-01-05 10:00:00.000000``) and stores
written before keep working; a timestamp without a time zone is refused (ValueError), as the models refuse it. Errors
of the driver are raised wrapped in SQLAlchemy's exception classes (``IntegrityError``, ``DataError``,
``OperationalError`` ... with the driver's error as ``.orig``), as a SQLAlchemy statement would raise them, so a
caller tells a refused record from a failing database the same way as before.
"""

from __future__ import annotations

import hashlib
import struct
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
from sqlalchemy import String, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from outageradar.records import Classification, Post, clean_text
from outageradar.store.models import ClassificationRow, CursorRow, PostRow, QuarantineRow, RollupRow, ServiceRollupRow
from outageradar.store.models import BUCKET_SECONDS, bucket_of  # noqa: F401 - bucket_of: re-exported
from outageradar.store.models import DAY_BUCKETS, DAY_CELL, DAY_CELL_STRUCT, DayRollupRow, ServiceDayRollupRow
from outageradar.store.types import UTCDateTime

def _insert(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"unsupported database backend: {name}")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class WriteResult:
    new: int = 0
    duplicates: int = 0
    conflicts: list[tuple[Post, str]] = field(default_factory=list)  # (post, reason): not stored, to quarantine


# ------------------------------------------------------------------ the driver, on the session's connection
POST_COLUMNS = ("source", "source_id", "created_at", "text", "lang", "author_hash", "user_location", "lat", "lon",
                "place", "url", "ingested_at")
CLASSIFICATION_COLUMNS = ("post_id", "bucket", "outage", "outage_score", "service", "country", "admin1", "city",
                          "problem", "region_evidence", "model_version", "classified_at")
VALUES_CHUNK = 256
"""Rows per multi-row INSERT (12 columns: 3,072 parameters, within SQLite's limit since 3.32 and PostgreSQL's)."""


def _same(value: Any) -> Any:
    return value


_PROCESSORS: dict[tuple, Callable[[Any], Any]] = {}


def _processor(column, dialect: Dialect) -> Callable[[Any], Any]:
    """The function SQLAlchemy applies to a value bound to ``column`` on ``dialect`` (the type's own conversion); for
    a UTC timestamp on SQLite, :func:`_sqlite_utc_text` once it is seen to give the same results."""
    key = (column.table.name, column.name, type(dialect), dialect.name)
    proc = _PROCESSORS.get(key)
    if proc is None:
        proc = column.type.dialect_impl(dialect).bind_processor(dialect) or _same
        if isinstance(column.type, UTCDateTime) and dialect.name == "sqlite" and _agree(proc, _sqlite_utc_text):
            proc = _sqlite_utc_text
        _PROCESSORS[key] = proc
    return proc


_SQLITE_TIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"  # SQLAlchemy's SQLite DATETIME storage format


def _sqlite_utc_text(value: datetime | None) -> str | None:
    """A :class:`~outageradar.store.types.UTCDateTime` value as SQLite stores it (naive UTC, SQLAlchemy's text), in
    one call instead of SQLAlchemy's three."""
    if value is None:
        return None
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("naive datetime given to a UTC column")
    if offset:
        value = value.astimezone(timezone.utc)
    return _SQLITE_TIME % (value.year, value.month, value.day, value.hour, value.minute, value.second,
                           value.microsecond)


_TIME_SAMPLES = (
    None,
    datetime(2026, 1, 5, 10, 3, 4, tzinfo=timezone.utc),
    datetime(2026, 1, 5, 10, 3, 4, 5, tzinfo=timezone.utc),
    datetime(1, 1, 1, tzinfo=timezone.utc),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
    datetime(2026, 3, 1, 23, 30, 0, 120, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    datetime(2026, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=9))),
)


def _agree(reference: Callable[[Any], Any], fast: Callable[[Any], Any]) -> bool:
    """Whether ``fast`` gives what ``reference`` gives on :data:`_TIME_SAMPLES`, and refuses a naive time too."""
    try:
        if any(fast(v) != reference(v) for v in _TIME_SAMPLES):
            return False
    except Exception:  # noqa: BLE001 - any difference means "use SQLAlchemy's"
        return False
    for f in (reference, fast):
        try:
            f(datetime(2026, 1, 5))
        except ValueError:
            continue
        return False
    return True


@contextmanager
def _driver_errors(dialect: Dialect, statement: str) -> Iterator[None]:
    """Raise the driver's errors as SQLAlchemy's (``IntegrityError``, ``DataError``, ``OperationalError`` ...)."""
    base = dialect.loaded_dbapi.Error
    try:
        yield
    except base as exc:
        raise sa_exc.DBAPIError.instance(statement, None, exc, base, dialect=dialect) from exc


def _chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    """(start, length) pieces of ``range(n)``: ``size``-long ones, then the rest in decreasing powers of two, so
    whatever ``n`` a multi-row statement is one of a few fixed SQL strings."""
    start = 0
    while n - start >= size:
        yield start, size
        start += size
    step = size
    while start < n:
        while step > n - start:
            step //= 2
        yield start, step
        start += step


_SQL: dict[tuple, str] = {}


_NEW_POSTS = " ON CONFLICT (source, source_id) DO NOTHING RETURNING id, source, source_id"


def _values_sql(table: str, columns: Sequence[str], rows: int, mark: str, tail: str = "") -> str:
    """``INSERT INTO table (columns) VALUES (...), ... tail`` for ``rows`` rows, ``mark`` the driver's placeholder."""
    key = ("values", table, rows, mark, tail)
    if key not in _SQL:
        one = "(" + ", ".join([mark] * len(columns)) + ")"
        _SQL[key] = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * rows)}{tail}"
    return _SQL[key]


def _insert_values(conn, dialect: Dialect, table: str, columns: Sequence[str], rows: list[tuple],
                   tail: str = "") -> list[tuple]:
    """Insert ``rows`` with multi-row ``VALUES`` statements of :func:`_chunks` sizes (a few constant SQL strings the
    driver prepares once); the rows ``tail`` returns (a ``RETURNING`` clause), in order."""
    mark = "%s" if dialect.name == "postgresql" else "?"
    out: list[tuple] = []
    cur = conn.cursor()
    try:
        for start, n in _chunks(len(rows), VALUES_CHUNK):
            sql = _values_sql(table, columns, n, mark, tail)
            with _driver_errors(dialect, sql):
                cur.execute(sql, [v for row in rows[start:start + n] for v in row])
                if tail:
                    out.extend(cur.fetchall())
    finally:
        cur.close()
    return out


def _sqlite_stored_sql(keys: int) -> str:
    key = ("sqlite-stored", keys)
    if key not in _SQL:
        _SQL[key] = (f"WITH k(source, source_id) AS (VALUES {', '.join(['(?, ?)'] * keys)}) "
                     "SELECT p.source, p.source_id, p.text FROM k JOIN posts p "
                     "ON p.source = k.source AND p.source_id = k.source_id")
    return _SQL[key]


_SQLITE_CLASSIFICATIONS = (f"INSERT INTO classifications ({', '.join(CLASSIFICATION_COLUMNS)}) "
                           f"VALUES ({', '.join(['?'] * len(CLASSIFICATION_COLUMNS))})")

_PG_BATCH = "pg_temp.outageradar_post_batch"
_PG_BATCH_CREATE = (
    "CREATE TEMP TABLE IF NOT EXISTS outageradar_post_batch (ord integer, source text, source_id text, "
    "created_at timestamptz, text text, lang text, author_hash text, user_location text, lat double precision, "
    "lon double precision, place text, url text) ON COMMIT DELETE ROWS"
)
_PG_BATCH_CLEAR = f"DELETE FROM {_PG_BATCH}"  # rows of an earlier call in the same transaction
_PG_BATCH_COPY = f"COPY {_PG_BATCH} (ord, {', '.join(POST_COLUMNS[:-1])}) FROM STDIN"
_PG_INSERT_POSTS = (
    f"INSERT INTO posts ({', '.join(POST_COLUMNS)}) SELECT {', '.join(POST_COLUMNS[:-1])}, %s FROM {_PG_BATCH} "
    "ORDER BY ord ON CONFLICT (source, source_id) DO NOTHING RETURNING id, source, source_id"
)
_PG_STORED = (
    "SELECT p.source, p.source_id, p.text FROM posts p JOIN unnest(%s::text[], %s::text[]) AS k(source, source_id) "
    "ON p.source = k.source AND p.source_id = k.source_id"
)
_PG_CLASSIFICATIONS_COPY = f"COPY classifications ({', '.join(CLASSIFICATION_COLUMNS)}) FROM STDIN"
PG_COPY_MIN = 32
"""Fewer posts than this (a post retried alone, a short page) go in with INSERT ... VALUES on PostgreSQL too: fewer
round trips than the batch table and COPY."""


def store_posts(session: Session, posts: Sequence[Post], labels: Sequence[Classification]) -> WriteResult:
    """Store ``posts`` with their ``labels`` (same order). Returns how many were new. The caller commits."""
    if len(posts) != len(labels):
        raise ValueError("posts and labels differ in length")
    if not posts:
        return WriteResult()
    dialect = session.get_bind().dialect
    if dialect.name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"unsupported database backend: {dialect.name}")
    pg = dialect.name == "postgresql"
    conn = session.connection().connection.driver_connection
    now = _utcnow()
    index: dict[tuple[str, str], int] = {}
    for i, p in enumerate(posts):
        index.setdefault((p.source, p.source_id), i)  # the first of a key in the batch is the one inserted
    copy = pg and len(posts) >= PG_COPY_MIN and _may_create_temp_tables(session, conn)
    if copy:
        inserted = _copy_posts_pg(conn, dialect, posts, now)
    else:
        inserted = _insert_values(conn, dialect, "posts", POST_COLUMNS, _post_rows(dialect, posts, now), _NEW_POSTS)
    conflicts = _conflicts(conn, dialect, posts, index, {(source, source_id) for _, source, source_id in inserted})
    if not inserted:
        return WriteResult(new=0, duplicates=len(posts) - len(conflicts), conflicts=conflicts)
    c = ClassificationRow.__table__.c
    to_bucket, to_outage, to_score = (_processor(c.bucket, dialect), _processor(c.outage, dialect),
                                      _processor(c.outage_score, dialect))
    classified_at = _processor(c.classified_at, dialect)(now)
    buckets: dict[int, tuple[datetime, Any]] = {}
    crows = []
    counts: dict[tuple[str, str, str, datetime], list[int]] = defaultdict(lambda: [0, 0])
    for post_id, source, source_id in inserted:
        i = index[(source, source_id)]
        post, label = posts[i], labels[i]
        epoch = int(post.created_at.timestamp())
        epoch -= epoch % BUCKET_SECONDS
        b = buckets.get(epoch)
        if b is None:
            bucket = datetime.fromtimestamp(epoch, tz=timezone.utc)
            b = buckets[epoch] = (bucket, to_bucket(bucket))
        crows.append((post_id, b[1], to_outage(bool(label.outage)), to_score(float(label.outage_score)),
                      label.service, label.country, label.admin1, label.city, label.problem, label.region_evidence,
                      label.model_version, classified_at))
        if label.service:
            n = counts[(label.service, label.country or "", label.admin1 or "", b[0])]
            n[0] += 1
            n[1] += int(label.outage)
    if copy:
        with _driver_errors(dialect, _PG_CLASSIFICATIONS_COPY), conn.cursor() as cur:
            with cur.copy(_PG_CLASSIFICATIONS_COPY) as rows:
                for row in crows:
                    rows.write_row(row)
    elif pg:
        _insert_values(conn, dialect, "classifications", CLASSIFICATION_COLUMNS, crows)
    else:
        with _driver_errors(dialect, _SQLITE_CLASSIFICATIONS):
            conn.executemany(_SQLITE_CLASSIFICATIONS, crows)
    add_rollups(session, counts)
    return WriteResult(new=len(inserted), duplicates=len(posts) - len(inserted) - len(conflicts), conflicts=conflicts)


def _post_rows(dialect: Dialect, posts: Sequence[Post], now: datetime | None) -> list[tuple]:
    """The posts as rows of :data:`POST_COLUMNS` (``ingested_at`` = ``now``, or left out when ``now`` is None),
    converted as SQLAlchemy converts them for ``dialect``."""
    c = PostRow.__table__.c
    to_time, to_lat, to_lon = _processor(c.created_at, dialect), _processor(c.lat, dialect), _processor(c.lon, dialect)
    tail = () if now is None else (_processor(c.ingested_at, dialect)(now),)
    unsafe = _UNSAFE
    return [(p.source, p.source_id, to_time(p.created_at), p.text, p.lang, p.author_hash, p.user_location,
             to_lat(p.lat), to_lon(p.lon), p.place, p.url) + tail
            if not unsafe(f"{p.text}{p.lang}{p.user_location}{p.place}{p.url}") else  # one search for the five
            (p.source, p.source_id, to_time(p.created_at), _safe(p.text), _safe(p.lang), p.author_hash,
             _safe(p.user_location), to_lat(p.lat), to_lon(p.lon), _safe(p.place), _safe(p.url)) + tail
            for p in posts]


def _may_create_temp_tables(session: Session, conn) -> bool:
    """Whether the PostgreSQL role may create the batch table (``TEMPORARY`` privilege, PUBLIC's by default); asked
    once per connection. Without it, batches go in with INSERT ... VALUES."""
    info = session.connection().connection.info
    if "outageradar_temp" not in info:
        with conn.cursor() as cur:
            cur.execute("SELECT has_database_privilege(current_database(), 'TEMPORARY')")
            info["outageradar_temp"] = bool(cur.fetchone()[0])
    return info["outageradar_temp"]


def _copy_posts_pg(conn, dialect: Dialect, posts: Sequence[Post], now: datetime) -> list[tuple[int, str, str]]:
    """COPY the posts into the batch table, then insert the new ones into posts: their (id, source, source_id)."""
    rows = _post_rows(dialect, posts, None)
    ingested_at = _processor(PostRow.__table__.c.ingested_at, dialect)(now)
    with conn.cursor() as cur:
        for sql in (_PG_BATCH_CREATE, _PG_BATCH_CLEAR):
            with _driver_errors(dialect, sql):
                cur.execute(sql)
        with _driver_errors(dialect, _PG_BATCH_COPY):
            with cur.copy(_PG_BATCH_COPY) as copy:
                for i, row in enumerate(rows):
                    copy.write_row((i,) + row)
        with _driver_errors(dialect, _PG_INSERT_POSTS):
            cur.execute(_PG_INSERT_POSTS, (ingested_at,))
            return cur.fetchall()


_UNSAFE = re.compile("[\x00\ud800-\udfff]").search  # what clean_text replaces


def _safe(value: str | None) -> str | None:
    """A Post's strings are already clean (see :class:`~outageradar.records.Post`); this keeps a post changed
    after it was made from storing NUL on SQLite and failing on PostgreSQL: both backends store the same text."""
    return clean_text(value)[0] if isinstance(value, str) else value


def _same_text(a: str, b: str) -> bool:
    return a == b or a.split() == b.split()


def _stored_texts(conn, dialect: Dialect, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The stored text of each of ``keys`` (source, source_id) that is stored: one join of the keys with posts."""
    if not keys:
        return {}
    if dialect.name == "postgresql":
        # a join with the keys as arrays: linear whatever plan PostgreSQL picks (an IN list of 500 ids against a
        # table with stale statistics was a sequential scan testing every row against the list)
        with _driver_errors(dialect, _PG_STORED), conn.cursor() as cur:
            cur.execute(_PG_STORED, ([k[0] for k in keys], [k[1] for k in keys]))
            return {(s, i): t for s, i, t in cur.fetchall()}
    stored = {}
    cur = conn.cursor()
    try:
        for start, n in _chunks(len(keys), VALUES_CHUNK):
            sql = _sqlite_stored_sql(n)
            with _driver_errors(dialect, sql):
                rows = cur.execute(sql, [v for k in keys[start:start + n] for v in k]).fetchall()
            stored.update({(s, i): t for s, i, t in rows})
    finally:
        cur.close()
    return stored


def _conflicts(conn, dialect: Dialect, posts: Sequence[Post], index: dict[tuple[str, str], int],
               inserted: set[tuple[str, str]]) -> list[tuple[Post, str]]:
    """The posts of the batch that were not inserted and whose text differs from the stored post of their key."""
    if len(inserted) == len(posts):
        return []
    stored = _stored_texts(conn, dialect, [k for k in index if k not in inserted])
    out = []
    for i, p in enumerate(posts):
        key = (p.source, p.source_id)
        first = index[key]
        if key in inserted:
            if first == i:
                continue
            text = posts[first].text
        else:
            text = stored.get(key)
            if text is None:  # not stored and not inserted: cannot happen outside a concurrent delete
                continue
        if not _same_text(_safe(p.text), text):
            out.append((p, f"conflict: {p.source} id {p.source_id[:60]!r} is already stored with a different text"))
    return out


def _classification_row(post_id: int, bucket: datetime, label: Classification) -> dict:
    return {
        "post_id": post_id,
        "bucket": bucket,
        "outage": bool(label.outage),
        "outage_score": float(label.outage_score),
        "service": label.service,
        "country": label.country,
        "admin1": label.admin1,
        "city": label.city,
        "problem": label.problem,
        "region_evidence": label.region_evidence,
        "model_version": label.model_version,
        "classified_at": datetime.now(timezone.utc),
    }


def add_rollups(session: Session, counts: dict[tuple[str, str, str, datetime], list[int]]) -> None:
    """Add (n_posts, n_outage) to the rollup of each (service, country, admin1, bucket) and to the service's total
    of that bucket; negative values subtract."""
    if not counts:
        return
    totals: dict[tuple[str, datetime], list[int]] = defaultdict(lambda: [0, 0])
    for (service, _country, _admin1, bucket), (n, k) in counts.items():
        t = totals[(service, bucket)]
        t[0] += n
        t[1] += k
    # A stable order keeps concurrent writers on PostgreSQL from deadlocking on the same rows.
    _upsert_counts(session, RollupRow, ["service", "country", "admin1", "bucket"], sorted(counts.items()))
    _upsert_counts(session, ServiceRollupRow, ["service", "bucket"], sorted(totals.items()))
    _add_day_rollups(session, counts)


def _upsert_sql(table, keys: list[str], dialect: Dialect) -> str:
    """``INSERT`` of (keys..., n_posts, n_outage) into ``table`` adding the counts to an existing row: one row per
    ``executemany`` parameter set on SQLite, one array per column (``unnest``, one statement) on PostgreSQL."""
    cache = ("upsert", table.name, tuple(keys), dialect.name)
    if cache not in _SQL:
        q = dialect.identifier_preparer.quote
        name, cols = q(table.name), [q(k) for k in keys] + ["n_posts", "n_outage"]
        if dialect.name == "postgresql":
            types = ["text" if isinstance(table.c[k].type, String) else table.c[k].type.compile(dialect=dialect)
                     for k in keys] + ["integer", "integer"]
            values = f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in types)})"
        else:
            values = f"VALUES ({', '.join(['?'] * len(cols))})"
        _SQL[cache] = (f"INSERT INTO {name} ({', '.join(cols)}) {values} ON CONFLICT ({', '.join(cols[:-2])}) "
                       f"DO UPDATE SET n_posts = {name}.n_posts + excluded.n_posts, "
                       f"n_outage = {name}.n_outage + excluded.n_outage")
    return _SQL[cache]


def _upsert_counts(session: Session, model, keys: list[str], items) -> None:
    """Add each item's counts ((key values...), [n_posts, n_outage]) to the row of its key in ``model``'s table, a
    missing row inserted; the key values converted by their columns' types, in the order given."""
    items = list(items)
    if not items:
        return
    dialect = session.get_bind().dialect
    if dialect.name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"unsupported database backend: {dialect.name}")
    t = model.__table__
    convert = [(j, proc, {}) for j, proc in enumerate(_processor(t.c[k], dialect) for k in keys) if proc is not _same]
    rows = []
    for key, (n, k) in items:
        row = list(key)
        for j, proc, memo in convert:  # each distinct value (a bucket) converted once
            v = row[j]
            row[j] = memo[v] if v in memo else memo.setdefault(v, proc(v))
        rows.append((*row, n, k))
    sql = _upsert_sql(t, keys, dialect)
    conn = session.connection().connection.driver_connection
    with _driver_errors(dialect, sql):
        if dialect.name == "postgresql":
            with conn.cursor() as cur:
                cur.execute(sql, [list(column) for column in zip(*rows)])
        else:
            conn.executemany(sql, rows)


# ------------------------------------------------------------------ day rollups (one row per series and UTC day)
def _day_slot(bucket: datetime) -> tuple[Any, int]:
    """The UTC day of a bucket and its 5-minute slot in that day."""
    b = bucket.astimezone(timezone.utc)
    return b.date(), (b.hour * 3600 + b.minute * 60 + b.second) // BUCKET_SECONDS


def _add_day_rollups(session: Session, counts: dict[tuple[str, str, str, datetime], list[int]]) -> None:
    """Add the outage reports of ``counts`` ((service, country, admin1, bucket) -> [n_posts, n_outage]) to the day
    rows of ``day_rollups`` and ``service_day_rollups`` (:class:`~outageradar.store.models.DayRollupRow`); a row left
    with no report is deleted, as :func:`rebuild_day_rollups` would not make it."""
    region: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    total: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    days: dict[datetime, tuple[Any, int]] = {}
    for (service, country, admin1, bucket), (_n, k) in counts.items():
        if k:
            day, slot = days[bucket] if bucket in days else days.setdefault(bucket, _day_slot(bucket))
            region[(day, service, country, admin1)][slot] += k
            total[(day, service)][slot] += k
    _merge_day_rows(session, DayRollupRow, region)
    _merge_day_rows(session, ServiceDayRollupRow, total)


_CELLS_STRUCTS: dict[int, struct.Struct] = {}


def _merged_cells(stored: bytes, delta: dict[int, int]) -> tuple[int, bytes]:
    """A day row's (n_outage, counts) after adding ``delta`` ({slot: reports}) to its stored ``counts``
    (:data:`~outageradar.store.models.DAY_CELL_STRUCT` cells, packed with one struct call per row)."""
    merged = dict(DAY_CELL_STRUCT.iter_unpack(stored))
    for slot, k in delta.items():
        merged[slot] = merged.get(slot, 0) + k
    cells = sorted(item for item in merged.items() if item[1])
    n = len(cells)
    packer = _CELLS_STRUCTS.get(n) or _CELLS_STRUCTS.setdefault(n, struct.Struct(">" + DAY_CELL_STRUCT.format[1:] * n))
    return sum(k for _, k in cells), packer.pack(*[v for cell in cells for v in cell])


def _day_sql(table, dialect: Dialect, kind: str, rows: int = 0) -> str:
    """The statements of :func:`_merge_day_rows`: ``read`` (SQLite: the stored counts of ``rows`` keys; PostgreSQL:
    insert the missing rows empty and lock every row, returning its counts, in the keys' order), ``write`` (set
    n_outage and counts) and ``delete``; and ``insert`` (new rows, for :func:`rebuild_day_rollups`)."""
    cache = ("day", table.name, dialect.name, kind, rows)
    if cache not in _SQL:
        q = dialect.identifier_preparer.quote
        name = q(table.name)
        pk = [q(c.name) for c in table.primary_key.columns]
        keys = ", ".join(pk)
        if dialect.name == "postgresql":
            types = ["date" if c.name == "day" else "text" for c in table.primary_key.columns]
            unnest = ", ".join(f"%s::{t}[]" for t in types)
            match = " AND ".join(f"{name}.{k} = u.{k}" for k in pk)
            sql = {
                "read": f"INSERT INTO {name} ({keys}, n_outage, counts) SELECT u.*, 0, ''::bytea FROM unnest({unnest}) "
                        f"AS u({keys}) ON CONFLICT ({keys}) DO UPDATE SET n_outage = {name}.n_outage "
                        f"RETURNING {keys}, counts",
                "write": f"UPDATE {name} SET n_outage = u.n_outage, counts = u.counts FROM unnest({unnest}, "
                         f"%s::integer[], %b::bytea[]) AS u({keys}, n_outage, counts) WHERE {match}",
                "delete": f"DELETE FROM {name} USING unnest({unnest}) AS u({keys}) WHERE {match}",
                "insert": f"INSERT INTO {name} ({keys}, n_outage, counts) SELECT * FROM unnest({unnest}, "
                          "%s::integer[], %b::bytea[])",
            }[kind]
        else:
            one = "(" + ", ".join(["?"] * len(pk)) + ")"
            sql = {
                "read": f"SELECT {keys}, counts FROM {name} WHERE ({keys}) IN (VALUES {', '.join([one] * rows)})",
                "write": f"INSERT INTO {name} ({keys}, n_outage, counts) VALUES ({', '.join(['?'] * (len(pk) + 2))}) "
                         f"ON CONFLICT ({keys}) DO UPDATE SET n_outage = excluded.n_outage, counts = excluded.counts",
                "delete": f"DELETE FROM {name} WHERE {' AND '.join(f'{k} = ?' for k in pk)}",
                "insert": f"INSERT INTO {name} ({keys}, n_outage, counts) VALUES ({', '.join(['?'] * (len(pk) + 2))})",
            }[kind]
        _SQL[cache] = sql
    return _SQL[cache]


def _merge_day_rows(session: Session, model, deltas: dict[tuple, dict[int, int]]) -> None:
    """Add ``deltas`` ((primary key values...) -> {slot: reports}) to the rows of ``model``'s day table.

    Read, merged in Python, written back. On SQLite the transaction already holds the database's write lock
    (:func:`add_rollups` writes the rollups first), so no other writer changes the rows in between. On PostgreSQL the read is an upsert that inserts missing rows empty and locks every row, in key order as
    the rollup upserts do, so a concurrent writer of the same day rows waits instead of losing an update."""
    if not deltas:
        return
    dialect = session.get_bind().dialect
    t = model.__table__
    pk = list(t.primary_key.columns)
    convert = [_processor(c, dialect) for c in pk]
    keys = sorted(deltas)
    params = [tuple(f(v) for f, v in zip(convert, key)) for key in keys]
    conn = session.connection().connection.driver_connection
    stored: dict[tuple, bytes] = {}
    if dialect.name == "postgresql":
        sql = _day_sql(t, dialect, "read")
        with _driver_errors(dialect, sql), conn.cursor() as cur:
            cur.execute(sql, [list(column) for column in zip(*params)])
            stored = {tuple(row[:-1]): bytes(row[-1]) for row in cur.fetchall()}
    else:
        for start, n in _chunks(len(params), 256):
            sql = _day_sql(t, dialect, "read", n)
            flat = [v for key in params[start:start + n] for v in key]
            with _driver_errors(dialect, sql):
                stored.update({tuple(row[:-1]): bytes(row[-1]) for row in conn.execute(sql, flat)})
    writes, gone = [], []
    for key, param in zip(keys, params):
        n_outage, cells = _merged_cells(stored.get(param, b""), deltas[key])
        if cells:
            writes.append((*param, n_outage, cells))
        else:
            gone.append(param)
    for kind, rows in (("write", writes), ("delete", gone)):
        _day_execute(conn, dialect, t, kind, rows)


def _day_execute(conn, dialect: Dialect, table, kind: str, rows: list[tuple]) -> None:
    """Run a ``write``, ``delete`` or ``insert`` of :func:`_day_sql` for ``rows`` (values already converted)."""
    if not rows:
        return
    sql = _day_sql(table, dialect, kind)
    with _driver_errors(dialect, sql):
        if dialect.name == "postgresql":
            with conn.cursor() as cur:
                cur.execute(sql, [list(column) for column in zip(*rows)])
        else:
            conn.executemany(sql, rows)


def rebuild_day_rollups(session: Session) -> None:
    """Recompute ``day_rollups`` and ``service_day_rollups`` from ``rollups``, in the caller's transaction (after the
    rollups themselves are rebuilt: :func:`~outageradar.store.reclassify.rebuild_rollups`). PostgreSQL groups and
    encodes in SQL (:data:`_PG_REBUILD_DAYS`: ``int2send``/``int4send`` are the big-endian cells of
    :data:`~outageradar.store.models.DAY_CELL`); on SQLite the rollups are read in key order and turned into day rows
    one service at a time (so memory holds one service's cells), with arrays."""
    from itertools import groupby
    from operator import itemgetter

    from sqlalchemy import delete

    from outageradar.store.queries import epoch_seconds

    conn = session.connection()
    conn.execute(delete(DayRollupRow))
    conn.execute(delete(ServiceDayRollupRow))
    dialect = conn.dialect
    driver = conn.connection.driver_connection
    if dialect.name == "postgresql":
        for sql in _PG_REBUILD_DAYS:
            with _driver_errors(dialect, sql), driver.cursor() as cur:
                cur.execute(sql)
        return
    to_day = _processor(DayRollupRow.__table__.c.day, dialect)
    r = RollupRow
    q = (select(r.service, r.country, r.admin1, epoch_seconds(r.bucket), r.n_outage)
         .where(r.n_outage != 0).order_by(r.service, r.country, r.admin1, r.bucket))
    out: dict[Any, list[tuple]] = {DayRollupRow: [], ServiceDayRollupRow: []}

    def write(final: bool = False) -> None:
        for model, rows in out.items():
            if rows and (final or len(rows) >= 20_000):
                _day_execute(driver, dialect, model.__table__, "insert", [(to_day(r[0]), *r[1:]) for r in rows])
                rows.clear()

    service, buf = None, []
    for part in conn.execute(q.execution_options(yield_per=100_000)).partitions():
        for svc, rows in groupby(part, key=itemgetter(0)):
            if svc != service and buf:
                _service_day_rows(buf, out)
                write()
                buf = []
            service = svc
            buf.extend(rows)
    if buf:
        _service_day_rows(buf, out)
    write(final=True)


_PG_DAY_CELLS = ("string_agg(int2send(CAST(slot AS smallint)) || int4send(CAST(n AS integer)), ''::bytea "
                 "ORDER BY slot)")
_PG_REBUILD_DAYS = (
    "INSERT INTO day_rollups (day, service, country, admin1, n_outage, counts) "
    f"SELECT day, service, country, admin1, sum(n), {_PG_DAY_CELLS} FROM ("
    "SELECT CAST(bucket AT TIME ZONE 'UTC' AS date) AS day, service, country, admin1, n_outage AS n, "
    "CAST(EXTRACT(EPOCH FROM bucket) AS bigint) % 86400 / 300 AS slot FROM rollups WHERE n_outage <> 0) AS cells "
    "GROUP BY day, service, country, admin1",
    "INSERT INTO service_day_rollups (day, service, n_outage, counts) "
    f"SELECT day, service, sum(n), {_PG_DAY_CELLS} FROM ("
    "SELECT CAST(bucket AT TIME ZONE 'UTC' AS date) AS day, service, sum(n_outage) AS n, "
    "CAST(EXTRACT(EPOCH FROM bucket) AS bigint) % 86400 / 300 AS slot FROM rollups WHERE n_outage <> 0 "
    "GROUP BY service, bucket HAVING sum(n_outage) <> 0) AS cells GROUP BY day, service",
)
"""The day rollups rebuilt from the rollups in SQL on PostgreSQL (see :func:`rebuild_day_rollups`)."""

_EPOCH_DAYS: dict[int, Any] = {}


def _utc_date(epoch_day: int) -> Any:
    d = _EPOCH_DAYS.get(epoch_day)
    if d is None:
        d = _EPOCH_DAYS[epoch_day] = datetime.fromtimestamp(epoch_day * 86400, tz=timezone.utc).date()
    return d


def _service_day_rows(rows: list, out: dict) -> None:
    """Append to ``out`` the day rows (primary key values..., n_outage, counts) of one service's rollup cells
    ``rows`` ((service, country, admin1, epoch seconds, n_outage), in key and bucket order): one per place and day,
    and the service's totals per day."""
    service = rows[0][0]
    _, country, admin1, epoch, k = zip(*rows)
    places: dict[tuple[str, str], int] = {}
    place = np.fromiter((places.setdefault(p, len(places)) for p in zip(country, admin1)), np.int64, len(rows))
    names = list(places)
    epoch_ = np.fromiter(epoch, np.int64, len(rows))
    k_ = np.fromiter(k, np.int64, len(rows))
    day, slot = epoch_ // 86400, epoch_ % 86400 // BUCKET_SECONDS

    def day_rows(group: np.ndarray, slots: np.ndarray, counts: np.ndarray):
        """(start, end, sum) of each run of equal ``group`` values, and the runs' cells as one byte string."""
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        ends = np.r_[starts[1:], len(group)]
        cells = np.empty(len(group), DAY_CELL)
        cells["slot"], cells["n"] = slots, counts
        return zip(starts.tolist(), ends.tolist(), np.add.reduceat(counts, starts).tolist()), cells.tobytes()

    size = DAY_CELL.itemsize
    runs, blob = day_rows(place * (int(day.max()) + 1) + day, slot, k_)  # rows are in place, then bucket order
    for s, e, n in runs:
        country_, admin1_ = names[int(place[s])]
        out[DayRollupRow].append((_utc_date(int(day[s])), service, country_, admin1_, n, blob[s * size:e * size]))
    first = int(day.min())
    totals = np.zeros((int(day.max()) - first + 1) * DAY_BUCKETS, np.int64)
    np.add.at(totals, (day - first) * DAY_BUCKETS + slot, k_)
    nz = np.flatnonzero(totals)
    runs, blob = day_rows(nz // DAY_BUCKETS, nz % DAY_BUCKETS, totals[nz])
    for s, e, n in runs:
        out[ServiceDayRollupRow].append((_utc_date(first + int(nz[s]) // DAY_BUCKETS), service, n,
                                         blob[s * size:e * size]))


def quarantine(session: Session, source: str, records: Iterable[tuple]) -> int:
    """Keep records that could not become posts: (raw text, reason) or (raw text, reason, ordinal). Returns how many
    rows were new.

    The row's ``raw_hash`` is the SHA-256 of the ordinal and the raw text, so the same text at two lines of a file is
    two rows, and re-ingesting the file adds none. NUL characters and lone surrogates in the raw text, the reason or
    the source are replaced first (:func:`~outageradar.records.clean_text`), so any record can be kept."""
    rows = []
    seen = set()
    source = clean_text(source)[0][:512]
    now = datetime.now(timezone.utc)
    for rec in records:
        raw, reason = clean_text(str(rec[0]))[0], clean_text(str(rec[1]))[0]
        ordinal = rec[2] if len(rec) > 2 else None
        key = raw if ordinal is None else f"{ordinal}\x00{raw}"
        h = hashlib.sha256(key.encode("utf-8")).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        rows.append({"source": source, "raw_hash": h, "raw": raw, "reason": reason, "created_at": now})
    if not rows:
        return 0
    t = QuarantineRow.__table__
    stmt = _insert(session)(t).on_conflict_do_nothing(index_elements=["source", "raw_hash"]).returning(t.c.id)
    return len(session.execute(stmt, rows).all())


def get_cursor(session: Session, source: str, key: str) -> str | None:
    return session.scalar(select(CursorRow.value).where(CursorRow.source == source, CursorRow.key == key))


def set_cursor(session: Session, source: str, key: str, value: str) -> None:
    """Upsert a collector cursor; call it in the session that stores the posts it covers."""
    insert = _insert(session)
    t = CursorRow.__table__
    now = datetime.now(timezone.utc)
    stmt = insert(t).values(source=source, key=key, value=value, updated_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=["source", "key"], set_={"value": value, "updated_at": now})
    session.execute(stmt)

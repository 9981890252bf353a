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
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Sequence

from sqlalchemy import or_, select
from sqlalchemy import text as sql
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from outageradar.classify.result import Classification
from outageradar.ingest.post import Post, clean_text
from outageradar.store.models import ClassificationRow, CursorRow, PostRow, QuarantineRow, RollupRow, ServiceRollupRow

BUCKET_SECONDS = 300


def bucket_of(ts: datetime, seconds: int = BUCKET_SECONDS) -> datetime:
    """The start of the ``seconds``-long UTC bucket that holds ``ts``."""
    epoch = int(ts.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=timezone.utc)


def _insert(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"unsupported database backend: {name}")


@dataclass
class WriteResult:
    new: int = 0
    duplicates: int = 0
    conflicts: list[tuple[Post, str]] = field(default_factory=list)  # (post, reason): not stored, to quarantine


def store_posts(session: Session, posts: Sequence[Post], labels: Sequence[Classification]) -> WriteResult:
    """Store ``posts`` with their ``labels`` (same order). Returns how many were new. The caller commits."""
    if len(posts) != len(labels):
        raise ValueError("posts and labels differ in length")
    if not posts:
        return WriteResult()
    insert = _insert(session)
    rows = [
        {
            "source": p.source,
            "source_id": p.source_id,
            "created_at": p.created_at,
            "text": _safe(p.text),
            "lang": _safe(p.lang),
            "author_hash": p.author_hash,
            "user_location": _safe(p.user_location),
            "lat": p.lat,
            "lon": p.lon,
            "place": _safe(p.place),
            "url": _safe(p.url),
        }
        for p in posts
    ]
    if session.get_bind().dialect.name == "postgresql":
        inserted = _insert_posts_pg(session, rows)
    else:
        t = PostRow.__table__
        stmt = (
            insert(t)
            .on_conflict_do_nothing(index_elements=["source", "source_id"])
            .returning(t.c.id, t.c.source, t.c.source_id)
        )
        inserted = session.execute(stmt, rows).all()
    index: dict[tuple[str, str], int] = {}
    for i, p in enumerate(posts):
        index.setdefault((p.source, p.source_id), i)  # the first of a key in the batch is the one inserted
    conflicts = _conflicts(session, posts, index, {(source, source_id) for _, source, source_id in inserted})
    if not inserted:
        return WriteResult(new=0, duplicates=len(posts) - len(conflicts), conflicts=conflicts)
    crows = []
    counts: dict[tuple[str, str, str, datetime], list[int]] = defaultdict(lambda: [0, 0])
    for post_id, source, source_id in inserted:
        i = index[(source, source_id)]
        post, label = posts[i], labels[i]
        bucket = bucket_of(post.created_at)
        crows.append(_classification_row(post_id, bucket, label))
        if label.service:
            c = counts[(label.service, label.country or "", label.admin1 or "", bucket)]
            c[0] += 1
            c[1] += int(label.outage)
    session.execute(ClassificationRow.__table__.insert(), crows)
    add_rollups(session, counts)
    return WriteResult(new=len(inserted), duplicates=len(posts) - len(inserted) - len(conflicts), conflicts=conflicts)


def _safe(value: str | None) -> str | None:
    """A Post's strings are already clean (see :class:`~outageradar.ingest.post.Post`); this keeps a post changed
    after it was made from storing NUL on SQLite and failing on PostgreSQL: both backends store the same text."""
    return clean_text(value)[0] if isinstance(value, str) else value


def _same_text(a: str, b: str) -> bool:
    return a == b or a.split() == b.split()


def _conflicts(session: Session, posts: Sequence[Post], index: dict[tuple[str, str], int],
               inserted: set[tuple[str, str]]) -> list[tuple[Post, str]]:
    """The posts of the batch that were not inserted and whose text differs from the stored post of their key."""
    stored: dict[tuple[str, str], str] = {}
    missing = [k for k in index if k not in inserted]
    t = PostRow.__table__
    if missing and session.get_bind().dialect.name == "postgresql":
        # a join with the keys as arrays: linear whatever plan PostgreSQL picks (an IN list of 500 ids against a
        # table with stale statistics was a sequential scan testing every row against the list)
        rows = session.execute(sql(
            "SELECT p.source, p.source_id, p.text FROM posts p JOIN unnest(CAST(:s AS text[]), CAST(:i AS text[])) "
            "AS k(source, source_id) ON p.source = k.source AND p.source_id = k.source_id"),
            {"s": [k[0] for k in missing], "i": [k[1] for k in missing]})
        stored.update({(r.source, r.source_id): r.text for r in rows})
        missing = []
    for i in range(0, len(missing), 500):
        chunk = missing[i:i + 500]
        by_source: dict[str, list[str]] = defaultdict(list)
        for source, source_id in chunk:
            by_source[source].append(source_id)
        cond = or_(*[(t.c.source == src) & t.c.source_id.in_(ids) for src, ids in by_source.items()])
        stored.update({(r.source, r.source_id): r.text for r in session.execute(
            select(t.c.source, t.c.source_id, t.c.text).where(cond))})
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


_POST_COLUMNS = ("source", "source_id", "created_at", "text", "lang", "author_hash", "user_location", "lat", "lon",
                 "place", "url", "ingested_at")
_PG_INSERT_POSTS = (
    f"INSERT INTO posts ({', '.join(_POST_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_POST_COLUMNS))}) "
    "ON CONFLICT (source, source_id) DO NOTHING RETURNING id, source, source_id"
)


def _insert_posts_pg(session: Session, rows: list[dict]) -> list[tuple[int, str, str]]:
    """Insert posts with psycopg's pipelined executemany: one prepared statement for the whole batch, on the
    session's connection and transaction. (SQLAlchemy's multi-row VALUES statements with thousands of parameters
    are re-parsed by psycopg each time, which made PostgreSQL ingest several times slower than SQLite.)"""
    now = datetime.now(timezone.utc)
    conn = session.connection().connection.driver_connection
    inserted: list[tuple[int, str, str]] = []
    with conn.cursor() as cur:
        cur.executemany(_PG_INSERT_POSTS, [tuple(r[c] for c in _POST_COLUMNS[:-1]) + (now,) for r in rows],
                        returning=True)
        while True:
            inserted.extend(cur.fetchall())
            if not cur.nextset():
                break
    return inserted


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


def _upsert_counts(session: Session, model, keys: list[str], items) -> None:
    t = model.__table__
    stmt = _insert(session)(t)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys,
        set_={"n_posts": t.c.n_posts + stmt.excluded.n_posts, "n_outage": t.c.n_outage + stmt.excluded.n_outage},
    )
    session.execute(stmt, [{**dict(zip(keys, k)), "n_posts": v[0], "n_outage": v[1]} for k, v in items])


def quarantine(session: Session, source: str, records: Iterable[tuple]) -> int:
    """Keep records that could not become posts: (raw text, reason) or (raw text, reason, ordinal). Returns how many
    rows were new.

    The row's ``raw_hash`` is the SHA-256 of the ordinal and the raw text, so the same text at two lines of a file is
    two rows, and re-ingesting the file adds none. NUL characters and lone surrogates in the raw text, the reason or
    the source are replaced first (:func:`~outageradar.ingest.post.clean_text`), so any record can be kept."""
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

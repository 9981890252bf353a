"""Loading posts into the store: classify each batch and write it in one transaction.

A batch is committed whole or not at all, so a run killed half way leaves only whole batches behind, and the
unique (source, source_id) constraint makes the re-run skip them: the store ends with exactly the input's posts.

One record never sinks its batch. Inside the batch's transaction the posts are written under a SAVEPOINT; when that
fails because of a record (a value the database refuses), the savepoint is rolled back and the posts are written one
by one, each under its own savepoint, and the ones that still fail are quarantined with the database's reason. The
same holds for classification (a post the tagger fails on is quarantined) and for time (a post before 2006-01-01 or
more than a day in the future is quarantined: :func:`~outageradar.ingest.post.check_time`). A failure that is not
about a record (the connection is lost, a lock times out) still fails the batch whole, as before. Posts, cursors,
quarantine rows and rollups stay one transaction per batch.

Accounting: every record read is exactly one of new, already stored (same id, same text) or quarantined (rejected by
the reader, implausible, a conflict: same id with another text, or refused by the database), so
``read == new + duplicates + rejected`` in :class:`LoadSummary` always.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from outageradar.ingest.filesource import Rejected
from outageradar.ingest.post import Post, PostError, check_time
from outageradar.store.writer import WriteResult, quarantine, store_posts

DEFAULT_BATCH = 2000


@dataclass
class LoadSummary:
    read: int = 0
    new: int = 0
    duplicates: int = 0
    rejected: int = 0  # every record quarantined this run (by the reader or the store)
    quarantined_new: int = 0  # of them, rows the quarantine table did not hold yet
    repaired: int = 0  # records whose text had characters replaced (invalid UTF-8, NUL, lone surrogates)
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def count_reason(self, reason: str) -> None:
        key = reason.split(":")[0][:60]
        self.reasons[key] = self.reasons.get(key, 0) + 1


def load(
    factory: sessionmaker[Session],
    items: Iterable[Post | Rejected],
    tagger,
    quarantine_source: str,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[LoadSummary], None] | None = None,
) -> LoadSummary:
    """Classify and store every Post in ``items``; quarantine every Rejected under ``quarantine_source``."""
    summary = LoadSummary()
    start = time.perf_counter()
    posts: list[Post] = []
    rejected: list[Rejected] = []

    def flush() -> None:
        result = store_page(factory, posts, tagger,
                            rejected=[(r.raw, f"line {r.line}: {r.reason}", r.line) for r in rejected],
                            quarantine_source=quarantine_source)
        summary.new += result.new
        summary.duplicates += result.duplicates
        summary.quarantined_new += result.quarantined_new
        summary.rejected += len(result.refused)
        for reason in result.refused:
            summary.count_reason(reason)
        posts.clear()
        rejected.clear()
        if on_batch:
            on_batch(summary)

    for item in items:
        summary.read += 1
        if isinstance(item, Rejected):
            summary.rejected += 1
            summary.repaired += bool(item.repaired)
            summary.count_reason(item.reason)
            rejected.append(item)
        else:
            summary.repaired += bool(item.extra.get("repaired"))
            posts.append(item)
        if len(posts) + len(rejected) >= batch_size:
            flush()
    if posts or rejected:
        flush()
    summary.seconds = time.perf_counter() - start
    return summary


@dataclass
class PageResult:
    new: int
    duplicates: int
    quarantined_new: int
    refused: list[str] = field(default_factory=list)  # reasons of the posts quarantined by the store step


def _post_record(post: Post, reason: str) -> tuple[str, str, int | None]:
    """A post the store refused, as a quarantine record: its fields as JSON (an author only as its salted hash)."""
    line = post.extra.get("line")
    try:
        raw = json.dumps(post.to_dict(), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        raw = repr(post)
    if line is not None:
        reason = f"line {line}: {reason}"
    return raw, reason, line if line is not None else f"{post.source}\x00{post.source_id}"


def _error_text(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    msg = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {msg}"[:300]


def is_record_error(exc: BaseException) -> bool:
    """Whether ``exc`` from writing posts is about the records (a value the database or the driver refuses), so the
    batch can be retried post by post, rather than about the database (connection, locks), which fails the batch."""
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.InternalError)):
        return False
    if isinstance(exc, (sa_exc.DataError, sa_exc.IntegrityError)):
        return True
    orig = getattr(exc, "orig", None) or exc.__cause__ or exc
    if isinstance(orig, (UnicodeError, ValueError, OverflowError, TypeError)):
        return True
    try:
        import psycopg

        if isinstance(orig, (psycopg.DataError, psycopg.IntegrityError)):
            return True
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    import sqlite3

    return isinstance(orig, (sqlite3.DataError, sqlite3.IntegrityError, sqlite3.InterfaceError))


def _begin_outer(session: Session) -> None:
    """Make sure the batch's transaction is open before the first SAVEPOINT: Python's sqlite3 opens one only
    before a write, and a SAVEPOINT outside a transaction would commit on release."""
    if session.get_bind().dialect.name != "sqlite":
        return
    dbapi = session.connection().connection.driver_connection
    if not dbapi.in_transaction:
        from sqlalchemy import text

        session.execute(text("DELETE FROM quarantine WHERE 0"))  # a no-op write: sqlite3 issues BEGIN before it


def _classify(tagger, posts: list[Post], refused: list[tuple[Post, str]]) -> tuple[list[Post], list]:
    """Labels for ``posts``; when the batch fails, post by post, the failing ones moved to ``refused``."""
    if not posts:
        return [], []
    try:
        return posts, list(tagger.classify_posts(posts))
    except Exception:  # noqa: BLE001 - find the record(s) it failed on
        pass
    kept, labels = [], []
    for p in posts:
        try:
            (label,) = tagger.classify_posts([p])
        except Exception as exc:  # noqa: BLE001 - one record must not sink the batch
            refused.append((p, f"classification failed: {_error_text(exc)}"))
            continue
        kept.append(p)
        labels.append(label)
    return kept, labels


def _store_isolated(session: Session, posts: list[Post], labels: list, refused: list[tuple[Post, str]]) -> WriteResult:
    """store_posts under a savepoint; on a record error, post by post, quarantining the ones that fail."""
    if not posts:
        return WriteResult()
    _begin_outer(session)
    try:
        with session.begin_nested():
            return store_posts(session, posts, labels)
    except Exception as exc:  # noqa: BLE001 - sorted below
        if not is_record_error(exc):
            raise
    total = WriteResult()
    for post, label in zip(posts, labels):
        try:
            with session.begin_nested():
                r = store_posts(session, [post], [label])
        except Exception as exc:  # noqa: BLE001
            if not is_record_error(exc):
                raise
            refused.append((post, f"refused by the database: {_error_text(exc)}"))
            continue
        total.new += r.new
        total.duplicates += r.duplicates
        total.conflicts.extend(r.conflicts)
    return total


def store_page(
    factory: sessionmaker[Session],
    posts: list[Post],
    tagger,
    cursors: dict[tuple[str, str], str] | None = None,
    rejected: Iterable[tuple] = (),
    quarantine_source: str = "",
    now: datetime | None = None,
) -> PageResult:
    """Store one collector page and move its cursors in the same transaction.

    ``cursors`` maps (source, key) to the new cursor value; ``rejected`` holds (raw, reason[, ordinal]) records to
    quarantine under ``quarantine_source``. Either everything is committed or nothing: a page that fails leaves the
    cursors where they were, so the next pass fetches it again, and the unique key drops what was already stored.
    Posts with an implausible time, that the tagger fails on, that the database refuses, or that conflict with a
    stored post (same id, other text) are quarantined in the same transaction; ``PageResult.refused`` has their
    reasons.
    """
    from outageradar.store.writer import set_cursor

    now = now or datetime.now(timezone.utc)
    refused: list[tuple[Post, str]] = []
    plausible = []
    for p in posts:
        try:
            check_time(p.created_at, now)
        except PostError as exc:
            refused.append((p, str(exc)))
            continue
        plausible.append(p)
    kept, labels = _classify(tagger, plausible, refused)
    with factory() as session, session.begin():
        result = _store_isolated(session, kept, labels, refused)
        refused.extend(result.conflicts)
        records = list(rejected) + [_post_record(p, reason) for p, reason in refused]
        q = quarantine(session, quarantine_source or "collector", records)
        for (source, key), value in (cursors or {}).items():
            set_cursor(session, source, key, value)
    return PageResult(result.new, result.duplicates, q, [reason for _, reason in refused])

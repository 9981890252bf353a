"""Writing one page of classified posts: posts, quarantine rows and cursors in one transaction.

This is the store's half of the pipeline (:mod:`outageradar.pipeline` classifies; this module writes). A page is
committed whole or not at all, so a run killed half way leaves only whole pages behind, and the unique
(source, source_id) constraint makes the re-run skip them: the store ends with exactly the input's posts.

One record never sinks its page. Inside the page's transaction the posts are written under a SAVEPOINT; when that
fails because of a record (a value the database refuses), the savepoint is rolled back and the posts are written one
by one, each under its own savepoint, and the ones that still fail are quarantined with the database's reason
(:func:`is_record_error` tells the two kinds of failure apart). A failure that is not about a record (the connection
is lost, a lock times out) still fails the page whole. Posts that conflict with a stored post (same id, other text)
are quarantined too. Posts, cursors, quarantine rows and rollups stay one transaction per page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from outageradar.records import Classification, Post, Rejected
from outageradar.store.writer import WriteResult, quarantine, set_cursor, store_posts


@dataclass
class PageResult:
    new: int = 0
    duplicates: int = 0
    quarantined_new: int = 0  # quarantine rows the table did not hold yet
    refused: list[str] = field(default_factory=list)  # reasons of the posts quarantined by this page's store step


def error_text(exc: BaseException) -> str:
    """``Class: first line`` of an exception (the driver's own error when SQLAlchemy wraps one), at most 300 chars."""
    orig = getattr(exc, "orig", None) or exc
    msg = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {msg}"[:300]


def is_record_error(exc: BaseException) -> bool:
    """Whether ``exc`` from writing posts is about the records (a value the database or the driver refuses), so the
    page can be retried post by post, rather than about the database (connection, locks), which fails the page."""
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


def post_record(post: Post, reason: str) -> tuple[str, str, int | str]:
    """A post the pipeline or the store refused, as a quarantine record (raw, reason, ordinal): its fields as JSON
    (an author only as its salted hash), the reason prefixed with its file line when it has one; the ordinal (what
    makes two equal raw texts two rows) is the line, else the post's id."""
    line = post.extra.get("line")
    try:
        raw = json.dumps(post.to_dict(), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        raw = repr(post)
    if line is not None:
        reason = f"line {line}: {reason}"
    return raw, reason, line if line is not None else f"{post.source}\x00{post.source_id}"


def rejected_record(r: Rejected) -> tuple:
    """A :class:`~outageradar.records.Rejected` as a quarantine record: a file row's reason says its line, and the
    line is its ordinal (the same text at two lines is two rows); a platform item or stream line has neither."""
    if r.line is None:
        return r.raw, r.reason
    return r.raw, f"line {r.line}: {r.reason}", r.line


def _begin_outer(session: Session) -> None:
    """Make sure the page's transaction is open before the first SAVEPOINT: Python's sqlite3 opens one only
    before a write, and a SAVEPOINT outside a transaction would commit on release."""
    if session.get_bind().dialect.name != "sqlite":
        return
    dbapi = session.connection().connection.driver_connection
    if not dbapi.in_transaction:
        session.execute(text("DELETE FROM quarantine WHERE 0"))  # a no-op write: sqlite3 issues BEGIN before it


def store_isolated(session: Session, posts: Sequence[Post], labels: Sequence[Classification],
                   refused: list[tuple[Post, str]]) -> WriteResult:
    """:func:`~outageradar.store.writer.store_posts` under a savepoint; on a record error, post by post, the ones
    that fail appended to ``refused`` with the database's reason."""
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
            refused.append((post, f"refused by the database: {error_text(exc)}"))
            continue
        total.new += r.new
        total.duplicates += r.duplicates
        total.conflicts.extend(r.conflicts)
    return total


def write_page(
    factory: sessionmaker[Session],
    posts: Sequence[Post],
    labels: Sequence[Classification],
    refused: Iterable[tuple[Post, str]] = (),
    rejected: Iterable[Rejected] = (),
    cursors: dict[tuple[str, str], str] | None = None,
    quarantine_source: str = "",
) -> PageResult:
    """Write one classified page in one transaction: ``posts`` with their ``labels``, the ``refused`` posts (post,
    reason) and the ``rejected`` records into quarantine under ``quarantine_source``, and the ``cursors``
    ((source, key) -> value). Either everything is committed or nothing, so a failed page leaves the cursors where they
    were and the next pass fetches it again. ``PageResult.refused`` has the reasons of every post quarantined here."""
    refused = list(refused)
    with factory() as session, session.begin():
        result = store_isolated(session, posts, labels, refused)
        refused.extend(result.conflicts)
        records = [rejected_record(r) for r in rejected] + [post_record(p, reason) for p, reason in refused]
        q = quarantine(session, quarantine_source or "collector", records)
        for (source, key), value in (cursors or {}).items():
            set_cursor(session, source, key, value)
    return PageResult(result.new, result.duplicates, q, [reason for _, reason in refused])

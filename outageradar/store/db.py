"""Engine and session setup for SQLite (embedded default) and PostgreSQL (production, psycopg 3).

SQLite runs in WAL mode with a busy timeout and foreign keys on, so a reader (a report, a notebook) never blocks the
ingester and two writers wait for each other instead of failing. ``postgresql://`` URLs are mapped to the psycopg 3
driver.

No directory is ever created from a URL: a SQLite file whose directory does not exist is an error ("directory
/nonexistent/dir does not exist"), so a mistyped URL leaves nothing behind. ``make_engine(url, read_only=True)`` (the
read commands: ``report daily``, ``report live``, ``db status``) opens SQLite with ``mode=ro`` and ``query_only`` (a
missing file is an error, never created; nothing is written, not even the WAL switch) and PostgreSQL with
``default_transaction_read_only``, so they work on a read-only store and cannot change one.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from outageradar.config import mask_url
from outageradar.records import OutageradarError

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_WAL_AUTOCHECKPOINT = 10_000
"""WAL pages (4 KiB) a writing connection lets pile up before it copies them into the database file (SQLite's
default is 1,000). An ingest batch of 2,000 posts writes several hundred pages, many of them the same hot index pages
again; checkpointing every ~20 batches instead of every other one copies each of those once (store writes measured
16.4k -> 18.9-20.2k posts/s). The WAL file stays under about 40 MB."""


class StoreError(OutageradarError, RuntimeError):
    """The database cannot be used (unreachable, bad URL, schema out of date); the message is one line."""


def normalise_url(url: str) -> str:
    try:
        u = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {mask_url(url)!r}") from None
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")
    cur.close()


def _sqlite_read_only_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")  # refuses every write, whatever the file's permissions (root ignores them)
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.close()


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``sqlite:///x.db``, ``sqlite:///file:x.db?mode=ro&uri=true``), or None for an
    in-memory database or another backend."""
    u = make_url(normalise_url(url))
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    name = u.database
    if name.startswith("file:"):
        name = name[5:].split("?", 1)[0]
        if name.startswith("///"):  # file:///abs/path
            name = name[2:]
        elif name.startswith("//localhost/"):
            name = name[len("//localhost"):]
        if not name or name == ":memory:" or "mode=memory" in u.database:
            return None
    return Path(name)


def _check_sqlite_file(url: str, read_only: bool) -> Path | None:
    path = sqlite_path(url)
    if path is None:
        return None
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise StoreError(f"directory {parent} does not exist" if not parent.exists() else f"{parent} is not a directory")
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a database file")
    if read_only and not path.exists():
        raise StoreError(f"no database at {path}: nothing is stored yet (`outageradar ingest file PATH` creates it)")
    return path


def make_engine(url: str, read_only: bool = False, **kwargs) -> Engine:
    """An engine for ``url``. A SQLite file's directory must exist (none is created). ``read_only``: every connection
    refuses writes, and a missing SQLite file is an error instead of a new empty database."""
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = _check_sqlite_file(url, read_only)
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if read_only and path is not None and not u.database.startswith("file:"):
            # mode=ro: SQLite opens the file read-only and never creates it
            url = u.set(database=f"file:{quote(os.fspath(path.resolve()))}?mode=ro",
                        query={**u.query, "uri": "true"}).render_as_string(hide_password=False)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)
        return engine
    if read_only:
        kwargs.setdefault("connect_args", {})
        kwargs["connect_args"]["options"] = " ".join(
            filter(None, [u.query.get("options") if isinstance(u.query.get("options"), str) else None,
                          "-c default_transaction_read_only=on"]))
    try:
        return create_engine(url, pool_pre_ping=True, **kwargs)
    except (ImportError, ArgumentError) as exc:
        raise StoreError(f"cannot use database {mask_url(url)}: {exc}") from None


def check_connection(engine: Engine) -> None:
    """Raise :class:`StoreError` with a one-line reason when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"cannot reach database {mask_url(engine.url.render_as_string())}: {reason}") from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session:
        with session.begin():
            yield session

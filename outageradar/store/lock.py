"""The ingestion lock: never two passes at once on one database, even across processes.

:class:`PassLock` works across processes: on PostgreSQL it is a session-level ``pg_try_advisory_lock`` held on a
dedicated connection; otherwise an ``fcntl.flock`` on ``<database file>.ingest.lock`` beside the SQLite database (for
an in-memory/other URL, a lock file in the temp directory named after the URL's hash). Both are released by the OS /
server if the process dies, so a killed pass never leaves a stale lock.

:func:`locked_pass` runs one pass under the lock, or returns ``None`` ("skipped: another pass is running").
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, TypeVar

from sqlalchemy import Engine, text

T = TypeVar("T")
LOCK_NAME = "outageradar-ingest"
LOCK_KEY = int.from_bytes(hashlib.sha256(LOCK_NAME.encode()).digest()[:8], "big", signed=True)


def lock_file_for(engine: Engine) -> Path:
    url = engine.url
    db = url.database
    if url.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith("file::memory:"):
        return Path(db).with_name(Path(db).name + ".ingest.lock")
    digest = hashlib.sha1(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"outageradar-{digest}.ingest.lock"


class PassLock:
    """A non-blocking, cross-process lock for ingestion passes on one database."""

    def __init__(self, engine: Engine, key: int = LOCK_KEY):
        self.engine, self.key = engine, key
        self._conn = None
        self._fh = None

    @property
    def kind(self) -> str:
        return "pg_advisory_lock" if self.engine.dialect.name == "postgresql" else f"flock {lock_file_for(self.engine)}"

    def acquire(self) -> bool:
        if self._conn is not None or self._fh is not None:
            raise RuntimeError("PassLock is already held by this object")
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            try:
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
                conn.commit()
            except Exception:
                conn.close()
                raise
            if not got:
                conn.close()
                return False
            self._conn = conn
            return True
        path = lock_file_for(self.engine)
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh
        return True

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        if self._fh is not None:
            try:
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            finally:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


SKIPPED = "skipped: another ingest pass is running on this database"


def locked_pass(engine: Engine, fn: Callable[[], T]) -> T | None:
    """Run ``fn`` while holding the pass lock; ``None`` when another pass holds it."""
    lock = PassLock(engine)
    if not lock.acquire():
        return None
    try:
        return fn()
    finally:
        lock.release()

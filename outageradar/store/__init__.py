"""The store: SQLAlchemy models, engine setup, migrations, writes and queries.

``open_store()`` is the one way in: it reads the configured URL, checks the database answers and that its schema is
current (upgrading the embedded SQLite default in place). ``open_store(read_only=True)`` is the way in of the read
commands (``report daily``, ``report live``, ``db status``): it never creates, migrates or writes (see
:func:`outageradar.store.db.make_engine`); a schema older than the code is an error asking for ``outageradar db
upgrade``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from outageradar.store.db import StoreError, check_connection, make_engine, session_factory


@dataclass
class Store:
    engine: Engine
    factory: sessionmaker[Session]

    def session(self) -> Session:
        return self.factory()

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, ensure_schema: bool = True, read_only: bool = False) -> Store:
    """The store at ``url`` (default: the configured one). ``ensure_schema``: make the schema current (writable
    stores: SQLite is upgraded in place) or insist that it is (``read_only``)."""
    from outageradar.config import load_settings
    from outageradar.store import migrate

    engine = make_engine(url or load_settings().database_url, read_only=read_only)
    try:
        check_connection(engine)
        if ensure_schema:
            if read_only:
                migrate.require_current(engine)
            else:
                migrate.ensure_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, session_factory(engine))


__all__ = ["Store", "StoreError", "open_store"]

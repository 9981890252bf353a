"""The store: SQLAlchemy models, engine setup, migrations, writes and queries.

``open_store()`` is the one way in: it reads the configured URL, checks the database answers and that its schema is
current (upgrading the embedded SQLite default in place).
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


def open_store(url: str | None = None, ensure_schema: bool = True) -> Store:
    from outageradar.config import load_settings
    from outageradar.store import migrate

    engine = make_engine(url or load_settings().database_url)
    check_connection(engine)
    if ensure_schema:
        migrate.ensure_schema(engine)
    return Store(engine, session_factory(engine))


__all__ = ["Store", "StoreError", "open_store"]

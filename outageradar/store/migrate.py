"""Schema migrations: Alembic, configured in code so no ``alembic.ini`` is needed.

``upgrade(engine)`` brings any database to the newest schema; ``current``/``head`` tell where it is; ``ensure_schema``
upgrades the embedded SQLite default automatically and asks for ``outageradar db upgrade`` elsewhere; ``require_current``
checks without changing anything (read-only stores).
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from outageradar.store.db import StoreError, check_connection


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("outageradar.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    check_connection(engine)
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply migrations; returns (revision before, revision after)."""
    before = current_revision(engine)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return before, current_revision(engine)


def require_current(engine: Engine) -> None:
    """Raise :class:`StoreError` (one line) unless the schema is the newest this code knows; changes nothing."""
    cur, head = current_revision(engine), head_revision(engine)
    if cur == head:
        return
    if cur is None:
        raise StoreError("the database holds no outageradar schema yet: ingest posts first, or run "
                         "`outageradar db upgrade`")
    try:
        known = ScriptDirectory.from_config(alembic_config(engine)).get_revision(cur) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown revision
        known = False
    if known:
        raise StoreError(f"the database schema ({cur}) is older than this version of outageradar ({head}): "
                         "run `outageradar db upgrade`")
    raise StoreError(f"the database schema ({cur}) is newer than this version of outageradar knows ({head}): "
                     "upgrade outageradar")


def ensure_schema(engine: Engine) -> None:
    """Make sure the schema is current: upgrade SQLite in place, refuse politely elsewhere."""
    if current_revision(engine) == head_revision(engine):
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise StoreError("the database schema is not up to date: run `outageradar db upgrade` first")

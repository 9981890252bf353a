"""Fixtures: a fresh store on SQLite and on the PostgreSQL server of this machine.

The PostgreSQL variants skip when the server is unreachable, unless ``OUTAGERADAR_REQUIRE_PG`` is set (``.ci/run``
sets it), in which case they fail. Each PostgreSQL test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("OUTAGERADAR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_available() -> str | None:
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_reason():
    return pg_available()


def _pg_schema_url(pg_reason):
    if pg_reason is not None:
        msg = f"PostgreSQL at {PG_URL} is unreachable: {pg_reason}"
        if os.environ.get("OUTAGERADAR_REQUIRE_PG"):
            pytest.fail(msg + " (OUTAGERADAR_REQUIRE_PG is set)")
        pytest.skip(msg)
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    return admin, schema, f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request, tmp_path, pg_reason):
    """A database URL with nothing in it, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin, schema, url = _pg_schema_url(pg_reason)
    yield url
    with admin.begin() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def store(db_url):
    """An open store with the current schema, on each backend."""
    from outageradar.store import migrate, open_store
    from outageradar.store.db import make_engine

    migrate.upgrade(make_engine(db_url))
    s = open_store(db_url)
    yield s
    s.dispose()


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    """Never read or write the developer's real config or salt."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("OUTAGERADAR_AUTHOR_SALT", "test-salt")
    # one model cache per test session: built once, reused by every test and subprocess, never the developer's
    monkeypatch.setenv("OUTAGERADAR_CACHE_DIR", str(tmp_path.parent.parent / "outageradar-model-cache"))
    monkeypatch.delenv("OUTAGERADAR_DATABASE_URL", raising=False)
    monkeypatch.delenv("OUTAGERADAR_CONFIG", raising=False)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """Run ``outageradar demo`` once for the session: (folder, database URL, completed process)."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder}/demo.db"
    env = {**os.environ, "COLUMNS": "200", "XDG_CONFIG_HOME": str(folder / "xdg"), "OUTAGERADAR_AUTHOR_SALT": "t"}
    proc = subprocess.run([sys.executable, "-m", "outageradar", "demo", "--out", str(folder / "reports"), "--db", url],
                          capture_output=True, text=True, cwd=folder, env=env, timeout=900)
    return folder, url, proc

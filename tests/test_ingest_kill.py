"""A killed ingest loses and duplicates nothing: the re-run ends with exactly the posts of the file."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select

from outageradar.ingest.simulate import simulate
from outageradar.store.models import ClassificationRow, PostRow, RollupRow

pytestmark = pytest.mark.slow


def _count(url):
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            try:
                return c.execute(select(func.count()).select_from(PostRow)).scalar()
            except Exception:  # table not created yet
                return 0
    finally:
        eng.dispose()


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "outageradar", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def _no_orphans(path: Path, wait: float = 10.0) -> None:
    """No process is left running ``ingest file <path>``."""
    deadline = time.time() + wait
    while True:
        left = []
        for proc_dir in Path("/proc").glob("[0-9]*"):
            try:
                cmd = (proc_dir / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if str(path).encode() in cmd and b"ingest" in cmd:
                left.append(proc_dir.name)
        if not left or time.time() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"processes left behind by the killed ingest: {left}"


def test_killed_ingest_then_rerun_has_every_post_once(tmp_path, db_url):
    records, _ = simulate(date(2026, 3, 2), days=7, seed=3)
    assert len(records) > 15_000
    path = tmp_path / "posts.jsonl"
    with open(path, "w") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    env = {**os.environ, "OUTAGERADAR_DATABASE_URL": db_url}
    assert _cli("db", "upgrade", env=env).returncode == 0  # PostgreSQL is never migrated implicitly
    proc = subprocess.Popen([sys.executable, "-m", "outageradar", "ingest", "file", str(path), "--batch-size", "500",
                             "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and _count(db_url) < 2000:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed: " + proc.stderr.read().decode()[-500:]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _no_orphans(path)  # the classifying workers die with it, and with them any connection they held
    partial = _count(db_url)
    assert 0 < partial < len(records)

    done = _cli("ingest", "file", str(path), env=env)
    assert done.returncode == 0, done.stderr
    assert f"{len(records) - partial:,} new posts" in done.stdout

    eng = create_engine(db_url)
    with eng.connect() as c:
        n, distinct = c.execute(select(func.count(), func.count(func.distinct(PostRow.source_id)))).one()
        n_class = c.execute(select(func.count()).select_from(ClassificationRow)).scalar()
        with_service = c.execute(select(func.count()).where(ClassificationRow.service.is_not(None))).scalar()
        rolled = c.execute(select(func.coalesce(func.sum(RollupRow.n_posts), 0))).scalar()
    eng.dispose()
    assert n == distinct == n_class == len(records)
    assert rolled == with_service  # rollups agree with the stored classifications, nothing counted twice

    again = _cli("ingest", "file", str(path), env=env)
    assert again.returncode == 0 and "0 new posts" in again.stdout

"""Benchmark: posts/s of `outageradar ingest file` on 100k simulated posts, on SQLite and (if up) PostgreSQL.

Runs the real CLI in a subprocess on a fresh database, so the figure includes parsing, classification, the store
writes and the rollups — everything a user's ingest does.

    .venv/bin/python benchmarks/bench_ingest.py [--posts 100000] [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from outageradar.ingest.simulate import simulate


def make_file(n: int, path: Path) -> int:
    written, seed, day = 0, 1, date(2026, 1, 5)
    with open(path, "w") as fh:
        while written < n:
            records, _ = simulate(day, days=7, seed=seed)
            for r in records[: n - written]:
                fh.write(json.dumps(r) + "\n")
            written += min(len(records), n - written)
            seed += 1
    return written


def run(path: Path, url: str) -> tuple[float, str]:
    env = {**os.environ, "OUTAGERADAR_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "outageradar", "db", "upgrade"], env=env, check=True, capture_output=True)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "outageradar", "ingest", "file", str(path)], env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode:
        raise SystemExit(r.stderr)
    return wall, r.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "posts.jsonl"
        n = make_file(args.posts, path)
        print(f"{n:,} posts in {path.stat().st_size / 1e6:.1f} MB")
        wall, line = run(path, f"sqlite:///{tmp}/bench.db")
        print(f"SQLite     : {n / wall:,.0f} posts/s end to end ({wall:.1f}s wall, incl. start-up)\n  {line}")
        schema = "bench_" + uuid.uuid4().hex[:8]
        try:
            admin = create_engine(args.pg)
            with admin.begin() as c:
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as exc:  # noqa: BLE001
            print(f"PostgreSQL : skipped ({str(exc).splitlines()[0]})")
            return
        try:
            sep = "&" if "?" in args.pg else "?"
            wall, line = run(path, f"{args.pg}{sep}options=-csearch_path%3D{schema}")
            print(f"PostgreSQL : {n / wall:,.0f} posts/s end to end ({wall:.1f}s wall, incl. start-up)\n  {line}")
        finally:
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()

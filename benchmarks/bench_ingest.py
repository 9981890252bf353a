"""Benchmark: posts/s of `outageradar ingest file` on 100k simulated posts, on SQLite and (if up) PostgreSQL, checked.

Runs the real CLI in a subprocess on a fresh database, so the figure includes parsing, classification, the store
writes and the rollups — everything a user's ingest does.

Then the store alone: the same posts, read and classified once in this process (untimed), are written batch by
batch (2,000 posts, what ``ingest file`` writes) through ``outageradar.store.page.write_page`` — the store's half of
the pipeline: posts, classifications, rollups, the savepoint and the commit — on a fresh database of each backend,
and then once more (the re-run after a kill: every post already stored, found as a duplicate). ``--store-only`` skips
the end-to-end runs.

Check, before any rate is printed (exit 1 with "check FAILED: ..." otherwise): every generated post is stored (posts
and classifications rows == posts written to the file, nothing quarantined; for the store alone, every batch reports
all its posts new, and the second pass all of them duplicates), and the rollups agree with the stored
classifications key by key — ``rollups`` equals the classifications naming a service grouped by service, country,
admin1 and bucket, ``service_rollups`` equals them grouped by service and bucket, and both total the classified posts
naming a service.

    .venv/bin/python benchmarks/bench_ingest.py [--posts 100000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

``--pg ''`` skips PostgreSQL; each PostgreSQL run uses a fresh schema (``bench_<random>``), dropped at the end.
``--break TABLE`` (debug) deletes one row of ``posts``, ``rollups`` or ``service_rollups`` after the ingest, to show
the check fails. Last measured figures: ``benchmarks/README.md``.
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
from collections import Counter
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from outageradar.ingest.simulate import simulate

BREAKABLE = ("posts", "rollups", "service_rollups")


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
    r = subprocess.run([sys.executable, "-m", "outageradar", "db", "upgrade"], env=env, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"db upgrade failed: {(r.stderr.strip().splitlines() or ['?'])[-1]}")
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "outageradar", "ingest", "file", str(path)], env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode:
        raise SystemExit(f"ingest file failed: {(r.stderr.strip().splitlines() or ['?'])[-1]}")
    return wall, r.stdout.strip()


def break_table(url: str, table: str) -> None:
    """Debug: delete one row of ``table`` (a post takes its classification with it)."""
    from outageradar.store import open_store

    store = open_store(url)
    try:
        with store.engine.begin() as c:
            if table == "posts":
                c.execute(text("DELETE FROM classifications WHERE post_id = (SELECT min(id) FROM posts)"))
                c.execute(text("DELETE FROM posts WHERE id = (SELECT min(id) FROM posts)"))
            elif table == "rollups":
                c.execute(text("DELETE FROM rollups WHERE (service, country, admin1, bucket) IN "
                               "(SELECT service, country, admin1, bucket FROM rollups LIMIT 1)"))
            else:
                c.execute(text("DELETE FROM service_rollups WHERE (service, bucket) IN "
                               "(SELECT service, bucket FROM service_rollups LIMIT 1)"))
    finally:
        store.dispose()


def check(url: str, n: int) -> str:
    """Every post stored once, and rollups that agree with the classifications; a one-line summary."""
    from outageradar.store import open_store
    from outageradar.store.models import ClassificationRow as C, PostRow, QuarantineRow, RollupRow, ServiceRollupRow

    store = open_store(url)
    try:
        with store.session() as s:
            posts = s.scalar(select(func.count()).select_from(PostRow))
            classified = s.scalar(select(func.count()).select_from(C))
            quarantined = s.scalar(select(func.count()).select_from(QuarantineRow))
            if posts != n or classified != n or quarantined:
                raise SystemExit(f"check FAILED: {n:,} posts generated, {posts:,} stored, {classified:,} classified, "
                                 f"{quarantined:,} quarantined")
            outage = func.sum(func.cast(C.outage, RollupRow.n_posts.type))
            cells = {(sv, c or "", a or "", b): (k, o) for sv, c, a, b, k, o in s.execute(
                select(C.service, C.country, C.admin1, C.bucket, func.count(), outage)
                .where(C.service.is_not(None)).group_by(C.service, C.country, C.admin1, C.bucket))}
            rollups = {(r.service, r.country, r.admin1, r.bucket): (r.n_posts, r.n_outage)
                       for r in s.execute(select(RollupRow)).scalars()}
            totals = {(r.service, r.bucket): (r.n_posts, r.n_outage)
                      for r in s.execute(select(ServiceRollupRow)).scalars()}
    finally:
        store.dispose()
    want_totals: Counter = Counter()
    want_outage: Counter = Counter()
    for (sv, _c, _a, b), (k, o) in cells.items():
        want_totals[(sv, b)] += k
        want_outage[(sv, b)] += o
    named = sum(k for k, _ in cells.values())
    if rollups != cells:
        bad = len(set(rollups.items()) ^ set(cells.items()))
        raise SystemExit(f"check FAILED: rollups differ from the classifications in {bad:,} cells "
                         f"(total {sum(k for k, _ in rollups.values()):,} posts, classifications {named:,})")
    want = {key: (want_totals[key], want_outage[key]) for key in want_totals}
    if totals != want:
        bad = len(set(totals.items()) ^ set(want.items()))
        raise SystemExit(f"check FAILED: service_rollups differ from the classifications in {bad:,} cells "
                         f"(total {sum(k for k, _ in totals.values()):,} posts, classifications {named:,})")
    return f"{n:,} posts stored and classified; rollups and service_rollups agree with them ({named:,} naming a service)"


def bench(path: Path, url: str, n: int, broken: str | None) -> tuple[float, str, str]:
    wall, line = run(path, url)
    if broken:
        break_table(url, broken)
    return wall, line, check(url, n)


STORE_BATCH = 2000


def classified(path: Path) -> tuple[list, list]:
    """The file's posts and their labels, classified once (untimed) for the store-only runs."""
    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.filesource import read_posts
    from outageradar.records import Post

    posts = [p for p in read_posts(path, "bench-salt") if isinstance(p, Post)]
    return posts, Tagger().classify_posts(posts)


def bench_store(url: str, posts: list, labels: list, broken: str | None) -> tuple[float, float, str]:
    """Seconds to write every batch to a fresh store at ``url``, seconds to write them again (all duplicates), and
    the check's line."""
    from outageradar.store import migrate, open_store
    from outageradar.store.db import make_engine
    from outageradar.store.page import write_page

    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    store = open_store(url)
    times = []
    try:
        for rerun in (False, True):
            t = time.perf_counter()
            for i in range(0, len(posts), STORE_BATCH):
                part = posts[i:i + STORE_BATCH]
                r = write_page(store.factory, part, labels[i:i + STORE_BATCH], quarantine_source="bench")
                want = (0, len(part)) if rerun else (len(part), 0)
                if (r.new, r.duplicates) != want or r.refused:
                    raise SystemExit(f"check FAILED: batch {i // STORE_BATCH} {'again' if rerun else ''}: "
                                     f"{r.new} new, {r.duplicates} duplicates, {len(r.refused)} refused; want "
                                     f"{want[0]} new, {want[1]} duplicates")
            times.append(time.perf_counter() - t)
    finally:
        store.dispose()
    if broken:
        break_table(url, broken)
    return times[0], times[1], check(url, len(posts))


@contextmanager
def pg_schema(pg: str):
    """A URL of a fresh schema on the PostgreSQL server ``pg`` (dropped afterwards), or None when it is down."""
    schema = "bench_" + uuid.uuid4().hex[:8]
    try:
        admin = create_engine(pg, connect_args={"connect_timeout": 5})
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - an unreachable server means "skip PostgreSQL"
        print(f"PostgreSQL : skipped ({str(exc).splitlines()[0]})", file=sys.stderr)
        yield None
        return
    try:
        sep = "&" if "?" in pg else "?"
        yield f"{pg}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=100_000, help="simulated posts (default 100,000)")
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                    help="PostgreSQL URL ('' to skip); a fresh schema is created and dropped")
    ap.add_argument("--store-only", action="store_true",
                    help="time only the store's writes (posts classified beforehand), not `ingest file`")
    ap.add_argument("--break", dest="broken", choices=BREAKABLE,
                    help="debug: delete one row of this table after the ingest")
    args = ap.parse_args(argv)
    if args.posts < 1:
        ap.error("--posts must be positive")
    backends = [("SQLite", None)] + ([("PostgreSQL", args.pg)] if args.pg else [])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "posts.jsonl"
        n = make_file(args.posts, path)
        results, stores = [], []
        for name, pg in backends:
            if args.store_only:
                break
            with (pg_schema(pg) if pg else _sqlite(tmp, "bench.db")) as url:
                if url:
                    wall, line, ok = bench(path, url, n, args.broken)
                    results.append((name, wall, line, ok))
        posts, labels = classified(path)
        if len(posts) != n:
            raise SystemExit(f"check FAILED: {n:,} posts generated, {len(posts):,} read back")
        for name, pg in backends:
            with (pg_schema(pg) if pg else _sqlite(tmp, "store.db")) as url:
                if url:
                    first, again, ok = bench_store(url, posts, labels, args.broken)
                    stores.append((name, first, again, ok))
        # every check passed: now the figures
        print(f"{n:,} posts in {path.stat().st_size / 1e6:.1f} MB")
        for name, wall, line, ok in results:
            print(f"check ok ({name}): {ok}")
            print(f"{name:<11}: {n / wall:,.0f} posts/s end to end ({wall:.1f}s wall, incl. start-up)\n  {line}")
        for name, first, again, ok in stores:
            print(f"check ok ({name}, store only): {ok}")
            print(f"{name:<11}: store only {n / first:,.0f} posts/s new ({first:.2f}s), "
                  f"{n / again:,.0f} posts/s already stored ({again:.2f}s), batches of {STORE_BATCH:,}")


@contextmanager
def _sqlite(tmp: str, name: str):
    yield f"sqlite:///{tmp}/{name}"


if __name__ == "__main__":
    main(sys.argv[1:])

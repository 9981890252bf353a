"""Benchmark: the daily report over a store of 10 million posts (30 days, 200 services, 300 regions), checked.

Build: synthetic posts and their classifications are bulk-written (SQLite ``executemany``, PostgreSQL ``COPY``), then
every derived table the product reads (``rollups``, ``service_rollups``, ``day_rollups``, ``service_day_rollups``)
is built by the store's own
:func:`outageradar.store.reclassify.rebuild_rollups` — the function ``classify stored`` uses — so a derived table
added later is built here too. Services and regions follow Zipf laws, volume has a daily rhythm, 30% of posts are
outage reports, and ``--outages`` outages (default five, six days apart, the last on the last day) hit one service in
3-5 regions for an hour. The ground truth is kept beside the store (``DB.truth.json``).

Check, before any time is printed: the daily report (``report daily``'s path: detection + Markdown, HTML with charts,
JSON) of each outage's day finds an incident of that service whose regions include every injected region, and the
derived tables agree with the classifications (rollup and service-rollup totals equal the classified posts naming a
service; the day rollups' totals, and the cells they hold, equal its outage reports). Any failure exits 1 with one
line ("check FAILED: ..."). The detection reads the day rollups; the 5-minute rollups serve the top regions and the
web map.

Then it prints, per outage day, the report time of each run (the first is cold: wall clock, and the process's CPU
time, which other jobs on a shared machine inflate less), and the incidents found.

    .venv/bin/python benchmarks/bench_report.py [--posts 10000000] [--days 30] [--outages 5] [--runs 2]
        [--db /tmp/outageradar-bench-10m.db | --db postgresql+psycopg://postgres@127.0.0.1:5432/test [--keep |
        --schema bench_<random>]] [--rebuild]

A SQLite store is cached at ``--db`` and rebuilt when missing, when its truth file does not match the arguments, or
with ``--rebuild``. A PostgreSQL URL gets a fresh schema (``bench_<random>``) that is dropped at the end; no other
schema is touched. With ``--keep`` that schema is kept (its truth in ``TMP/outageradar-bench-<schema>.truth.json``)
and ``--schema bench_<random>`` reuses it. A cached store (SQLite or kept schema) whose schema is older than the code
is upgraded and its derived tables rebuilt by ``rebuild_rollups`` (a table added by the upgrade starts empty), and the
output says so. ``--skip-table TABLE`` (debug) empties a derived table after the build, to show the check fails.

Last measured figures: see ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, func, select, text

from outageradar.store import migrate, open_store, reclassify
from outageradar.store.db import make_engine, sqlite_path
from outageradar.store.models import (
    ClassificationRow,
    DayRollupRow,
    PostRow,
    RollupRow,
    ServiceDayRollupRow,
    ServiceRollupRow,
    decode_day_counts,
)

START = datetime(2026, 10, 1, tzinfo=timezone.utc)
N_SERVICES, N_COUNTRIES, N_ADMIN1 = 200, 30, 10
PROBLEMS = ["connectivity", "login", "messaging", "app_crash", "performance", "payments", "power", "tv_video", "other"]
SEED = 2026
DERIVED = ("rollups", "service_rollups", "day_rollups", "service_day_rollups")  # tables --skip-table may empty
MODEL_VERSION = "bench"
DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "outageradar-bench-10m.db"
SERVICES = [f"Service {i:03d}" for i in range(N_SERVICES)]
COUNTRIES = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(N_COUNTRIES)]
ADMINS = [f"Region {j}" for j in range(N_ADMIN1)]


class CheckFailed(SystemExit):
    def __init__(self, msg: str):
        super().__init__(f"check FAILED: {msg}")


def zipf_weights(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def region_of(r: int) -> tuple[str, str]:
    return COUNTRIES[r // N_ADMIN1], ADMINS[r % N_ADMIN1]


def outage_days(days: int, outages: int) -> list[int]:
    out = [days - 1 - 6 * k for k in range(outages)]
    if outages < 1 or out[-1] < 1:
        raise SystemExit(f"--days {days} is too short for --outages {outages}: outages are 6 days apart and need a "
                         f"day of history (use --days >= {6 * (outages - 1) + 2})")
    return out


def generate(n: int, days: int, outages: int, rng: np.random.Generator):
    """Posts as arrays (epoch seconds from START, service index, region index or -1 for unknown, outage flag) and the
    injected outages [{day, service, regions: [[country, admin1], ...], start}]."""
    t = rng.uniform(0, days * 86400, size=int(n * 1.8))
    hour = (t % 86400) / 3600
    keep = rng.uniform(0, 1.6, size=t.size) < 0.2 + 1.4 * (1 - np.cos(2 * np.pi * (hour - 4) / 24)) / 2
    t = t[keep][:n]
    n = t.size
    svc = rng.choice(N_SERVICES, size=n, p=zipf_weights(N_SERVICES, 1.0))
    region = rng.choice(N_COUNTRIES * N_ADMIN1, size=n, p=zipf_weights(N_COUNTRIES * N_ADMIN1, 0.9))
    region[rng.uniform(size=n) < 0.3] = -1
    outage = rng.uniform(size=n) < 0.3
    # each outage: one service, 3-5 regions, one hour, 240 extra reports per region (20 per 5 minutes)
    extra_t, extra_s, extra_r, truth = [], [], [], []
    for day in outage_days(days, outages):
        s = int(rng.integers(0, 40))
        regions = rng.choice(60, size=int(rng.integers(3, 6)), replace=False)
        t0 = day * 86400 + int(rng.integers(8, 20)) * 3600
        for r in regions:
            m = 240
            extra_t.append(rng.uniform(t0, t0 + 3600, size=m))
            extra_s.append(np.full(m, s))
            extra_r.append(np.full(m, r))
        truth.append({"day": (START + timedelta(days=day)).date().isoformat(), "service": SERVICES[s],
                      "regions": sorted(list(region_of(int(r))) for r in regions),
                      "start": (START + timedelta(seconds=t0)).isoformat()})
    t = np.concatenate([t, *extra_t])
    svc = np.concatenate([svc, *extra_s])
    region = np.concatenate([region, *extra_r])
    outage = np.concatenate([outage, np.ones(sum(map(len, extra_t)), dtype=bool)])
    order = np.argsort(t, kind="stable")
    return t[order], svc[order], region[order], outage[order], truth


# ----------------------------------------------------------------------------------------------- bulk writing
_BASE = np.datetime64(START.replace(tzinfo=None), "us")


def stamps(epoch: np.ndarray, sep: str = " ", suffix: str = "") -> list[str]:
    """UTC timestamps as the store writes them on SQLite ("2026-10-01 00:00:00.000000"), or with ``suffix`` "+00"
    for PostgreSQL's COPY."""
    arr = np.datetime_as_string(_BASE + (epoch * 1e6).astype("timedelta64[us]"), unit="us")
    return [s.replace("T", sep) + suffix for s in arr.tolist()]


def chunk_columns(lo: int, hi: int, t, svc, region, outage, problems, sep: str = " ", suffix: str = ""):
    """The posts' and classifications' column values of rows lo..hi as Python lists."""
    ts = stamps(t[lo:hi], sep, suffix)
    buckets = stamps(t[lo:hi] - t[lo:hi] % 300, sep, suffix)
    s = svc[lo:hi]
    r = region[lo:hi]
    o = outage[lo:hi]
    names = np.array(SERVICES, dtype=object)[s].tolist()
    country = np.where(r >= 0, np.array(COUNTRIES, dtype=object)[np.maximum(r, 0) // N_ADMIN1], None).tolist()
    admin1 = np.where(r >= 0, np.array(ADMINS, dtype=object)[np.maximum(r, 0) % N_ADMIN1], None).tolist()
    problem = np.where(o, np.array(PROBLEMS, dtype=object)[problems[lo:hi]], None).tolist()
    return ts, buckets, names, country, admin1, problem, o.tolist()


def write_sqlite(path: Path, t, svc, region, outage, problems, progress) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    now = stamps(np.array([t.max() if t.size else 0.0]))[0]
    for lo, hi in progress:
        ts, buckets, names, country, admin1, problem, o = chunk_columns(lo, hi, t, svc, region, outage, problems)
        ids = range(lo + 1, hi + 1)
        con.executemany(
            "INSERT INTO posts (id, source, source_id, created_at, text, ingested_at) VALUES (?,?,?,?,?,?)",
            [(i, "bench", str(i), a, f"{s} is down again" if x else f"{s} is great", now)
             for i, a, s, x in zip(ids, ts, names, o)])
        con.executemany(
            "INSERT INTO classifications (post_id, bucket, outage, outage_score, service, country, admin1, city,"
            " problem, region_evidence, model_version, classified_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(i, b, x, 0.9 if x else 0.1, s, c, a, None, p, "text" if c else None, MODEL_VERSION, now)
             for i, b, x, s, c, a, p in zip(ids, buckets, o, names, country, admin1, problem)])
        con.commit()
    con.close()


def _copy_field(v) -> str:
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    return str(v)  # no tab, newline or backslash in any generated value


def write_postgresql(store, t, svc, region, outage, problems, progress) -> None:
    now = stamps(np.array([t.max() if t.size else 0.0]), suffix="+00")[0]
    raw = store.engine.raw_connection()
    try:
        conn = raw.driver_connection
        for lo, hi in progress:
            ts, buckets, names, country, admin1, problem, o = chunk_columns(lo, hi, t, svc, region, outage, problems,
                                                                            suffix="+00")
            ids = range(lo + 1, hi + 1)
            posts = io.StringIO()
            cls = io.StringIO()
            for i, a, b, s, c, ad, p, x in zip(ids, ts, buckets, names, country, admin1, problem, o):
                posts.write(f"{i}\tbench\t{i}\t{a}\t{s} is {'down again' if x else 'great'}\t{now}\n")
                cls.write("\t".join(map(_copy_field, (i, b, x, 0.9 if x else 0.1, s, c, ad, None, p,
                                                      "text" if c else None, MODEL_VERSION, now))) + "\n")
            with conn.cursor() as cur:
                with cur.copy("COPY posts (id, source, source_id, created_at, text, ingested_at) FROM STDIN") as cp:
                    cp.write(posts.getvalue())
                with cur.copy("COPY classifications (post_id, bucket, outage, outage_score, service, country, admin1,"
                              " city, problem, region_evidence, model_version, classified_at) FROM STDIN") as cp:
                    cp.write(cls.getvalue())
            conn.commit()
        with conn.cursor() as cur:  # ids were given explicitly: move the sequence past them
            cur.execute("SELECT setval(pg_get_serial_sequence('posts', 'id'), GREATEST(max(id), 1)) FROM posts")
        conn.commit()
    finally:
        raw.close()


def chunks(n: int, size: int = 200_000, quiet: bool = False):
    start = time.perf_counter()
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        yield lo, hi
        if not quiet:
            print(f"  {hi:,} posts ({hi / (time.perf_counter() - start):,.0f}/s)", end="\r", flush=True)
    if not quiet:
        print()


def build(store, n: int, days: int, outages: int, skip_table: str | None = None, quiet: bool = False) -> dict:
    """Fill an empty, migrated store; return the ground truth."""
    rng = np.random.default_rng(SEED)
    t, svc, region, outage, truth = generate(n, days, outages, rng)
    problems = rng.choice(len(PROBLEMS), size=t.size)
    backend = store.engine.dialect.name
    t0 = time.perf_counter()
    if backend == "sqlite":
        write_sqlite(sqlite_path(str(store.engine.url)), t, svc, region, outage, problems, chunks(t.size, quiet=quiet))
    else:
        write_postgresql(store, t, svc, region, outage, problems, chunks(t.size, quiet=quiet))
    t1 = time.perf_counter()
    reclassify.rebuild_rollups(store)  # every derived table, as `classify stored` builds them
    t2 = time.perf_counter()
    if skip_table:
        if skip_table not in DERIVED:
            raise SystemExit(f"--skip-table must be one of {', '.join(DERIVED)}")
        with store.engine.begin() as c:
            c.execute(text(f"DELETE FROM {skip_table}"))
    with store.engine.begin() as c:
        c.execute(text("ANALYZE"))
    return {"posts_requested": n, "days": days, "outages": truth, "posts": int(t.size), "seed": SEED,
            "write_seconds": round(t1 - t0, 1), "rollup_seconds": round(t2 - t1, 1),
            "build_seconds": round(time.perf_counter() - t0, 1), "skip_table": skip_table}


# ----------------------------------------------------------------------------------------------- checks
def check_tables(store, truth: dict) -> str:
    """The derived tables agree with the posts and classifications; a one-line summary."""
    with store.session() as s:
        posts = s.scalar(select(func.count()).select_from(PostRow)) or 0
        classified = s.scalar(select(func.count()).select_from(ClassificationRow)) or 0
        named = s.scalar(select(func.count()).select_from(ClassificationRow)
                         .where(ClassificationRow.service.is_not(None))) or 0
        named_outage = s.scalar(select(func.count()).select_from(ClassificationRow)
                                .where(ClassificationRow.service.is_not(None), ClassificationRow.outage.is_(True))) or 0
        rollups = s.execute(select(func.coalesce(func.sum(RollupRow.n_posts), 0),
                                   func.coalesce(func.sum(RollupRow.n_outage), 0))).one()
        totals = s.execute(select(func.coalesce(func.sum(ServiceRollupRow.n_posts), 0),
                                  func.coalesce(func.sum(ServiceRollupRow.n_outage), 0))).one()
        days = {}
        for model in (DayRollupRow, ServiceDayRollupRow):
            total = s.scalar(select(func.coalesce(func.sum(model.n_outage), 0)))
            cells = decode_day_counts(s.scalars(select(model.counts)).all())[2]
            days[model.__tablename__] = (int(total), int(cells.sum()))
    if posts != truth["posts"] or classified != posts:
        raise CheckFailed(f"store holds {posts:,} posts and {classified:,} classifications, "
                          f"{truth['posts']:,} were generated")
    for name, (n, k) in (("rollups", rollups), ("service_rollups", totals)):
        if (int(n), int(k)) != (named, named_outage):
            raise CheckFailed(f"{name} count {int(n):,} posts / {int(k):,} outage reports, the classifications "
                              f"{named:,} / {named_outage:,}")
    for name, (k, cells) in days.items():
        if (k, cells) != (named_outage, named_outage):
            raise CheckFailed(f"{name} count {k:,} outage reports and hold {cells:,} in their cells, the "
                              f"classifications {named_outage:,}")
    return (f"{posts:,} posts; rollups and service_rollups total {named:,} posts, {named_outage:,} outage reports, "
            f"as do day_rollups and service_day_rollups")


def found_in(outage: dict, incidents) -> object | None:
    want = {tuple(r) for r in outage["regions"]}
    for inc in incidents:
        if inc.service == outage["service"] and want <= {(r["country"], r["admin1"]) for r in inc.regions}:
            return inc
    return None


def describe(inc) -> str:
    regions = "; ".join(f"{r['admin1']} {r['country']}".strip() for r in inc.regions) or "no region"
    return f"{inc.service} [{regions}] {inc.confidence}"


def run_reports(store, truth: dict, runs: int) -> list[dict]:
    """Time the daily report of each outage day ``runs`` times and check the outage is found."""
    from outageradar.reports.daily import write_daily_report

    results = []
    with tempfile.TemporaryDirectory() as out:
        for outage in truth["outages"]:
            day = datetime.fromisoformat(outage["day"]).date()
            walls, cpus, report = [], [], None
            for _ in range(runs):
                t, c = time.perf_counter(), time.process_time()
                report = write_daily_report(store, day, Path(out), formats=("md", "html", "json"), save=False)
                walls.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
            hit = found_in(outage, report.incidents)
            if hit is None:
                got = "; ".join(describe(i) for i in report.incidents) or "no incident"
                raise CheckFailed(f"injected outage of {outage['service']} on {outage['day']} in "
                                  f"{'; '.join(f'{a} {c}' for c, a in outage['regions'])} not found (report: {got})")
            results.append({"outage": outage, "walls": walls, "cpus": cpus, "incidents": report.incidents,
                            "hit": hit})
    return results


# ----------------------------------------------------------------------------------------------- main
def is_url(db: str) -> bool:
    return "://" in db


def schema_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def pg_schema(url: str) -> tuple[object, str, str]:
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    return admin, schema, schema_url(url, schema)


def pg_truth_path(schema: str) -> Path:
    return Path(tempfile.gettempdir()) / f"outageradar-bench-{schema}.truth.json"


def matches(truth: dict | None, args) -> bool:
    return truth is not None and (truth.get("posts_requested"), truth.get("days"), len(truth.get("outages", ()))) == (
        args.posts, args.days, args.outages)


def refresh_derived(store, truth: dict) -> None:
    """Bring a cached store to the current schema; if that changed it, rebuild every derived table (a table the
    upgrade added is empty) as ``classify stored`` would, and note it in ``truth["upgraded"]``."""
    before, after = migrate.upgrade(store.engine)
    if before == after:
        return
    t = time.perf_counter()
    reclassify.rebuild_rollups(store)
    with store.engine.begin() as c:
        c.execute(text("ANALYZE"))
    truth["upgraded"] = {"from": before, "to": after, "rollup_seconds": round(time.perf_counter() - t, 1)}


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=10_000_000, help="background posts (default 10,000,000)")
    ap.add_argument("--days", type=int, default=30, help="days of posts (default 30)")
    ap.add_argument("--outages", type=int, default=5, help="injected outages, 6 days apart (default 5)")
    ap.add_argument("--runs", type=int, default=2, help="report runs per outage day (default 2; the first is cold)")
    ap.add_argument("--db", default=str(DEFAULT_SQLITE),
                    help="SQLite file (cached) or a database URL (a PostgreSQL URL gets a fresh schema, dropped after)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild a cached SQLite store")
    ap.add_argument("--keep", action="store_true", help="PostgreSQL: keep the schema (reuse it with --schema)")
    ap.add_argument("--schema", help="PostgreSQL: reuse this schema, kept by an earlier run with --keep")
    ap.add_argument("--skip-table", choices=DERIVED, help="debug: empty this derived table after the build")
    ap.add_argument("--quiet", action="store_true", help="no progress line while writing")
    args = ap.parse_args(argv)
    if args.posts < 1 or args.runs < 1:
        ap.error("--posts and --runs must be positive")
    if (args.keep or args.schema) and not (is_url(args.db) and not args.db.startswith("sqlite")):
        ap.error("--keep and --schema need a PostgreSQL --db URL")
    if args.schema and (args.keep or args.skip_table or not args.schema.startswith("bench_")):
        ap.error("--schema takes a bench_<random> schema kept by --keep, without --keep or --skip-table")
    outage_days(args.days, args.outages)
    return args


def sqlite_store(args):
    path = Path(args.db.removeprefix("sqlite:///")) if args.db.startswith("sqlite:///") else Path(args.db)
    if not path.parent.is_dir():
        raise SystemExit(f"directory {path.parent} does not exist")
    url = f"sqlite:///{path}"
    truth_path = path.with_name(path.name + ".truth.json")
    truth = None
    if path.exists() and truth_path.exists() and not args.rebuild and not args.skip_table:
        truth = json.loads(truth_path.read_text())
        if not matches(truth, args):
            truth = None
    built = truth is None
    if built:
        truth_path.unlink(missing_ok=True)
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
        migrate.upgrade(make_engine(url))
        store = open_store(url)
        truth = build(store, args.posts, args.days, args.outages, args.skip_table, args.quiet)
        if not args.skip_table:  # a deliberately broken store is never reused
            truth_path.write_text(json.dumps(truth, indent=1))
    else:
        store = open_store(url, ensure_schema=False)
        truth.pop("upgraded", None)
        refresh_derived(store, truth)
        if "upgraded" in truth:
            truth_path.write_text(json.dumps(truth, indent=1))
    return store, truth, built


def pg_store(args):
    """(store, truth, built, admin engine, schema, whether to drop the schema at the end)."""
    if args.schema:
        truth_path = pg_truth_path(args.schema)
        truth = json.loads(truth_path.read_text()) if truth_path.exists() else None
        admin = create_engine(args.db)
        with admin.connect() as c:
            exists = c.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                               {"s": args.schema}).first() is not None
        if not exists or not matches(truth, args):
            admin.dispose()
            raise SystemExit(f"schema {args.schema} was not kept by a run with these --posts/--days/--outages "
                             f"(no schema or no matching {truth_path})")
        store = open_store(schema_url(args.db, args.schema), ensure_schema=False)
        truth.pop("upgraded", None)
        refresh_derived(store, truth)
        return store, truth, False, admin, args.schema, False
    admin, schema, url = pg_schema(args.db)
    try:
        migrate.upgrade(make_engine(url))
        store = open_store(url)
        truth = build(store, args.posts, args.days, args.outages, args.skip_table, args.quiet)
    except BaseException:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        raise
    if args.keep:
        pg_truth_path(schema).write_text(json.dumps(truth, indent=1))
    return store, truth, True, admin, schema, not args.keep


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    admin = schema = None
    drop = False
    try:
        if is_url(args.db) and not args.db.startswith("sqlite"):
            store, truth, built, admin, schema, drop = pg_store(args)
            where = f"PostgreSQL schema {schema}" + ("" if drop else " (kept)")
        else:
            store, truth, built = sqlite_store(args)
            where = f"SQLite {sqlite_path(str(store.engine.url))}"
        backend = store.engine.dialect.name
        try:
            results = run_reports(store, truth, args.runs)  # the product's view first: is each outage found?
            summary = check_tables(store, truth)
        finally:
            store.dispose()
    finally:
        if admin is not None:
            if drop:
                with admin.begin() as c:
                    c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    # every check passed: now the figures
    print(f"check ok: {summary}; {len(results)}/{len(truth['outages'])} injected outages found on their days "
          f"(service and regions)")
    how = "built" if built else "cached (built)"
    up = truth.get("upgraded")
    print(f"{backend}: {where}, {how} with {truth['posts']:,} posts in {truth['build_seconds']:.0f}s "
          f"(write {truth['write_seconds']:.0f}s, rebuild_rollups {truth['rollup_seconds']:.0f}s)"
          + (f"; schema upgraded {up['from']} -> {up['to']}, derived tables rebuilt in {up['rollup_seconds']:.0f}s"
             if up else ""))
    for r in results:
        o = r["outage"]
        times = " / ".join(f"{w:.2f}s (CPU {c:.2f}s)" for w, c in zip(r["walls"], r["cpus"]))
        others = [i for i in r["incidents"] if i is not r["hit"]]
        print(f"  {o['day']}: daily report in {times} — {len(r['incidents'])} incident(s); injected "
              f"{o['service']} ({len(o['regions'])} regions) found as {describe(r['hit'])}"
              + (f"; also {'; '.join(describe(i) for i in others)}" if others else ""))
    worst = max(max(r["walls"]) for r in results)
    print(f"slowest report {worst:.2f}s  goal < 2 s")


if __name__ == "__main__":
    main(sys.argv[1:])

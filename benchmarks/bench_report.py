"""Benchmark: the daily report over a store of 10 million posts (30 days, 200 services, 300 regions).

Builds the store once (cached at --db, default /tmp/outageradar-bench-10m.db) by bulk-inserting synthetic posts,
their classifications and the matching rollups directly (the ingest path is benchmarked by bench_ingest.py; going
through it for 10M posts would take most of an hour). Services and regions follow Zipf laws, volume has a daily
rhythm, 30% of posts are outage reports, and five outages hit one service in 3-5 regions for an hour. Then it times
`report daily` (detection + Markdown, HTML with charts, JSON) for the last day, which holds one of the outages.

    .venv/bin/python benchmarks/bench_report.py [--posts 10000000] [--db /tmp/outageradar-bench-10m.db] [--rebuild]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from outageradar.store import migrate, open_store
from outageradar.store.db import make_engine

DAYS = 30
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
N_SERVICES, N_COUNTRIES, N_ADMIN1 = 200, 30, 10
PROBLEMS = ["connectivity", "login", "messaging", "app_crash", "performance", "payments", "power", "tv_video", "other"]


def zipf_weights(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def generate(n: int, rng: np.random.Generator):
    """Posts as arrays: epoch seconds, service index, region index (-1 = unknown), outage flag."""
    # daily rhythm by accept-reject on uniform times
    t = rng.uniform(0, DAYS * 86400, size=int(n * 1.8))
    hour = (t % 86400) / 3600
    keep = rng.uniform(0, 1.6, size=t.size) < 0.2 + 1.4 * (1 - np.cos(2 * np.pi * (hour - 4) / 24)) / 2
    t = t[keep][:n]
    n = t.size
    svc = rng.choice(N_SERVICES, size=n, p=zipf_weights(N_SERVICES, 1.0))
    region = rng.choice(N_COUNTRIES * N_ADMIN1, size=n, p=zipf_weights(N_COUNTRIES * N_ADMIN1, 0.9))
    region[rng.uniform(size=n) < 0.3] = -1
    outage = rng.uniform(size=n) < 0.3
    # five outages: one service, 3-5 regions, one hour, ~20 extra reports per region per 5 minutes
    extra_t, extra_s, extra_r = [], [], []
    for k in range(5):
        day = DAYS - 1 - 6 * k
        s = int(rng.integers(0, 40))
        regions = rng.choice(60, size=int(rng.integers(3, 6)), replace=False)
        t0 = day * 86400 + int(rng.integers(8, 20)) * 3600
        for r in regions:
            m = 240
            extra_t.append(rng.uniform(t0, t0 + 3600, size=m))
            extra_s.append(np.full(m, s))
            extra_r.append(np.full(m, r))
    t = np.concatenate([t, *extra_t])
    svc = np.concatenate([svc, *extra_s])
    region = np.concatenate([region, *extra_r])
    outage = np.concatenate([outage, np.ones(sum(map(len, extra_t)), dtype=bool)])
    order = np.argsort(t, kind="stable")
    return t[order], svc[order], region[order], outage[order]


def stamp(epoch: float) -> str:
    return (START + timedelta(seconds=float(epoch))).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(db: Path, n: int) -> int:
    if db.exists():
        db.unlink()
    url = f"sqlite:///{db}"
    migrate.upgrade(make_engine(url))
    rng = np.random.default_rng(2026)
    t, svc, region, outage = generate(n, rng)
    services = [f"Service {i:03d}" for i in range(N_SERVICES)]
    countries = [f"C{chr(65 + i // 26)}{chr(65 + i % 26)}"[1:] for i in range(N_COUNTRIES)]
    admins = [f"Region {j}" for j in range(N_ADMIN1)]
    problems = rng.choice(len(PROBLEMS), size=t.size)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    now = stamp(DAYS * 86400)
    chunk = 200_000
    t0 = time.perf_counter()
    for lo in range(0, t.size, chunk):
        hi = min(t.size, lo + chunk)
        posts, cls = [], []
        for i in range(lo, hi):
            ts = stamp(t[i])
            b = stamp(t[i] - t[i] % 300)
            r = int(region[i])
            c, a = (countries[r // N_ADMIN1], admins[r % N_ADMIN1]) if r >= 0 else (None, None)
            s = services[svc[i]]
            o = bool(outage[i])
            posts.append((i + 1, "bench", str(i), ts, f"{s} is down again" if o else f"{s} is great", now))
            cls.append((i + 1, b, o, 0.9 if o else 0.1, s, c, a, None, PROBLEMS[problems[i]] if o else None,
                        "text" if c else None, "bench", now))
        con.executemany("INSERT INTO posts (id, source, source_id, created_at, text, ingested_at) VALUES (?,?,?,?,?,?)", posts)
        con.executemany("INSERT INTO classifications (post_id, bucket, outage, outage_score, service, country, admin1, city,"
                        " problem, region_evidence, model_version, classified_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", cls)
        con.commit()
        print(f"  {hi:,} posts ({hi / (time.perf_counter() - t0):,.0f}/s)", end="\r", flush=True)
    print()
    con.execute("INSERT INTO rollups (service, country, admin1, bucket, n_posts, n_outage) "
                "SELECT service, coalesce(country, ''), coalesce(admin1, ''), bucket, count(*), sum(outage) "
                "FROM classifications GROUP BY 1, 2, 3, 4")
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return int(t.size)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "outageradar-bench-10m.db")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    if args.rebuild or not args.db.exists():
        t = time.perf_counter()
        n = build(args.db, args.posts)
        print(f"built {args.db} with {n:,} posts in {time.perf_counter() - t:.0f}s")
    store = open_store(f"sqlite:///{args.db}")
    from outageradar.reports.daily import write_daily_report
    from outageradar.store.queries import table_counts

    counts = table_counts(store)
    print(f"store: {counts['posts']:,} posts, {counts['rollups']:,} rollup rows")
    day = (START + timedelta(days=DAYS - 1)).date()
    with tempfile.TemporaryDirectory() as out:
        for run in range(2):
            t = time.perf_counter()
            report = write_daily_report(store, day, Path(out), formats=("md", "html", "json"))
            wall = time.perf_counter() - t
            strong = sum(i.confidence == "strong" for i in report.incidents)
            print(f"run {run + 1}: daily report for {day} in {wall:.2f}s — {len(report.incidents)} incidents "
                  f"({strong} strong)  goal < 10 s")


if __name__ == "__main__":
    main()

"""Benchmark: classify and ingest throughput against a scikit-learn reference measured in the same run (issue 13).

On one file of ``--posts`` (200,000) real post texts, in one run:

* the reference: scikit-learn ``HashingVectorizer(ngram_range=(1, 2)).transform(texts)`` in this process, posts/s —
  what this machine does at that moment for a plain bag-of-words pass over the same texts. It is measured before the
  first step and again after each one, and each step's ratio is to the mean of the two measurements around it (on a
  shared machine the load changes during the run);
* ``Tagger().classify_rows`` in this process (batches of 5,000, models loaded first), posts/s; its ratio is to the
  reference timed on the same slices of 10,000 posts in turn with it;
* ``outageradar classify file`` as a subprocess of the CLI (wall time, start-up included), posts/s;
* ``outageradar ingest file --db URL`` as a subprocess into a fresh SQLite file and into a fresh PostgreSQL schema
  (``bench_<random>`` of ``--pg``, dropped at the end; ``--pg ''`` skips it), after ``db upgrade``, posts/s;

each with its ratio to the reference. ``--workers N`` is passed to both commands (default: theirs, the cores). The posts are real texts from ``../shared/data`` (the labelled dev file and
pool, customer-support tweets, power-outage tweets, complaints, Lagos ISP tweets with their platform place), about a
third given a real profile location (X users' locations from ``payloads/twarc_csv``, the Comcast complaints' "City,
State"), repeated to ``--posts``; ids are unique, times synthetic.

Checks, before any rate is printed (exit 1 with ``check FAILED: ...`` otherwise): ``classify file`` wrote one row
per input row (and rejected none) and its labels equal the in-process tagger's on a spread sample of rows; each
ingest stored exactly the input's posts, each with one classification, nothing quarantined.

    .venv/bin/python benchmarks/bench_throughput.py [--posts 200000] [--pg URL]    # default --pg: db test at 127.0.0.1
    .venv/bin/python benchmarks/bench_throughput.py --skip-ingest      # reference, tagger and classify file only

Last measured figures, and those before issue 13: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OUTAGERADAR_SHARED_DIR", ROOT.parent / "shared"))
DATA = SHARED / "data"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIELDS = ("outage", "service", "country", "admin1", "city", "problem")

csv.field_size_limit(10_000_000)


def _csv_column(path: Path, column: str | int, header: bool = True) -> list[str]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        rows = csv.DictReader(fh) if header else csv.reader(fh)
        return [r[column] for r in rows if len(r) and r[column] and r[column].strip()]


_FULL_NAME = re.compile(r"full_name='([^']+)'")


def profile_locations() -> list[str]:
    """Real free-text profile locations: X users' ``location`` (twarc payloads) and "City, State" of the Comcast
    complaints."""
    locs: list[str] = []
    folder = SHARED / "payloads" / "twarc_csv"
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else ():
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    doc = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(doc, dict):
                    locs += [u["location"] for u in (doc.get("includes") or {}).get("users", []) if u.get("location")]
    for path in sorted((DATA / "comcast_complaints").glob("*.csv")):
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            locs += [f"{r['City']}, {r['State']}" for r in csv.DictReader(fh) if r.get("City") and r.get("State")]
    return locs


def real_posts() -> list[dict]:
    """Distinct real posts (text, and a profile location or platform place where the data gives one), in a fixed
    order. Exits when ``../shared/data`` is absent."""
    texts = (_csv_column(DATA / "labeled" / "outage_posts_dev.csv", "text")
             + _csv_column(DATA / "labeled" / "pool_unlabelled.csv", "text")
             + _csv_column(DATA / "customer_support" / "twcs_head_monalisapatra26.csv", "text")
             + _csv_column(DATA / "power_outage_tweets" / "raw_tweets.csv", "text")
             + _csv_column(DATA / "complaints" / "complaints-data.csv", 1, header=False))
    if not texts:
        sys.exit(f"check FAILED: no post texts under {DATA}")
    locs = profile_locations()
    posts: list[dict] = []
    for i, t in enumerate(texts):
        post = {"text": t}
        if locs and i % 3 == 0:
            post["user_location"] = locs[(i // 3) % len(locs)]
        posts.append(post)
    isp = DATA / "isp_tweets" / "raw__merged.csv"
    if isp.is_file():
        with open(isp, encoding="utf-8", errors="replace", newline="") as fh:
            for r in csv.DictReader(fh):
                m = _FULL_NAME.search(r.get("Place") or "")
                if r.get("Text"):
                    posts.append({"text": r["Text"], "place": m.group(1)} if m else {"text": r["Text"]})
    return posts


def build_file(n: int, path: Path) -> list[dict]:
    """``n`` posts (the real posts repeated) written to ``path`` as JSONL with unique ids and synthetic times; the
    records."""
    base = real_posts()
    t0 = datetime(2026, 1, 5, tzinfo=timezone.utc)
    out = []
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            rec = {"id": f"t{i}", "created_at": (t0 + timedelta(seconds=3 * i)).isoformat(), **base[i % len(base)]}
            out.append(rec)
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


def reference_rate(texts: list[str]) -> float:
    """posts/s of scikit-learn's ``HashingVectorizer(ngram_range=(1, 2)).transform`` (checked: one row per text)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    vec = HashingVectorizer(ngram_range=(1, 2))
    vec.transform(texts[:1000])  # warm up
    t = time.perf_counter()
    m = vec.transform(texts)
    seconds = time.perf_counter() - t
    if m.shape[0] != len(texts) or m.nnz == 0:
        sys.exit(f"check FAILED: HashingVectorizer gave {m.shape[0]} rows for {len(texts)} texts")
    return len(texts) / seconds


def tagger_rate(records: list[dict], slice_size: int = 10_000):
    """(posts/s of ``Tagger().classify_rows`` in batches of 5,000, posts/s of the reference over the same slices, the
    labels). The two are timed slice by slice, in turn, so that both see the same load of a shared machine."""
    from sklearn.feature_extraction.text import HashingVectorizer

    from outageradar.classify.tagger import Row, Tagger

    tagger = Tagger()
    _ = tagger.catalog, tagger.relevance, tagger.regions
    rows = [Row(r["text"], r.get("user_location"), None, None, r.get("place")) for r in records]
    tagger.classify_rows(rows[:2000])  # warm up: the tables read on first need (ZIP codes, villages ...)
    vec = HashingVectorizer(ngram_range=(1, 2))
    labels = []
    t_tag = t_ref = 0.0
    for i in range(0, len(rows), slice_size):
        part = rows[i:i + slice_size]
        t = time.perf_counter()
        vec.transform([r.text for r in part])
        t_ref += time.perf_counter() - t
        t = time.perf_counter()
        for j in range(0, len(part), 5000):
            labels.extend(tagger.classify_rows(part[j:j + 5000]))
        t_tag += time.perf_counter() - t
    if len(labels) != len(rows):
        sys.exit(f"check FAILED: the tagger returned {len(labels):,} labels for {len(rows):,} rows")
    return len(rows) / t_tag, len(rows) / t_ref, labels


def cli(*args: str, env: dict | None = None) -> float:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "outageradar", *args], capture_output=True, text=True,
                       env={**os.environ, **(env or {})}, cwd=ROOT)
    wall = time.perf_counter() - t
    if r.returncode:
        last = (r.stderr.strip().splitlines() or r.stdout.strip().splitlines() or ["?"])[-1]
        sys.exit(f"check FAILED: outageradar {' '.join(args[:2])} exited {r.returncode}: {last}")
    return wall


def check_classify(out: Path, n: int, labels, sample: int) -> str:
    """``classify file``'s output: one row per input row, in order, and the tagger's labels on a spread sample."""
    got = 0
    step = max(1, n // max(1, sample))
    checked = 0
    with open(out, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            got += 1
            if i % step or labels is None:
                continue
            rec = json.loads(line)
            lab = labels[i]
            if rec.get("id") != f"t{i}":
                sys.exit(f"check FAILED: classify file row {i} is {rec.get('id')!r}, not t{i}")
            mine = {"outage": int(lab.outage), **{f: getattr(lab, f) for f in FIELDS[1:]}}
            theirs = {f: rec.get(f) for f in FIELDS}
            if mine != theirs or not math.isclose(lab.outage_score, rec["outage_score"], abs_tol=1e-9):
                sys.exit(f"check FAILED: classify file row {i} differs from the tagger: {theirs} != {mine}")
            checked += 1
    if got != n:
        sys.exit(f"check FAILED: classify file wrote {got:,} rows for {n:,}")
    if out.with_name(out.name + ".rejected.jsonl").exists():
        sys.exit("check FAILED: classify file rejected rows")
    return f"classify file wrote {got:,} rows for {n:,}; {checked:,} sample rows equal to the in-process tagger"


def check_store(url: str, n: int) -> str:
    from sqlalchemy import func, select

    from outageradar.store import open_store
    from outageradar.store.models import ClassificationRow, PostRow, QuarantineRow

    store = open_store(url)
    try:
        with store.session() as s:
            posts = s.scalar(select(func.count()).select_from(PostRow))
            classified = s.scalar(select(func.count()).select_from(ClassificationRow))
            quarantined = s.scalar(select(func.count()).select_from(QuarantineRow))
    finally:
        store.dispose()
    if posts != n or classified != n or quarantined:
        sys.exit(f"check FAILED: {n:,} posts in the file, {posts:,} stored, {classified:,} classified, "
                 f"{quarantined:,} quarantined")
    return f"{posts:,} posts stored for {n:,} in the file, each classified, none quarantined"


def ingest(path: Path, url: str, n: int, workers: list[str]) -> tuple[float, str]:
    cli("db", "upgrade", env={"OUTAGERADAR_DATABASE_URL": url})
    wall = cli("ingest", "file", str(path), "--db", url, *workers)
    return wall, check_store(url, n)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=200_000, help="posts (default 200,000)")
    ap.add_argument("--sample", type=int, default=2000, help="classify file rows checked against the tagger")
    ap.add_argument("--pg", default=PG_DEFAULT,
                    help="PostgreSQL URL ('' to skip); a fresh schema is created and dropped")
    ap.add_argument("--skip-ingest", action="store_true",
                    help="measure the reference, the tagger and classify file only")
    ap.add_argument("--skip-tagger", action="store_true", help="do not time the in-process tagger")
    ap.add_argument("--workers", type=int, help="passed to classify file and ingest file (default: theirs)")
    args = ap.parse_args(argv)
    if args.posts < 1 or (args.workers is not None and args.workers < 1):
        ap.error("--posts and --workers must be positive")
    workers = [] if args.workers is None else ["--workers", str(args.workers)]
    results: list[tuple[str, float, float, str]] = []  # (name, posts/s, reference around it, note)
    checks: list[str] = []
    refs: list[float] = []

    def measured(name: str, rate: float, note: str, ref: float | None = None) -> None:
        before = refs[-1]
        refs.append(reference_rate(texts))
        results.append((name, rate, (before + refs[-1]) / 2 if ref is None else ref, note))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "posts.jsonl"
        records = build_file(args.posts, path)
        n = len(records)
        texts = [r["text"] for r in records]
        refs.append(reference_rate(texts))
        labels = None
        if not args.skip_tagger:
            rate, ref, labels = tagger_rate(records)
            measured("Tagger().classify_rows", rate, "in process, models loaded; reference timed slice by slice "
                     "in turn with it", ref)
        out = Path(tmp) / "out.jsonl"
        wall = cli("classify", "file", str(path), "-o", str(out), *workers)
        checks.append(check_classify(out, n, labels, args.sample))
        measured("classify file", n / wall, f"CLI subprocess, {wall:.1f} s wall incl. start-up")
        if not args.skip_ingest:
            url = f"sqlite:///{tmp}/bench.db"
            wall, ok = ingest(path, url, n, workers)
            checks.append(f"SQLite: {ok}")
            measured("ingest file (SQLite)", n / wall, f"{wall:.1f} s wall")
            if args.pg:
                from sqlalchemy import create_engine, text

                schema = "bench_" + uuid.uuid4().hex[:8]
                admin = None
                try:
                    admin = create_engine(args.pg, connect_args={"connect_timeout": 5})
                    with admin.begin() as c:
                        c.execute(text(f'CREATE SCHEMA "{schema}"'))
                except Exception as exc:  # noqa: BLE001 - an unreachable server means "skip PostgreSQL"
                    results.append(("ingest file (PostgreSQL)", math.nan, math.nan,
                                    f"skipped ({str(exc).splitlines()[0]})"))
                    schema = None
                if schema:
                    try:
                        sep = "&" if "?" in args.pg else "?"
                        wall, ok = ingest(path, f"{args.pg}{sep}options=-csearch_path%3D{schema}", n, workers)
                        checks.append(f"PostgreSQL: {ok}")
                        measured("ingest file (PostgreSQL)", n / wall, f"{wall:.1f} s wall")
                    finally:
                        with admin.begin() as c:
                            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                        admin.dispose()
        size = path.stat().st_size
    # every check passed: now the figures
    for ok in checks:
        print(f"check ok: {ok}")
    print(f"{n:,} posts ({size / 1e6:.1f} MB, {sum(map(len, texts)) / n:.0f} chars avg)")
    print(f"{'HashingVectorizer (reference)':<30}{sum(refs) / len(refs):>10,.0f} posts/s   1.00x  "
          f"(measured {len(refs)} times: {', '.join(f'{r:,.0f}' for r in refs)})")
    for name, rate, ref, note in results:
        if math.isnan(rate):
            print(f"{name:<30}{'-':>10}            {note}")
        else:
            print(f"{name:<30}{rate:>10,.0f} posts/s  {rate / ref:5.2f}x  (reference around it {ref:,.0f}; {note})")


if __name__ == "__main__":
    main(sys.argv[1:])

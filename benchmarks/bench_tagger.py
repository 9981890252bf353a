"""Benchmark: the full tagger (service + relevance + region + problem) in one process, over 200k real posts.

Texts come from ../shared/data (the labelled dev file and the customer-support tweets), repeated to 200k; no
coordinates (the text/profile paths are the per-post cost; coordinates are batched through reverse_geocoder).
Prints posts/s for the whole tagger and for each part, so a regression points at its cause.

    .venv/bin/python benchmarks/bench_tagger.py [--posts 200000]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from outageradar.classify.catalog import ServiceCatalog
from outageradar.classify.problem import problem_type
from outageradar.classify.region import RegionTagger
from outageradar.classify.relevance import RelevanceModel
from outageradar.classify.tagger import Row, Tagger

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def texts() -> list[str]:
    out = []
    for path, col in ((SHARED / "labeled" / "outage_posts_dev.csv", "text"),
                      (SHARED / "customer_support" / "twcs_head_monalisapatra26.csv", "text")):
        if path.exists():
            with open(path, encoding="utf-8", newline="") as fh:
                out += [r[col] for r in csv.DictReader(fh) if r.get(col)]
    if not out:
        sys.exit(f"no texts: {SHARED} is absent")
    return out


def rate(fn, items) -> float:
    t = time.perf_counter()
    fn(items)
    return len(items) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=200_000)
    args = ap.parse_args()
    base = texts()
    items = (base * (args.posts // len(base) + 1))[: args.posts]
    rows = [Row(t) for t in items]
    t = time.perf_counter()
    tagger = Tagger()
    _ = tagger.catalog, tagger.relevance, tagger.regions
    print(f"load: {time.perf_counter() - t:.1f}s; {len(items):,} posts, {sum(map(len, items)) / len(items):.0f} chars avg")
    cat, rel, reg = ServiceCatalog.default(), RelevanceModel.default(), RegionTagger.default()
    parts = {
        "service": lambda xs: [cat.identify(x) for x in xs],
        "relevance": lambda xs: rel.score_many(xs),
        "region": lambda xs: [reg.from_text(x) for x in xs],
        "problem": lambda xs: [problem_type(x) for x in xs],
    }
    for name, fn in parts.items():
        r = rate(fn, items)
        print(f"  {name:<10}{r:>10,.0f} posts/s  ({1e6 / r:5.1f} µs/post)")
    batches = [rows[i:i + 5000] for i in range(0, len(rows), 5000)]
    t = time.perf_counter()
    for b in batches:
        tagger.classify_rows(b)
    r = len(rows) / (time.perf_counter() - t)
    print(f"full tagger {r:>9,.0f} posts/s  ({1e6 / r:5.1f} µs/post)  goal >= 30,000 posts/s")


if __name__ == "__main__":
    main()

"""Benchmark: the full tagger (service + relevance + region + problem) in one process, over 200k real posts.

Texts come from ../shared/data (the labelled dev file and the customer-support tweets), repeated to 200k; no
coordinates (the text/profile paths are the per-post cost; coordinates are batched through reverse_geocoder).
Prints posts/s for the whole tagger and for each part, so a regression points at its cause.

Check, before any rate is printed (exit 1 with "check FAILED: ..." otherwise): the labels of the timed full-tagger run
equal what ``outageradar classify file`` writes (:func:`outageradar.pipeline.classify_file.classify_file`, the CLI's code path,
with its own tagger) for a sample of ``--sample`` rows spread over the input: outage, service, country, admin1, city
and problem equal, outage scores within 1e-9. So the rate is of the tagger the product runs.

    .venv/bin/python benchmarks/bench_tagger.py [--posts 200000] [--sample 1000]

Last measured figures: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from outageradar.pipeline.classify_file import classify_file
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


FIELDS = ("outage", "service", "country", "admin1", "city", "problem")


def check_against_cli(items: list[str], labels, sample: int) -> str:
    """Compare the benchmark's labels of a spread sample of rows with ``classify file``'s output for them."""
    step = max(1, len(items) // max(1, sample))
    picks = list(range(0, len(items), step))[:sample]
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "sample.jsonl", Path(tmp) / "out.jsonl"
        with open(src, "w", encoding="utf-8") as fh:
            for i in picks:
                fh.write(json.dumps({"row": i, "text": items[i]}, ensure_ascii=False) + "\n")
        summary = classify_file(src, dst)
        with open(dst, encoding="utf-8") as fh:
            cli = [json.loads(line) for line in fh]
    if summary.rows != len(picks) or len(cli) != len(picks):
        raise SystemExit(f"check FAILED: classify file wrote {len(cli)} of {len(picks)} sample rows")
    for rec in cli:
        i = rec["row"]
        ours = labels[i]
        mine = {"outage": int(ours.outage), **{f: getattr(ours, f) for f in FIELDS[1:]}}
        theirs = {f: rec.get(f) for f in FIELDS}
        if mine != theirs or not math.isclose(ours.outage_score, rec["outage_score"], rel_tol=0, abs_tol=1e-9):
            diff = {f: (mine[f], theirs[f]) for f in FIELDS if mine[f] != theirs[f]}
            if not diff:
                diff = {"outage_score": (ours.outage_score, rec["outage_score"])}
            raise SystemExit(f"check FAILED: row {i} ({items[i][:60]!r}) differs from classify file: "
                             + ", ".join(f"{k} {a!r} != {b!r}" for k, (a, b) in diff.items()))
    return f"{len(picks):,} sample rows equal to `classify file` (outage, score, service, region, problem)"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=200_000, help="posts to tag (default 200,000)")
    ap.add_argument("--sample", type=int, default=1000, help="rows checked against classify file (default 1,000)")
    args = ap.parse_args(argv)
    if args.posts < 1 or args.sample < 1:
        ap.error("--posts and --sample must be positive")
    base = texts()
    items = (base * (args.posts // len(base) + 1))[: args.posts]
    rows = [Row(t) for t in items]
    t = time.perf_counter()
    tagger = Tagger()
    _ = tagger.catalog, tagger.relevance, tagger.regions
    load = time.perf_counter() - t
    cat, rel, reg = ServiceCatalog.default(), RelevanceModel.default(), RegionTagger.default()
    parts = {
        "service": lambda xs: [cat.identify(x) for x in xs],
        "relevance": lambda xs: rel.score_many(xs),
        "region": lambda xs: [reg.from_text(x) for x in xs],
        "problem": lambda xs: [problem_type(x) for x in xs],
    }
    rates = {name: rate(fn, items) for name, fn in parts.items()}
    batches = [rows[i:i + 5000] for i in range(0, len(rows), 5000)]
    labels = []
    t = time.perf_counter()
    for b in batches:
        labels.extend(tagger.classify_rows(b))
    full = len(rows) / (time.perf_counter() - t)
    if len(labels) != len(rows):
        raise SystemExit(f"check FAILED: the tagger returned {len(labels):,} labels for {len(rows):,} rows")
    ok = check_against_cli(items, labels, args.sample)
    # the check passed: now the figures
    print(f"check ok: {ok}")
    print(f"load: {load:.1f}s; {len(items):,} posts, {sum(map(len, items)) / len(items):.0f} chars avg")
    for name, r in rates.items():
        print(f"  {name:<10}{r:>10,.0f} posts/s  ({1e6 / r:5.1f} µs/post)")
    print(f"full tagger {full:>9,.0f} posts/s  ({1e6 / full:5.1f} µs/post)  goal >= 30,000 posts/s")


if __name__ == "__main__":
    main(sys.argv[1:])

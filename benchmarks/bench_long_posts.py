"""Tagging cost of long posts: N ordinary posts against N posts of 5 MB each, through ``classify file``.

    .venv/bin/python benchmarks/bench_long_posts.py [--n 3] [--mb 5]

Every tagger entry point reads only the first ``MAX_TAGGED_CHARS`` (10,000) characters of a post
(``outageradar/classify/tagger.py``), so a 5 MB post costs about what a 10,000-character one does; below the cap the
time grows linearly with the length (the service matcher's per-hit distance, context and URL checks used to scan every
other span of the post: 100 KB of "Apple iCloud outage" took 6.4 s, 1 MB of real posts 4.5 s in the matcher alone).

Checks before it prints a time (exit 1 otherwise): every row of both files is classified (rows out == rows in), each
long post's output carries its whole text, and its labels equal those of its first 10,000 characters. It then times
the uncapped parts (service matcher, region tagger, relevance model) on 100 KB and 1 MB of one text and prints the
ratio (10 is linear).

Last measured (2 shared cores, 2026-12-02): 3 ordinary posts 0.001 s, 3 posts of 5 MB 0.14 s (all in reading the
file and writing 15 MB; tagging takes the first 10,000 characters); uncapped 100 KB -> 1 MB: matcher 0.05 -> 0.25 s,
regions 0.06 -> 0.58 s, relevance 0.11 -> 1.6 s (ratios 5-15: linear).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outageradar.classify.batch import classify_file  # noqa: E402
from outageradar.classify.tagger import MAX_TAGGED_CHARS, Tagger  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "labeled" / "outage_posts_dev.csv"
FALLBACK = ["@comcastcares my internet is out in Denver, CO since 3pm", "Is Xbox Live down? can't sign in",
            "power outage in Austin TX again", "Apple iCloud outage lol", "bt down #outage @verizon https://t.co/x"]


def ordinary_texts() -> list[str]:
    if DEV.is_file():
        with open(DEV, newline="", encoding="utf-8") as fh:
            return [r["text"] for r in csv.DictReader(fh)]
    return FALLBACK


def long_text(texts: list[str], chars: int, offset: int) -> str:
    block = " ".join(texts[offset:] + texts[:offset])
    return (block * (chars // len(block) + 1))[:chars]


def run_file(tagger: Tagger, rows: list[str], folder: Path, name: str) -> tuple[float, list[dict]]:
    src, out = folder / f"{name}.jsonl", folder / f"{name}.out.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for i, t in enumerate(rows):
            fh.write(json.dumps({"id": i, "text": t}) + "\n")
    start = time.perf_counter()
    summary = classify_file(src, out, tagger=tagger)
    seconds = time.perf_counter() - start
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    if summary.rows != len(rows) or len(got) != len(rows) or summary.rejected:
        sys.exit(f"FAIL {name}: {summary.rows} of {len(rows)} rows classified ({summary.rejected} rejected)")
    return seconds, got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3, help="posts of each kind")
    ap.add_argument("--mb", type=float, default=5.0, help="size of each long post in MB (characters)")
    args = ap.parse_args()
    tagger = Tagger()
    tagger.classify("warm up: xbox live is down in Atlanta GA")
    texts = ordinary_texts()
    ordinary = texts[: args.n]
    longs = [long_text(texts, int(args.mb * 1_000_000), 37 * i) for i in range(args.n)]
    with tempfile.TemporaryDirectory() as tmp:
        t_ord, _ = run_file(tagger, ordinary, Path(tmp), "ordinary")
        t_long, got = run_file(tagger, longs, Path(tmp), "long")
    for text, row in zip(longs, got):
        want = tagger.classify(text[:MAX_TAGGED_CHARS])
        if row["text"] != text or (row["service"], row["city"], row["outage"]) != (want.service, want.city,
                                                                                    int(want.outage)):
            sys.exit("FAIL: a long post's output differs from the labels of its first 10,000 characters")
    print(f"classify file: {args.n} ordinary posts {t_ord:.3f} s; {args.n} posts of {args.mb:g} MB {t_long:.3f} s "
          f"(all {2 * args.n} rows classified, long labels = labels of the first {MAX_TAGGED_CHARS:,} characters)")

    def timed(fn) -> float:
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        return best

    parts = {
        "service matcher": lambda t: tagger.catalog.identify(t),
        "region tagger": lambda t: list(tagger.regions.tag_many([(t, None, None, None, None)])),
        "relevance": lambda t: tagger.relevance.score_and_problem_many([t]),
    }
    small, big = long_text(texts, 100_000, 0), long_text(texts, 1_000_000, 0)
    for name, fn in parts.items():
        a, b = timed(lambda: fn(small)), timed(lambda: fn(big))
        print(f"uncapped {name}: 100 KB {a:.3f} s, 1 MB {b:.3f} s (x{b / max(a, 1e-9):.1f} for 10x the text)")


if __name__ == "__main__":
    main()

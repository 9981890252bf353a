"""Evaluate :meth:`ServiceCatalog.identify` on the labelled dev posts and measure its throughput.

Prints, for ``../shared/data/labeled/outage_posts_dev.csv``:

* outage=1 posts: share whose identified service equals the label (case and whitespace normalised; a label such as
  ``"AT&T; Sprint"`` accepts either service; an empty label expects ``None``), and the misses grouped by label;
* outage=0 posts with a non-empty service label: the same share;
* throughput of ``identify`` in posts/s over ~200k posts (the real texts repeated).

Usage: ``python benchmarks/eval_services.py [--csv PATH] [--posts 200000] [--misses]``
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from collections import Counter
from pathlib import Path

from outageradar.classify.catalog import ServiceCatalog

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "labeled" / "outage_posts_dev.csv"


def normalise(name: str | None) -> str:
    return " ".join((name or "").lower().split())


def gold_set(label: str | None) -> set[str]:
    """The accepted answers for a label ("A; B" accepts A or B; empty accepts None as '')."""
    parts = [normalise(p) for p in (label or "").split(";")]
    return {p for p in parts if p} or {""}


def is_correct(predicted: str | None, label: str | None) -> bool:
    return normalise(predicted) in gold_set(label)


def load(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def accuracy(catalog: ServiceCatalog, rows: list[dict[str, str]]) -> tuple[float, list[tuple[str, str | None, str]]]:
    misses = []
    for r in rows:
        pred = catalog.identify(r["text"])
        if not is_correct(pred, r["service"]):
            misses.append((r["service"], pred, r["text"]))
    return (1 - len(misses) / len(rows)) if rows else 0.0, misses


def throughput(catalog: ServiceCatalog, texts: list[str], n_posts: int, rounds: int = 5) -> tuple[float, float]:
    """Posts/s of ``identify`` over ``n_posts`` posts split in ``rounds`` rounds: (best round, median round).

    The best round is the least disturbed by other processes sharing the CPU; the median shows the spread.
    """
    per_round = max(1, n_posts // rounds)
    batch = (texts * (per_round // len(texts) + 1))[:per_round]
    identify = catalog.identify
    rates = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for t in batch:
            identify(t)
        rates.append(per_round / (time.perf_counter() - t0))
    rates.sort()
    return rates[-1], rates[len(rates) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--misses", action="store_true", help="print every missed post")
    args = ap.parse_args()

    catalog = ServiceCatalog.default()
    rows = load(args.csv)
    pos = [r for r in rows if r["outage"] == "1"]
    neg = [r for r in rows if r["outage"] == "0" and r["service"].strip()]
    print(f"catalog: {len(catalog)} services")

    acc, misses = accuracy(catalog, pos)
    print(f"outage=1 posts: service correct {acc:.3f} ({len(pos) - len(misses)}/{len(pos)})")
    by_label = Counter(m[0] or "(none)" for m in misses)
    print("  misses by label: " + ", ".join(f"{k} {v}" for k, v in by_label.most_common()))
    kinds = Counter("predicted none" if m[1] is None else ("label empty" if not m[0] else "other service")
                    for m in misses)
    print("  misses by kind:  " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    if args.misses:
        for label, pred, text in misses:
            print(f"    gold={label!r:28} pred={pred!r:28} {text[:110]!r}")

    acc0, misses0 = accuracy(catalog, neg)
    print(f"outage=0 posts with a service label: service correct {acc0:.3f} ({len(neg) - len(misses0)}/{len(neg)})")
    if args.misses:
        for label, pred, text in misses0:
            print(f"    gold={label!r:28} pred={pred!r:28} {text[:110]!r}")

    texts = [r["text"] for r in rows]
    catalog.identify(texts[0])
    best, median = throughput(catalog, texts, args.posts)
    loadavg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"identify throughput over {args.posts:,} posts in 5 rounds: best {best:,.0f} posts/s "
          f"({1e6 / best:.2f} us/post), median {median:,.0f} posts/s ({1e6 / median:.2f} us/post); "
          f"load average {loadavg:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

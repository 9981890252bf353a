"""NAB evaluation of ``outageradar detect series`` and throughput of ``score_counts``.

Runs the real file path (:func:`outageradar.reports.series.detect_series_file`, what the CLI calls) on every NAB file
of each folder in ``../shared/data/nab``, scores the written ``alert`` column with NAB's rules
(:mod:`benchmarks.nab_score`) and prints the normalised score per folder and profile. ``realTweets`` is the target;
``realKnownCause`` and ``realAWSCloudwatch`` show whether the fixed parameters generalise to other real series. Every
file is scored (four of them repeat or reorder timestamps around a DST change; the CLI scores their rows in file order);
a file the CLI rejected would stop the benchmark.

Then it times :func:`outageradar.reports.spike.score_counts` on a synthetic batch shaped like the store's workload
(``--series`` series of 30 days x 288 five-minute buckets of sparse, daily-seasonal report counts, one injected
one-hour burst each).

Checks, before a folder's score and time are printed (exit 1 with "check FAILED: ..." otherwise): every file of the
folder is scored, with one output row per input row and no missing alert; every labelled window of every file in
``windows.json`` is found in its file and scored (a window whose timestamps match no row would silently drop out of
the score); each file's score and the folder's normalised scores are finite numbers. Before the throughput is
printed: the result has one finite value per point, and at least 95% of the injected bursts raise an alert.

Usage: ``.venv/bin/python benchmarks/bench_nab.py [--folders realTweets,...] [--files N] [--per-file] [--lofo]
[--series N]`` (``--files N``: the first N files of each folder, for a quick run; default all).
Last measured figures: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from nab_score import PROFILES, FileScore, load_windows, normalised_score, score_file  # noqa: E402

from outageradar.reports.series import detect_series_file  # noqa: E402
from outageradar.reports.spike import score_counts  # noqa: E402

DEFAULT_NAB = ROOT.parent / "shared" / "data" / "nab"
FOLDERS = ("realTweets", "realKnownCause", "realAWSCloudwatch")


def fail(msg: str) -> None:
    raise SystemExit(f"check FAILED: {msg}")


def evaluate_folder(nab_dir: Path, folder: str, per_file: bool = False, lofo: bool = False,
                    files: int = 0) -> dict[str, float]:
    """Normalised NAB score per profile of ``detect_series_file`` over every file of ``folder``.

    With ``lofo``, also print the leave-one-file-out view: the standard score of the folder without each file (the
    parameters are fixed, so this shows how much the folder score rests on any single file)."""
    windows = load_windows(nab_dir / "windows.json")
    scores: dict[str, list[FileScore]] = {name: [] for name in PROFILES}
    every = sorted((nab_dir / folder).glob("*.csv"))
    if not every:
        raise SystemExit(f"no CSV files in {nab_dir / folder}")
    labelled = {k.split("/", 1)[1] for k in windows if k.startswith(f"{folder}/")}
    missing = sorted(labelled - {p.name for p in every})
    if missing:
        fail(f"{folder}: {len(missing)} labelled file(s) absent, e.g. {missing[0]}")
    files = every[:files] if files > 0 else every
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            out = Path(tmp) / path.name
            detect_series_file(path, out)  # a SeriesError here is a bug: every NAB file must be scored
            scored = pd.read_csv(out)
            with open(path, encoding="utf-8") as fh:
                rows = sum(1 for line in fh if line.strip()) - 1
            if len(scored) != rows or "alert" not in scored or scored["alert"].isna().any():
                fail(f"{folder}/{path.name}: {len(scored)} scored rows for {rows} input rows, or missing alerts")
            key = f"{folder}/{path.name}"
            if key not in windows:
                fail(f"{key} has no entry in windows.json")
            wins = windows[key]
            for name, profile in PROFILES.items():
                score = score_file(scored["timestamp"], scored["alert"].to_numpy(), wins, profile)
                if score.windows != len(wins):
                    fail(f"{key}: {score.windows} of its {len(wins)} labelled windows were scored")
                if not math.isfinite(score.raw):
                    fail(f"{key}: {name} score is {score.raw}")
                scores[name].append(score)
            if per_file:
                s = scores["standard"][-1]
                print(
                    f"  {path.name:45s} windows {s.windows} detected {s.detected_windows} "
                    f"false positives {s.false_positives:3d} raw {s.raw:+.2f}"
                )
    if lofo and len(files) > 1:
        std = scores["standard"]
        views = [normalised_score(std[:i] + std[i + 1 :], PROFILES["standard"]) for i in range(len(std))]
        print(f"  leave-one-file-out standard ({folder}): " + ", ".join(
            f"{path.stem.removeprefix('Twitter_volume_')} {v:.1f}" for path, v in zip(files, views)))
    result = {name: normalised_score(scores[name], PROFILES[name]) for name in PROFILES}
    if not all(math.isfinite(v) for v in result.values()):
        fail(f"{folder}: normalised scores {result}")
    return result


def synthetic_counts(n_series: int, days: int = 30, seed: int = 0,
                     starts: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sparse, daily-seasonal Poisson report counts (log-normal rates, median 0.2 per bucket) with one one-hour burst
    per series (its first bucket appended to ``starts`` when given)."""
    rng = np.random.default_rng(seed)
    n = days * 288
    ts = np.datetime64("2025-01-01T00:00", "ns") + np.arange(n) * np.timedelta64(300, "s")
    rate = np.exp(rng.normal(np.log(0.2), 1.5, (n_series, 1)))
    daily = 1.0 + 0.8 * np.sin(2 * np.pi * np.arange(n) / 288)
    lam = rate * daily
    for i in range(n_series):  # one 1-hour outage burst per series
        start = rng.integers(288, n - 12)
        lam[i, start : start + 12] += 10 * rate[i, 0] + 3
        if starts is not None:
            starts.append(int(start))
    return ts, rng.poisson(lam).astype(float)


def throughput(n_series: int) -> None:
    starts: list[int] = []
    ts, counts = synthetic_counts(n_series, starts=starts)
    start = time.perf_counter()
    result = score_counts(ts, counts)
    batch = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(min(10, n_series)):
        score_counts(ts, counts[i])
    single = (time.perf_counter() - start) / min(10, n_series)
    if result.alert.shape != counts.shape or not (np.isfinite(result.expected).all() and np.isfinite(result.pvalue).all()):
        fail(f"score_counts gave alerts of shape {result.alert.shape} for {counts.shape} points, or non-finite values")
    found = sum(bool(result.alert[i, s : s + 12].any()) for i, s in enumerate(starts))
    if found < 0.95 * n_series:
        fail(f"score_counts alerted on {found} of {n_series} injected bursts (< 95%)")
    print(f"check ok: score_counts alerted on {found} of {n_series} injected one-hour bursts")
    points = counts.size
    print(
        f"score_counts batch: {n_series} series x {counts.shape[1]} points in {batch:.2f} s "
        f"({points / batch / 1e6:.2f} M points/s, {result.alert.sum()} alerts); "
        f"one series per call: {single * 1000:.0f} ms/series"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nab", type=Path, default=DEFAULT_NAB, help="NAB data folder (with windows.json)")
    parser.add_argument("--folders", default=",".join(FOLDERS))
    parser.add_argument("--per-file", action="store_true", help="print each file's standard-profile result")
    parser.add_argument("--lofo", action="store_true", help="print the leave-one-file-out standard score per folder")
    parser.add_argument("--files", type=int, default=0, help="score only the first N files of each folder (0: all)")
    parser.add_argument("--series", type=int, default=2000, help="batch size for the throughput test (0: skip)")
    args = parser.parse_args(argv)
    print(f"{'folder':20s} " + " ".join(f"{name:>20s}" for name in PROFILES))
    for folder in [f for f in args.folders.split(",") if f]:
        start = time.perf_counter()
        result = evaluate_folder(args.nab, folder, args.per_file, args.lofo, args.files)
        elapsed = time.perf_counter() - start
        n = len(list((args.nab / folder).glob("*.csv")))
        print(f"check ok: {folder}: {min(n, args.files) if args.files > 0 else n} files, every labelled window scored")
        print(f"{folder:20s} " + " ".join(f"{result[name]:20.1f}" for name in PROFILES) + f"   ({elapsed:.1f} s)")
    if args.series > 0:
        throughput(args.series)


if __name__ == "__main__":
    main(sys.argv[1:])

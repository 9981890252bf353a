"""NAB (Numenta Anomaly Benchmark) scoring, implemented from the rules in ``../shared/README.md``.

The rules, per file of ``n`` rows with labelled windows ``[start, end]`` (row indices, inclusive):

- Rows ``i < probation_length(n) = min(floor(0.15 n), 750)`` are probationary: detections there are ignored (the
  window bookkeeping still runs over them, as in NAB's sweeper).
- Each window counts once. Its earliest detection ``i`` scores
  ``TP * scaledSigmoid(x) / scaledSigmoid(-1)`` with ``x = -(end - i + 1) / length`` and
  ``scaledSigmoid(x) = 2 / (1 + exp(5 x)) - 1``; later detections in the same window are ignored. A window with no
  detection scores ``-FN``.
- A detection outside every window scores ``FP * scaledSigmoid(x)`` (a negative number) with
  ``x = |i - previous_end| / (previous_length - 1)``, or ``-FP`` when no window came before it.
- The normalised score of a set of files is ``100 * (raw - null) / (perfect - null)`` with raw, null = ``-FN * windows``
  and perfect = ``TP * windows`` summed over the files.

Profiles (TP, FN, FP weights): standard (1, 1, 0.11), reward_low_FP_rate (1, 1, 0.22), reward_low_FN_rate (1, 2, 0.11).
A detection is a row whose ``alert`` is non-zero (the detector has already applied its own threshold, so NAB's
threshold sweep reduces to this single threshold).

NAB's code returns exactly -1 for ``scaledSigmoid(x)`` when ``x > 3``; the README's formula gives -0.99999939 there.
This module follows the README (the difference is below 1e-6 per false positive).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Profile:
    """Weights of one NAB application profile."""

    name: str
    tp: float
    fn: float
    fp: float


PROFILES: dict[str, Profile] = {
    "standard": Profile("standard", tp=1.0, fn=1.0, fp=0.11),
    "reward_low_FP_rate": Profile("reward_low_FP_rate", tp=1.0, fn=1.0, fp=0.22),
    "reward_low_FN_rate": Profile("reward_low_FN_rate", tp=1.0, fn=2.0, fp=0.11),
}


@dataclass(frozen=True)
class FileScore:
    """Raw NAB score of one file under one profile, with its parts."""

    raw: float
    windows: int
    detected_windows: int
    false_positives: int
    tp_score: float
    fp_score: float
    fn_score: float


def scaled_sigmoid(x: float) -> float:
    """``2 / (1 + exp(5 x)) - 1``: ~+1 far before a window end, 0 at it, -> -1 far after it."""
    z = 5.0 * x
    if z > 700.0:  # exp overflow: the limit
        return -1.0
    return 2.0 / (1.0 + math.exp(z)) - 1.0


def probation_length(n_rows: int) -> int:
    """Number of leading probationary rows: 15% of the file, at most 750."""
    return int(min(math.floor(0.15 * n_rows), 750))


def load_windows(path: str | Path) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """Read NAB's ``windows.json`` (``{"folder/file.csv": [[start, end], ...]}``)."""
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    return {name: [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in wins] for name, wins in raw.items()}


def window_indices(
    timestamps: Sequence[pd.Timestamp] | pd.Series | np.ndarray,
    windows: Iterable[tuple[pd.Timestamp, pd.Timestamp]],
) -> list[tuple[int, int]]:
    """Row-index bounds ``(first, last)`` of each window, as NAB's sweeper finds them.

    NAB opens a window at the first row whose timestamp equals its start and closes it at the first row whose
    timestamp equals its end (rows in file order, so files that repeat or reorder timestamps around a DST change
    are handled as NAB handles them). A bound that matches no row falls back to the rows whose timestamp lies in
    ``[start, end]`` (assuming sorted timestamps).
    """
    ts = np.asarray(pd.to_datetime(pd.Series(timestamps)).values, dtype="datetime64[ns]")
    out: list[tuple[int, int]] = []
    for start, end in windows:
        a = np.datetime64(pd.Timestamp(start).to_datetime64(), "ns")
        b = np.datetime64(pd.Timestamp(end).to_datetime64(), "ns")
        exact_lo = np.flatnonzero(ts == a)
        exact_hi = np.flatnonzero(ts == b)
        lo = int(exact_lo[0]) if exact_lo.size else int(np.searchsorted(ts, a, side="left"))
        hi = int(exact_hi[0]) if exact_hi.size else int(np.searchsorted(ts, b, side="right")) - 1
        if hi >= lo:
            out.append((lo, hi))
    return out


def score_alerts(alerts: Sequence[int] | np.ndarray, windows: Sequence[tuple[int, int]], profile: Profile) -> FileScore:
    """Raw NAB score of a 0/1 detection sequence given window row bounds (inclusive, non-overlapping)."""
    det = np.asarray(alerts) != 0
    probation = probation_length(len(det))
    wins = sorted((int(a), int(b)) for a, b in windows)
    max_tp = scaled_sigmoid(-1.0)

    inside = np.zeros(len(det), dtype=bool)
    tp_score = 0.0
    detected = 0
    for start, end in wins:
        inside[start : end + 1] = True
        hits = np.flatnonzero(det[max(start, probation) : end + 1])
        if hits.size:  # the earliest detection is the only one that counts
            i = max(start, probation) + int(hits[0])
            length = end - start + 1
            tp_score += profile.tp * scaled_sigmoid(-(end - i + 1) / length) / max_tp
            detected += 1

    ends = np.array([e for _, e in wins], dtype=np.int64)
    lens = np.array([e - s + 1 for s, e in wins], dtype=np.int64)
    fp_score = 0.0
    n_fp = 0
    for i in np.flatnonzero(det & ~inside):
        if i < probation:
            continue
        n_fp += 1
        k = int(np.searchsorted(ends, i, side="left")) - 1  # the last window that ended before row i
        if k < 0:
            fp_score -= profile.fp
        else:
            x = abs(int(i) - int(ends[k])) / max(int(lens[k]) - 1, 1)
            fp_score += profile.fp * scaled_sigmoid(x)
    fn_score = -profile.fn * (len(wins) - detected)
    return FileScore(tp_score + fp_score + fn_score, len(wins), detected, n_fp, tp_score, fp_score, fn_score)


def score_file(
    timestamps: Sequence[pd.Timestamp] | pd.Series | np.ndarray,
    alerts: Sequence[int] | np.ndarray,
    windows: Iterable[tuple[pd.Timestamp, pd.Timestamp]],
    profile: Profile,
) -> FileScore:
    """Raw NAB score of one file's alerts given its windows as timestamps."""
    return score_alerts(alerts, window_indices(timestamps, windows), profile)


def normalised_score(scores: Iterable[FileScore], profile: Profile) -> float:
    """NAB's normalised score (null detector = 0, perfect = 100) of a set of files."""
    scores = list(scores)
    raw = sum(s.raw for s in scores)
    n_windows = sum(s.windows for s in scores)
    if n_windows == 0:
        raise ValueError("normalised NAB score needs at least one labelled window")
    null = -profile.fn * n_windows
    perfect = profile.tp * n_windows
    return 100.0 * (raw - null) / (perfect - null)

"""Synthetic outage-report count series with injected outages and NAB-shaped labelled windows.

Each series is a count per bucket (5 minutes or one hour) drawn, bucket by bucket, from a gamma-Poisson (negative
binomial, ``Var = mu + alpha mu^2``) around a latent rate built on a 5-minute grid (an hourly series sums 12 of them,
so an outage that starts mid-hour covers part of its first bucket). The latent rate is

    ``rate(t) = mean * daily(t) * weekly(t) * trend(t) * wander(t) * outage(t)`` plus benign bursts,

- ``daily``: two harmonics of the time of day on the log scale (day/night ratio about 1.8x to 7x, random peak hour);
- ``weekly``: a weekend factor (0.55x to 1.1x) and small per-weekday factors;
- ``trend``: a piecewise-linear log level with a knot every 5 to 20 days (slow changes, about +-15% per knot);
- ``wander``: an AR(1) on the log rate (stationary sd 5-15%, correlation time 2-12 hours): the slow bumps of real
  volumes, which a detector must not take for outages;
- ``outage(t) = 1 + (level - 1) * shape(t - onset)`` over the injected span: shapes ``step`` (constant),
  ``ramp`` (linear rise over the first 50-100% of the span, then constant) and ``spike_decay`` (a jump decaying
  exponentially with time constant span / 3); span log-uniform in 15 minutes .. 2 days; level log-uniform in
  1.5x .. 20x the usual rate (at least 3x below one hour of span, 2x below three hours). On sparse series the level
  and the span are raised in turn (up to 20x and 2 days) until the outage adds at least :data:`SPARSE_MIN_EXCESS`
  expected reports: a rise that is small per bucket but large per hour or per day;
- benign one-bucket bursts (about one per :data:`BURST_EVERY_DAYS` days, Poisson), 5 minutes long like everything
  else on the latent grid: dense series get 1.5x-4x that 5-minute rate (in an hourly series, 4% to 25% more in one
  bucket), sparse series 1-3 extra expected reports. They are not labelled, so a detector that fires on them
  scores a false positive. They are kept at least 12 hours away from every labelled window so that a burst never
  masks (through a detector's refractory period) or pre-empts the outage label.

Kinds: ``dense-5min`` / ``dense-hourly`` (mean 10 to 300 per bucket, ``alpha`` 0.01-0.08), ``sparse-5min`` /
``sparse-hourly`` (mean 0.01 to 1 per bucket, ``alpha`` 0.1-1) and ``quiet-5min`` / ``quiet-hourly`` (dense or
sparse, no outage: they measure false alert episodes per series-year).

Outages start after NAB's probationary part (15% of the file, at most 750 rows) plus one day, and no earlier than
day 7, so a detector has some history; labelled windows are at least two days apart.

**Labelled windows** (the choice matters for the NAB score). Default ``window_style="margin"``: the injected span
extended by one bucket before its first affected bucket (the onset's bucket boundary is fuzzy) and by
``clip(span, 1 hour, 12 hours)`` (at least two buckets) after its last affected bucket. So a detection at the onset
scores the full NAB reward, one at the end of the outage still scores well (about 0.5 of the window is left),
and the reward reaches 0 at the end of the margin; a late alert after that is a (lightly penalised) false
positive. This is stricter than NAB's own labelling, which gives every window ``10% of the file / number of
windows`` rows centred on the anomaly, which for a 15-minute outage in a 5-week 5-minute file would be a
28-hour window in which an unrelated burst could count as the detection. ``window_style="nab"`` reproduces NAB's
rule (length ``max(0.1 n / k, affected buckets + 2)`` centred on the middle of the affected buckets) for
comparison; placements keep both kinds of window apart.

Everything is deterministic given the seed (``numpy.random.default_rng`` with spawned child seeds per series).

Usage: ``.venv/bin/python benchmarks/synthetic_series.py [--seed 0] [--out DIR] [--window-style margin|nab]``
prints the suite (and with ``--out`` writes ``DIR/synthetic/<name>.csv`` and ``DIR/windows.json``).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy import signal

FINE_MINUTES = 5  # latent-rate grid
FINE_PER_DAY = 24 * 60 // FINE_MINUTES
SPARSE_MIN_EXCESS = 6.0  # expected extra reports an outage adds to a sparse series, at least
BURST_EVERY_DAYS = 2.5
BURST_CLEARANCE_HOURS = 12.0
WINDOW_GAP_DAYS = 2.0  # between labelled windows (both styles)
FOLDER = "synthetic"
SHAPES = ("step", "ramp", "spike_decay")
KINDS = ("dense-5min", "dense-hourly", "sparse-5min", "sparse-hourly", "quiet-5min", "quiet-hourly")

WindowStyle = Literal["margin", "nab"]


@dataclass(frozen=True)
class Outage:
    """One injected outage: onset and end (exclusive) instants and the rows it touches (inclusive)."""

    onset: pd.Timestamp
    end: pd.Timestamp
    shape: str
    level: float
    first_row: int
    last_row: int
    expected_excess: float  # expected extra reports over the span

    @property
    def span_hours(self) -> float:
        return (self.end - self.onset).total_seconds() / 3600.0


@dataclass
class Series:
    """One synthetic series, ready to be written as a NAB data file."""

    name: str
    kind: str  # "dense-5min", "sparse-hourly", "quiet-5min", ...
    density: str  # "dense" or "sparse"
    interval_minutes: int
    timestamps: np.ndarray  # datetime64[ns]
    values: np.ndarray  # int64 counts
    windows: list[tuple[pd.Timestamp, pd.Timestamp]]  # labelled windows (NAB: inclusive row timestamps)
    outages: list[Outage] = field(default_factory=list)
    mean_rate: float = 0.0  # usual mean count per bucket
    alpha: float = 0.0
    bursts: list[int] = field(default_factory=list)  # rows of the benign one-bucket bursts (not labelled)

    @property
    def key(self) -> str:
        """The series' name in a NAB ``windows.json``."""
        return f"{FOLDER}/{self.name}.csv"

    @property
    def quiet(self) -> bool:
        return self.kind.startswith("quiet")

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"timestamp": format_timestamps(self.timestamps), "value": self.values})

    def write_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.frame().to_csv(path, index=False)
        return path

    def window_rows(self) -> list[tuple[int, int]]:
        """Row bounds (inclusive) of the labelled windows."""
        index = {int(t): i for i, t in enumerate(self.timestamps.astype(np.int64))}
        return [(index[int(a.value)], index[int(b.value)]) for a, b in self.windows]


def format_timestamps(ts: np.ndarray) -> np.ndarray:
    """NAB's ``YYYY-MM-DD HH:MM:SS``."""
    return np.char.replace(np.datetime_as_string(np.asarray(ts, dtype="datetime64[s]"), unit="s"), "T", " ")


def windows_json(series: list[Series]) -> dict[str, list[list[str]]]:
    """NAB's ``windows.json`` content for ``series`` (quiet series get an empty list)."""
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    return {s.key: [[a.strftime(fmt), b.strftime(fmt)] for a, b in s.windows] for s in series}


def write_suite(directory: str | Path, series: list[Series]) -> Path:
    """Write ``directory/synthetic/<name>.csv`` for each series and ``directory/windows.json``; return the latter."""
    directory = Path(directory)
    for s in series:
        s.write_csv(directory / s.key)
    path = directory / "windows.json"
    path.write_text(json.dumps(windows_json(series), indent=2) + "\n", encoding="utf-8")
    return path


def probation_rows(n: int) -> int:
    """NAB's probationary rows (as in ``nab_score.probation_length``)."""
    return int(min(math.floor(0.15 * n), 750))


def _loguniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _shape(kind: str, u: np.ndarray, span: float, rng_frac: float) -> np.ndarray:
    """Outage shape (0..1) at times ``u`` (minutes since onset, within ``[0, span)``)."""
    if kind == "step":
        return np.ones_like(u)
    if kind == "ramp":
        return np.clip((u + FINE_MINUTES) / (rng_frac * span), 0.0, 1.0)
    if kind == "spike_decay":
        return np.exp(-u / (span / 3.0))
    raise ValueError(kind)


def _latent_rate(rng: np.random.Generator, days: int, start: pd.Timestamp) -> np.ndarray:
    """Mean-1 seasonal x trend x wander profile on the 5-minute grid."""
    n = days * FINE_PER_DAY
    t_days = np.arange(n) / FINE_PER_DAY
    hour = (start.hour + start.minute / 60.0 + t_days * 24.0) % 24.0
    a1, a2 = rng.uniform(0.3, 0.9), rng.uniform(0.0, 0.3)
    p1, p2 = rng.uniform(0, 24), rng.uniform(0, 24)
    log_rate = a1 * np.cos(2 * np.pi * (hour - p1) / 24) + a2 * np.cos(4 * np.pi * (hour - p2) / 24)
    # weekly: weekend factor and small per-weekday factors
    weekday = ((start.day_of_week + np.floor(t_days + (start.hour + start.minute / 60) / 24)) % 7).astype(int)
    day_factor = np.log(rng.uniform(0.9, 1.1, 7))
    day_factor[5:] += math.log(rng.uniform(0.55, 1.1))
    log_rate += day_factor[weekday]
    # slow trend: piecewise-linear log level
    knots = [0.0]
    while knots[-1] < days:
        knots.append(knots[-1] + rng.uniform(5, 20))
    levels = np.cumsum(rng.normal(0, 0.15, len(knots)))
    log_rate += np.interp(t_days, knots, levels - levels[0])
    # AR(1) wander on the log rate
    sd, tau_h = rng.uniform(0.05, 0.15), rng.uniform(2, 12)
    phi = math.exp(-FINE_MINUTES / 60.0 / tau_h)
    eps = rng.normal(0, sd * math.sqrt(1 - phi * phi), n)
    wander, _ = signal.lfilter([1.0], [1.0, -phi], eps, zi=[phi * rng.normal(0, sd)])
    log_rate += wander
    rate = np.exp(log_rate)
    return rate / rate.mean()


def make_series(
    seed: int | np.random.SeedSequence,
    kind: str,
    days: int,
    n_outages: int,
    name: str | None = None,
    density: str | None = None,
    mean_rate: float | None = None,
    window_style: WindowStyle = "margin",
) -> Series:
    """One synthetic series of ``kind`` over ``days`` days with ``n_outages`` injected outages (0 for quiet kinds)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    rng = np.random.default_rng(seed)
    interval = 5 if kind.endswith("5min") else 60
    if density is None:
        density = "dense" if kind.startswith("dense") else "sparse"
    if kind.startswith("quiet"):
        n_outages = 0
    factor = interval // FINE_MINUTES
    n_fine = days * FINE_PER_DAY
    n = n_fine // factor
    start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 300)))
    timestamps = (start.to_datetime64().astype("datetime64[ns]")
                  + np.arange(n) * np.timedelta64(interval * 60, "s"))
    if mean_rate is None:
        mean_rate = _loguniform(rng, 10, 300) if density == "dense" else _loguniform(rng, 0.01, 1.0)
    alpha = _loguniform(rng, 0.01, 0.08) if density == "dense" else _loguniform(rng, 0.1, 1.0)
    usual_fine = mean_rate / factor * _latent_rate(rng, days, start)  # expected count per 5 minutes
    fine_mult = np.ones(n_fine)

    # outages: placed one after another with rejection (restarting when stuck), windows WINDOW_GAP_DAYS apart
    earliest = max(probation_rows(n) * interval / 60 / 24 + 1.0, 7.0)  # days
    reserved: list[tuple[int, int]] = []  # rows reserved by (either style of) window
    outages: list[Outage] = []
    windows_rows: list[tuple[int, int]] = []
    gap_rows = int(WINDOW_GAP_DAYS * 24 * 60 / interval)
    nab_len = int(0.1 * n / n_outages) if n_outages else 0
    effects: list[tuple[int, np.ndarray, float]] = []  # (first 5-minute slot, shape, level) of each outage
    attempts = failures = 0
    while len(outages) < n_outages:
        attempts += 1
        if attempts > 5000:
            raise RuntimeError(f"cannot place {n_outages} outages in {days} days")
        failures += 1
        if failures > 200:  # greedy placement stuck (an early outage in the middle): start over
            reserved, outages, windows_rows, effects, failures = [], [], [], [], 0
        span = _loguniform(rng, 15, 2 * 24 * 60)  # minutes
        lo_level = 3.0 if span < 60 else 2.0 if span < 180 else 1.5
        level = _loguniform(rng, lo_level, 20.0)
        shape = SHAPES[int(rng.integers(0, len(SHAPES)))]
        ramp_frac = rng.uniform(0.5, 1.0)
        span = FINE_MINUTES * max(3, round(span / FINE_MINUTES))
        onset_fine = int(rng.integers(int(earliest * FINE_PER_DAY), n_fine))

        def excess_of(span_min: float, lvl: float) -> tuple[np.ndarray, float]:
            m = int(round(span_min / FINE_MINUTES))
            u = np.arange(m) * FINE_MINUTES
            sh = _shape(shape, u.astype(float), span_min, ramp_frac)
            seg = usual_fine[onset_fine : onset_fine + m]
            return sh, float(np.sum(seg * (lvl - 1.0) * sh[: len(seg)]))

        sh, excess = excess_of(span, level)
        if density == "sparse":  # raise the level and lengthen the span in turn until the outage is visible
            turn = 0
            while excess < SPARSE_MIN_EXCESS and (level < 20.0 or span < 2 * 24 * 60):
                if (turn % 2 == 0 and level < 20.0) or span >= 2 * 24 * 60:
                    level = min(20.0, level * 1.25)
                else:
                    span = FINE_MINUTES * round(min(2 * 24 * 60, span * 1.25) / FINE_MINUTES)
                turn += 1
                sh, excess = excess_of(span, level)
        m = len(sh)
        if onset_fine + m >= n_fine:
            continue
        first_row = onset_fine // factor
        last_row = (onset_fine + m - 1) // factor
        post = max(2, int(math.ceil(min(max(span, 60.0), 12 * 60.0) / interval)))
        margin_win = (first_row - 1, last_row + post)
        affected = last_row - first_row + 1
        length = max(nab_len, affected + 2)
        mid = (first_row + last_row) // 2
        nab_win = (mid - length // 2, mid - length // 2 + length - 1)
        lo, hi = min(margin_win[0], nab_win[0]), max(margin_win[1], nab_win[1])
        if lo <= probation_rows(n) or hi >= n - 1:
            continue
        if any(lo <= b + gap_rows and a <= hi + gap_rows for a, b in reserved):
            continue
        reserved.append((lo, hi))
        effects.append((onset_fine, sh, level))
        failures = 0
        outages.append(Outage(
            onset=pd.Timestamp(start) + pd.Timedelta(minutes=onset_fine * FINE_MINUTES),
            end=pd.Timestamp(start) + pd.Timedelta(minutes=(onset_fine + m) * FINE_MINUTES),
            shape=shape, level=round(level, 3), first_row=first_row, last_row=last_row,
            expected_excess=round(excess, 3),
        ))
        windows_rows.append(margin_win if window_style == "margin" else nab_win)
    for onset_fine, sh, level in effects:
        fine_mult[onset_fine : onset_fine + len(sh)] += (level - 1.0) * sh
    order = np.argsort([o.first_row for o in outages])
    outages = [outages[i] for i in order]
    windows_rows = [windows_rows[i] for i in order]

    # benign 5-minute bursts, away from the labelled windows
    fine_mu = usual_fine * fine_mult
    clear = int(BURST_CLEARANCE_HOURS * 60 / interval)
    n_bursts = int(rng.poisson(days / BURST_EVERY_DAYS))
    bursts = []
    for fine_row in rng.integers(0, n_fine, n_bursts):
        row = int(fine_row) // factor
        if any(a - clear <= row <= b + clear for a, b in reserved):
            continue
        bursts.append(row)
        if density == "dense":
            fine_mu[fine_row] += usual_fine[fine_row] * (rng.uniform(1.5, 4.0) - 1.0)
        else:
            fine_mu[fine_row] += rng.uniform(1.0, 3.0)
    mu = fine_mu.reshape(n, factor).sum(axis=1)
    gamma = rng.gamma(1.0 / alpha, alpha, n)
    values = rng.poisson(mu * gamma).astype(np.int64)
    windows = [(pd.Timestamp(timestamps[a]), pd.Timestamp(timestamps[b])) for a, b in windows_rows]
    return Series(
        name=name or kind, kind=kind, density=density, interval_minutes=interval, timestamps=timestamps,
        values=values, windows=windows, outages=outages, mean_rate=round(mean_rate, 4), alpha=round(alpha, 4),
        bursts=sorted(bursts),
    )


# (kind, count, days range, outages range, density override per index or None)
SUITE_PLAN: tuple[tuple[str, int, tuple[int, int], tuple[int, int]], ...] = (
    ("dense-5min", 6, (28, 42), (2, 3)),
    ("sparse-5min", 7, (28, 42), (2, 3)),
    ("dense-hourly", 4, (100, 140), (3, 4)),
    ("sparse-hourly", 5, (150, 200), (3, 5)),
    ("quiet-5min", 5, (35, 42), (0, 0)),
    ("quiet-hourly", 4, (150, 200), (0, 0)),
)


def make_suite(seed: int = 0, window_style: WindowStyle = "margin", scale: float = 1.0) -> list[Series]:
    """The synthetic evaluation suite: 31 series (dense/sparse x 5-minute/hourly with 2-5 outages each, and quiet
    series, 60% of them sparse). ``scale`` shrinks the counts of series (and their lengths) for quick runs."""
    root = np.random.SeedSequence(seed)
    out: list[Series] = []
    for kind, count, (d_lo, d_hi), (k_lo, k_hi) in SUITE_PLAN:
        count = max(1, int(round(count * scale)))
        for i, child in enumerate(root.spawn(count)):
            rng = np.random.default_rng(child)
            days = max(14, int(round(int(rng.integers(d_lo, d_hi + 1)) * min(1.0, scale))))
            k = int(rng.integers(k_lo, k_hi + 1))
            density = "dense" if kind.startswith("dense") else "sparse"
            if kind.startswith("quiet"):
                density = "dense" if i % 5 in (0, 3) else "sparse"
            # stratified mean rates: the i-th series of a kind draws from the i-th of `count` log-spaced strata,
            # so every suite spans the whole range
            lo, hi = (10.0, 300.0) if density == "dense" else (0.01, 1.0)
            same = [j for j in range(count) if not kind.startswith("quiet") or (j % 5 in (0, 3)) == (i % 5 in (0, 3))]
            stratum, strata = same.index(i), len(same)
            u = (stratum + rng.uniform(0, 1)) / strata
            mean = float(math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))))
            out.append(make_series(child.spawn(1)[0], kind, days, k, name=f"{kind}-{i:02d}", density=density,
                                   mean_rate=mean, window_style=window_style))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write DIR/synthetic/*.csv and DIR/windows.json")
    parser.add_argument("--window-style", choices=("margin", "nab"), default="margin")
    args = parser.parse_args()
    suite = make_suite(args.seed, args.window_style)
    rows = 0
    for s in suite:
        rows += len(s.values)
        outs = "; ".join(f"{o.shape} {o.span_hours:.1f}h x{o.level:.1f} (+{o.expected_excess:.0f})" for o in s.outages)
        print(f"{s.name:18s} {s.density:6s} {len(s.values):6d} rows  mean {s.mean_rate:8.3f}  alpha {s.alpha:.3f}  "
              f"{outs or 'no outage'}")
    print(f"{len(suite)} series, {rows} rows, {sum(len(s.outages) for s in suite)} outages")
    if args.out:
        print(f"wrote {write_suite(args.out, suite)}")


if __name__ == "__main__":
    main()

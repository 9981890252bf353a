"""Leave-one-series-out evaluation of a spike detector's parameter grid on NAB and synthetic outage series.

The series: every file of NAB's ``realTweets`` (5), ``realKnownCause`` (7) and ``realAWSCloudwatch`` (17) folders in
``../shared/data/nab`` with their labelled windows (``windows.json``), and the synthetic suite of
:mod:`benchmarks.synthetic_series` (31 series: dense and sparse report counts at 5 minutes and one hour with injected
outages, and quiet series without any).

A detector is a function ``(timestamps, values, params) -> 0/1 onset alerts``. Three are registered:

- ``outageradar``: the package's own file path, :func:`outageradar.reports.series.detect_series_file` (what ``detect
  series`` runs), with a :class:`~outageradar.reports.spike.SpikeParams` built from the params dict (keys are
  ``SpikeParams`` fields, or ``BaselineParams`` fields, optionally written ``baseline.<field>``);
- ``windowed_gaussian`` and ``shesd``: the causal reference detectors of :mod:`benchmarks.reference_detectors`
  (NAB's windowed Gaussian, Twitter's S-H-ESD), with their keyword arguments as params.

Procedure. Every series is scored once per grid point (alerts cached on disk, see below) and NAB-scored under the
standard, reward_low_FP_rate and reward_low_FN_rate profiles (:mod:`benchmarks.nab_score`). Then, for each held-out
series, the grid point is chosen that maximises the normalised NAB score pooled over all *other* series (ties: the
earlier grid point; grids list the detector's defaults first), and the held-out series is scored at that point.
Printed per group (realTweets, realKnownCause, realAWSCloudwatch, synthetic) and overall, for each profile (selection
and score in that profile): the mean of the held-out series' normalised scores, the worst fold and the pooled score
of the held-out results (the group's raw scores at their own chosen points, normalised over the group's windows;
this also counts the false positives of quiet series, which have no window and so no normalised score of their own).
Then the point chosen on all series and the group scores at it (realTweets standard / low-FP / low-FN as
``bench_nab.py`` prints them), and the same at the detector's default parameters. For the synthetic series, per
kind: recall (share of injected outages with an alert inside their labelled window, after NAB's probation) and false
alert episodes per series-year (alerts outside every window after the probation; alerts less than
:data:`EPISODE_GAP_HOURS` apart are one episode, so detectors with different refractory rules compare fairly).

Scoring runs in ``--workers`` processes (default 2). Alerts are cached under ``--cache-dir`` (default
``/tmp/outageradar_detection_cache``), one file per (detector code version, grid point, series content), so a re-run
with a grown grid only computes the new points; the code version is a hash of the detector's source (for
``outageradar``: ``spike.py``, ``baseline.py``, ``series.py`` and the wrapper), so edits invalidate it.

Usage::

    .venv/bin/python benchmarks/calibrate_detection.py --detector outageradar|windowed_gaussian|shesd
        [--grid default|small|full|<JSON dict of lists, or list of dicts, or a path to one>]
        [--groups realTweets,realKnownCause,realAWSCloudwatch,synthetic] [--select pooled|group-mean]
        [--per-series] [--max-false-per-year 12] [--json OUT]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import inspect
import itertools
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference_detectors  # noqa: E402
import synthetic_series  # noqa: E402
from nab_score import PROFILES, FileScore, Profile, load_windows, probation_length, score_alerts, window_indices  # noqa: E402

from outageradar.reports import spike as spike_module  # noqa: E402
from outageradar.reports.baseline import BaselineParams  # noqa: E402
from outageradar.reports.series import detect_series_file  # noqa: E402
from outageradar.reports.spike import SpikeParams  # noqa: E402

DEFAULT_NAB = ROOT.parent / "shared" / "data" / "nab"
NAB_FOLDERS = ("realTweets", "realKnownCause", "realAWSCloudwatch")
GROUPS = (*NAB_FOLDERS, "synthetic")
DEFAULT_CACHE = Path("/tmp/outageradar_detection_cache")
EPISODE_GAP_HOURS = 12.0
PROFILE_NAMES = tuple(PROFILES)  # standard, reward_low_FP_rate, reward_low_FN_rate
SHORT = {"standard": "standard", "reward_low_FP_rate": "low_FP", "reward_low_FN_rate": "low_FN"}


# --------------------------------------------------------------------------- series


@dataclass
class EvalSeries:
    """One labelled series of the evaluation."""

    key: str  # "realTweets/Twitter_volume_AAPL.csv", "synthetic/dense-5min-00.csv"
    group: str
    kind: str  # the NAB folder, or the synthetic kind ("dense-5min", "quiet-hourly", ...)
    density: str  # synthetic: "dense" / "sparse"; NAB: ""
    timestamps: np.ndarray  # datetime64[ns]
    values: np.ndarray  # float
    windows: list[tuple[pd.Timestamp, pd.Timestamp]]
    window_rows: list[tuple[int, int]] = field(default_factory=list)
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.window_rows and self.windows:
            self.window_rows = window_indices(self.timestamps, self.windows)
        if not self.digest:
            h = hashlib.sha1(np.asarray(self.timestamps, dtype="datetime64[ns]").astype(np.int64).tobytes())
            h.update(np.asarray(self.values, dtype=float).tobytes())
            self.digest = h.hexdigest()[:16]

    @property
    def name(self) -> str:
        return self.key.split("/", 1)[1].removesuffix(".csv")

    @property
    def n_windows(self) -> int:
        return len(self.window_rows)


def load_nab(nab_dir: Path = DEFAULT_NAB, folders: Iterable[str] = NAB_FOLDERS) -> list[EvalSeries]:
    windows = load_windows(nab_dir / "windows.json")
    out = []
    for folder in folders:
        files = sorted((nab_dir / folder).glob("*.csv"))
        if not files:
            raise SystemExit(f"no CSV files in {nab_dir / folder}")
        for path in files:
            df = pd.read_csv(path)
            key = f"{folder}/{path.name}"
            out.append(EvalSeries(
                key=key, group=folder, kind=folder, density="",
                timestamps=pd.to_datetime(df["timestamp"]).to_numpy(dtype="datetime64[ns]"),
                values=df["value"].to_numpy(dtype=float), windows=windows.get(key, []),
            ))
    return out


def from_synthetic(series: Iterable[synthetic_series.Series]) -> list[EvalSeries]:
    return [EvalSeries(key=s.key, group="synthetic", kind=s.kind, density=s.density, timestamps=s.timestamps,
                       values=s.values.astype(float), windows=list(s.windows), window_rows=s.window_rows())
            for s in series]


def load_series(groups: Sequence[str], nab_dir: Path = DEFAULT_NAB, seed: int = 0,
                window_style: str = "margin") -> list[EvalSeries]:
    out = load_nab(nab_dir, [g for g in NAB_FOLDERS if g in groups])
    if "synthetic" in groups:
        out += from_synthetic(synthetic_series.make_suite(seed, window_style))  # type: ignore[arg-type]
    return out


# --------------------------------------------------------------------------- detectors


def spike_params(params: dict[str, Any]) -> SpikeParams:
    """A :class:`SpikeParams` from a flat dict (``SpikeParams`` fields, ``BaselineParams`` fields, or
    ``baseline.<field>``)."""
    spike_fields = {f.name for f in dataclasses.fields(SpikeParams)} - {"baseline"}
    base_fields = {f.name for f in dataclasses.fields(BaselineParams)}
    spike_kw: dict[str, Any] = {}
    base_kw: dict[str, Any] = {}
    for key, value in params.items():
        name = key.removeprefix("baseline.")
        if key in spike_fields:
            spike_kw[key] = tuple(value) if key in ("burst_hours", "additive_burst_hours") else value
        elif name in base_fields:
            base_kw[name] = value
        else:
            raise KeyError(f"unknown outageradar parameter {key!r}")
    return SpikeParams(**spike_kw, baseline=BaselineParams(**base_kw))


def _format_values(values: np.ndarray) -> pd.Series:
    ok = np.isfinite(values)
    if np.all(values[ok] == np.round(values[ok])):
        text = pd.Series(values).map(lambda v: "" if not math.isfinite(v) else str(int(v)))
    else:
        text = pd.Series(values).map(lambda v: "" if not math.isfinite(v) else repr(float(v)))
    return text


def write_nab_csv(path: Path, timestamps: np.ndarray, values: np.ndarray) -> None:
    """A NAB-shaped ``timestamp,value`` file (integers written as integers, floats with round-trip precision)."""
    df = pd.DataFrame({"timestamp": synthetic_series.format_timestamps(timestamps), "value": _format_values(values)})
    df.to_csv(path, index=False)


def outageradar_detect(timestamps: np.ndarray, values: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """outageradar's ``detect series`` file path on one series, with ``params`` (see :func:`spike_params`)."""
    sp = spike_params(params)
    with tempfile.TemporaryDirectory(prefix="calib-") as tmp:
        src, dst = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
        write_nab_csv(src, timestamps, values)
        detect_series_file(src, dst, sp)
        return pd.read_csv(dst, usecols=["alert"])["alert"].to_numpy(dtype=np.int8)


def _canonical_outageradar(params: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(spike_params(params))))


def _canonical_kwargs(fn: Callable[..., Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    sig = inspect.signature(fn)
    defaults = {k: p.default for k, p in sig.parameters.items() if p.default is not inspect.Parameter.empty}

    def canon(params: dict[str, Any]) -> dict[str, Any]:
        unknown = set(params) - set(defaults)
        if unknown:
            raise KeyError(f"unknown {fn.__name__} parameter(s): {', '.join(sorted(unknown))}")
        return json.loads(json.dumps({**defaults, **params}))

    return canon


def _grid(**axes: Sequence[Any]) -> list[dict[str, Any]]:
    """The cartesian product of ``axes`` (first values first)."""
    keys = list(axes)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(axes[k] for k in keys))]


@dataclass(frozen=True)
class Detector:
    name: str
    detect: Callable[[np.ndarray, np.ndarray, dict[str, Any]], np.ndarray]
    canonical: Callable[[dict[str, Any]], dict[str, Any]]
    grids: dict[str, list[dict[str, Any]]]
    sources: tuple[str, ...]  # source texts whose hash versions the cache

    @property
    def version(self) -> str:
        h = hashlib.sha1()
        for text in self.sources:
            h.update(text.encode())
        return h.hexdigest()[:12]


def _reference(fn: Callable[..., np.ndarray]) -> Callable[[np.ndarray, np.ndarray, dict[str, Any]], np.ndarray]:
    def detect(timestamps: np.ndarray, values: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return fn(timestamps, values, **params)

    detect.__name__ = fn.__name__
    return detect


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _detectors() -> dict[str, Detector]:
    reports = ROOT / "outageradar" / "reports"
    ours = tuple(_read(reports / f) for f in ("spike.py", "baseline.py", "series.py")) + (
        inspect.getsource(outageradar_detect), inspect.getsource(write_nab_csv), inspect.getsource(_format_values),
        inspect.getsource(synthetic_series.format_timestamps))
    refs = (_read(Path(reference_detectors.__file__)), inspect.getsource(spike_module.onset_alerts))
    return {
        "outageradar": Detector(
            "outageradar", outageradar_detect, _canonical_outageradar,
            {
                "default": [{}],
                "small": _grid(alert_pvalue=[1e-4, 1e-3, 1e-5], calibration_quantile=[0.995, 0.99, 0.998]),
                # the grid the defaults of the time scales were chosen on (see the module docstring of spike.py)
                "scales": _grid(burst_hours=[[1.0, 24.0], [1.0]], run_minutes=[10.0, 0.0], min_count=[8.0, 5.0],
                                min_expected=[0.002, 0.05], alert_pvalue=[1e-4, 1e-3]),
                "full": _grid(alert_pvalue=[1e-4, 1e-3, 3e-4, 3e-5, 1e-5], calibration_quantile=[0.995, 0.99, 0.998],
                              min_count=[5.0, 3.0, 8.0], refractory_hours=[12.0, 6.0, 24.0]),
            },
            ours,
        ),
        "windowed_gaussian": Detector(
            "windowed_gaussian", _reference(reference_detectors.windowed_gaussian),
            _canonical_kwargs(reference_detectors.windowed_gaussian),
            {
                "default": [{}],
                "small": _grid(tail_threshold=[1e-5, 1e-3, 1e-7, 1e-10], window_size=[6400, 1000],
                               direction=["both", "up"]),
                "full": _grid(tail_threshold=[1e-5, 1e-3, 1e-4, 1e-6, 1e-7, 1e-8, 1e-10, 1e-12],
                              window_size=[6400, 288, 1000, 2016], step_size=[100, 1], direction=["both", "up"],
                              refractory_hours=[12.0, 6.0, 24.0]),
            },
            refs,
        ),
        "shesd": Detector(
            "shesd", _reference(reference_detectors.shesd), _canonical_kwargs(reference_detectors.shesd),
            {
                "default": [{}],
                "small": _grid(max_anoms=[0.002, 0.01], alpha=[0.05, 0.001], direction=["both", "pos"]),
                "full": _grid(max_anoms=[0.002, 0.0005, 0.01, 0.05], alpha=[0.05, 0.001, 1e-5],
                              direction=["both", "pos"], window_days=[14.0, 7.0, 28.0],
                              refractory_hours=[12.0, 6.0, 24.0]),
            },
            refs,
        ),
    }


DETECTORS = _detectors()


def parse_grid(detector: Detector, spec: str) -> list[dict[str, Any]]:
    """A named grid of ``detector``, or a JSON dict of lists (cartesian product) / list of dicts, or a file of one."""
    if spec in detector.grids:
        return detector.grids[spec]
    text = Path(spec).read_text(encoding="utf-8") if os.path.exists(spec) else spec
    raw = json.loads(text)
    points = _grid(**raw) if isinstance(raw, dict) else list(raw)
    for p in points:
        detector.canonical(p)  # validate early
    return points


def params_label(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults"


# --------------------------------------------------------------------------- running the grid (cached, parallel)

_WORK: dict[str, Any] = {}


def _run_task(task: tuple[int, int]) -> tuple[int, int, list[int], float]:
    pi, si = task
    detector: Detector = _WORK["detector"]
    series: EvalSeries = _WORK["series"][si]
    params = _WORK["points"][pi]
    start = time.perf_counter()
    alerts = np.asarray(detector.detect(series.timestamps, series.values, params))
    if alerts.shape != series.values.shape:
        raise RuntimeError(f"{detector.name} returned {alerts.shape} alerts for {series.values.shape} rows")
    return pi, si, np.flatnonzero(alerts).tolist(), time.perf_counter() - start


def _cache_path(cache_dir: Path, detector: Detector, canon: dict[str, Any], series: EvalSeries) -> Path:
    phash = hashlib.sha1(json.dumps(canon, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir / f"{detector.name}-{detector.version}" / phash / f"{series.digest}.json"


def run_grid(
    detector: Detector,
    points: Sequence[dict[str, Any]],
    series: Sequence[EvalSeries],
    workers: int = 2,
    cache_dir: Path | None = DEFAULT_CACHE,
    log: Callable[[str], None] | None = print,
) -> list[list[np.ndarray]]:
    """Alert rows ``[point][series]`` of ``detector`` at every grid point, from the cache or computed."""
    canons = [detector.canonical(p) for p in points]
    alerts: list[list[np.ndarray | None]] = [[None] * len(series) for _ in points]
    todo: list[tuple[int, int]] = []
    for pi, canon in enumerate(canons):
        for si, s in enumerate(series):
            path = _cache_path(cache_dir, detector, canon, s) if cache_dir else None
            if path is not None and path.exists():
                alerts[pi][si] = np.asarray(json.loads(path.read_text())["alerts"], dtype=np.int64)
            else:
                todo.append((pi, si))
    todo.sort(key=lambda t: -len(series[t[1]].values))  # longest first: better balance over the workers
    start = time.perf_counter()
    busy = 0.0
    _WORK.update(detector=detector, series=list(series), points=list(points))

    def store(pi: int, si: int, rows: list[int], seconds: float) -> None:
        nonlocal busy
        busy += seconds
        alerts[pi][si] = np.asarray(rows, dtype=np.int64)
        if cache_dir:
            path = _cache_path(cache_dir, detector, canons[pi], series[si])
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"series": series[si].key, "params": canons[pi], "seconds": round(seconds, 3),
                                       "alerts": rows}))
            os.replace(tmp, path)

    try:
        if todo and workers > 1:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                for pi, si, rows, seconds in pool.imap_unordered(_run_task, todo, chunksize=1):
                    store(pi, si, rows, seconds)
        else:
            for task in todo:
                store(*_run_task(task))
    finally:
        _WORK.clear()
    if log:
        cached = len(points) * len(series) - len(todo)
        log(f"{detector.name}: {len(points)} grid point(s) x {len(series)} series: {len(todo)} run(s) computed in "
            f"{time.perf_counter() - start:.1f} s ({busy:.1f} s of detector time), {cached} from the cache")
    return alerts  # type: ignore[return-value]


# --------------------------------------------------------------------------- scoring


@dataclass
class ScoreTable:
    """Per (grid point, series) NAB scores and synthetic counts."""

    series: list[EvalSeries]
    points: list[dict[str, Any]]
    raw: dict[str, np.ndarray]  # profile -> (P, S) raw NAB score
    windows: np.ndarray  # (S,)
    detected: np.ndarray  # (P, S) windows with a detection (after the probation)
    false_alerts: np.ndarray  # (P, S) alerts outside every window (after the probation)
    false_episodes: np.ndarray  # (P, S)
    years: np.ndarray  # (S,) scored duration (after the probation) in years


def false_episodes(ts: np.ndarray, alert_rows: np.ndarray, window_rows: Sequence[tuple[int, int]], probation: int,
                   gap_hours: float = EPISODE_GAP_HOURS) -> tuple[int, int]:
    """(false alerts, false alert episodes): alerts after ``probation`` outside every window; alerts less than
    ``gap_hours`` apart are one episode."""
    rows = np.asarray(alert_rows, dtype=np.int64)
    rows = rows[rows >= probation]
    for a, b in window_rows:
        rows = rows[(rows < a) | (rows > b)]
    if rows.size == 0:
        return 0, 0
    t = ts[rows].astype(np.int64) / 3.6e12
    return int(rows.size), int(1 + np.count_nonzero(np.diff(t) >= gap_hours))


def score_table(series: Sequence[EvalSeries], points: Sequence[dict[str, Any]],
                alerts: Sequence[Sequence[np.ndarray]]) -> ScoreTable:
    P, S = len(points), len(series)
    raw = {name: np.zeros((P, S)) for name in PROFILE_NAMES}
    detected = np.zeros((P, S), dtype=np.int64)
    false_alerts = np.zeros((P, S), dtype=np.int64)
    episodes = np.zeros((P, S), dtype=np.int64)
    years = np.zeros(S)
    for si, s in enumerate(series):
        n = len(s.values)
        prob = probation_length(n)
        if n > prob + 1:
            years[si] = (s.timestamps[-1] - s.timestamps[prob]).astype("timedelta64[s]").astype(float) / (
                365.25 * 86400)
        for pi in range(P):
            det = np.zeros(n, dtype=np.int8)
            det[alerts[pi][si]] = 1
            for name in PROFILE_NAMES:
                fs: FileScore = score_alerts(det, s.window_rows, PROFILES[name])
                raw[name][pi, si] = fs.raw
            detected[pi, si] = fs.detected_windows
            false_alerts[pi, si], episodes[pi, si] = false_episodes(s.timestamps, alerts[pi][si], s.window_rows, prob)
    windows = np.array([s.n_windows for s in series], dtype=np.int64)
    return ScoreTable(list(series), list(points), raw, windows, detected, false_alerts, episodes, years)


def normalised(raw_sum: np.ndarray | float, n_windows: np.ndarray | float, profile: Profile) -> np.ndarray:
    """NAB's normalised score of summed raw scores over ``n_windows`` windows (NaN without windows)."""
    raw_sum, n_windows = np.asarray(raw_sum, dtype=float), np.asarray(n_windows, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 100.0 * (raw_sum + profile.fn * n_windows) / ((profile.tp + profile.fn) * n_windows)
    return np.where(n_windows > 0, out, np.nan)


def quiet_false_per_year(table: ScoreTable, mask: np.ndarray) -> np.ndarray:
    """False alert episodes per series-year of every grid point over the quiet series in ``mask`` (NaN: none)."""
    quiet = mask & np.array([s.kind.startswith("quiet") for s in table.series])
    years = table.years[quiet].sum()
    if not quiet.any() or years <= 0:
        return np.full(len(table.points), np.nan)
    return table.false_episodes[:, quiet].sum(axis=1) / years


def objective(table: ScoreTable, profile_name: str, mask: np.ndarray, select: str = "pooled",
              max_false_per_year: float | None = None) -> np.ndarray:
    """Selection score of every grid point over the series in ``mask``: NAB's normalised score pooled over them
    (``pooled``), or the mean over groups of each group's pooled score (``group-mean``). With
    ``max_false_per_year``, points whose quiet series in ``mask`` raise more false alert episodes per series-year
    are not eligible (NaN), unless no point is."""
    scores = _objective(table, profile_name, mask, select)
    if max_false_per_year is not None:
        fpy = quiet_false_per_year(table, mask)
        over = fpy > max_false_per_year
        if not np.all(over | np.isnan(scores)):
            scores = np.where(over, np.nan, scores)
    return scores


def _objective(table: ScoreTable, profile_name: str, mask: np.ndarray, select: str) -> np.ndarray:
    profile = PROFILES[profile_name]
    raw = table.raw[profile_name]
    if select == "pooled":
        return normalised(raw[:, mask].sum(axis=1), table.windows[mask].sum(), profile)
    if select != "group-mean":
        raise ValueError(select)
    groups = np.array([s.group for s in table.series])
    parts = []
    for g in dict.fromkeys(groups[mask]):
        m = mask & (groups == g)
        if table.windows[m].sum() > 0:
            parts.append(normalised(raw[:, m].sum(axis=1), table.windows[m].sum(), profile))
    return np.mean(parts, axis=0) if parts else np.full(raw.shape[0], np.nan)


def choose(scores: np.ndarray) -> int:
    """Index of the best grid point (the first among ties; 0 when nothing is scorable)."""
    if np.all(np.isnan(scores)):
        return 0
    return int(np.nanargmax(scores))


@dataclass
class LooResult:
    profile: str
    chosen: np.ndarray  # (S,) grid point chosen without each series
    held_raw: np.ndarray  # (S,) raw score of each held-out series at its chosen point
    held_norm: np.ndarray  # (S,) normalised (NaN without windows)


def leave_one_out(table: ScoreTable, profile_name: str = "standard", select: str = "pooled",
                  max_false_per_year: float | None = None) -> LooResult:
    """For each series: the grid point that is best over all other series, and the series' score there."""
    S = len(table.series)
    chosen = np.zeros(S, dtype=np.int64)
    for si in range(S):
        mask = np.ones(S, dtype=bool)
        mask[si] = False
        chosen[si] = choose(objective(table, profile_name, mask, select, max_false_per_year)) if S > 1 else 0
    held_raw = table.raw[profile_name][chosen, np.arange(S)]
    held_norm = normalised(held_raw, table.windows, PROFILES[profile_name])
    return LooResult(profile_name, chosen, held_raw, held_norm)


# --------------------------------------------------------------------------- report


def _group_masks(table: ScoreTable) -> dict[str, np.ndarray]:
    groups = np.array([s.group for s in table.series])
    masks = {g: groups == g for g in GROUPS if np.any(groups == g)}
    masks["overall"] = np.ones(len(groups), dtype=bool)
    return masks


def _fmt(x: float, width: int = 6) -> str:
    return f"{x:{width}.1f}" if np.isfinite(x) else f"{'-':>{width}s}"


def loo_summary(table: ScoreTable, loo: dict[str, LooResult]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for g, mask in _group_masks(table).items():
        row: dict[str, Any] = {"series": int(mask.sum()), "windows": int(table.windows[mask].sum())}
        for name, res in loo.items():
            scored = mask & (table.windows > 0)
            vals = res.held_norm[scored]
            worst_i = int(np.flatnonzero(scored)[np.argmin(vals)]) if vals.size else -1
            row[name] = {
                "mean": float(np.mean(vals)) if vals.size else float("nan"),
                "worst": float(np.min(vals)) if vals.size else float("nan"),
                "worst_series": table.series[worst_i].key if worst_i >= 0 else "",
                "pooled": float(normalised(res.held_raw[mask].sum(), table.windows[mask].sum(), PROFILES[name])),
            }
        out[g] = row
    return out


def at_point(table: ScoreTable, pi: int) -> dict[str, dict[str, Any]]:
    """Group scores (per profile), detections and false positives at grid point ``pi``."""
    out = {}
    for g, mask in _group_masks(table).items():
        row: dict[str, Any] = {SHORT[n]: float(normalised(table.raw[n][pi, mask].sum(), table.windows[mask].sum(),
                                                         PROFILES[n])) for n in PROFILE_NAMES}
        row.update(detected=int(table.detected[pi, mask].sum()), windows=int(table.windows[mask].sum()),
                   false_alerts=int(table.false_alerts[pi, mask].sum()))
        out[g] = row
    return out


def synthetic_stats(table: ScoreTable, point_of: np.ndarray) -> dict[str, dict[str, Any]]:
    """Recall and false episodes per series-year of the synthetic series, each at its own grid point ``point_of[s]``
    (one point for all, or the leave-one-out choices), per kind and for sparse / quiet / dense together."""
    idx = np.arange(len(table.series))
    det = table.detected[point_of, idx]
    eps = table.false_episodes[point_of, idx]
    kinds: dict[str, list[int]] = {}
    for si, s in enumerate(table.series):
        if s.group != "synthetic":
            continue
        kinds.setdefault(s.kind, []).append(si)
        quiet = s.kind.startswith("quiet")
        kinds.setdefault("sparse (with outages)" if s.density == "sparse" and not quiet else
                         "dense (with outages)" if not quiet else f"quiet {s.density}", []).append(si)
        if quiet:
            kinds.setdefault("quiet (all)", []).append(si)
    out = {}
    for kind, members in kinds.items():
        m = np.array(members)
        w = int(table.windows[m].sum())
        years = float(table.years[m].sum())
        out[kind] = {"series": len(m), "outages": w, "detected": int(det[m].sum()),
                     "recall": det[m].sum() / w if w else float("nan"),
                     "false_episodes": int(eps[m].sum()), "years": years,
                     "false_per_year": eps[m].sum() / years if years else float("nan")}
    return out


def report(detector: Detector, table: ScoreTable, select: str = "pooled", per_series: bool = False,
           default_index: int | None = None, max_false_per_year: float | None = None) -> dict[str, Any]:
    """Print the leave-one-out report; return its figures."""
    loo = {name: leave_one_out(table, name, select, max_false_per_year) for name in PROFILE_NAMES}
    summary = loo_summary(table, loo)
    print(f"\nleave-one-series-out ({select} selection over the other series; selection and score in each profile):")
    head = "".join(f"  {SHORT[n]:>8s} {'mean':>7s}{'worst':>7s}{'pooled':>7s}" for n in PROFILE_NAMES)
    print(f"{'group':20s} {'series':>6s} {'win':>4s}{head}")
    for g, row in summary.items():
        cells = "".join(f"  {'':8s} {_fmt(row[n]['mean'], 7)}{_fmt(row[n]['worst'], 7)}{_fmt(row[n]['pooled'], 7)}"
                        for n in PROFILE_NAMES)
        print(f"{g:20s} {row['series']:6d} {row['windows']:4d}{cells}")
    print("worst standard folds: " + "; ".join(
        f"{g} {row['standard']['worst_series'].split('/')[-1]}" for g, row in summary.items() if g != "overall"))
    std = loo["standard"]
    counts = np.bincount(std.chosen, minlength=len(table.points))
    print("standard-profile choices over the folds: " + ", ".join(
        f"#{i} x{c}" for i, c in sorted(enumerate(counts), key=lambda t: -t[1]) if c))

    all_scores = objective(table, "standard", np.ones(len(table.series), dtype=bool), select, max_false_per_year)
    best = choose(all_scores)
    figures: dict[str, Any] = {"detector": detector.name, "points": table.points, "select": select,
                               "loo": summary, "loo_chosen": std.chosen.tolist()}
    order = np.argsort(-np.nan_to_num(all_scores, nan=-np.inf), kind="stable")
    print(f"\nall-series standard score per grid point (best 5 of {len(table.points)}): " + "; ".join(
        f"#{i} {all_scores[i]:.1f}" for i in order[:5]))

    if any(s.group == "synthetic" for s in table.series) and len(table.points) > 1:
        print("synthetic sparse recall / quiet false episodes per series-year, per grid point: " + "; ".join(
            f"#{i} {st['sparse (with outages)']['recall']:.2f}/{st['quiet (all)']['false_per_year']:.1f}"
            for i, st in ((i, synthetic_stats(table, np.full(len(table.series), i))) for i in range(len(table.points)))
            if "sparse (with outages)" in st and "quiet (all)" in st))

    def show_point(title: str, pi: int) -> dict[str, Any]:
        res = at_point(table, pi)
        print(f"\n{title}: #{pi} {params_label(table.points[pi])}")
        print(f"  {'group':20s} {'standard':>9s} {'low_FP':>7s} {'low_FN':>7s} {'detected':>9s} {'FPs':>5s}")
        for g, row in res.items():
            print(f"  {g:20s} {_fmt(row['standard'], 9)} {_fmt(row['low_FP'], 7)} {_fmt(row['low_FN'], 7)} "
                  f"{row['detected']:4d}/{row['windows']:<4d} {row['false_alerts']:5d}")
        return res

    title = "chosen on all series (standard)" + (" = the detector's defaults" if best == default_index else "")
    figures["all_series_point"] = {"index": best, "params": table.points[best], "scores": show_point(title, best)}
    if default_index is not None and default_index != best:
        figures["default_point"] = {"index": default_index, "params": table.points[default_index],
                                    "scores": show_point("at the detector's defaults", default_index)}

    if any(s.group == "synthetic" for s in table.series):
        loo_syn = synthetic_stats(table, std.chosen)
        all_syn = synthetic_stats(table, np.full(len(table.series), best))
        figures["synthetic"] = {"loo": loo_syn, "all_series_point": all_syn}
        print("\nsynthetic: recall and false alert episodes per series-year "
              "(leave-one-out choice | point chosen on all series)")
        print(f"  {'kind':24s} {'series':>6s} {'outages':>7s} {'years':>6s}   {'recall':>6s} {'false/yr':>8s}   "
              f"{'recall':>6s} {'false/yr':>8s}")
        for kind in sorted(loo_syn, key=lambda k: (k.startswith("quiet"), "(" in k, k)):
            a, b = loo_syn[kind], all_syn[kind]
            rec_a = f"{a['recall']:6.2f}" if a["outages"] else f"{'-':>6s}"
            rec_b = f"{b['recall']:6.2f}" if b["outages"] else f"{'-':>6s}"
            print(f"  {kind:24s} {a['series']:6d} {a['outages']:7d} {a['years']:6.2f}   {rec_a} "
                  f"{a['false_per_year']:8.1f}   {rec_b} {b['false_per_year']:8.1f}")
        if default_index is not None and default_index != best:
            figures["synthetic"]["default_point"] = synthetic_stats(table, np.full(len(table.series), default_index))

    if per_series:
        print("\nper series (standard, leave-one-out): held-out score, chosen point")
        for si, s in enumerate(table.series):
            print(f"  {s.key:58s} win {s.n_windows:2d}  {_fmt(std.held_norm[si])}  raw {std.held_raw[si]:+7.2f}  "
                  f"#{std.chosen[si]}  false episodes {table.false_episodes[std.chosen[si], si]}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", choices=sorted(DETECTORS), default="outageradar")
    parser.add_argument("--grid", default="small", help="default, small, full, or JSON (dict of lists / list of "
                                                        "dicts) or a path to a JSON file")
    parser.add_argument("--groups", default=",".join(GROUPS))
    parser.add_argument("--select", choices=("pooled", "group-mean"), default="pooled")
    parser.add_argument("--nab", type=Path, default=DEFAULT_NAB)
    parser.add_argument("--synthetic-seed", type=int, default=0)
    parser.add_argument("--window-style", choices=("margin", "nab"), default="margin")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--per-series", action="store_true")
    parser.add_argument("--max-false-per-year", type=float, default=None,
                        help="only grid points whose quiet series (of the training folds) raise at most this many "
                             "false alert episodes per series-year are eligible")
    parser.add_argument("--json", type=Path, help="write the figures as JSON")
    args = parser.parse_args()

    groups = [g for g in args.groups.split(",") if g]
    bad = set(groups) - set(GROUPS)
    if bad:
        parser.error(f"unknown group(s): {', '.join(sorted(bad))}")
    detector = DETECTORS[args.detector]
    points = parse_grid(detector, args.grid)
    series = load_series(groups, args.nab, args.synthetic_seed, args.window_style)
    by_group = {g: sum(s.group == g for s in series) for g in groups}
    print(f"detector {detector.name} (code {detector.version}), grid {args.grid}: {len(points)} point(s); "
          f"series: " + ", ".join(f"{g} {c}" for g, c in by_group.items()))
    for i, p in enumerate(points):
        print(f"  #{i} {params_label(p)}")
    alerts = run_grid(detector, points, series, args.workers, None if args.no_cache else args.cache_dir)
    table = score_table(series, points, alerts)
    default_canon = detector.canonical({})
    default_index = next((i for i, p in enumerate(points) if detector.canonical(p) == default_canon), None)
    figures = report(detector, table, args.select, args.per_series, default_index, args.max_false_per_year)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=float) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()

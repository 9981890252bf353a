"""``outageradar detect series``: score a ``timestamp,value`` CSV with the package's causal spike test.

The file holds one value per fixed interval (NAB's data files have exactly this shape). Every input row is written back
unchanged (same columns, same order, values verbatim) with two columns added: ``anomaly_score`` (0..1, 0.5 at the alert
level) and ``alert`` (0/1, the onset of an anomalous episode). Parameters are the package defaults
(:data:`outageradar.reports.spike.DEFAULT_PARAMS`), never fitted per file, and every output depends only on rows up to
its own (strictly causal).

The model is chosen from the data, not tuned: a column of non-negative integers is a count series (negative-binomial
upper tail: only rises are anomalous, as for outage reports); anything else is a real-valued metric (Gaussian residual,
both directions). The interval is the median spacing of the timestamps; rows are placed on that regular grid, missing
intervals are treated as unobserved (the baseline skips them and time-of-day stays aligned), and when the timestamps
do not fit a grid (jitter collapsing two rows into one slot, or gaps so long the grid would explode) the rows are
scored as consecutive intervals.

Bad input raises :class:`SeriesError` (a ``ValueError``) with a one-line message for the CLI to print.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from outageradar.reports.spike import DEFAULT_PARAMS, SpikeParams, score_series

TIMESTAMP = "timestamp"
VALUE = "value"
MAX_GRID_FACTOR = 10  # the regular grid may hold at most this many slots per input row


class SeriesError(ValueError):
    """The series file or frame cannot be scored; the message is one line meant for the user."""


@dataclass(frozen=True)
class SeriesSummary:
    """What :func:`detect_series_file` did."""

    rows: int
    alerts: int
    interval: pd.Timedelta


def _parse_timestamps(raw: pd.Series) -> np.ndarray:
    text = raw.astype(str).str.strip()
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    if parsed.isna().any():
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise SeriesError(f"unparsable timestamp {raw.iloc[i]!r} in data row {i + 1} ({bad.size} bad in all)")
    return parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _parse_values(raw: pd.Series) -> np.ndarray:
    values = pd.to_numeric(raw.astype(str).str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        raise SeriesError(f"unparsable value {raw.iloc[i]!r} in data row {i + 1} ({bad.size} bad in all)")
    return values


def parse_frame(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(timestamps datetime64[ns] UTC-naive, values float)`` of a ``timestamp,value`` frame."""
    missing = [c for c in (TIMESTAMP, VALUE) if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns)) or "none"
        raise SeriesError(f"missing column(s) {', '.join(missing)}; expected timestamp,value (found: {found})")
    if len(df) == 0:
        raise SeriesError("the series has no data rows")
    ts = _parse_timestamps(df[TIMESTAMP])
    values = _parse_values(df[VALUE])
    if len(ts) > 1:
        step = np.diff(ts)
        bad = np.flatnonzero(step <= np.timedelta64(0, "ns"))
        if bad.size:
            i = int(bad[0]) + 1
            what = "duplicate" if step[bad[0]] == np.timedelta64(0, "ns") else "out-of-order"
            raise SeriesError(f"{what} timestamp {df[TIMESTAMP].iloc[i]!r} in data row {i + 1}: rows must be sorted")
    return ts, values


def _grid_positions(ts: np.ndarray, interval_ns: int) -> np.ndarray:
    """Slot of each row on the regular grid starting at the first row, or ``arange`` when rows do not fit a grid."""
    n = len(ts)
    if n < 2 or interval_ns <= 0:
        return np.arange(n)
    pos = np.rint((ts - ts[0]).astype(np.int64) / interval_ns).astype(np.int64)
    if np.any(np.diff(pos) <= 0) or pos[-1] + 1 > MAX_GRID_FACTOR * n + 1000:
        return np.arange(n)
    return pos


def score_frame(df: pd.DataFrame, params: SpikeParams = DEFAULT_PARAMS) -> pd.DataFrame:
    """A copy of ``df`` (``timestamp``, ``value`` and any other columns) with ``anomaly_score`` and ``alert`` added."""
    ts, values = parse_frame(df)
    interval_ns = int(np.median(np.diff(ts).astype(np.int64))) if len(ts) > 1 else 300 * 10**9
    pos = _grid_positions(ts, interval_ns)
    if len(pos) == pos[-1] + 1:  # no gaps (or rows scored as consecutive): keep the real timestamps
        grid_ts = ts
    else:
        grid_ts = ts[0] + np.arange(pos[-1] + 1) * np.timedelta64(interval_ns, "ns")
    grid = np.full(pos[-1] + 1, np.nan)
    grid[pos] = values
    counts = bool(np.all(values >= 0) and np.all(values == np.round(values)))
    result = score_series(
        grid_ts,
        grid,
        params=params,
        kind="multiplicative" if counts else "additive",
        direction="up" if counts else "both",
        interval_s=interval_ns / 1e9,
    )
    out = df.copy()
    out["anomaly_score"] = np.round(result.anomaly_score[pos], 6)
    out["alert"] = result.alert[pos].astype(int)
    return out


def detect_series_file(
    input_path: str | Path, output_path: str | Path, params: SpikeParams = DEFAULT_PARAMS
) -> SeriesSummary:
    """Read a ``timestamp,value`` CSV, score it, and write every row with ``anomaly_score`` and ``alert`` added."""
    path = Path(input_path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise SeriesError(f"no such file: {path}") from None
    except pd.errors.EmptyDataError:
        raise SeriesError(f"{path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SeriesError(f"{path} is not a readable CSV: {first}") from None
    df.columns = [str(c).strip() for c in df.columns]
    scored = score_frame(df, params)
    scored.to_csv(output_path, index=False)
    ts = parse_frame(df)[0]
    interval = pd.Timedelta(int(np.median(np.diff(ts).astype(np.int64))) if len(ts) > 1 else 0, unit="ns")
    return SeriesSummary(rows=len(scored), alerts=int(scored["alert"].sum()), interval=interval)

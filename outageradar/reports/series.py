"""``outageradar detect series``: score a time-series CSV with the package's causal spike test.

The file holds one value per (roughly) fixed interval, NAB's data files being the reference shape. Every input row is
written back unchanged (same columns, same order, values verbatim) with two columns added: ``anomaly_score`` (0..1,
0.5 at the alert level) and ``alert`` (0/1, the onset of an anomalous episode). Parameters are the package defaults
(:data:`outageradar.reports.spike.DEFAULT_PARAMS`), never fitted per file, and every output depends only on rows
scored before it (strictly causal).

Input accepted:

- **Timestamp column**: ``timestamp`` (or ``time``, ``datetime``, ``date``; case-insensitive). Values are ISO 8601
  date-times with or without a zone (zoned ones are converted to UTC; naive ones are taken as written) or epoch
  seconds / milliseconds / microseconds / nanoseconds (the unit follows the magnitude: below 1e11 seconds, below 1e14
  milliseconds, ...). Digit-only compact forms ``YYYYMMDD``, ``YYYYMMDDHHMM`` and ``YYYYMMDDHHMMSS`` (every value
  of one of those lengths and a valid date from 1900 on) are read as date-times, not as epoch numbers: as epochs they
  would fall in 1970-2001. A file without a header whose first line is ``<timestamp>,<number>`` is read as headerless.
- **Value column**: ``value`` (case-insensitive), else the single column besides the timestamp whose entries are all
  numbers. Empty cells (and ``NaN``, ``NA``, ``null``, ``None``) are missing observations: scored ``0``/no alert and
  skipped by the baseline.

Several series in one file. A long-format file (``timestamp,service,region,count``: many rows share a timestamp, and
other non-numeric columns with few distinct values tell them apart) is scored as one series per combination of those
key columns (:func:`series_keys`), each on its own baseline; every row keeps its place in the file.

Row order. The rows are scored **in file order as consecutive intervals**: the gap between two rows becomes
``max(1, round(gap / interval))`` slots, so real gaps leave unobserved slots (time of day stays aligned) while a
repeated or backward timestamp (daylight-saving changes in NAB's realKnownCause and realAWSCloudwatch files) simply
advances one interval. Time-of-day profiles use each row's own timestamp. Only when the file is not in time order at
all (more than a tenth of its timestamp changes go backwards: a newest-first export, a shuffled file) are the rows
scored in timestamp order (stable sort) and the results mapped back to the file's rows. The interval is the median of
the positive timestamp steps; when the gaps are so long that the slots would outnumber the rows more than
``MAX_GRID_FACTOR`` times, the rows are scored as consecutive intervals without gaps.

The model is chosen from the data, not tuned: a column of non-negative integers is a count series (negative-binomial
upper tail: only rises are anomalous, as for outage reports); anything else is a real-valued metric (Gaussian residual,
both directions).

Bad input raises :class:`SeriesError` (a ``ValueError``) with a one-line message for the CLI to print: no data rows,
no timestamp column, no (or an ambiguous) value column, an unparsable timestamp or a non-numeric value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from outageradar.records import OutageradarError
from outageradar.reports.spike import DEFAULT_PARAMS, SpikeParams, score_series

TIMESTAMP = "timestamp"
VALUE = "value"
TIMESTAMP_NAMES = ("timestamp", "time", "datetime", "date")
MISSING = frozenset({"", "nan", "na", "n/a", "null", "none"})
MAX_GRID_FACTOR = 10  # the slots (rows + gaps) may outnumber the rows at most this many times
UNSORTED_FRACTION = 0.1  # above this share of backward timestamp steps the file is scored in timestamp order
REPEATED_FRACTION = 0.1  # above this share of rows repeating a timestamp, the file may hold several series
MAX_SERIES_FRACTION = 0.1  # a series key column has at most this share of distinct values (and at most n / 2 series)
DEFAULT_INTERVAL_NS = 300 * 10**9
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class SeriesError(OutageradarError, ValueError):
    """The series file or frame cannot be scored; the message is one line meant for the user."""


@dataclass(frozen=True)
class SeriesSummary:
    """What :func:`detect_series_file` did."""

    rows: int
    alerts: int
    interval: pd.Timedelta


def _timestamp_column(df: pd.DataFrame) -> str:
    by_name = {str(c).strip().lower(): c for c in reversed(list(df.columns))}
    for name in TIMESTAMP_NAMES:
        if name in by_name:
            return by_name[name]
    found = ", ".join(map(str, df.columns)) or "none"
    raise SeriesError(f"no timestamp column: expected 'timestamp' (or time, datetime, date); found: {found}")


def _as_numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(values with NaN for missing cells, mask of cells that are neither missing nor numbers)``."""
    text = raw.astype(str).str.strip()
    missing = text.str.lower().isin(MISSING).to_numpy()
    values = pd.to_numeric(text.where(~missing, "nan"), errors="coerce").to_numpy(dtype=float)
    bad = ~missing & ~np.isfinite(values)
    return values, bad


def _value_column(df: pd.DataFrame, ts_col: str) -> str:
    others = [c for c in df.columns if c != ts_col]
    for c in others:
        if str(c).strip().lower() == VALUE:
            return c
    numeric = []
    for c in others:
        values, bad = _as_numbers(df[c])
        if not bad.any() and np.isfinite(values).any():
            numeric.append(c)
    if len(numeric) == 1:
        return numeric[0]
    found = ", ".join(map(str, others)) or "none"
    if numeric:
        raise SeriesError(f"several numeric columns ({', '.join(map(str, numeric))}): name the one to score 'value'")
    raise SeriesError(f"no value column: expected 'value' or a single numeric column besides the timestamp "
                      f"(found: {found})")


def _epoch_unit(numbers: np.ndarray) -> str:
    magnitude = float(np.nanmedian(np.abs(numbers))) if numbers.size else 0.0
    for unit, limit in (("s", 1e11), ("ms", 1e14), ("us", 1e17)):
        if magnitude < limit:
            return unit
    return "ns"


_COMPACT_FORMATS = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}


def _compact_datetimes(text: pd.Series) -> pd.Series | None:
    """The date-times of digit-only ``YYYYMMDD[HHMM[SS]]`` values (all of one length, all valid, 1900 or later),
    else None."""
    lengths = text.str.len().unique()
    if len(lengths) != 1 or int(lengths[0]) not in _COMPACT_FORMATS or not text.str.isdigit().all():
        return None
    parsed = pd.to_datetime(text, format=_COMPACT_FORMATS[int(lengths[0])], errors="coerce", utc=True)
    if parsed.isna().any() or (parsed.dt.year < 1900).any():
        return None
    return pd.Series(parsed)


def _parse_timestamps(raw: pd.Series) -> np.ndarray:
    """UTC-naive ``datetime64[ns]`` of ISO 8601 text (zoned: converted to UTC), compact digit-only date-times or
    epoch numbers."""
    text = raw.astype(str).str.strip()
    compact = _compact_datetimes(text) if len(text) else None
    if compact is not None:
        parsed = compact
    elif len(text) and text.str.fullmatch(_NUMBER).all():
        numbers = text.astype(float).to_numpy()
        parsed = pd.Series(pd.to_datetime(numbers, unit=_epoch_unit(numbers), errors="coerce", utc=True))
    else:
        parsed = pd.Series(pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601"))
        if parsed.isna().any():
            parsed = pd.Series(pd.to_datetime(text, errors="coerce", utc=True, format="mixed"))
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise SeriesError(f"unparsable timestamp {raw.iloc[i]!r} in data row {i + 1} ({bad.size} bad in all)")
    return parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _parse_values(raw: pd.Series) -> np.ndarray:
    values, bad_mask = _as_numbers(raw)
    bad = np.flatnonzero(bad_mask)
    if bad.size:
        i = int(bad[0])
        raise SeriesError(f"unparsable value {raw.iloc[i]!r} in data row {i + 1} ({bad.size} bad in all)")
    return values


def parse_frame(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(timestamps datetime64[ns] UTC-naive, values float with NaN = missing)`` in file order."""
    ts_col = _timestamp_column(df)
    if len(df) == 0:
        raise SeriesError("the series has no data rows")
    value_col = _value_column(df, ts_col)
    return _parse_timestamps(df[ts_col]), _parse_values(df[value_col])


def scoring_order(ts: np.ndarray) -> np.ndarray:
    """Row indices in the order they are scored: file order, unless the file is not in time order at all."""
    n = len(ts)
    if n < 2:
        return np.arange(n)
    step = np.diff(ts).astype(np.int64)
    moves = np.count_nonzero(step)
    if moves and np.count_nonzero(step < 0) > UNSORTED_FRACTION * moves:
        return np.argsort(ts, kind="stable")
    return np.arange(n)


def interval_ns(ts: np.ndarray) -> int:
    """The series' interval: median positive timestamp step (five minutes when there is none)."""
    step = np.diff(ts).astype(np.int64)
    step = step[step > 0]
    return int(np.median(step)) if step.size else DEFAULT_INTERVAL_NS


def slot_positions(ts: np.ndarray, interval: int) -> np.ndarray:
    """Slot of each row (in scoring order): ``max(1, round(step / interval))`` slots after the previous row."""
    n = len(ts)
    if n < 2:
        return np.arange(n)
    slots = np.maximum(1, np.rint(np.diff(ts).astype(np.int64) / interval)).astype(np.int64)
    pos = np.concatenate([[0], np.cumsum(slots)])
    if pos[-1] + 1 > MAX_GRID_FACTOR * n + 1000:  # gaps too long for a grid: consecutive intervals
        return np.arange(n)
    return pos


def series_keys(df: pd.DataFrame) -> list[str]:
    """The columns that name the series of a long-format file (``timestamp,service,region,count``), or [] for a file
    of one series.

    Only a file where many rows repeat a timestamp (more than :data:`REPEATED_FRACTION`) can hold several series; its
    key columns are the other non-numeric columns with few distinct values (at most :data:`MAX_SERIES_FRACTION` of the
    rows), and they count only if they really separate the rows: within a series few timestamps repeat.
    """
    ts_col = _timestamp_column(df)
    if len(df) < 4:
        return []
    ts = _parse_timestamps(df[ts_col])
    if 1 - len(np.unique(ts)) / len(ts) <= REPEATED_FRACTION:
        return []
    value_col = _value_column(df, ts_col)
    keys = []
    for c in df.columns:
        if c in (ts_col, value_col):
            continue
        col = df[c].astype(str).str.strip()
        _, bad = _as_numbers(col)
        if bad.any() and col.nunique() <= max(1, MAX_SERIES_FRACTION * len(df)):
            keys.append(c)
    if not keys:
        return []
    groups = pd.DataFrame({"k": df[keys].astype(str).agg("\x1f".join, axis=1), "t": ts})
    if groups["k"].nunique() > len(df) // 2 or groups.duplicated().mean() > REPEATED_FRACTION:
        return []
    return keys


def _score(df: pd.DataFrame, params: SpikeParams) -> tuple[pd.DataFrame, int]:
    """Score every series of the file: one, or one per value of its key columns (:func:`series_keys`)."""
    keys = series_keys(df) if len(df) else []
    if not keys:
        return _score_one(df, params)
    score = np.empty(len(df))
    alert = np.empty(len(df), dtype=int)
    intervals = []
    for _, idx in df.groupby(keys, sort=False, dropna=False).indices.items():
        part, interval = _score_one(df.iloc[idx], params)
        score[idx] = part["anomaly_score"].to_numpy()
        alert[idx] = part["alert"].to_numpy()
        intervals.append(interval)
    out = df.copy()
    out["anomaly_score"] = score
    out["alert"] = alert
    return out, int(np.median(intervals))


def _score_one(df: pd.DataFrame, params: SpikeParams) -> tuple[pd.DataFrame, int]:
    ts_file, values_file = parse_frame(df)
    order = scoring_order(ts_file)
    ts, values = ts_file[order], values_file[order]
    interval = interval_ns(ts)
    pos = slot_positions(ts, interval)
    n_slots = int(pos[-1]) + 1
    # each slot's timestamp: its row's own, or for an unobserved slot the previous row's plus whole intervals
    prev_row = np.searchsorted(pos, np.arange(n_slots), side="right") - 1
    grid_ts = ts[prev_row] + (np.arange(n_slots) - pos[prev_row]) * np.timedelta64(interval, "ns")
    grid = np.full(n_slots, np.nan)
    grid[pos] = values
    observed = values[np.isfinite(values)]
    counts = bool(np.all(observed >= 0) and np.all(observed == np.round(observed)))
    result = score_series(
        grid_ts,
        grid,
        params=params,
        kind="multiplicative" if counts else "additive",
        direction="up" if counts else "both",
        interval_s=interval / 1e9,
    )
    score = np.empty(len(ts))
    alert = np.empty(len(ts), dtype=int)
    score[order] = np.round(result.anomaly_score[pos], 6)
    alert[order] = result.alert[pos].astype(int)
    out = df.copy()
    out["anomaly_score"] = score
    out["alert"] = alert
    return out, interval


def score_frame(df: pd.DataFrame, params: SpikeParams = DEFAULT_PARAMS) -> pd.DataFrame:
    """A copy of ``df`` (a timestamp, a value and any other columns) with ``anomaly_score`` and ``alert`` added."""
    return _score(df, params)[0]


def _read_csv(path: Path) -> pd.DataFrame:
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
    if len(df.columns) == 2 and not any(c.lower() in TIMESTAMP_NAMES for c in df.columns):
        try:  # no header: the first line is already `<timestamp>,<number>`
            _parse_timestamps(pd.Series([df.columns[0]]))
            headerless = not _as_numbers(pd.Series([df.columns[1]]))[1].any()
        except SeriesError:
            headerless = False
        if headerless:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, header=None,
                             names=[TIMESTAMP, VALUE])
    return df


def detect_series_file(
    input_path: str | Path, output_path: str | Path, params: SpikeParams = DEFAULT_PARAMS
) -> SeriesSummary:
    """Read a time-series CSV, score it, and write every row with ``anomaly_score`` and ``alert`` added."""
    scored, interval = _score(_read_csv(Path(input_path)), params)
    scored.to_csv(output_path, index=False)
    return SeriesSummary(rows=len(scored), alerts=int(scored["alert"].sum()),
                         interval=pd.Timedelta(interval if len(scored) > 1 else 0, unit="ns"))

"""``detect series``: file-level scoring, input validation and a run on a real NAB file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shared_data import require

from outageradar.reports.series import SeriesError, SeriesSummary, detect_series_file, score_frame

DAY = 288


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def counts_frame(n: int = 4 * DAY, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2015-03-01 00:02:53", periods=n, freq="5min")
    values = rng.poisson(15, n)
    values[3 * DAY] = 120
    return pd.DataFrame({"timestamp": ts.strftime("%Y-%m-%d %H:%M:%S"), "value": values})


def test_output_keeps_input_rows_and_columns(tmp_path: Path) -> None:
    df = counts_frame()
    df.insert(0, "id", np.arange(len(df)))
    df["note"] = "x"
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    summary = detect_series_file(src, tmp_path / "out.csv")
    out = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert list(out.columns) == ["id", "timestamp", "value", "note", "anomaly_score", "alert"]
    assert len(out) == len(df) == summary.rows
    pd.testing.assert_frame_equal(out[["id", "timestamp", "value", "note"]], df.astype(str))
    scores = out["anomaly_score"].astype(float)
    assert scores.between(0, 1).all()
    assert set(out["alert"].astype(int)) <= {0, 1}
    alerts = int(out["alert"].astype(int).sum())
    assert summary == SeriesSummary(rows=len(df), alerts=alerts, interval=pd.Timedelta("5min"))
    assert out["alert"].astype(int).iloc[3 * DAY] == 1
    assert summary.alerts == 1


def test_values_are_written_verbatim(tmp_path: Path) -> None:
    rows = [f"2015-03-01 {h:02d}:{m:02d}:00,{v}" for h in range(24) for m, v in ((0, "1.50"), (30, "2.0"))]
    lines = ["timestamp,value", *rows]
    src = write(tmp_path / "in.csv", "\n".join(lines) + "\n")
    detect_series_file(src, tmp_path / "out.csv")
    out = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert out["value"].tolist()[:2] == ["1.50", "2.0"]


def test_real_valued_series_detects_drops_too() -> None:
    rng = np.random.default_rng(1)
    n = 5 * DAY
    values = 50 + 5 * np.sin(2 * np.pi * np.arange(n) / DAY) + rng.normal(0, 1, n)
    values[4 * DAY : 4 * DAY + 6] = 10.0  # a metric collapses
    df = pd.DataFrame({"timestamp": pd.date_range("2014-01-01", periods=n, freq="5min"), "value": values})
    out = score_frame(df)
    assert out["alert"].iloc[4 * DAY : 4 * DAY + 6].sum() == 1
    assert out["alert"].iloc[: 4 * DAY].sum() == 0


def test_gaps_are_handled_on_the_inferred_grid() -> None:
    df = counts_frame()
    gappy = df.drop(index=range(500, 560)).reset_index(drop=True)  # five missing hours
    out = score_frame(gappy)
    assert len(out) == len(gappy)
    assert out["alert"].sum() == 1
    assert out["alert"].iloc[3 * DAY - 60] == 1  # the spike row, 60 rows earlier in the gappy file
    # time of day stays aligned: the rows after the gap keep their grid positions (expected ~ the level, no alarm)
    assert out["anomaly_score"].iloc[500:800].max() < 0.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("timestamp,value\n", "no data rows"),
        ("time,count\n2015-01-01 00:00,1\n", "missing column"),
        ("timestamp,value\n2015-01-01 00:00,1\nnot a time,2\n", "unparsable timestamp 'not a time' in data row 2"),
        ("timestamp,value\n2015-01-01 00:00,1\n2015-01-01 00:05,abc\n", "unparsable value 'abc' in data row 2"),
        ("timestamp,value\n2015-01-01 00:00,1\n2015-01-01 00:05,\n", "unparsable value"),
        ("timestamp,value\n2015-01-01 00:05,1\n2015-01-01 00:00,2\n", "out-of-order timestamp"),
        ("timestamp,value\n2015-01-01 00:00,1\n2015-01-01 00:00,2\n", "duplicate timestamp"),
    ],
)
def test_bad_input_raises_series_error_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    src = write(tmp_path / "bad.csv", text)
    with pytest.raises(SeriesError, match=message) as info:
        detect_series_file(src, tmp_path / "out.csv")
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)
    assert not (tmp_path / "out.csv").exists()


def test_missing_file_raises_series_error(tmp_path: Path) -> None:
    with pytest.raises(SeriesError, match="no such file"):
        detect_series_file(tmp_path / "absent.csv", tmp_path / "out.csv")


def test_outputs_are_causal_at_file_level() -> None:
    df = counts_frame()
    full = score_frame(df)
    part = score_frame(df.iloc[:700])
    assert part["anomaly_score"].tolist() == full["anomaly_score"].iloc[:700].tolist()
    assert part["alert"].tolist() == full["alert"].iloc[:700].tolist()


def test_real_nab_tweet_file(tmp_path: Path) -> None:
    path = require("data/nab/realTweets/Twitter_volume_CVS.csv")
    windows = json.loads(require("data/nab/windows.json").read_text())["realTweets/Twitter_volume_CVS.csv"]
    summary = detect_series_file(path, tmp_path / "out.csv")
    src = pd.read_csv(path)
    out = pd.read_csv(tmp_path / "out.csv")
    assert out.shape == (len(src), 4)
    assert summary.interval == pd.Timedelta("5min")
    ts = pd.to_datetime(out["timestamp"])
    hits = [out["alert"][(ts >= a) & (ts <= b)].sum() for a, b in windows]
    assert sum(h > 0 for h in hits) >= 1
    # alerts are rare events, not a constant flag
    assert 0 < summary.alerts < len(out) / 200

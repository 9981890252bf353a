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


SPIKE = 3 * DAY  # the row the spike of counts_frame alerts at (its first: the one-hour window sees it at once)


def counts_frame(n: int = 4 * DAY, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2015-03-01 00:02:53", periods=n, freq="5min")
    values = rng.poisson(15, n)
    values[3 * DAY : 3 * DAY + 2] = 120  # ten minutes at 8x
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
    assert out["alert"].astype(int).iloc[SPIKE] == 1
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
    alerts = np.flatnonzero(out["alert"])
    assert alerts[0] == SPIKE - 60  # the spike row, 60 rows earlier in the gappy file; nothing before it
    # time of day stays aligned: the rows after the gap keep their grid positions (expected ~ the level, no alarm)
    assert out["anomaly_score"].iloc[500:800].max() < 0.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("timestamp,value\n", "no data rows"),
        ("when,count\n2015-01-01 00:00,1\n", "no timestamp column"),
        ("timestamp,value\n2015-01-01 00:00,1\nnot a time,2\n", "unparsable timestamp 'not a time' in data row 2"),
        ("timestamp,value\n2015-01-01 00:00,1\n2015-01-01 00:05,abc\n", "unparsable value 'abc' in data row 2"),
        ("timestamp,value\n2015-01-01 00:00,1\n2015-01-01 00:05,inf\n", "unparsable value 'inf'"),
        ("timestamp,a,b\n2015-01-01 00:00,1,2\n", "several numeric columns"),
        ("timestamp,note\n2015-01-01 00:00,x\n", "no value column"),
        ("timestamp,value\n,1\n", "unparsable timestamp"),
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


def scored_alerts(df: pd.DataFrame) -> list[int]:
    return np.flatnonzero(score_frame(df)["alert"].to_numpy()).tolist()


def test_repeated_and_backward_timestamps_are_scored_in_file_order(tmp_path: Path) -> None:
    """NAB's DST files: an hour collapsed onto one timestamp, or an hour repeated, is scored row by row."""
    df = counts_frame()
    clean = scored_alerts(df)
    dup = df.copy()
    dup.loc[400:411, "timestamp"] = dup.loc[400, "timestamp"]  # twelve rows share one timestamp
    back = df.copy()
    back.loc[600:, "timestamp"] = (pd.to_datetime(back.loc[600:, "timestamp"]) - pd.Timedelta("1h")).dt.strftime(
        "%Y-%m-%d %H:%M:%S")  # the clock goes back one hour: an hour of timestamps repeats
    for frame in (dup, back):
        src = tmp_path / "in.csv"
        frame.to_csv(src, index=False)
        summary = detect_series_file(src, tmp_path / "out.csv")
        out = pd.read_csv(tmp_path / "out.csv", dtype=str)
        assert out["timestamp"].tolist() == frame["timestamp"].tolist()  # every row, in its order
        assert summary.rows == len(frame) and summary.interval == pd.Timedelta("5min")
        assert np.flatnonzero(out["alert"].astype(int)).tolist() == clean == [SPIKE]
    # causal in file order: a prefix ending inside the repeated hour scores as the whole file does
    prefix = score_frame(back.iloc[:650])["anomaly_score"].tolist()
    assert prefix == score_frame(back)["anomaly_score"].iloc[:650].tolist()


def test_real_nab_files_with_dst_repeats_are_scored(tmp_path: Path) -> None:
    for name in ("realKnownCause/machine_temperature_system_failure.csv",
                 "realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv"):
        path = require(f"data/nab/{name}")
        summary = detect_series_file(path, tmp_path / "out.csv")
        src = pd.read_csv(path, dtype=str)
        out = pd.read_csv(tmp_path / "out.csv", dtype=str)
        assert out[["timestamp", "value"]].equals(src)
        assert summary.interval == pd.Timedelta("5min")
        assert 0 < summary.alerts < len(out) / 200


def test_newest_first_file_is_scored_in_time_order() -> None:
    df = counts_frame()
    reverse = df.iloc[::-1].reset_index(drop=True)
    out = score_frame(reverse)
    assert out["timestamp"].tolist() == reverse["timestamp"].tolist()
    forward = score_frame(df)
    assert out["alert"].iloc[::-1].tolist() == forward["alert"].tolist()
    assert out["anomaly_score"].iloc[::-1].tolist() == forward["anomaly_score"].tolist()


@pytest.mark.parametrize("form", ["epoch_s", "epoch_ms", "iso_z", "iso_offset", "iso_t", "compact_min",
                                  "compact_sec"])
def test_timestamp_formats_give_the_same_scores(form: str) -> None:
    df = counts_frame()
    ts = pd.to_datetime(df["timestamp"]).astype("datetime64[ns]")
    other = df.copy()
    if form == "epoch_s":
        other["timestamp"] = (ts.astype("int64") // 10**9).astype(str)
    elif form == "epoch_ms":
        other["timestamp"] = (ts.astype("int64") // 10**6).astype(str)
    elif form == "iso_z":
        other["timestamp"] = ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif form == "compact_min":  # 202401011205: a date-time, not epoch milliseconds of 1976
        other["timestamp"] = ts.dt.strftime("%Y%m%d%H%M")
    elif form == "compact_sec":
        other["timestamp"] = ts.dt.strftime("%Y%m%d%H%M%S")
    elif form == "iso_offset":  # the same instants written in UTC+02:00
        other["timestamp"] = (ts + pd.Timedelta("2h")).dt.strftime("%Y-%m-%dT%H:%M:%S+02:00")
    else:
        other["timestamp"] = ts.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    expected = score_frame(df)
    got = score_frame(other)
    assert got["anomaly_score"].tolist() == expected["anomaly_score"].tolist()
    assert got["alert"].tolist() == expected["alert"].tolist()


def test_compact_dates_are_days_and_other_digit_strings_stay_epochs() -> None:
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    counts = [5 + (i % 3) for i in range(60)]
    counts[50] = 60
    df = pd.DataFrame({"timestamp": days.strftime("%Y%m%d"), "value": counts})
    out = score_frame(df)
    assert out["timestamp"].tolist() == df["timestamp"].tolist()
    assert out["alert"].iloc[50] == 1 and out["alert"].sum() == 1
    iso = score_frame(df.assign(timestamp=days.strftime("%Y-%m-%d")))
    assert out["anomaly_score"].tolist() == iso["anomaly_score"].tolist()
    # ten-digit epoch seconds are not a compact form; an invalid month keeps 8-digit values epochs (1970)
    epochs = df.assign(timestamp=days.as_unit("s").astype("int64").astype(str))
    assert score_frame(epochs)["anomaly_score"].tolist() == iso["anomaly_score"].tolist()
    from outageradar.reports.series import _parse_timestamps

    assert _parse_timestamps(pd.Series(["20241301", "20241302"]))[0] == np.datetime64(pd.Timestamp(20241301, unit="s"))


def test_value_column_by_name_or_as_the_single_numeric_column(tmp_path: Path) -> None:
    df = counts_frame()
    expected = score_frame(df)["alert"].tolist()
    named = df.rename(columns={"timestamp": "Time", "value": "Value"})
    named.insert(1, "service", "x")
    assert score_frame(named)["alert"].tolist() == expected
    single = df.rename(columns={"value": "count"})
    single["label"] = "a"
    assert score_frame(single)["alert"].tolist() == expected
    # a headerless file `<timestamp>,<number>` is read as timestamp,value
    src = tmp_path / "noheader.csv"
    df.to_csv(src, index=False, header=False)
    summary = detect_series_file(src, tmp_path / "out.csv")
    assert summary.rows == len(df) and summary.alerts == sum(expected)


def test_empty_values_are_missing(tmp_path: Path) -> None:
    df = counts_frame()
    gappy = df.copy()
    gappy["value"] = gappy["value"].astype(str)
    gappy.loc[100:159, "value"] = ""
    gappy.loc[160, "value"] = "NaN"
    src = tmp_path / "in.csv"
    gappy.to_csv(src, index=False)
    detect_series_file(src, tmp_path / "out.csv")
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert len(out) == len(df)
    assert out["value"].iloc[100] == "" and out["alert"].iloc[100:161].astype(int).sum() == 0
    assert np.flatnonzero(out["alert"].astype(int)).tolist() == [SPIKE]


def test_long_format_file_scores_each_series_on_its_own(tmp_path: Path) -> None:
    # three services interleaved row by row (timestamp,service,count), as an export of per-service counts looks;
    # only "b" spikes, and the quiet "c" has a far lower level than "a"
    parts = []
    for k, (name, level) in enumerate((("a", 40), ("b", 15), ("c", 2))):
        part = counts_frame(seed=k)
        part["value"] = np.random.default_rng(k).poisson(level, len(part))
        if name == "b":
            part.loc[3 * DAY : 3 * DAY + 1, "value"] = 120
        part.insert(1, "service", name)
        parts.append(part)
    long = pd.concat(parts).sort_values("timestamp", kind="stable").reset_index(drop=True)
    long = long.rename(columns={"value": "count"})
    src = tmp_path / "long.csv"
    long.to_csv(src, index=False)
    summary = detect_series_file(src, tmp_path / "out.csv")
    out = pd.read_csv(tmp_path / "out.csv", dtype={"service": str})
    assert summary.rows == len(long) and summary.interval == pd.Timedelta("5min")
    assert out[["timestamp", "service", "count"]].astype(str).equals(long.astype(str))
    for name, part in zip("abc", parts):
        alone = score_frame(part.drop(columns="service"))
        got = out[out["service"] == name]
        assert got["anomaly_score"].tolist() == alone["anomaly_score"].tolist()
        assert got["alert"].tolist() == alone["alert"].tolist()
    spike = (out["service"] == "b") & (out["timestamp"] == parts[1]["timestamp"].iloc[SPIKE])
    assert out.loc[spike, "alert"].item() == 1


def test_a_single_series_with_a_constant_label_is_not_split() -> None:
    from outageradar.reports.series import series_keys

    df = counts_frame()
    df["service"] = "x"
    assert series_keys(df) == []
    # daylight-saving repeats are too few to mean several series
    dst = pd.concat([df.iloc[:100], df.iloc[88:]]).reset_index(drop=True)
    assert series_keys(dst) == []

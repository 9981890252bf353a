"""The detection-evaluation harness on tiny inputs: synthetic generator, reference detectors, leave-one-out."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import calibrate_detection as cd  # noqa: E402
import reference_detectors as rd  # noqa: E402
import synthetic_series as ss  # noqa: E402
from nab_score import probation_length, window_indices  # noqa: E402


def tiny(seed: int, kind: str = "dense-5min", days: int = 12, outages: int = 2, **kw) -> ss.Series:
    return ss.make_series(seed, kind, days, outages, name=f"{kind}-t{seed}", **kw)


def test_generator_is_deterministic() -> None:
    a, b, c = tiny(3), tiny(3), tiny(4)
    assert np.array_equal(a.values, b.values) and np.array_equal(a.timestamps, b.timestamps)
    assert a.windows == b.windows and a.outages == b.outages and a.bursts == b.bursts
    assert not np.array_equal(a.values, c.values)
    s1, s2 = ss.make_suite(5, scale=0.15), ss.make_suite(5, scale=0.15)
    assert [s.name for s in s1] == [s.name for s in s2]
    assert all(np.array_equal(x.values, y.values) and x.windows == y.windows for x, y in zip(s1, s2))
    assert {s.kind for s in s1} == set(ss.KINDS)


@pytest.mark.parametrize("style", ["margin", "nab"])
@pytest.mark.parametrize("kind", ["dense-5min", "sparse-5min", "dense-hourly", "sparse-hourly"])
def test_windows_cover_the_injected_outages(kind: str, style: str) -> None:
    days = 12 if kind.endswith("5min") else 60
    s = tiny(7, kind, days, 2, window_style=style)
    assert len(s.outages) == len(s.windows) == 2
    rows = s.window_rows()
    assert rows == window_indices(s.timestamps, s.windows)  # NAB's scorer finds the same rows
    prob = probation_length(len(s.values))
    for (a, b), o in zip(rows, s.outages):
        assert prob < a <= o.first_row <= o.last_row <= b < len(s.values)
        assert 1.5 <= o.level <= 20.0 and 0.25 - 1e-9 <= o.span_hours <= 48.0
        assert s.timestamps[o.first_row] <= o.onset.to_datetime64() < s.timestamps[o.last_row] + np.timedelta64(
            s.interval_minutes, "m")
    assert all(b1 < a2 for (_, b1), (a2, _) in zip(rows, rows[1:]))
    if kind.startswith("sparse"):
        assert all(o.expected_excess >= 4.0 for o in s.outages)
    # the outage rows hold more than their surroundings
    o = max(s.outages, key=lambda o: o.expected_excess)
    inside = s.values[o.first_row : o.last_row + 1].mean()
    assert inside > s.values.mean()


def test_quiet_series_and_files(tmp_path: Path) -> None:
    q = tiny(1, "quiet-5min", 10, 3, density="sparse")
    assert q.windows == [] and q.outages == [] and q.values.mean() < 2
    d = tiny(2)
    windows = ss.write_suite(tmp_path, [q, d])
    df = pd.read_csv(tmp_path / d.key)
    assert list(df.columns) == ["timestamp", "value"] and np.array_equal(df["value"].to_numpy(), d.values)
    from nab_score import load_windows

    loaded = load_windows(windows)
    assert loaded[q.key] == [] and loaded[d.key] == d.windows


def spiky(n: int = 6 * 288, at: int = 5 * 288 + 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ts = np.datetime64("2024-03-01T00:00", "ns") + np.arange(n) * np.timedelta64(300, "s")
    daily = 40 + 20 * np.sin(2 * np.pi * np.arange(n) / 288)
    x = rng.poisson(daily).astype(float)
    x[at] = 400.0
    return ts, x


@pytest.mark.parametrize(
    "name,params",
    [
        ("windowed_gaussian", {"window_size": 1000, "step_size": 100}),
        ("windowed_gaussian", {"window_size": 500, "step_size": 1, "direction": "up"}),
        ("shesd", {"window_days": 3.0, "max_anoms": 0.01}),
        ("shesd", {"window_days": 3.0, "direction": "pos", "refit_hours": 2.0}),
    ],
)
def test_reference_detectors_are_causal_and_find_a_spike(name: str, params: dict) -> None:
    ts, x = spiky()
    fn = rd.DETECTORS[name]
    full = fn(ts, x, **params)
    assert full.dtype == np.int8 and full.shape == x.shape
    assert full[5 * 288 + 40] == 1  # the obvious spike is an alert onset
    for cut in (700, 1201, 5 * 288 + 41, 5 * 288 + 97):
        assert np.array_equal(fn(ts[:cut], x[:cut], **params), full[:cut]), cut
    # refractory: one alert per event
    x2 = x.copy()
    x2[5 * 288 + 40 : 5 * 288 + 46] = 400.0
    alerts = fn(ts, x2, **params)
    assert alerts[5 * 288 + 40 : 5 * 288 + 40 + 144].sum() == 1


def test_esd_matches_the_iterative_definition() -> None:
    rng = np.random.default_rng(2)
    for trial in range(20):
        r = np.round(rng.standard_t(3, 120) * 3) if trial % 2 else rng.standard_t(3, 120)
        r[rng.integers(0, 120, 2)] += 25
        k, two = 10, bool(trial % 3)
        lam = rd.esd_critical_values(len(r), k, 0.05, two)
        data, num, removed = list(enumerate(r)), 0, []
        for i in range(k):  # Twitter's detect_anoms, step by step
            v = np.array([d[1] for d in data])
            med = np.median(v)
            sigma = 1.4826 * np.median(np.abs(v - med))
            if sigma == 0:
                break
            ares = np.abs(v - med) if two else v - med
            j = int(np.argmax(ares))
            removed.append(data.pop(j)[0])
            if ares[j] / sigma > lam[i]:
                num = i + 1
        got = rd.generalised_esd(r, k, lam, two)[0]
        assert sorted(got.tolist()) == sorted(removed[:num])


def test_spike_params_from_a_flat_dict() -> None:
    p = cd.spike_params({"alert_pvalue": 1e-5, "burst_hours": [1, 3], "level_halflife_hours": 3.0,
                         "baseline.warmup_hours": 12.0})
    assert p.alert_pvalue == 1e-5 and p.burst_hours == (1, 3)
    assert p.baseline.level_halflife_hours == 3.0 and p.baseline.warmup_hours == 12.0
    with pytest.raises(KeyError):
        cd.spike_params({"nope": 1})
    assert cd.DETECTORS["outageradar"].canonical({}) == cd.DETECTORS["outageradar"].canonical(
        {"alert_pvalue": 1e-4})


def test_leave_one_out_on_three_tiny_series(tmp_path: Path) -> None:
    series = cd.from_synthetic([tiny(11), tiny(12, "sparse-5min", days=16), tiny(13, "quiet-5min", outages=0)])
    det = cd.DETECTORS["windowed_gaussian"]
    points = [{}, {"tail_threshold": 1e-3, "window_size": 500}]
    msgs: list[str] = []
    alerts = cd.run_grid(det, points, series, workers=2, cache_dir=tmp_path, log=msgs.append)
    again = cd.run_grid(det, points, series, workers=1, cache_dir=tmp_path, log=msgs.append)
    assert "6 run(s) computed" in msgs[0] and "0 run(s) computed" in msgs[1]
    assert all(np.array_equal(a, b) for ra, rb in zip(alerts, again) for a, b in zip(ra, rb))
    table = cd.score_table(series, points, alerts)
    loo = cd.leave_one_out(table, "standard")
    assert loo.chosen.shape == loo.held_raw.shape == loo.held_norm.shape == (3,)
    assert np.isfinite(loo.held_norm[:2]).all() and np.isnan(loo.held_norm[2])  # quiet: no window
    for si in range(3):  # each fold's choice is the best point over the other two series
        others = [j for j in range(3) if j != si]
        pooled = [cd.normalised(table.raw["standard"][p, others].sum(), table.windows[others].sum(),
                                cd.PROFILES["standard"]) for p in range(2)]
        assert loo.chosen[si] == int(np.argmax(pooled))
        assert loo.held_raw[si] == table.raw["standard"][loo.chosen[si], si]
    figures = cd.report(det, table, default_index=0)
    assert figures["loo"]["synthetic"]["series"] == 3
    assert set(figures["synthetic"]["loo"]) >= {"dense-5min", "sparse-5min", "quiet-5min", "quiet (all)"}


def test_outageradar_wrapper_runs_the_file_path() -> None:
    s = tiny(21, days=12)
    alerts = cd.outageradar_detect(s.timestamps, s.values.astype(float), {})
    assert alerts.shape == s.values.shape and set(np.unique(alerts)) <= {0, 1}
    strict = cd.outageradar_detect(s.timestamps, s.values.astype(float), {"alert_pvalue": 1e-12})
    assert strict.sum() <= alerts.sum()

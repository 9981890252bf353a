"""Spike test and online baseline: behaviour on seeded synthetic count series."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from outageradar.reports.baseline import online_baseline
from outageradar.reports.spike import (
    DEFAULT_PARAMS,
    SpikeParams,
    nb_upper_tail,
    score_counts,
    seasonal_pvalue,
    trailing_sum,
)

DAY = 288  # five-minute buckets per day


def grid(n: int) -> np.ndarray:
    return np.datetime64("2025-01-01T00:00", "ns") + np.arange(n) * np.timedelta64(300, "s")


def daily_peak_series(days: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    slot = np.arange(days * DAY) % DAY
    lam = np.where((slot >= 144) & (slot < 156), 60.0, 5.0)  # every day 12:00-13:00 is twelve times busier
    return rng.poisson(lam).astype(float)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flat_poisson_with_injected_spike_alerts_there_only(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(20, 10 * DAY).astype(float)
    counts[2000:2002] = 80  # ten minutes at four times the level
    result = score_counts(grid(len(counts)), counts)
    assert np.flatnonzero(result.alert).tolist() == [2001]  # the second interval completes the ten-minute run
    assert result.anomaly_score[2001] >= 0.5
    assert result.anomaly_score[:2001].max() < 0.5 and result.anomaly_score[2001 + 24 :].max() < 0.5
    assert result.pvalue[2001] < 1e-6
    # one interval alone is a burst, not an alert (run_minutes); with one-interval runs it alerts at once
    burst = counts.copy()
    burst[2001] = counts[2002]
    assert score_counts(grid(len(burst)), burst).alert.sum() == 0
    one = dataclasses.replace(DEFAULT_PARAMS, run_minutes=0.0)
    assert np.flatnonzero(score_counts(grid(len(burst)), burst, params=one).alert).tolist() == [2000]
    # the expectation tracks the level
    assert np.median(result.expected[DAY:]) == pytest.approx(20, rel=0.1)


def test_outputs_are_causal_appending_data_changes_nothing_before() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(8, 6 * DAY).astype(float)
    counts[[700, 1300, 1301, 1302]] = [60, 40, 45, 50]
    cut = 1301
    full = score_counts(grid(len(counts)), counts)
    part = score_counts(grid(cut), counts[:cut])
    for name in ("expected", "pvalue", "anomaly_score", "alert", "anomalous"):
        np.testing.assert_array_equal(getattr(part, name), getattr(full, name)[:cut], err_msg=name)
    # and a wildly different future does not change the past either
    other = counts.copy()
    other[cut:] = 500
    changed = score_counts(grid(len(other)), other)
    np.testing.assert_array_equal(changed.anomaly_score[:cut], full.anomaly_score[:cut])


def test_short_sparse_series_does_not_alarm_on_first_posts() -> None:
    counts = np.zeros(100)
    counts[[40, 41, 60]] = [2, 6, 1]  # a brand-new series: its first posts
    assert score_counts(grid(len(counts)), counts).alert.sum() == 0
    counts = np.zeros(3 * DAY)
    counts[[700, 701, 800]] = [1, 2, 1]  # three quiet days, then a few posts: below min_count
    assert score_counts(grid(len(counts)), counts).alert.sum() == 0
    counts[800] = 12  # but a real burst after quiet days is an incident (the one-hour window holds min_count posts)
    assert np.flatnonzero(score_counts(grid(len(counts)), counts).alert).tolist() == [800]


def test_daily_seasonality_is_learned() -> None:
    counts = daily_peak_series(14)
    result = score_counts(grid(len(counts)), counts)
    assert result.alert[2 * DAY :].sum() == 0
    peak = np.arange(10 * DAY + 144, 10 * DAY + 156)
    assert result.expected[peak].mean() > 30  # the noon peak is expected, not surprising
    # the same peak at an unusual hour (03:00) is an anomaly
    moved = counts.copy()
    moved[10 * DAY + 36 : 10 * DAY + 48] += 55
    assert score_counts(grid(len(moved)), moved).alert[10 * DAY + 36 : 10 * DAY + 48].sum() == 1


def test_refractory_gives_one_alert_per_episode() -> None:
    rng = np.random.default_rng(4)
    counts = rng.poisson(10, 6 * DAY).astype(float)
    counts[1000:1036] += 80  # a three-hour outage
    result = score_counts(grid(len(counts)), counts)
    assert result.anomalous[1000:1036].sum() > 3
    assert result.alert[1000:1036].tolist().index(1) <= 1  # alerted at onset (the run of two intervals)
    assert result.alert.sum() == 1


def test_baseline_is_robust_to_a_past_outage() -> None:
    rng = np.random.default_rng(5)
    counts = rng.poisson(10, 8 * DAY).astype(float)
    spiked = counts.copy()
    spiked[3 * DAY : 3 * DAY + 24] = 400  # two hours of a big outage
    a = score_counts(grid(len(counts)), counts).expected
    b = score_counts(grid(len(counts)), spiked).expected
    # one day later the expectation is barely moved by the outage
    assert b[4 * DAY : 5 * DAY].mean() == pytest.approx(a[4 * DAY : 5 * DAY].mean(), rel=0.25)


def test_batch_equals_single_series() -> None:
    rng = np.random.default_rng(6)
    batch = rng.poisson([[0.3], [5.0], [40.0]], (3, 4 * DAY)).astype(float)
    batch[1, 900] = 60  # one interval: the one-hour window sees it at once
    batch[2, 300:340] = np.nan  # one series misses a few intervals
    ts = grid(batch.shape[1])
    prior = rng.uniform(0, 10, batch.shape)
    together = score_counts(ts, batch)
    for i in range(3):
        alone = score_counts(ts, batch[i])  # single series take a scalar code path: it must agree exactly
        np.testing.assert_allclose(
            score_counts(ts, batch, prior_expected=prior).expected[i],
            score_counts(ts, batch[i], prior_expected=prior[i]).expected,
            rtol=1e-12,
        )
        np.testing.assert_allclose(together.expected[i], alone.expected, rtol=1e-12)
        np.testing.assert_array_equal(together.alert[i], alone.alert)
    assert together.alert[1, 900] == 1


def test_prior_expected_is_used_while_history_is_thin() -> None:
    counts = np.zeros(2 * DAY)
    counts[300] = 8
    ts = grid(len(counts))
    prior = np.full(len(counts), 10.0)
    without = score_counts(ts, counts)
    with_prior = score_counts(ts, counts, prior_expected=prior)
    assert with_prior.expected[0] == pytest.approx(10.0)
    assert with_prior.expected[300] > without.expected[300]
    assert with_prior.pvalue[300] > without.pvalue[300]
    # the series' own history takes over: after a day of silence the prior no longer dominates
    assert with_prior.expected[300] < 5.0


def test_missing_values_leave_state_untouched() -> None:
    rng = np.random.default_rng(7)
    counts = rng.poisson(10, 3 * DAY).astype(float)
    holed = counts.copy()
    holed[400:420] = np.nan
    base = online_baseline(grid(len(counts)), holed, 300.0)
    assert np.isfinite(base.expected).all()
    result = score_counts(grid(len(counts)), holed)
    assert (result.alert[400:420] == 0).all() and (result.pvalue[400:420] == 1).all()


def test_nb_upper_tail_matches_scipy_in_the_tail() -> None:
    y = np.array([3.0, 10, 50, 200, 7])
    mu = np.array([0.5, 3.0, 10.0, 80.0, 2.0])
    alpha = np.array([0.1, 0.05, 1.0, 0.2, 0.5])
    expected = stats.nbinom.sf(y - 1, 1 / alpha, 1 / (1 + alpha * mu))
    np.testing.assert_allclose(nb_upper_tail(y, mu, alpha), expected, rtol=1e-8)
    assert nb_upper_tail(np.array([0.0]), np.array([1.0]), np.array([0.1]))[0] == 1.0


def test_bad_counts_are_rejected() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        score_counts(grid(3), np.array([1.0, -1.0, 2.0]))
    with pytest.raises(ValueError, match="timestamps"):
        score_counts(grid(3), np.array([1.0, 2.0]))


def test_default_params_are_fixed() -> None:
    assert isinstance(DEFAULT_PARAMS, SpikeParams)
    assert 0 < DEFAULT_PARAMS.alert_pvalue < 0.01


@pytest.mark.parametrize("seed", [0, 2])
def test_slow_sustained_rise_is_caught_by_the_seasonal_test(seed: int) -> None:
    """A rise to twice the usual level built up over six hours: the adaptive level absorbs it within the hour, the
    same hour on previous days and the day-scale window do not."""
    rng = np.random.default_rng(seed)
    n = 10 * DAY
    t = np.arange(n)
    lam = 6.0 * (1 + 0.8 * np.sin(2 * np.pi * t / DAY))
    start = 8 * DAY + 100
    ramp = np.clip((t - start) / 72, 0, 1) * (t < start + 192)  # six hours up, then ten at 2x
    counts = rng.poisson(lam * (1 + ramp)).astype(float)
    with_seasonal = score_counts(grid(n), counts)
    without = score_counts(grid(n), counts, params=dataclasses.replace(DEFAULT_PARAMS, seasonal_halflife_days=0.0,
                                                                       burst_hours=(1.0,)))
    assert with_seasonal.alert[start : start + 192].sum() >= 1
    assert without.alert[start : start + 192].sum() == 0
    assert with_seasonal.alert[2 * DAY : 8 * DAY].sum() == 0  # and the ordinary days before stay quiet
    assert with_seasonal.pvalue[start : start + 192].min() < 1e-4


def test_seasonal_pvalue_is_conservative_on_poisson_noise() -> None:
    rng = np.random.default_rng(8)
    hourly = trailing_sum(rng.poisson(10, 30 * DAY).astype(float), 12)
    p = seasonal_pvalue(hourly, DAY, 14.0)
    assert (p[: 3 * DAY] == 1).all()  # nothing before three days of each time of day
    assert (p < 1e-2).mean() < 0.01
    assert p.min() > 1e-4
    hourly[20 * DAY + 100] = 240  # twice the usual hour (120)
    assert seasonal_pvalue(hourly, DAY, 14.0)[20 * DAY + 100] < 1e-6


def weekend_dip_series(weeks: int, seed: int) -> np.ndarray:
    """Daily-seasonal counts, weekends (Sat, Sun) at a third of the weekday level; ``grid`` starts on a Wednesday."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks * 7 * DAY)
    weekday = (t // DAY + 2) % 7  # 2025-01-01 was a Wednesday
    lam = np.where(weekday < 5, 12.0, 4.0) * (1 + 0.6 * np.sin(2 * np.pi * (t % DAY - 72) / DAY))
    return rng.poisson(lam).astype(float)


NO_WEEKDAY = dataclasses.replace(
    DEFAULT_PARAMS, baseline=dataclasses.replace(DEFAULT_PARAMS.baseline, weekday_halflife_weeks=0.0)
)


def test_weekend_dip_is_learned_after_a_few_weeks() -> None:
    """Without weekday factors the level ratio still holds the weekend's level on Monday morning and nearly every
    Monday alarms; with them, learned over 3+ weeks, weekday mornings are expected (the shrunk factors leave a few)."""
    late_with = late_without = 0
    for seed in range(1, 7):
        counts = weekend_dip_series(6, seed)
        ts = grid(len(counts))
        result = score_counts(ts, counts)
        without = score_counts(ts, counts, params=NO_WEEKDAY)
        t = np.arange(len(counts))
        weekday = (t // DAY + 2) % 7
        late = t >= 3 * 7 * DAY
        alerts = np.flatnonzero(result.alert & late)
        assert ((weekday[alerts] == 0) & (t[alerts] % DAY < 144)).all()  # only ever Monday mornings
        assert len(alerts) <= 2
        late_with += len(alerts)
        late_without += int(without.alert[late].sum())
        weekend = late & (weekday >= 5)
        weekdays = late & (weekday < 5)
        assert result.expected[weekend].mean() < 0.5 * result.expected[weekdays].mean()
        assert result.expected[weekend].mean() < 0.9 * without.expected[weekend].mean()
    assert late_without >= 9  # at least half of the 18 late Mondays
    assert 3 * late_with <= late_without


def test_weekday_factors_stay_1_with_little_history() -> None:
    counts = weekend_dip_series(2, 3)[: 13 * DAY]  # under two weeks: not every weekday has been seen twice
    ts = grid(len(counts))
    with_factors = online_baseline(ts, counts, 300.0).expected
    without = online_baseline(ts, counts, 300.0, params=NO_WEEKDAY.baseline).expected
    np.testing.assert_array_equal(with_factors, without)
    sparse = np.random.default_rng(3).poisson(0.05, 6 * DAY).astype(float)  # under a week of a sparse series
    np.testing.assert_array_equal(
        online_baseline(grid(len(sparse)), sparse, 300.0).expected,
        online_baseline(grid(len(sparse)), sparse, 300.0, params=NO_WEEKDAY.baseline).expected,
    )


def test_weekday_factors_are_causal_and_batch_equals_single() -> None:
    counts = weekend_dip_series(4, 5)
    counts[20 * DAY + 100 : 20 * DAY + 112] += 60  # an outage on a weekday of week three
    ts = grid(len(counts))
    full = score_counts(ts, counts)
    for cut in (15 * DAY + 7, 21 * DAY, 24 * DAY + 200):
        part = score_counts(ts[:cut], counts[:cut])
        for name in ("expected", "pvalue", "anomaly_score", "alert"):
            np.testing.assert_array_equal(getattr(part, name), getattr(full, name)[:cut], err_msg=name)
    assert full.alert[20 * DAY + 100 : 20 * DAY + 112].sum() == 1
    batch = np.stack([counts, weekend_dip_series(4, 6), np.roll(counts, DAY)])
    batch[1, 3000:3400] = np.nan
    together = score_counts(ts, batch)
    for i in range(3):
        np.testing.assert_allclose(together.expected[i], score_counts(ts, batch[i]).expected, rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_day_scale_rise_of_a_sparse_series_alerts(seed: int) -> None:
    """Four posts a day; an outage brings 20 more over half a day, one every 35 minutes. No hour holds
    ``min_count`` posts, so only the one-day window can see it, and it does; without the rise the series is quiet."""
    rng = np.random.default_rng(seed)
    n = 21 * DAY
    quiet = rng.poisson(np.full(n, 4.0 / DAY)).astype(float)
    start = 15 * DAY + 96
    counts = quiet.copy()
    counts[start : start + DAY // 2 : 7] += 1.0  # 21 posts over 12 hours
    assert trailing_sum(counts, 12)[start : start + DAY // 2].max() < DEFAULT_PARAMS.min_count
    result = score_counts(grid(n), counts)
    hourly_only = score_counts(grid(n), counts, params=dataclasses.replace(DEFAULT_PARAMS, burst_hours=(1.0,)))
    assert result.alert[start : start + DAY // 2].sum() == 1  # during the rise
    assert result.alert[2 * DAY : start].sum() == 0
    assert hourly_only.alert[start : start + DAY].sum() == 0
    assert score_counts(grid(n), quiet).alert[2 * DAY :].sum() == 0
    # hourly counts of the same series: the day-scale window works at any interval
    hourly = counts.reshape(-1, 12).sum(axis=1)
    ts_h = np.datetime64("2025-01-01T00:00", "ns") + np.arange(len(hourly)) * np.timedelta64(3600, "s")
    alerts_h = score_counts(ts_h, hourly).alert
    assert alerts_h[start // 12 : (start + DAY // 2) // 12 + 1].sum() == 1 and alerts_h[48 : start // 12].sum() == 0


def test_online_model_one_interval_at_a_time_equals_the_series_function() -> None:
    """river style: predict_one before each observation, learn_one after it, end_day at midnight."""
    from outageradar.reports.baseline import OnlineBaseline, hour_bins, weekday_days

    counts = weekend_dip_series(3, 9)
    counts[5000:5010] = np.nan
    ts = grid(len(counts))
    whole = online_baseline(ts, counts, 300.0)
    bins, n_bins, per_bin_day = hour_bins(ts, 300.0)
    wdays, day_no, steps_day = weekday_days(ts, 300.0)
    model = OnlineBaseline(300.0, n_bins, per_bin_day, DEFAULT_PARAMS.baseline, steps_day=steps_day)
    got = []
    for t, y in enumerate(counts.tolist()):
        if t and day_no[t] != day_no[t - 1]:
            model.end_day(int(wdays[t - 1]))
        got.append(model.predict_one(int(bins[t]), int(wdays[t]))[0])
        if y == y:
            model.learn_one(y)
    np.testing.assert_array_equal(np.array(got), whole.expected)

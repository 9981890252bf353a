"""Spike test: how surprising is each count given its online baseline, and when to raise an alert.

For every interval ``t`` the baseline (:mod:`outageradar.reports.baseline`: time-of-day profile, day-of-week factors,
adaptive level) predicts, from data before ``t`` only, an expected count ``mu_t`` and a negative-binomial
overdispersion ``alpha_t`` (``Var = mu + alpha mu^2``). An outage shows as a sharp burst, as a rise sustained over an
hour, or, on a sparse series (a few posts a day per state), as a day-scale rise of several times the usual level that
no single hour shows. So a count series is tested at **three time scales**, all causal:

- the interval itself: ``p1 = P(Y >= y_t | mu_t, alpha_t)``, which must hold over a run of ``run_minutes`` (ten
  minutes: the largest ``p1`` of the last two 5-minute intervals; on hourly series one interval) — a single
  5-minute burst is what tweet volumes do every day;
- the last hour and the last day (``burst_hours = (1, 24)``): the window's sum against the sum of expectations, a
  negative binomial with ``Var = M + alpha * sum(mu^2)``;

combined by Bonferroni, ``p_nb = min(1, 3 min(p1, p_hour, p_day))``. A scale may fire only where its own window holds
``min_count`` posts (the interval scale: the last hour) and this interval holds one: a day-scale rise needs
``min_count`` posts that day, not that hour. Real-valued series use Gaussian tails of the residual and of the mean
residual over ``additive_burst_hours`` (one hour), one- or two-sided.

The baseline's level ratio follows a rise within hours, so a rise that builds up over an afternoon (to 2-3x the usual
level) is absorbed before it is ever surprising. Count series therefore get a second, **seasonal** test
(:func:`seasonal_pvalue`) of the hour and day sums, against the same time of day on previous days (an exponentially
weighted mean and variance of the square root, half-life ``seasonal_halflife_days``, not adapted within the day).
The NB tests and the seasonal tests are each decided on their own surprise with the same calibrated alert level
below, and a point is anomalous when either fires. ``pvalue`` reports ``min(p_nb, 2 p_seasonal)``.

Real series are heavier-tailed than any simple count model (tweet volumes have brief 5x bursts most days), so the
surprise is also *calibrated against the series' own history*: the alert level is
``h_t = max(log10(1/alert_pvalue), Q_q(s over the previous calibration_days))`` with ``q = calibration_quantile``
(0.995 over 14 days: about the 20th largest surprise of the last two weeks; see :func:`calibrated_threshold`). A
point must be more surprising than what this series routinely produces, which adapts the test to each series' tail
without fitting anything per series. (Consequence: right after a long, large incident the bar is higher for two weeks.)

- ``anomaly_score = min(1, s_t / (2 h_t))`` (the larger over the two tests): 0 for ordinary counts, 0.5 exactly at
  the alert level.
- ``anomalous``: ``s_t >= h_t`` where the scale's ``min_count`` rule holds, past the warm-up (``warmup_hours``: a
  series with little history must not alarm on its first posts).
- ``extent``: the anomalous points whose last hour is itself raised (more than two standard deviations above its
  expectation). The day window stays raised for a day after a burst; an incident's extent (see
  :mod:`outageradar.reports.incidents`) is delimited by ``extent``, not by that memory.
- ``alert``: the onset of an anomalous episode. After an alert, further anomalous points within ``refractory_hours``
  are the same incident and do not alert again; this is what an operator (and NAB) wants: one early alert per event.

Everything is causal: the outputs at ``t`` depend on observations up to ``t`` only, so appending data never changes
earlier outputs. :func:`score_counts` accepts one series ``(n,)`` or a batch ``(m, n)`` sharing the timestamps; a batch
is scored in one pass over time and is far faster than ``m`` calls (see ``benchmarks/bench_nab.py``).

**How the parameters were chosen.** The p-value level, the two-week calibration and seasonal memory and the
half-day refractory period are principles (kept from the first calibration). The time scales and their rules were
chosen by leave-one-series-out over 60 series — NAB's realTweets (5), realKnownCause (7) and realAWSCloudwatch
(17) and 31 synthetic count series with injected outages of varied shape, length and level, dense and sparse, at 5
minutes and one hour, including quiet ones (``benchmarks/synthetic_series.py``) — with
``benchmarks/calibrate_detection.py --grid scales --max-false-per-year 12``: for each held-out series, the grid point
with the best NAB standard score pooled over the other 59, among those whose quiet series raise at most 12 false alert
episodes per series-year. That chose ``burst_hours=(1, 24)`` over (1,), ``run_minutes=10`` over 0, ``min_count=8``
over 5, and ``alert_pvalue=1e-4`` over 1e-3 in 55 of the 60 folds (the baseline's ``min_expected`` stayed 0.05: 0.002 scored 0.1 point lower). Tried and
rejected the same way: capping each interval's share of a window, leaving the window's largest interval out, a
day-scale seasonal test only, a refractory period as long as the day window, and a day scale for real-valued series
(``additive_burst_hours``). ``benchmarks/bench_nab.py`` prints the NAB scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import ndimage, special

from outageradar.reports.baseline import SECONDS_PER_DAY, Baseline, BaselineParams, Kind, online_baseline

Direction = Literal["up", "both"]


@dataclass(frozen=True)
class SpikeParams:
    """Decision parameters of the spike test (fixed in the package, chosen on development data)."""

    alert_pvalue: float = 1e-4
    min_count: float = 8.0
    refractory_hours: float = 12.0
    burst_hours: tuple[float, ...] = (1.0, 24.0)  # window scales of count series
    additive_burst_hours: tuple[float, ...] = (1.0,)  # window scales of real-valued series
    run_minutes: float = 10.0  # the interval test needs this long a run of surprising intervals (0: one interval)
    calibration_quantile: float = 0.995
    calibration_days: float = 14.0
    seasonal_halflife_days: float = 14.0  # memory of the seasonal test (count series); 0 switches it off
    baseline: BaselineParams = field(default_factory=BaselineParams)


DEFAULT_PARAMS = SpikeParams()
SEASONAL_MIN_DAYS = 3.0  # days of a time of day the seasonal test needs before it can fire
SEASONAL_PRIOR_DAYS = 7.0  # pseudo-days of pure Poisson variance the seasonal variance starts from
TEST_POINTS = 1 << 17  # score_counts tests about this many points (series x intervals) at a time ...
BASELINE_POINTS = 1 << 21  # ... and runs the baseline (a loop over time: per-step overhead) on up to this many


@dataclass
class SpikeResult:
    """Per-point outputs, shaped like the input counts."""

    expected: np.ndarray
    pvalue: np.ndarray
    anomaly_score: np.ndarray
    alert: np.ndarray  # int8 0/1: onset alerts (refractory applied)
    anomalous: np.ndarray  # bool: every point that passes the test (before the refractory rule)
    variance: np.ndarray
    extent: np.ndarray | None = None  # bool: anomalous points whose last hour is itself raised (see _count_tests)

    def __post_init__(self) -> None:
        if self.extent is None:
            self.extent = self.anomalous


def nb_upper_tail(y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``P(Y >= y)`` for a negative binomial with mean ``mu`` and ``Var = mu + alpha mu^2`` (``alpha > 0``).

    Exact (regularised incomplete beta function) where ``y`` is more than two standard deviations above ``mu``, the
    only region where it can matter for an alert; elsewhere the exact tail is above 0.02 (checked over ``mu`` 0.05 to
    5,000 and ``alpha`` 0.01 to 5) and a continuity-corrected normal approximation saves most of the cost on long
    batches of sparse counts.
    """
    y, mu, alpha = np.broadcast_arrays(np.asarray(y, dtype=float), np.asarray(mu, dtype=float),
                                       np.asarray(alpha, dtype=float))
    k = np.ceil(y)
    sd = np.sqrt(mu + alpha * mu * mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = special.ndtr((mu - k + 0.5) / sd)
    out = np.where(k <= 0, 1.0, out)
    tail = (k >= 1) & (k > mu + 2.0 * sd)
    a = alpha[tail]
    m = mu[tail]
    # P(Y >= k) = I_q(k, r) with r = 1 / alpha and q = 1 - p = alpha mu / (1 + alpha mu)
    out[tail] = special.betainc(k[tail], 1.0 / a, a * m / (1.0 + a * m))
    return out


def gaussian_tail(y: np.ndarray, mu: np.ndarray, var: np.ndarray, direction: Direction) -> np.ndarray:
    """Upper (or two-sided) Gaussian tail probability of ``y`` around ``mu``."""
    z = (np.asarray(y, dtype=float) - mu) / np.sqrt(var)
    if direction == "both":
        return np.minimum(1.0, 2.0 * special.ndtr(-np.abs(z)))
    return special.ndtr(-z)


def onset_alerts(anomalous: np.ndarray, refractory_steps: int) -> np.ndarray:
    """0/1 alerts at anomalous points not within ``refractory_steps`` after a previous alert (per row for 2-D)."""
    cand = np.atleast_2d(anomalous)
    out = np.zeros(cand.shape, dtype=np.int8)
    for row in range(cand.shape[0]):
        next_ok = -1
        for i in np.flatnonzero(cand[row]):
            if i >= next_ok:
                out[row, i] = 1
                next_ok = int(i) + refractory_steps + 1
    return out[0] if np.ndim(anomalous) == 1 else out


def _range_kth_smallest(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``np.partition(values[lo:hi], k)[k]`` for every query ``(lo, hi, k)`` at once (``0 <= k < hi - lo``).

    A wavelet matrix over the values' ranks (ties broken by position, so the ``k``-th smallest rank holds the
    ``k``-th smallest value): one level per bit of the rank, MSB first, each a stable partition of the positions by
    that bit with its running count of zeros. A query descends the levels keeping its range and ``k`` in the current
    level's order. Cost ``O((len(values) + queries) log len(values))`` in whole-array steps, whatever the ranges.
    """
    order = np.argsort(values, kind="stable")
    itype = np.int32 if len(values) < 2**31 - 1 else np.int64  # half the memory traffic of int64
    cur = np.empty(len(values), dtype=itype)
    cur[order] = np.arange(len(values), dtype=itype)  # rank of each value, in position order
    lo, hi, k = (np.asarray(a, dtype=itype) for a in (lo, hi, k))
    rank = np.zeros(len(lo), dtype=itype)
    zeros = np.zeros(len(values) + 1, dtype=itype)  # zeros[i]: positions before i whose bit is 0
    for level in range(max(1, (len(values) - 1).bit_length()) - 1, -1, -1):
        zero = ((cur >> level) & 1) == 0
        np.cumsum(zero, out=zeros[1:])
        n_zero = zeros[-1]
        z_lo, z_hi = zeros[lo], zeros[hi]
        in_zero = z_hi - z_lo
        up = k >= in_zero  # the k-th smallest has this bit set: continue among the ones
        k = k - in_zero * up
        lo = np.where(up, lo - z_lo + n_zero, z_lo)
        hi = np.where(up, hi - z_hi + n_zero, z_hi)
        rank |= up.astype(itype) << level
        cur = np.concatenate([cur[zero], cur[~zero]])
    return values[order[rank]]


def calibrated_threshold(
    surprise: np.ndarray, candidates: np.ndarray, base: float, window: int, quantile: float
) -> np.ndarray:
    """Alert level ``h_t`` at each candidate point (``base`` elsewhere), per row for 2-D input.

    ``h_t = max(base, k-th largest surprise among the previous min(t, window) points)`` with
    ``k = ceil((1 - quantile) * min(t, window))``: an upper quantile of the series' own recent surprises. Only points
    above ``base`` (the exceedances) can raise it, so just those are searched: the exceedances of every row in one
    flat sequence, each candidate's window one range of it, and all the ranges' order statistics at once
    (:func:`_range_kth_smallest`), which keeps this cheap on long batches.
    """
    s2 = np.atleast_2d(surprise)
    c2 = np.atleast_2d(candidates)
    out = np.full(s2.shape, base, dtype=float)
    rows, cols = np.nonzero(c2)
    if rows.size:
        n = s2.shape[1]
        above = s2 > base
        exc = np.flatnonzero(above)  # row * n + t, row-major like the candidates
        k = np.maximum(1, np.ceil((1.0 - quantile) * np.minimum(cols, window))).astype(np.int64)
        lo = np.searchsorted(exc, rows * n + np.maximum(cols - window, 0), side="left")
        hi = np.searchsorted(exc, rows * n + cols, side="left")  # strictly before t
        ok = hi - lo >= k
        if ok.any():
            lo, hi, k = lo[ok], hi[ok], k[ok]
            kth = _range_kth_smallest(s2[above], lo, hi, hi - lo - k)  # the k-th largest
            out[rows[ok], cols[ok]] = np.maximum(base, kth)
    return out[0] if np.ndim(surprise) == 1 else out


def trailing_sum(x: np.ndarray, width: int) -> np.ndarray:
    """Sum of the last ``width`` values up to and including each point (along the last axis)."""
    return trailing_sums(x, (width,))[width]


def trailing_sums(x: np.ndarray, widths) -> dict[int, np.ndarray]:
    """:func:`trailing_sum` of ``x`` for each of ``widths``, from one cumulative sum."""
    c = np.cumsum(x, axis=-1)
    out = {}
    for width in widths:
        s = out[width] = c.copy()
        s[..., width:] -= c[..., :-width]
    return out


def trailing_max(x: np.ndarray, width: int) -> np.ndarray:
    """Largest of the last ``width`` values up to and including each point (along the last axis; the first
    ``width - 1`` points take the largest of what there is)."""
    x = np.asarray(x, dtype=float)
    if width <= 1:
        return x.copy()
    # a centred filter of odd size 2w-1 shifted by w-1 covers exactly [t-w+1, t]; -inf padding leaves the edge alone
    pad = np.full(x.shape[:-1] + (width - 1,), -np.inf)
    xp = np.concatenate([pad, x], axis=-1)
    return ndimage.maximum_filter1d(xp, size=width, axis=-1, origin=(width - 1) // 2, mode="nearest")[..., width - 1:]


def _student_tail(x: np.ndarray, mean: np.ndarray, sd: np.ndarray, dof: np.ndarray, ready: np.ndarray,
                  direction: Direction) -> np.ndarray:
    """Student-t tail probability of ``x`` around ``mean`` (scale ``sd`` estimated from ``dof`` weighted days) where
    ``ready``, 1 elsewhere.

    The t tail is computed only where ``|z| > 2``, the only region where it can matter for an alert: elsewhere the
    normal tail (above 0.02 anyway) saves most of the cost on long batches. Nothing is computed where not ``ready``.
    """
    out = np.ones(np.shape(x))
    with np.errstate(invalid="ignore"):
        z = (x[ready] - mean[ready]) / sd[ready]
    zz = z if direction == "up" else np.abs(z)
    tail = special.ndtr(-zz)
    far = zz > 2.0
    tail[far] = special.stdtr(dof[ready][far], -zz[far])
    if direction != "up":
        tail = np.minimum(1.0, 2.0 * tail)
    out[ready] = tail
    return out


def _seasonal_weights(halflife_days: float, min_days: float) -> tuple[float, float]:
    """(daily decay, weight of ``min_days`` observed days) of :func:`seasonal_pvalue`."""
    decay = 0.5 ** (1.0 / halflife_days)
    return decay, sum(decay**k for k in range(int(math.ceil(min_days))))


def seasonal_can_be_ready(n: int, steps_per_day: int, halflife_days: float,
                          min_days: float = SEASONAL_MIN_DAYS) -> bool:
    """Whether :func:`seasonal_pvalue` of ``n`` points can be below 1 anywhere: whether a day of the series can have
    the weight of ``min_days`` observed days before it. The weight of days all observed, ``u``, bounds every time of
    day's weight ``w`` (both updates are monotone under rounding), so while ``u`` is below it no ``w`` reaches it."""
    decay, need = _seasonal_weights(halflife_days, min_days)
    u = 0.0
    for _ in range(-(-n // steps_per_day)):
        if u >= need - 1e-9:
            return True
        u = max(u, decay * u + 1.0)
    return False


def seasonal_pvalue(
    window_sum: np.ndarray,
    steps_per_day: int,
    halflife_days: float,
    direction: Direction = "up",
    min_days: float = SEASONAL_MIN_DAYS,
    prior_days: float = SEASONAL_PRIOR_DAYS,
    winsor_sd: float = 3.0,
    where: np.ndarray | None = None,
) -> np.ndarray:
    """Tail probability of a count summed over the last window against the same time of day on previous days.

    ``window_sum`` is ``(n,)`` or ``(m, n)`` (``NaN`` = unobserved). The statistic is ``x = sqrt(sum)``: the square
    root stabilises the variance of counts, and Poisson noise alone gives ``x`` a variance of 1/4. For each of the
    ``steps_per_day`` times of day the test keeps an exponentially weighted mean of ``x`` over previous days and the
    weighted sum of squares of its one-day-ahead prediction errors (half-life ``halflife_days``; ``x`` is winsorised at
    ``winsor_sd`` standard deviations before it updates them, so a past incident barely moves them). The variance is
    that sum plus ``prior_days`` pseudo-days of Poisson variance (1/4, also its floor) over their weight, and the tail
    is Student's t with that many degrees of freedom (weighted days + ``prior_days``), so a variance estimated from a
    few days does not make ordinary days look extreme. It is 1 until ``min_days`` days of that time of day are in,
    and wherever ``where`` (shaped like ``window_sum``; the points the caller uses) is false.
    Unlike the adaptive level of the baseline, this reference does not follow a rise within the day, so a sustained
    rise stays visible for as long as it lasts. Cost: one loop step per day, vectorised over series and times of day.
    """
    ws = np.atleast_2d(np.asarray(window_sum, dtype=float))
    m, n = ws.shape
    if not seasonal_can_be_ready(n, steps_per_day, halflife_days, min_days):
        return np.ones(np.shape(window_sum))  # too short: no day is ever ready
    days = -(-n // steps_per_day)
    X = np.full((m, days * steps_per_day), np.nan)
    X[:, :n] = np.sqrt(np.maximum(ws, 0.0))  # NaN stays NaN
    X = X.reshape(m, days, steps_per_day)
    P = np.ones_like(X)
    wanted = np.zeros((m, days * steps_per_day), dtype=bool)  # where the tail is computed
    wanted[:, :n] = True if where is None else np.atleast_2d(where)
    wanted = wanted.reshape(X.shape)
    decay, need = _seasonal_weights(halflife_days, min_days)
    w = np.zeros((m, steps_per_day))  # weight of observed days
    s1 = np.zeros((m, steps_per_day))  # weighted sum of (winsorised) x
    w_err = np.zeros((m, steps_per_day))  # weight of prediction errors
    s2 = np.zeros((m, steps_per_day))  # weighted sum of squared prediction errors
    for d in range(days):
        x = X[:, d]
        ok = ~np.isnan(x)
        has = w > 0
        mean = s1 / np.where(has, w, 1.0)
        var = np.maximum((s2 + prior_days * 0.25) / (w_err + prior_days), 0.25)
        sd = np.sqrt(var)
        ready = ok & (w >= need - 1e-9) & (w_err > 0) & wanted[:, d]
        if ready.any():  # else 1 throughout, as P holds already (the first min_days days)
            P[:, d] = _student_tail(x, mean, sd, w_err + prior_days, ready, direction)
        xc = np.where(w_err > 0, np.clip(x, mean - winsor_sd * sd, mean + winsor_sd * sd), x)
        upd_err = ok & has
        err = np.where(upd_err, xc - mean, 0.0)
        s2 = np.where(upd_err, decay * s2 + err * err, s2)
        w_err = np.where(upd_err, decay * w_err + 1.0, w_err)
        s1 = np.where(ok, decay * s1 + np.where(ok, xc, 0.0), s1)
        w = np.where(ok, decay * w + 1.0, w)
    out = P.reshape(m, days * steps_per_day)[:, :n]
    return out[0] if np.ndim(window_sum) == 1 else out


def interval_seconds(timestamps: np.ndarray) -> float:
    """The regular spacing of ``timestamps`` in seconds (median difference)."""
    ts = np.asarray(timestamps, dtype="datetime64[ns]")
    if len(ts) < 2:
        return 300.0
    return float(np.median(np.diff(ts).astype(np.int64)) / 1e9)


def window_widths(hours: tuple[float, ...], step: float) -> list[int]:
    """The window lengths in intervals (more than one) of the time scales ``hours`` at an interval of ``step`` s."""
    return sorted({w for w in (int(round(h * 3600 / step)) for h in hours) if w > 1})


def _additive_tests(y0, mu, base, valid, widths, direction, decide):
    """(anomalous, anomaly_score, pvalue, extent) of a real-valued series: Gaussian tails of the residual and of the
    mean residual over each window of ``widths`` intervals (variance: the window's summed variance over its observed
    count squared), combined by Bonferroni and decided on one calibrated level; ``extent`` is ``anomalous``."""
    tests = 1 + len(widths)  # Bonferroni over the time scales
    pvalue = gaussian_tail(y0, base.expected, base.variance, direction)
    finite = valid & np.isfinite(base.variance)
    var = np.where(finite, base.variance, 0.0)
    for width in widths:  # mean of the last `width` residuals: variance = mean variance / width
        n_obs = np.maximum(trailing_sum(valid.astype(float), width), 1.0)
        unknown = trailing_sum((valid & ~finite).astype(float), width) > 0  # still warming up
        with np.errstate(divide="ignore", invalid="ignore"):
            p_burst = gaussian_tail(
                trailing_sum(y0, width) / n_obs,
                trailing_sum(mu, width) / n_obs,
                np.maximum(trailing_sum(var, width), 1e-300) / n_obs**2,
                direction,
            )
        pvalue = np.minimum(pvalue, np.where(unknown, 1.0, p_burst))
    pvalue = np.where(valid, np.minimum(1.0, tests * pvalue), 1.0)
    anomalous, score = decide(pvalue, np.ones_like(valid))
    return anomalous, score, pvalue, anomalous


def _nb_tail_where(where: np.ndarray, y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """:func:`nb_upper_tail` where ``where`` holds, 1 elsewhere (the tail is computed for those points only)."""
    out = np.ones(where.shape)
    out[where] = nb_upper_tail(y[where], mu[where], alpha[where])
    return out


def _window_tail_where(where: np.ndarray, y_sum: np.ndarray, mu_sum: np.ndarray, mu2_sum: np.ndarray,
                       alpha: np.ndarray) -> np.ndarray:
    """The NB tail of a window's sum ``y_sum`` against the sum of expectations ``mu_sum`` (``Var = M + alpha *
    sum(mu^2)``, ``mu2_sum``) where ``where`` holds, 1 elsewhere (computed for those points only)."""
    out = np.ones(where.shape)
    m_sum = np.maximum(mu_sum[where], 1e-12)
    alpha_sum = np.maximum(alpha[where] * mu2_sum[where] / m_sum**2, 1e-9)
    out[where] = nb_upper_tail(y_sum[where], m_sum, alpha_sum)
    return out


def _count_tests(y0, mu, dispersion, valid, widths, step, params, direction, decide):
    """(anomalous, anomaly_score, pvalue, extent) of a count series over every time scale.

    Scales: the interval itself and each window of ``widths`` intervals (one hour and one day by default). Each
    scale's test is the negative binomial tail of the window's sum against the baseline's expectations, and, for
    windows of at least an hour on series of at most hourly intervals, the seasonal test of that sum against the same
    time of day on previous days (:func:`_seasonal_tests`). A scale may fire only where its own window holds
    ``min_count`` posts (the interval itself: the one-hour window, or its own interval on coarser series) and this
    interval holds one: a day-scale rise of a sparse series needs ``min_count`` posts that day, not that hour. The NB
    tests are combined by Bonferroni and decided on one calibrated level, the seasonal tests likewise; a point is
    anomalous when either fires. ``extent`` marks the anomalous points whose last hour is itself raised (more than two
    standard deviations above its expectation): a day-scale window stays raised for a day after a burst, and the
    extent of an incident must not.
    """
    alpha = np.maximum(dispersion, 1e-9)
    yp = np.maximum(y0, 0.0)
    here = y0 >= 1
    hour_w = max(1, int(round(3600 / step)))
    sums = trailing_sums(yp, {1, hour_w, *widths})
    mu_sums = trailing_sums(mu, {hour_w, *widths})  # expectations summed over each window ...
    mu2_sums = trailing_sums(mu * mu, {hour_w, *widths})  # ... and their squares
    # where each scale may fire: its window (at least the last hour) holds min_count posts and this interval one
    big = {w: (sums[max(w, hour_w)] >= params.min_count) & here for w in {1, *widths}}

    p_nb = _nb_tail_where(big[1], yp, mu, alpha)
    run = int(round(params.run_minutes * 60 / step))
    if run > 1:  # every interval of the last `run` surprising: the largest p-value of the run
        p_nb = trailing_max(p_nb, run)
    for width in widths:  # the last `width` intervals together: NB with Var = M + alpha * sum(mu^2)
        p_nb = np.minimum(p_nb, _window_tail_where(big[width], sums[width], mu_sums[width], mu2_sums[width], alpha))
    tests = 1 + len(widths)
    pvalue = np.where(valid, np.minimum(1.0, tests * p_nb), 1.0)
    anomalous, score = decide(pvalue, np.ones_like(valid))
    p_seas = _seasonal_tests(sums, big, valid, widths, hour_w, step, params, direction)
    if p_seas is not None:
        anom_seas, score_seas = decide(p_seas, np.ones_like(valid))
        anomalous = anomalous | anom_seas
        score = np.maximum(score, score_seas)
        pvalue = np.minimum(pvalue, np.minimum(1.0, 2 * p_seas))
    m_hour = mu_sums[hour_w]
    raised = sums[hour_w] - m_hour > 2.0 * np.sqrt(m_hour + alpha * mu2_sums[hour_w])
    return anomalous, score, pvalue, anomalous & raised


def _seasonal_tests(sums, big, valid, widths, hour_w, step, params, direction) -> np.ndarray | None:
    """The seasonal p-value (Bonferroni over the windows of at least an hour) of :func:`_count_tests`: each window's
    sum (``sums``) against the same time of day on previous days, where that scale may fire (``big``); ``None``
    where there is no seasonal test, or where it would be 1 throughout (a series of a few days: below ``p = 1`` it
    changes nothing)."""
    steps_per_day = SECONDS_PER_DAY / step
    seasonal = [w for w in sorted({1, *widths}) if w >= hour_w]
    if not (params.seasonal_halflife_days > 0 and step <= 3600 and seasonal
            and abs(steps_per_day - round(steps_per_day)) < 1e-6 and params.alert_pvalue < 1.0
            and seasonal_can_be_ready(valid.shape[-1], int(round(steps_per_day)), params.seasonal_halflife_days)):
        return None
    seen = trailing_sums(valid.astype(float), seasonal)
    p_seas = np.ones(valid.shape)
    for width in seasonal:
        window_sum = np.where(seen[width] > 0, sums[width], np.nan)
        p_w = seasonal_pvalue(window_sum, int(round(steps_per_day)), params.seasonal_halflife_days, direction,
                              where=big[width])
        p_seas = np.minimum(p_seas, np.where(big[width], p_w, 1.0))
    return np.where(valid, np.minimum(1.0, len(seasonal) * p_seas), 1.0)


def score_series(
    timestamps: np.ndarray,
    values: np.ndarray,
    prior_expected: np.ndarray | None = None,
    params: SpikeParams = DEFAULT_PARAMS,
    kind: Kind = "multiplicative",
    direction: Direction = "up",
    interval_s: float | None = None,
    base: Baseline | None = None,
) -> SpikeResult:
    """Spike test of a count (``kind="multiplicative"``) or real-valued (``"additive"``) series; ``NaN`` = missing.
    ``base``: the baseline of these values, when already computed (:func:`score_counts` runs it on larger batches)."""
    ts = np.asarray(timestamps, dtype="datetime64[ns]")
    y = np.asarray(values, dtype=float)
    step = interval_s if interval_s is not None else interval_seconds(ts)
    if step <= 0:
        raise ValueError("timestamps must be increasing")
    if base is None:
        base = online_baseline(ts, y, step, prior_expected, params.baseline, kind)
    valid = ~np.isnan(y)
    y0 = np.where(valid, y, 0.0)
    widths = window_widths(params.additive_burst_hours if kind == "additive" else params.burst_hours, step)
    mu = np.where(valid, base.expected, 0.0)
    warm = int(math.ceil(params.baseline.warmup_hours * 3600 / step))
    past_warmup = np.arange(y.shape[-1]) >= warm
    level = -math.log10(params.alert_pvalue)
    window = max(1, int(round(params.calibration_days * SECONDS_PER_DAY / step)))

    def decide(p: np.ndarray, big_enough: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(anomalous, anomaly_score) of one test: its surprise against its calibrated alert level."""
        surprise = np.where(past_warmup, -np.log10(np.clip(p, 1e-300, 1.0)), 0.0)
        candidates = (surprise >= level) & big_enough & valid
        s_alert: np.ndarray | float = level
        if params.calibration_quantile > 0:
            s_alert = calibrated_threshold(surprise, candidates, level, window, params.calibration_quantile)
        return candidates & (surprise >= s_alert), np.clip(surprise / (2.0 * s_alert), 0.0, 1.0)

    if kind == "additive":
        anomalous, score, pvalue, extent = _additive_tests(y0, mu, base, valid, widths, direction, decide)
    else:
        anomalous, score, pvalue, extent = _count_tests(y0, mu, base.dispersion, valid, widths, step, params, direction,
                                                decide)
    refractory = int(round(params.refractory_hours * 3600 / step))
    return SpikeResult(
        expected=base.expected,
        pvalue=pvalue,
        anomaly_score=score,
        alert=onset_alerts(anomalous, refractory),
        anomalous=anomalous,
        variance=base.variance,
        extent=extent,
    )


def score_counts(
    timestamps: np.ndarray,
    counts: np.ndarray,
    prior_expected: np.ndarray | None = None,
    params: SpikeParams = DEFAULT_PARAMS,
) -> SpikeResult:
    """Spike test of outage-report counts at regular ``timestamps`` (datetime64[ns] UTC).

    ``counts`` is ``(n,)`` or a batch ``(m, n)`` of series sharing the timestamps (much faster than ``m`` calls);
    ``prior_expected`` (same shape, or ``(n,)``) is an externally supplied expected count that thin history is shrunk
    towards, e.g. a service's total scaled by the region's share.
    """
    c = np.asarray(counts, dtype=float)
    if c.shape[-1] != len(timestamps):
        raise ValueError(f"counts have {c.shape[-1]} points but there are {len(timestamps)} timestamps")
    if np.any(c < 0):  # NaN (missing) compares false
        raise ValueError("counts must be non-negative")
    if c.ndim == 2 and c.shape[0] > _test_rows(c.shape[1]):  # bounded working set: faster than one huge batch
        return _score_chunks(timestamps, c, prior_expected, params)
    return score_series(timestamps, c, prior_expected, params, kind="multiplicative", direction="up")


def _test_rows(n: int) -> int:
    """Series of ``n`` points tested together by :func:`score_counts` (:data:`TEST_POINTS`)."""
    return max(1, TEST_POINTS // max(n, 1))


def _score_chunks(timestamps: np.ndarray, c: np.ndarray, prior_expected: np.ndarray | None,
                  params: SpikeParams) -> SpikeResult:
    """:func:`score_counts` of a large batch ``(m, n)``: the tests on :func:`_test_rows` series at a time (their
    arrays stay small: less memory to allocate and fault in), the baseline, whose cost is mostly its loop over time,
    on as many of those chunks at once as :data:`BASELINE_POINTS` allows. A series' results do not depend on the
    batch it is in."""
    m, n = c.shape
    ts = np.asarray(timestamps, dtype="datetime64[ns]")
    step = interval_seconds(ts)
    if step <= 0:
        raise ValueError("timestamps must be increasing")
    prior = None if prior_expected is None else np.broadcast_to(np.asarray(prior_expected, dtype=float), c.shape)
    chunk = _test_rows(n)
    rows = chunk * max(1, BASELINE_POINTS // (chunk * max(n, 1)))
    out: dict[str, np.ndarray] = {}
    for lo in range(0, m, rows):
        _score_batch(ts, c, prior, range(lo, min(m, lo + rows), chunk), chunk, step, params, out)
    return SpikeResult(**out)


def _score_batch(ts, c, prior, starts: range, chunk: int, step: float, params: SpikeParams,
                 out: dict[str, np.ndarray]) -> None:
    """One baseline batch of :func:`_score_chunks`: the series from ``starts[0]`` to ``starts.stop``, tested
    ``chunk`` at a time, written into ``out`` (allocated here for the whole of ``c`` when empty)."""
    lo, hi = starts.start, starts.stop
    base = online_baseline(ts, c[lo:hi], step, None if prior is None else prior[lo:hi], params.baseline)
    for a in starts:
        b = min(hi, a + chunk)
        part = Baseline(*(x[a - lo : b - lo] for x in (base.expected, base.variance, base.dispersion)))
        res = score_series(ts, c[a:b], None, params, kind="multiplicative", direction="up", interval_s=step,
                           base=part)
        for f in SpikeResult.__dataclass_fields__:
            value = getattr(res, f)
            if f not in out:
                out[f] = np.empty(c.shape, dtype=value.dtype)
            out[f][a:b] = value

"""Online, outage-robust baseline ("what count is normal now?") for series in fixed intervals.

The model is a robust, causal Holt-Winters-like recursion run one interval at a time (vectorised over series, so a
batch of ``m`` series costs one pass over time; a single series runs the same arithmetic on Python floats). Before
observing ``y_t`` it predicts ``expected_t`` and a variance from state that has only seen ``y_0 .. y_{t-1}``; then it
updates the state with a *winsorised* ``y_t``.

Components (counts, the default "multiplicative" kind):

- **Time-of-day profile** ``P[b]``: an exponentially forgetting mean of the counts observed in the same hour-of-day bin
  ``b`` (``profile_halflife_days``; older days fade, so the profile follows slow drift). Hour bins pool 12 five-minute
  buckets, which keeps sparse series usable. A bin with little history is shrunk towards a target with
  ``profile_prior_obs`` pseudo-observations: the series' own recent overall mean (``global_halflife_hours``), or the
  caller's ``prior_expected`` (e.g. a service's total scaled to the region) when given.
- **Day-of-week factors** ``F[d]`` (count series only): seven multiplicative factors, one per weekday of the
  timestamp's calendar day. Each day's totals (winsorised counts, and the profile's expectation) are folded into its
  weekday once the day ends, forgetting over weeks (``weekday_halflife_weeks``); the factor is
  ``(counts + c) / (expectation + c)`` with ``c`` = ``weekday_prior_days`` pseudo-days of the recent mean plus
  ``level_pseudo_count`` pseudo-counts (so sparse series stay near 1), normalised to a mean of 1 over the week. Until
  every weekday has been seen in ``weekday_min_weeks`` weeks the factors are exactly 1 (a single holiday or incident
  day cannot create a weekday effect). The profile and the overall mean learn from ``y / F[d]``.
- **Level ratio** ``R = (sum of recent counts + c) / (sum of recent P[b] F[d] + c)`` over a short exponential
  window (``level_halflife_hours``), with ``c = level_pseudo_count`` pseudo-counts (a few posts cannot swing it).
  It tracks level shifts (and what the shrunk weekday factors leave of weekend levels) within hours.
  ``expected = max(P[b] * F[d] * R, min_expected)``.
- **Overdispersion** ``alpha`` of a negative binomial (``Var = mu + alpha mu^2``), estimated online by the weighted
  moment estimator ``sum((y - mu)^2 - mu) / sum(mu^2)`` over ``dispersion_halflife_hours`` (with ``y`` winsorised at
  ``dispersion_winsor_sd``) and shrunk towards ``alpha_prior`` while few observations are in.
- **Robustness to past outages**: every update uses ``min(y, expected + max(winsor_sd * sd, 1))`` (after the first
  ``warmup_hours``), so an outage spike moves the baseline only by a bounded amount per interval.

The "additive" kind (real-valued series such as CPU or temperature) uses the same profile, an additive level offset
(recent mean residual) instead of the ratio, a Gaussian variance (exponential mean of squared winsorised residuals),
and two-sided winsorisation.

The weekday factors are not used for the additive kind: on NAB's realKnownCause they cost one labelled window
(ambient_temperature_system_failure) and gained nothing elsewhere. Missing observations (``NaN``) leave the state
untouched (a day's totals hold only its observed intervals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Kind = Literal["multiplicative", "additive"]

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class BaselineParams:
    """Parameters of :func:`online_baseline` (durations in wall-clock units, independent of the interval)."""

    profile_halflife_days: float = 7.0
    profile_prior_obs: float = 6.0
    global_halflife_hours: float = 24.0
    level_halflife_hours: float = 6.0
    level_pseudo_count: float = 10.0
    weekday_halflife_weeks: float = 4.0  # 0 switches the day-of-week effect off
    weekday_prior_days: float = 1.0
    weekday_min_weeks: float = 2.0
    dispersion_halflife_hours: float = 72.0
    dispersion_prior_obs: float = 288.0
    alpha_prior: float = 0.1
    alpha_min: float = 0.01
    alpha_max: float = 5.0
    winsor_sd: float = 3.0
    dispersion_winsor_sd: float = 3.0
    warmup_hours: float = 24.0
    min_expected: float = 0.05


@dataclass
class Baseline:
    """Per-point predictions made before seeing each observation; arrays shaped like the input values."""

    expected: np.ndarray
    variance: np.ndarray
    dispersion: np.ndarray  # negative-binomial alpha (multiplicative kind); 0 for the additive kind


def _decay(interval_s: float, halflife_s: float) -> float:
    return 0.5 ** (interval_s / halflife_s) if halflife_s > 0 else 0.0


def hour_bins(timestamps: np.ndarray, interval_s: float) -> tuple[np.ndarray, int, float]:
    """Time-of-day bin of each timestamp, the number of bins, and observations per bin per day.

    Bins are hours for intervals up to an hour, the interval itself for longer intervals that divide a day, and a single
    bin otherwise (no daily seasonality can be learned).
    """
    ts = np.asarray(timestamps, dtype="datetime64[ns]")
    sec = ((ts - ts.astype("datetime64[D]")) // np.timedelta64(1, "s")).astype(np.int64)
    if interval_s <= 3600:
        bin_s = 3600.0
    elif interval_s < SECONDS_PER_DAY and SECONDS_PER_DAY % interval_s == 0:
        bin_s = float(interval_s)
    else:
        return np.zeros(len(ts), dtype=np.int64), 1, 1.0
    n_bins = int(round(SECONDS_PER_DAY / bin_s))
    return (sec // int(bin_s)).astype(np.int64) % n_bins, n_bins, bin_s / interval_s


def weekday_days(timestamps: np.ndarray, interval_s: float) -> tuple[np.ndarray, np.ndarray, float] | None:
    """``(weekday 0=Monday .. 6, day number, intervals per day)`` of each timestamp, or ``None`` when the interval is
    longer than a day (no day-of-week effect is learned then)."""
    if not 0 < interval_s <= SECONDS_PER_DAY:
        return None
    day = np.asarray(timestamps, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    return (day + 3) % 7, day, SECONDS_PER_DAY / interval_s  # 1970-01-01 was a Thursday


def online_baseline(
    timestamps: np.ndarray,
    values: np.ndarray,
    interval_s: float,
    prior_expected: np.ndarray | None = None,
    params: BaselineParams = BaselineParams(),
    kind: Kind = "multiplicative",
) -> Baseline:
    """Causal baseline of one series ``(n,)`` or a batch ``(m, n)`` sharing regular ``timestamps`` ``interval_s`` apart.

    ``prior_expected`` (same shape as ``values``, or ``(n,)`` for a batch) replaces the series' own overall mean as the
    target that thin time-of-day bins are shrunk to, and is the prediction before any history exists.
    """
    y_all = np.asarray(values, dtype=float)
    single = y_all.ndim == 1
    Y = np.atleast_2d(y_all)
    m, n = Y.shape
    if len(timestamps) != n:
        raise ValueError("timestamps and values differ in length")
    prior = None
    if prior_expected is not None:
        prior = np.broadcast_to(np.atleast_2d(np.asarray(prior_expected, dtype=float)), (m, n))
    additive = kind == "additive"
    p = params
    bins, n_bins, per_bin_day = hour_bins(timestamps, interval_s)
    d_prof = 0.5 ** (1.0 / (per_bin_day * p.profile_halflife_days))
    d_glob = _decay(interval_s, p.global_halflife_hours * 3600)
    d_lvl = _decay(interval_s, p.level_halflife_hours * 3600)
    d_disp = _decay(interval_s, p.dispersion_halflife_hours * 3600)
    warm = int(math.ceil(p.warmup_hours * 3600 / interval_s))
    k_prof = p.profile_prior_obs
    c_lvl = p.level_pseudo_count
    # day-of-week: the weekday of each point and where a day ends (its totals then update that weekday's factor)
    wd_info = weekday_days(timestamps, interval_s) if p.weekday_halflife_weeks > 0 and not additive else None
    if wd_info is None:
        wdays = np.zeros(n, dtype=np.int64)
        flush = np.zeros(n, dtype=bool)
        steps_day = 1.0
        d_week = 0.0
    else:
        wdays, day_no, steps_day = wd_info
        flush = np.zeros(n, dtype=bool)
        flush[1:] = day_no[1:] != day_no[:-1]
        d_week = 0.5 ** (1.0 / p.weekday_halflife_weeks)
    # weight of weekday observations needed (every weekday seen in weekday_min_weeks weeks, 90% of each day observed)
    need = 0.9 * sum(d_week**k for k in range(int(math.ceil(p.weekday_min_weeks)))) if wd_info is not None else 0.0
    k_day = p.weekday_prior_days * steps_day  # pseudo-days of expectation (in intervals) at factor 1
    if m == 1:  # one series: the same recursion on Python floats is ~10x faster than on length-1 arrays
        exp1, var1, alpha1 = _scalar_loop(
            Y[0].tolist(), None if prior is None else prior[0].tolist(), bins.tolist(), n_bins, additive, p,
            (d_prof, d_glob, d_lvl, d_disp, d_week), warm, wdays.tolist(), flush.tolist(), k_day, need, steps_day,
        )
        if single:
            return Baseline(exp1, var1, alpha1)
        return Baseline(exp1[None, :], var1[None, :], alpha1[None, :])
    valid_all = ~np.isnan(Y)
    col_ok = valid_all.all(axis=0)
    YT = np.ascontiguousarray(Y.T)  # (n, m): row t holds every series' value at t
    VT = np.ascontiguousarray(valid_all.T)
    PT = None if prior is None else np.ascontiguousarray(prior.T)

    prof_n = np.zeros((n_bins, m))
    prof_w = np.zeros((n_bins, m))
    glob_n = np.zeros(m)
    glob_w = np.zeros(m)
    lvl_n = np.zeros(m)
    lvl_d = np.zeros(m)  # multiplicative: recent expectation (profile x weekday factor); additive: recent weight
    disp_n = np.zeros(m)
    disp_d = np.zeros(m)
    disp_w = np.zeros(m)
    wk_n = np.zeros((7, m))  # per weekday, forgetting over weeks: counts ...
    wk_d = np.zeros((7, m))  # ... profile expectations ...
    wk_c = np.zeros((7, m))  # ... and observed days
    fac = np.ones((7, m))  # weekday factors (stay 1 for the additive kind)
    day_n = np.zeros(m)  # the current day's sums
    day_d = np.zeros(m)
    day_c = np.zeros(m)  # the current day's observed intervals
    exp_out = np.empty((n, m))
    var_out = np.empty((n, m))
    alpha_out = np.zeros((n, m))
    alpha0 = p.alpha_prior
    for t in range(n):
        if flush[t]:  # a day ended: fold its totals into its weekday, then re-estimate the seven factors
            w_prev = wdays[t - 1]
            wk_n[w_prev] = d_week * wk_n[w_prev] + day_n
            wk_d[w_prev] = d_week * wk_d[w_prev] + day_d
            wk_c[w_prev] = d_week * wk_c[w_prev] + day_c / steps_day
            day_n = np.zeros(m)
            day_d = np.zeros(m)
            day_c = np.zeros(m)
            c = k_day * (glob_n / np.maximum(glob_w, 1e-12)) + c_lvl
            fac = (wk_n + c) / (wk_d + c)
            fac /= fac.mean(axis=0)
            fac = np.where(wk_c.min(axis=0) >= need, fac, 1.0)
        b = bins[t]
        f = fac[wdays[t]]
        y = YT[t]
        if PT is not None:
            target = PT[t] if additive else PT[t] / f
        else:
            target = glob_n / np.maximum(glob_w, 1e-12)
        prof = (prof_n[b] + k_prof * target) / (prof_w[b] + k_prof)
        if additive:
            mu = prof + lvl_n / (lvl_d + 1.0)
            resid_var = disp_n / np.maximum(disp_w, 1e-12)
            var = np.where(disp_w > 0, resid_var, np.inf)
            var = np.maximum(var, 1e-12 * (1.0 + mu * mu))
        else:
            pf = prof * f
            mu = np.maximum(pf * ((lvl_n + c_lvl) / (lvl_d + c_lvl)), p.min_expected)
            w = disp_w / (disp_w + p.dispersion_prior_obs)
            a_hat = disp_n / np.maximum(disp_d, 1e-12)
            alpha = np.minimum(np.maximum(w * a_hat + (1.0 - w) * alpha0, p.alpha_min), p.alpha_max)
            var = mu + alpha * mu * mu
            alpha_out[t] = alpha
        exp_out[t] = mu
        var_out[t] = var
        if t >= warm:
            sd = np.sqrt(var)
            one = 0.0 if additive else 1.0  # a count is never clipped below mu + 1: one post is not an outlier
            yc = np.minimum(y, mu + np.maximum(p.winsor_sd * sd, one))
            yd = np.minimum(y, mu + np.maximum(p.dispersion_winsor_sd * sd, one))
            if additive:
                yc = np.maximum(yc, mu - p.winsor_sd * sd)
                yd = np.maximum(yd, mu - p.dispersion_winsor_sd * sd)
        else:
            yc = y
            yd = y
        if not col_ok[t]:  # some series miss this interval: leave their state untouched
            ok = VT[t]
            yc = np.where(ok, yc, 0.0)
            yd = np.where(ok, yd, 0.0)
            old = [prof_n[b].copy(), prof_w[b].copy(), glob_n, glob_w, lvl_n, lvl_d, disp_n, disp_d, disp_w,
                   day_n, day_d, day_c]
        else:
            ok = None
        r = yd - mu
        ys = yc if additive else yc / f  # the count with the weekday effect taken out
        prof_n[b] *= d_prof
        prof_n[b] += ys
        prof_w[b] *= d_prof
        prof_w[b] += 1.0
        glob_n = d_glob * glob_n + ys
        glob_w = d_glob * glob_w + 1.0
        if additive:
            lvl_n = d_lvl * lvl_n + (yc - prof)
            lvl_d = d_lvl * lvl_d + 1.0
            disp_n = d_disp * disp_n + r * r
        else:
            lvl_n = d_lvl * lvl_n + yc
            lvl_d = d_lvl * lvl_d + pf
            disp_n = d_disp * disp_n + (r * r - mu)
            disp_d = d_disp * disp_d + mu * mu
            day_n = day_n + yc
            day_d = day_d + prof
        day_c = day_c + 1.0
        disp_w = d_disp * disp_w + 1.0
        if ok is not None:
            prof_n[b] = np.where(ok, prof_n[b], old[0])
            prof_w[b] = np.where(ok, prof_w[b], old[1])
            glob_n, glob_w, lvl_n, lvl_d, disp_n, disp_d, disp_w, day_n, day_d, day_c = (
                np.where(ok, new, prev)
                for new, prev in zip(
                    (glob_n, glob_w, lvl_n, lvl_d, disp_n, disp_d, disp_w, day_n, day_d, day_c), old[2:]
                )
            )

    def shape(a: np.ndarray) -> np.ndarray:
        out = a.T
        return np.ascontiguousarray(out[0] if single else out)

    return Baseline(shape(exp_out), shape(var_out), shape(alpha_out))


def _scalar_loop(
    ys: list[float],
    priors: list[float] | None,
    bins: list[int],
    n_bins: int,
    additive: bool,
    p: BaselineParams,
    decays: tuple[float, float, float, float, float],
    warm: int,
    wdays: list[int],
    flush: list[bool],
    k_day: float,
    need: float,
    steps_day: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The recursion of :func:`online_baseline` for a single series, on Python floats (identical arithmetic)."""
    d_prof, d_glob, d_lvl, d_disp, d_week = decays
    k_prof = p.profile_prior_obs
    c_lvl = p.level_pseudo_count
    alpha0 = p.alpha_prior
    prof_n = [0.0] * n_bins
    prof_w = [0.0] * n_bins
    glob_n = glob_w = lvl_n = lvl_d = disp_n = disp_d = disp_w = 0.0
    wk_n = [0.0] * 7
    wk_d = [0.0] * 7
    wk_c = [0.0] * 7
    fac = [1.0] * 7
    day_n = day_d = day_c = 0.0
    n = len(ys)
    exp_out = [0.0] * n
    var_out = [0.0] * n
    alpha_out = [0.0] * n
    inf = math.inf
    for t in range(n):
        if flush[t]:
            w_prev = wdays[t - 1]
            wk_n[w_prev] = d_week * wk_n[w_prev] + day_n
            wk_d[w_prev] = d_week * wk_d[w_prev] + day_d
            wk_c[w_prev] = d_week * wk_c[w_prev] + day_c / steps_day
            day_n = day_d = day_c = 0.0
            # the same arithmetic as the vectorised path (numpy's mean over 7 rows, then one division or subtraction)
            if min(wk_c) < need:
                fac = [1.0] * 7
            else:
                c = k_day * (glob_n / max(glob_w, 1e-12)) + c_lvl
                raw = (np.array(wk_n)[:, None] + c) / (np.array(wk_d)[:, None] + c)
                fac = (raw / raw.mean(axis=0))[:, 0].tolist()
        b = bins[t]
        f = fac[wdays[t]]
        y = ys[t]
        if priors is not None:
            target = priors[t] if additive else priors[t] / f
        else:
            target = glob_n / max(glob_w, 1e-12)
        prof = (prof_n[b] + k_prof * target) / (prof_w[b] + k_prof)
        if additive:
            mu = prof + lvl_n / (lvl_d + 1.0)
            var = disp_n / max(disp_w, 1e-12) if disp_w > 0 else inf
            var = max(var, 1e-12 * (1.0 + mu * mu))
        else:
            pf = prof * f
            mu = max(pf * ((lvl_n + c_lvl) / (lvl_d + c_lvl)), p.min_expected)
            w = disp_w / (disp_w + p.dispersion_prior_obs)
            a_hat = disp_n / max(disp_d, 1e-12)
            alpha = min(max(w * a_hat + (1.0 - w) * alpha0, p.alpha_min), p.alpha_max)
            var = mu + alpha * mu * mu
            alpha_out[t] = alpha
        exp_out[t] = mu
        var_out[t] = var
        if y != y:  # NaN: unobserved, the state stays as it is
            continue
        if t >= warm:
            sd = math.sqrt(var)
            one = 0.0 if additive else 1.0  # as in the vector loop
            yc = min(y, mu + max(p.winsor_sd * sd, one))
            yd = min(y, mu + max(p.dispersion_winsor_sd * sd, one))
            if additive:
                yc = max(yc, mu - p.winsor_sd * sd)
                yd = max(yd, mu - p.dispersion_winsor_sd * sd)
        else:
            yc = yd = y
        r = yd - mu
        ysd = yc if additive else yc / f
        prof_n[b] = d_prof * prof_n[b] + ysd
        prof_w[b] = d_prof * prof_w[b] + 1.0
        glob_n = d_glob * glob_n + ysd
        glob_w = d_glob * glob_w + 1.0
        if additive:
            lvl_n = d_lvl * lvl_n + (yc - prof)
            lvl_d = d_lvl * lvl_d + 1.0
            disp_n = d_disp * disp_n + r * r
        else:
            lvl_n = d_lvl * lvl_n + yc
            lvl_d = d_lvl * lvl_d + pf
            disp_n = d_disp * disp_n + (r * r - mu)
            disp_d = d_disp * disp_d + mu * mu
            day_n += yc
            day_d += prof
        day_c += 1.0
        disp_w = d_disp * disp_w + 1.0
    return np.array(exp_out), np.array(var_out), np.array(alpha_out)

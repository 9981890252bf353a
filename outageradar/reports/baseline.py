"""Online, outage-robust baseline ("what count is normal now?") for series in fixed intervals.

The model is a robust, causal Holt-Winters-like recursion run one interval at a time: :class:`OnlineBaseline`, an
online model in the river style (``predict_one`` / ``learn_one``), vectorised over series so a batch of ``m`` series
costs one pass over time; a single series runs the same definition on Python floats. Before
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


class _FloatOps:
    """The step's arithmetic on Python floats: one series runs about ten times faster than on length-1 arrays."""

    minimum = staticmethod(min)
    maximum = staticmethod(max)
    sqrt = staticmethod(math.sqrt)

    @staticmethod
    def where(cond, a, b):
        return a if cond else b


class OnlineBaseline:
    """The baseline as an online model in the river style: :meth:`predict_one` before an observation, then
    :meth:`learn_one` with it (and :meth:`end_day` when a calendar day ends).

    One definition of the recursion serves one series (``m=None``: the state is Python floats) and a batch of ``m``
    series sharing the timestamps (the state is arrays of shape ``(m,)``); the arithmetic is the same, so a series
    scores identically alone and in a batch. :func:`online_baseline` drives it over a whole series. The weights
    (``prof_w``, ``glob_w``, ``disp_w``, ``day_c``) count observations only, so they are the same for every series
    of a batch until one misses an interval: until then they stay Python floats (one operation instead of one per
    series, the same arithmetic), and become arrays the first time :meth:`learn_one` is given ``ok``.

    ``n_bins`` time-of-day bins with ``per_bin_day`` observations per bin per day, ``steps_day`` intervals per day,
    and ``weekdays``: whether day-of-week factors are learned (never for the additive kind).
    """

    def __init__(self, interval_s: float, n_bins: int, per_bin_day: float, params: BaselineParams = BaselineParams(),
                 kind: Kind = "multiplicative", m: int | None = None, steps_day: float = 1.0,
                 weekdays: bool = True) -> None:
        p = self.params = params
        self.additive = kind == "additive"
        self.m = m
        self.ops = np if m is not None else _FloatOps
        self.wops = _FloatOps  # for the weights: Python floats while they are shared (see _unshare)
        self.d_prof = 0.5 ** (1.0 / (per_bin_day * p.profile_halflife_days))
        self.d_glob = _decay(interval_s, p.global_halflife_hours * 3600)
        self.d_lvl = _decay(interval_s, p.level_halflife_hours * 3600)
        self.d_disp = _decay(interval_s, p.dispersion_halflife_hours * 3600)
        self.warm = int(math.ceil(p.warmup_hours * 3600 / interval_s))
        weekly = weekdays and p.weekday_halflife_weeks > 0 and not self.additive
        self.d_week = 0.5 ** (1.0 / p.weekday_halflife_weeks) if weekly else 0.0
        # weight of weekday observations needed (every weekday seen in weekday_min_weeks weeks, 90% of each day)
        self.need = 0.9 * sum(self.d_week**k for k in range(int(math.ceil(p.weekday_min_weeks)))) if weekly else 0.0
        self.steps_day = steps_day if weekly else 1.0
        self.k_day = p.weekday_prior_days * self.steps_day  # pseudo-days of expectation (in intervals) at factor 1
        zero = (lambda: np.zeros(m)) if m is not None else (lambda: 0.0)
        self.prof_n = np.zeros((n_bins, m)) if m is not None else [0.0] * n_bins
        self.prof_w = [0.0] * n_bins  # the weights, shared by the series of a batch (until _unshare)
        self.glob_n, self.glob_w = zero(), 0.0
        self.lvl_n, self.lvl_d = zero(), zero()  # lvl_d: recent expectation (multiplicative) or weight (additive)
        self.disp_n, self.disp_d, self.disp_w = zero(), zero(), 0.0
        self.day_n, self.day_d, self.day_c = zero(), zero(), 0.0  # the current day's sums and observed intervals
        cols = m if m is not None else 1
        self.wk_n = np.zeros((7, cols))  # per weekday, forgetting over weeks: counts, expectations, observed days
        self.wk_d = np.zeros((7, cols))
        self.wk_c = np.zeros((7, cols))
        self.fac = np.ones((7, m)) if m is not None else [1.0] * 7  # weekday factors (1 for the additive kind)
        self.unit = [True] * 7  # per weekday: every series' factor is 1 (then x * 1 and x / 1 are skipped: both x)
        self.t = -1  # index of the current interval
        self._pending: tuple = ()

    _FIELDS = ("glob_n", "glob_w", "lvl_n", "lvl_d", "disp_n", "disp_d", "disp_w", "day_n", "day_d", "day_c")

    def end_day(self, weekday: int) -> None:
        """Fold the day that just ended (its ``weekday``) into its weekday's totals and re-estimate the factors."""
        if self.d_week == 0.0:
            return
        one = self.m is None
        d = self.d_week
        self.wk_n[weekday] = d * self.wk_n[weekday] + self.day_n
        self.wk_d[weekday] = d * self.wk_d[weekday] + self.day_d
        self.wk_c[weekday] = d * self.wk_c[weekday] + self.day_c / self.steps_day
        zero = 0.0 if one else np.zeros(self.m)
        self.day_n, self.day_d = zero, zero
        self.day_c = 0.0 if self.wops is _FloatOps else np.zeros(self.m)
        # numpy arithmetic for both representations (a mean over 7 rows, then one division), so they agree exactly
        glob_n = np.atleast_1d(self.glob_n)
        glob_w = np.atleast_1d(self.glob_w)
        c = self.k_day * (glob_n / np.maximum(glob_w, 1e-12)) + self.params.level_pseudo_count
        fac = (self.wk_n + c) / (self.wk_d + c)
        fac /= fac.mean(axis=0)
        fac = np.where(self.wk_c.min(axis=0) >= self.need, fac, 1.0)
        self.fac = fac[:, 0].tolist() if one else fac
        self.unit = (fac == 1.0).all(axis=1).tolist()

    def predict_one(self, b: int, weekday: int, prior=None):
        """``(expected, variance, alpha)`` of the next interval (time-of-day bin ``b``), from the state alone."""
        p, ops = self.params, self.ops
        self.t += 1
        f = None if self.unit[weekday] else self.fac[weekday]  # None: factor 1
        if prior is not None:
            target = prior if f is None else prior / f
        else:
            target = self.glob_n / self.wops.maximum(self.glob_w, 1e-12)
        prof = (self.prof_n[b] + p.profile_prior_obs * target) / (self.prof_w[b] + p.profile_prior_obs)
        if self.additive:
            mu = prof + self.lvl_n / (self.lvl_d + 1.0)
            var = self.wops.where(self.disp_w > 0, self.disp_n / self.wops.maximum(self.disp_w, 1e-12), math.inf)
            var = ops.maximum(var, 1e-12 * (1.0 + mu * mu))
            alpha = 0.0
            pf = prof
        else:
            pf = prof if f is None else prof * f
            c_lvl = p.level_pseudo_count
            mu = ops.maximum(pf * ((self.lvl_n + c_lvl) / (self.lvl_d + c_lvl)), p.min_expected)
            w = self.disp_w / (self.disp_w + p.dispersion_prior_obs)
            a_hat = self.disp_n / ops.maximum(self.disp_d, 1e-12)
            alpha = ops.minimum(ops.maximum(w * a_hat + (1.0 - w) * p.alpha_prior, p.alpha_min), p.alpha_max)
            var = mu + alpha * mu * mu
        self._pending = (b, f, prof, pf, mu, var)
        return mu, var, alpha

    def learn_one(self, y, ok=None) -> None:
        """Update the state with the observation ``y`` of the interval just predicted. For a batch, ``ok`` marks the
        series that observed it (the others' state stays as it is); one series that missed it is not passed here."""
        if ok is not None:
            self._unshare()
            b = self._pending[0]
            old = (self.prof_n[b].copy(), self.prof_w[b].copy(), *(getattr(self, k) for k in self._FIELDS))
            self._learn(np.where(ok, y, 0.0))
            self.prof_n[b] = np.where(ok, self.prof_n[b], old[0])
            self.prof_w[b] = np.where(ok, self.prof_w[b], old[1])
            for k, prev in zip(self._FIELDS, old[2:]):
                setattr(self, k, np.where(ok, getattr(self, k), prev))
            return
        self._learn(y)

    def _unshare(self) -> None:
        """Give every series of a batch its own weights (arrays), before one misses an interval."""
        if self.m is None or self.wops is np:
            return
        self.prof_w = np.repeat(np.asarray(self.prof_w, dtype=float)[:, None], self.m, axis=1)
        self.glob_w, self.disp_w, self.day_c = (np.full(self.m, w) for w in (self.glob_w, self.disp_w, self.day_c))
        self.wops = np

    def _winsorise(self, y, mu, sd, k: float):
        """``y`` clipped at ``k`` standard deviations above ``mu`` (and below, for the additive kind)."""
        ops = self.ops
        one = 0.0 if self.additive else 1.0  # a count is never clipped below mu + 1: one post is not an outlier
        out = ops.minimum(y, mu + ops.maximum(k * sd, one))
        return ops.maximum(out, mu - k * sd) if self.additive else out

    def _learn(self, y) -> None:
        p, ops = self.params, self.ops
        b, f, prof, pf, mu, var = self._pending
        if self.t >= self.warm:
            sd = ops.sqrt(var)
            yc = self._winsorise(y, mu, sd, p.winsor_sd)
            yd = yc if p.dispersion_winsor_sd == p.winsor_sd else self._winsorise(y, mu, sd, p.dispersion_winsor_sd)
        else:
            yc = yd = y
        r = yd - mu
        ys = yc if f is None else yc / f  # the count with the weekday effect taken out
        self.prof_n[b] = self.d_prof * self.prof_n[b] + ys
        self.prof_w[b] = self.d_prof * self.prof_w[b] + 1.0
        self.glob_n = self.d_glob * self.glob_n + ys
        self.glob_w = self.d_glob * self.glob_w + 1.0
        if self.additive:
            self.lvl_n = self.d_lvl * self.lvl_n + (yc - prof)
            self.lvl_d = self.d_lvl * self.lvl_d + 1.0
            self.disp_n = self.d_disp * self.disp_n + r * r
        else:
            self.lvl_n = self.d_lvl * self.lvl_n + yc
            self.lvl_d = self.d_lvl * self.lvl_d + pf
            self.disp_n = self.d_disp * self.disp_n + (r * r - mu)
            self.disp_d = self.d_disp * self.disp_d + mu * mu
            self.day_n = self.day_n + yc
            self.day_d = self.day_d + prof
        self.day_c = self.day_c + 1.0
        self.disp_w = self.d_disp * self.disp_w + 1.0


def _day_boundaries(timestamps: np.ndarray, interval_s: float) -> tuple[np.ndarray, np.ndarray, float, bool]:
    """``(weekday of each interval, True where a new calendar day starts, intervals per day, weekdays learned)``;
    with no day-of-week effect (intervals longer than a day) every weekday is 0 and no day ever ends."""
    n = len(timestamps)
    flush = np.zeros(n, dtype=bool)
    wd_info = weekday_days(timestamps, interval_s)
    if wd_info is None:
        return np.zeros(n, dtype=np.int64), flush, 1.0, False
    wdays, day_no, steps_day = wd_info
    flush[1:] = day_no[1:] != day_no[:-1]
    return wdays, flush, steps_day, True


def _run_one(model: OnlineBaseline, y: np.ndarray, prior: np.ndarray | None, bins: list, wdays: list,
             flush: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drive the single-series ``model`` (Python-float state) over ``y`` ``(n,)``: ``(expected, variance, alpha)``."""
    n = len(y)
    e1, v1, a1 = np.empty(n), np.empty(n), np.zeros(n)
    ys = y.tolist()
    priors = None if prior is None else prior.tolist()
    for t in range(n):
        if flush[t]:
            model.end_day(wdays[t - 1])
        e1[t], v1[t], a1[t] = model.predict_one(bins[t], wdays[t], None if priors is None else priors[t])
        y_t = ys[t]
        if y_t == y_t:  # NaN: unobserved, the state stays as it is
            model.learn_one(y_t)
    return e1, v1, a1


def _run_batch(model: OnlineBaseline, Y: np.ndarray, prior: np.ndarray | None, bins: list, wdays: list,
               flush: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drive the batch ``model`` over ``Y`` ``(m, n)``, one interval of every series per step:
    ``(expected, variance, alpha)``, each ``(m, n)``."""
    m, n = Y.shape
    expected, variance, alpha = np.empty((m, n)), np.empty((m, n)), np.zeros((m, n))  # written a column per step
    YT = np.ascontiguousarray(Y.T)  # (n, m): row t holds every series' value at t
    VT = ~np.isnan(YT)
    col_ok = VT.all(axis=1)
    PT = None if prior is None else np.ascontiguousarray(prior.T)
    for t in range(n):
        if flush[t]:
            model.end_day(wdays[t - 1])
        expected[:, t], variance[:, t], alpha[:, t] = model.predict_one(bins[t], wdays[t],
                                                                         None if PT is None else PT[t])
        model.learn_one(YT[t], None if col_ok[t] else VT[t])
    return expected, variance, alpha


def online_baseline(
    timestamps: np.ndarray,
    values: np.ndarray,
    interval_s: float,
    prior_expected: np.ndarray | None = None,
    params: BaselineParams = BaselineParams(),
    kind: Kind = "multiplicative",
) -> Baseline:
    """Causal baseline of one series ``(n,)`` or a batch ``(m, n)`` sharing regular ``timestamps`` ``interval_s`` apart:
    :class:`OnlineBaseline` run over every interval.

    ``prior_expected`` (same shape as ``values``, or ``(n,)`` for a batch) replaces the series' own overall mean as the
    target that thin time-of-day bins are shrunk to, and is the prediction before any history exists.
    """
    y_all = np.asarray(values, dtype=float)
    Y = np.atleast_2d(y_all)
    m, n = Y.shape
    if len(timestamps) != n:
        raise ValueError("timestamps and values differ in length")
    prior = None
    if prior_expected is not None:
        prior = np.broadcast_to(np.atleast_2d(np.asarray(prior_expected, dtype=float)), (m, n))
    bins, n_bins, per_bin_day = hour_bins(timestamps, interval_s)
    wdays, flush, steps_day, weekdays = _day_boundaries(timestamps, interval_s)
    model = OnlineBaseline(interval_s, n_bins, per_bin_day, params, kind, None if m == 1 else m, steps_day,
                           weekdays=weekdays)
    calendar = (bins.tolist(), wdays.tolist(), flush.tolist())
    if m > 1:
        return Baseline(*_run_batch(model, Y, prior, *calendar))
    out = _run_one(model, Y[0], None if prior is None else prior[0], *calendar)
    return Baseline(*(out if y_all.ndim == 1 else (a[None, :] for a in out)))

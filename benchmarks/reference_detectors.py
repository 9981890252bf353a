"""Two published anomaly-detector families, run causally, for comparison with outageradar's spike test.

Both take ``(timestamps, values, **params)`` and return 0/1 onset alerts per row: the decision at row ``t`` uses rows
``0..t`` only (so the alerts of a prefix equal the full series' alerts on that prefix), and after an alert further
anomalous rows within ``refractory_hours`` are the same event (:func:`outageradar.reports.spike.onset_alerts`, the
rule outageradar applies). ``NaN`` values never alert and are left out of the statistics.

- :func:`windowed_gaussian`: NAB's ``windowedGaussian`` detector (``nab/detectors/gaussian``): the value's Gaussian
  tail probability against the mean and standard deviation of a trailing window of ``window_size`` rows. As in NAB
  the window grows row by row until it is full and then slides forward ``step_size`` rows at a time (NAB: 6400 and
  100); a zero standard deviation becomes 1e-6. NAB scores ``1 - Q(|z|)`` and sweeps a threshold on it; here a row
  is anomalous when the tail ``Q(|z|)`` (``direction="both"``, NAB's rule) or ``Q(z)`` with ``z > 0``
  (``direction="up"``) is below ``tail_threshold``.
- :func:`shesd`: Twitter's Seasonal Hybrid ESD (the ``AnomalyDetectionVec`` of github.com/twitter/AnomalyDetection,
  "twitterADVec" in NAB) made causal. Every ``refit_hours`` it takes the trailing ``window_days`` of rows, removes
  the seasonal component (the median of each time-of-day phase of ``period_hours``; Twitter uses a periodic robust
  STL plus the median, which this approximates; each point of the window is compared with the median of the *other*
  days of its phase, so that its residual is on the same footing as a new row's) and runs the generalised ESD test
  with median and MAD (R's ``mad``, scaled by 1.4826) on the residuals: up to ``max_anoms * window`` points are removed one by one, the most extreme
  first, and the first ``k`` are anomalies where ``k`` is the last step whose statistic exceeds the critical value
  ``lambda_i`` at level ``alpha`` (one-sided for ``direction="pos"``, two-sided for ``"both"``). A refit row is
  anomalous when it is among those ``k``; a row between refits is anomalous when its residual against the last
  refit's seasonal medians, in that refit's first-step median/MAD units, is at least as extreme as the least
  extreme of the ``k`` (or ``lambda_1`` when ``k = 0``). As in Twitter's code a window whose MAD is 0 (a sparse
  count series that is mostly zeros) has no anomalies, and a window must span two periods. NAB ran
  ``AnomalyDetectionVec`` once over each whole file (not causally) with ``period=150`` rows, ``max_anoms=0.002``,
  ``alpha=0.05``, ``direction="both"``; here the period is a day of wall-clock time (phases from timestamps).

Refits are vectorised: the ESD step sorts the window once and then only needs a median per removed point, so a
16k-row NAB file with hourly refits takes about a second.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Literal

import numpy as np
from scipy import special, stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outageradar.reports.spike import onset_alerts  # noqa: E402

Direction = Literal["up", "both", "pos"]
MAD_SCALE = 1.4826
DIRECT_MAD_LIMIT = 20_000  # ESD steps x window size below which each step's MAD is a plain median


def _as_arrays(timestamps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ts = np.asarray(timestamps, dtype="datetime64[ns]")
    x = np.asarray(values, dtype=float)
    if ts.shape != x.shape or x.ndim != 1:
        raise ValueError("timestamps and values must be 1-D and of the same length")
    return ts, x


def interval_seconds(ts: np.ndarray) -> float:
    """The series' interval: median positive timestamp step (300 s when there is none)."""
    step = np.diff(ts.astype(np.int64))
    step = step[step > 0]
    return float(np.median(step)) / 1e9 if step.size else 300.0


def refractory_steps(ts: np.ndarray, hours: float) -> int:
    return int(round(hours * 3600.0 / interval_seconds(ts)))


# --------------------------------------------------------------------------- windowed Gaussian


def windowed_gaussian_tail(
    values: np.ndarray, window_size: int = 6400, step_size: int = 100, direction: Direction = "both"
) -> np.ndarray:
    """Tail probability of each value against NAB's windowed Gaussian (1.0 where there is no window yet)."""
    x = np.asarray(values, dtype=float)
    W, S = int(window_size), max(1, int(step_size))
    ok = ~np.isnan(x)
    x0 = float(x[ok][0]) if ok.any() else 0.0
    xc = np.where(ok, x - x0, 0.0)  # centred on the first value (known from row 0): better-conditioned sums
    c1 = np.concatenate([[0.0], np.cumsum(xc)])
    c2 = np.concatenate([[0.0], np.cumsum(xc * xc)])
    cn = np.concatenate([[0], np.cumsum(ok)])
    # The window holds the first W observed values, growing one by one, then slides by S once S more are in.
    # With k = the number of observed values before row i, the window is observations [end - W, end) with
    # end = k while k <= W, else W + S * floor((k - W) / S).
    obs_pos = np.flatnonzero(ok)  # row of each observation
    k = cn[:-1]  # observations before row i
    end = np.where(k <= W, k, W + S * ((k - W) // S))
    begin = np.maximum(end - W, 0)
    # rows bounding those observations, for the cumulative sums over rows
    row_end = np.where(end > 0, obs_pos[np.maximum(end - 1, 0)] + 1, 0)
    row_begin = np.where(begin > 0, obs_pos[np.maximum(begin - 1, 0)] + 1, 0)
    cnt = (end - begin).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c1[row_end] - c1[row_begin]) / cnt
        var = np.maximum((c2[row_end] - c2[row_begin]) / cnt - mean * mean, 0.0)
    std = np.sqrt(var)
    scale = np.abs(mean + x0) + 1.0
    std = np.where(std <= 1e-12 * scale, 1e-6, std)  # NAB: a zero std becomes 1e-6 (and rounding noise is zero)
    z = (xc - mean) / std
    if direction == "both":
        tail = special.ndtr(-np.abs(z))
    else:
        tail = np.where(z > 0, special.ndtr(-z), 1.0)
    return np.where(ok & (cnt > 0), tail, 1.0)


def windowed_gaussian(
    timestamps: np.ndarray,
    values: np.ndarray,
    tail_threshold: float = 1e-5,
    window_size: int = 6400,
    step_size: int = 100,
    direction: Direction = "both",
    refractory_hours: float = 12.0,
) -> np.ndarray:
    """0/1 onset alerts of NAB's windowed Gaussian detector (see the module docstring)."""
    ts, x = _as_arrays(timestamps, values)
    if direction not in ("up", "both"):
        raise ValueError("direction must be 'up' or 'both'")
    tail = windowed_gaussian_tail(x, window_size, step_size, direction)
    return onset_alerts(tail < tail_threshold, refractory_steps(ts, refractory_hours)).astype(np.int8)


# --------------------------------------------------------------------------- S-H-ESD


def esd_critical_values(n: int, k_max: int, alpha: float, two_sided: bool) -> np.ndarray:
    """``lambda_i`` (i = 1..k_max) of the generalised ESD test for a sample of ``n``."""
    i = np.arange(1, k_max + 1, dtype=float)
    p = 1.0 - alpha / ((2.0 if two_sided else 1.0) * (n - i + 1))
    df = np.maximum(n - i - 1, 1.0)
    t = stats.t.ppf(p, df)
    return t * (n - i) / np.sqrt((n - i - 1 + t * t) * (n - i + 1))


def _median(v: np.ndarray) -> float:
    """``np.median`` of a 1-D array without NaN, minus its overhead."""
    m = len(v)
    lo, hi = (m - 1) // 2, m // 2
    part = np.partition(v, (lo, hi) if lo != hi else lo)
    return 0.5 * (float(part[lo]) + float(part[hi]))


def _kth_deviation(s: np.ndarray, med: np.ndarray, lo: np.ndarray, hi: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The ``k``-th smallest (0-based) ``|s[j] - med|`` over ``j`` in ``[lo, hi)``, for sorted ``s``, per row.

    The deviations left of the median (``A``, read leftwards) and right of it (``B``) are each ascending, so the
    answer is the ``k``-th of the union of two sorted sequences: a binary search on how many come from ``A``,
    vectorised over the rows (one per ESD step), instead of a median pass over the window per step.
    """
    p = np.clip(np.searchsorted(s, med, side="left"), lo, hi)
    a, b = p - lo, hi - p
    need = k + 1

    def A(t: np.ndarray) -> np.ndarray:  # t-th smallest left deviation (indices clipped: masked by the caller)
        return med - np.take(s, p - 1 - t, mode="clip")

    def B(t: np.ndarray) -> np.ndarray:
        return np.take(s, p + t, mode="clip") - med

    c_lo = np.maximum(0, need - b)
    c_hi = np.minimum(a, need)
    for _ in range(int(np.ceil(np.log2(len(s) + 1))) + 1):
        c = (c_lo + c_hi) // 2
        more = (c < a) & (need - c > 0) & (B(need - c - 1) > A(c))  # taking one more from A keeps order
        c_lo = np.where(more & (c_lo < c_hi), c + 1, c_lo)
        c_hi = np.where(~more & (c_lo < c_hi), c, c_hi)
    c = c_lo
    left = np.where(c > 0, A(c - 1), -np.inf)
    right = np.where(need - c > 0, B(need - c - 1), -np.inf)
    return np.maximum(left, right)


def generalised_esd(
    r: np.ndarray, k_max: int, lam: np.ndarray, two_sided: bool
) -> tuple[np.ndarray, float, float, float]:
    """Twitter's ``detect_anoms`` (generalised ESD with median and MAD) on residuals ``r`` (no NaN).

    Returns ``(indices of the anomalies in r, median, sigma, cutoff)``: median and MAD-sigma of the first step and
    the statistic (in those units) a new point needs to be as extreme as the anomalies (``inf`` when sigma is 0).
    Which point each step removes depends on the medians only, so the steps are traced first and their MADs then
    computed together.
    """
    n = len(r)
    order = np.argsort(r, kind="stable")
    s = r[order]
    k_max = min(k_max, n - 3)
    if k_max < 1:
        return np.empty(0, dtype=np.int64), float(np.median(r)) if n else 0.0, 0.0, math.inf
    los = np.empty(k_max, dtype=np.int64)
    his = np.empty(k_max, dtype=np.int64)
    meds = np.empty(k_max)
    ext = np.empty(k_max)
    rem = np.empty(k_max, dtype=np.int64)
    lo, hi = 0, n
    for i in range(k_max):
        m = hi - lo
        med = 0.5 * (float(s[lo + (m - 1) // 2]) + float(s[lo + m // 2]))
        los[i], his[i], meds[i] = lo, hi, med
        top = float(s[hi - 1])
        up = top - med
        down = med - float(s[lo])
        # Twitter removes the first point (in data order) of those with the largest statistic. The sort is stable,
        # so within a tie group indices ascend: from the bottom group the leftmost is next; from the top group the
        # next is its first not yet removed element, which value-wise is the same as taking position hi - 1.
        g_lo = int(np.searchsorted(s, top, side="left"))
        g_hi = int(np.searchsorted(s, top, side="right"))
        top_pos = g_lo + (g_hi - hi)
        if two_sided and (down > up or (down == up and order[lo] < order[top_pos])):
            ext[i], rem[i] = down, lo
            lo += 1
        else:
            ext[i], rem[i] = up, top_pos
            hi -= 1
    m = his - los
    if k_max * n <= DIRECT_MAD_LIMIT:  # small: a median pass per step is cheaper than the vectorised search
        mad = np.array([_median(np.abs(s[a:b] - md)) for a, b, md in zip(los.tolist(), his.tolist(), meds)])
    else:
        both = _kth_deviation(s, np.concatenate([meds, meds]), np.concatenate([los, los]),
                              np.concatenate([his, his]), np.concatenate([(m - 1) // 2, m // 2]))
        mad = 0.5 * (both[:k_max] + both[k_max:])
    sigma = MAD_SCALE * mad
    med1, sigma1 = float(meds[0]), float(sigma[0])
    zero = np.flatnonzero(sigma <= 0)
    steps = int(zero[0]) if zero.size else k_max  # Twitter stops at a constant remainder
    if steps == 0:
        return np.empty(0, dtype=np.int64), med1, 0.0, math.inf
    stat = ext[:steps] / sigma[:steps]
    above = np.flatnonzero(stat > lam[:steps])
    num = int(above[-1]) + 1 if above.size else 0
    anoms = order[rem[:num]]
    if num:
        dev = (r[anoms] - med1) / sigma1
        cutoff = float(np.min(np.abs(dev) if two_sided else dev))
    else:
        cutoff = float(lam[0])
    return anoms, med1, sigma1, cutoff


def shesd(
    timestamps: np.ndarray,
    values: np.ndarray,
    max_anoms: float = 0.002,
    alpha: float = 0.05,
    direction: Direction = "both",
    window_days: float = 14.0,
    period_hours: float = 24.0,
    refit_hours: float = 1.0,
    refractory_hours: float = 12.0,
) -> np.ndarray:
    """0/1 onset alerts of the causal seasonal hybrid ESD detector (see the module docstring)."""
    ts, x = _as_arrays(timestamps, values)
    if direction not in ("pos", "up", "both"):
        raise ValueError("direction must be 'pos' (or 'up') or 'both'")
    two_sided = direction == "both"
    n = len(x)
    step_s = interval_seconds(ts)
    W = max(8, int(round(window_days * 86400.0 / step_s)))
    refit = max(1, int(round(refit_hours * 3600.0 / step_s)))
    period_s = period_hours * 3600.0
    n_phase = max(1, int(round(period_s / step_s)))
    secs = ts.astype(np.int64) // 10**9
    phase = ((secs % int(round(period_s))) // max(1, int(round(step_s)))).astype(np.int64) % n_phase
    ok = ~np.isnan(x)
    anomalous = np.zeros(n, dtype=bool)
    lam_cache: dict[tuple[int, int], np.ndarray] = {}
    for e in range(0, n, refit):
        lo = max(0, e - W + 1)
        sl = slice(lo, e + 1)
        okw = ok[sl]
        if not okw.any():
            continue
        if (secs[e] - secs[lo]) < 2 * period_s - step_s:  # Twitter: at least two periods of data
            continue
        xw, pw = x[sl][okw], phase[sl][okw]
        # per-phase medians (seasonal component + level): sort by (phase, value), pick the middle of each group
        o = np.lexsort((xw, pw))
        ps, xs = pw[o], xw[o]
        cnt = np.bincount(ps, minlength=n_phase)
        start = np.concatenate([[0], np.cumsum(cnt)[:-1]])
        has = cnt > 0
        seas = np.full(n_phase, float(np.median(xw)) if not has.all() else 0.0)
        mid_lo = start[has] + (cnt[has] - 1) // 2
        mid_hi = start[has] + cnt[has] // 2
        seas[has] = 0.5 * (xs[mid_lo] + xs[mid_hi])
        # residuals of the window's own points against the median of the *other* days of their phase (a new row
        # between refits is not in the window either, so both are out-of-sample and share one scale)
        c = cnt[ps]
        j = np.arange(len(xs)) - start[ps]  # rank within its phase
        m1 = c - 1
        fallback = float(np.median(xw))

        def reduced(t: np.ndarray) -> np.ndarray:  # t-th of the phase's values without this one
            return xs[np.minimum(start[ps] + t + (t >= j), len(xs) - 1)]

        loo = np.where(m1 > 0, 0.5 * (reduced((m1 - 1) // 2) + reduced(m1 // 2)), fallback)
        r = np.empty(len(xs))
        r[o] = xs - loo
        m = len(r)
        k_max = max(1, int(math.floor(m * max_anoms)))
        key = (m, k_max)
        if key not in lam_cache:
            lam_cache[key] = esd_critical_values(m, k_max, alpha, two_sided)
        anoms, med1, sigma1, cutoff = generalised_esd(r, k_max, lam_cache[key], two_sided)
        # the refit row itself: exactly ESD's verdict on its window
        if ok[e] and np.any(anoms == m - 1):
            anomalous[e] = True
        # rows until the next refit: against this refit's decomposition and cutoff
        nxt = slice(e + 1, min(n, e + refit))
        if nxt.start < nxt.stop and math.isfinite(cutoff) and sigma1 > 0:
            dev = (x[nxt] - seas[phase[nxt]] - med1) / sigma1
            stat = np.abs(dev) if two_sided else dev
            anomalous[nxt] = ok[nxt] & (stat >= cutoff)
    return onset_alerts(anomalous, refractory_steps(ts, refractory_hours)).astype(np.int8)


DETECTORS = {"windowed_gaussian": windowed_gaussian, "shesd": shesd}

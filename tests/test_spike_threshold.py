"""The calibrated alert level (:func:`outageradar.reports.spike.calibrated_threshold`) against a straightforward
reference: the same floats, on random 1-D and 2-D inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from outageradar.reports.spike import calibrated_threshold


def reference(surprise: np.ndarray, candidates: np.ndarray, base: float, window: int, quantile: float) -> np.ndarray:
    """The definition, one point at a time: at a candidate ``t``, the ``k``-th largest surprise above ``base``
    among the previous ``min(t, window)`` points, ``k = max(1, ceil((1 - quantile) min(t, window)))``, when there
    are ``k`` of them; ``base`` elsewhere."""
    s2, c2 = np.atleast_2d(surprise), np.atleast_2d(candidates)
    out = np.full(s2.shape, base, dtype=float)
    for row in range(s2.shape[0]):
        for t in range(s2.shape[1]):
            if not c2[row, t]:
                continue
            past = [float(v) for v in s2[row, max(0, t - window):t] if v > base]
            k = max(1, math.ceil((1.0 - quantile) * min(t, window)))
            if len(past) >= k:
                out[row, t] = max(base, sorted(past)[-k])
    return out[0] if np.ndim(surprise) == 1 else out


def random_case(rng: np.random.Generator, shape: tuple[int, ...]):
    surprise = rng.exponential(2.0, shape)
    if rng.uniform() < 0.4:
        surprise = np.round(surprise, 1)  # ties
    surprise[rng.uniform(size=shape) < 0.05] = np.nan  # never above base
    candidates = rng.uniform(size=shape) < rng.uniform(0.0, 1.0)
    return surprise, candidates


CASES = [(window, quantile) for window in (1, 7, 60, 500) for quantile in (0.0, 0.5, 0.9, 0.995)]


@pytest.mark.parametrize("window,quantile", CASES)
def test_matches_the_reference_on_random_1d_series(window: int, quantile: float) -> None:
    rng = np.random.default_rng(window * 1000 + int(quantile * 1000))
    for _ in range(5):
        n = int(rng.integers(1, 300))  # often shorter than the window
        surprise, candidates = random_case(rng, (n,))
        base = float(rng.uniform(0.0, 4.0))
        got = calibrated_threshold(surprise, candidates, base, window, quantile)
        want = reference(surprise, candidates, base, window, quantile)
        assert got.shape == want.shape == (n,) and got.dtype == want.dtype
        assert np.array_equal(got, want)


@pytest.mark.parametrize("window,quantile", CASES)
def test_matches_the_reference_on_random_batches(window: int, quantile: float) -> None:
    rng = np.random.default_rng(7 + window * 1000 + int(quantile * 1000))
    for _ in range(3):
        m, n = int(rng.integers(1, 6)), int(rng.integers(1, 250))
        surprise, candidates = random_case(rng, (m, n))
        candidates[rng.uniform(size=m) < 0.3] = False  # rows with no candidate
        base = float(rng.uniform(0.0, 4.0))
        got = calibrated_threshold(surprise, candidates, base, window, quantile)
        want = reference(surprise, candidates, base, window, quantile)
        assert got.shape == want.shape == (m, n)
        assert np.array_equal(got, want)


def test_rows_are_independent_and_edge_cases() -> None:
    rng = np.random.default_rng(11)
    surprise, candidates = random_case(rng, (4, 400))
    batch = calibrated_threshold(surprise, candidates, 1.0, 100, 0.95)
    for row in range(4):  # a row's level does not depend on the rows before it
        assert np.array_equal(batch[row], calibrated_threshold(surprise[row], candidates[row], 1.0, 100, 0.95))
    none = np.zeros((3, 50), dtype=bool)
    assert np.array_equal(calibrated_threshold(surprise[:3, :50], none, 2.5, 10, 0.9), np.full((3, 50), 2.5))
    # nothing above base: the level is base everywhere
    low = np.full(30, 0.5)
    assert np.array_equal(calibrated_threshold(low, np.ones(30, dtype=bool), 1.0, 10, 0.5), np.full(30, 1.0))
    # one series: the largest of the last two points (k = 1 for quantile 0.5 and a window of 2)
    s = np.array([3.0, 9.0, 4.0, 8.0, 5.0])
    assert calibrated_threshold(s, np.ones(5, dtype=bool), 1.0, 2, 0.5).tolist() == [1.0, 3.0, 9.0, 9.0, 8.0]
    assert calibrated_threshold(np.zeros(0), np.zeros(0, dtype=bool), 1.0, 5, 0.9).shape == (0,)

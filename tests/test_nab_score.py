"""NAB scoring rules on hand-made cases whose scores are computed by hand from the rules in ../shared/README.md."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from nab_score import (  # noqa: E402
    PROFILES,
    normalised_score,
    probation_length,
    scaled_sigmoid,
    score_alerts,
    score_file,
    window_indices,
)

STD = PROFILES["standard"]
N = 1000  # probation: 150 rows
WIN = [(500, 599)]  # 100 rows


def alerts_at(*rows: int, n: int = N) -> np.ndarray:
    a = np.zeros(n, dtype=int)
    a[list(rows)] = 1
    return a


def test_constants_by_hand() -> None:
    assert probation_length(1000) == 150
    assert probation_length(15902) == 750  # capped
    assert scaled_sigmoid(0.0) == pytest.approx(0.0)
    # 2 / (1 + e^-5) - 1 = 0.986614...
    assert scaled_sigmoid(-1.0) == pytest.approx(2 / (1 + math.exp(-5)) - 1)
    assert scaled_sigmoid(-1.0) == pytest.approx(0.9866143, abs=1e-7)


def test_perfect_detector_scores_100_and_null_0() -> None:
    perfect = score_alerts(alerts_at(500), WIN, STD)
    assert perfect.raw == pytest.approx(1.0)
    assert normalised_score([perfect], STD) == pytest.approx(100.0)
    null = score_alerts(np.zeros(N, dtype=int), WIN, STD)
    assert null.raw == pytest.approx(-1.0)
    assert normalised_score([null], STD) == pytest.approx(0.0)


def test_detection_in_the_middle_of_a_window() -> None:
    # i = 550: x = -(599 - 550 + 1) / 100 = -0.5; 2/(1+e^-2.5)-1 = 0.848283 over 0.986614 = 0.859792
    s = score_alerts(alerts_at(550), WIN, STD)
    assert s.raw == pytest.approx(0.859792, abs=1e-6)
    assert s.detected_windows == 1 and s.false_positives == 0


def test_earlier_detection_scores_more_and_only_the_first_counts() -> None:
    early = score_alerts(alerts_at(510), WIN, STD).raw
    late = score_alerts(alerts_at(590), WIN, STD).raw
    assert early > late > 0
    # a later second detection in the same window changes nothing
    assert score_alerts(alerts_at(510, 590), WIN, STD).raw == pytest.approx(early)
    # the last row of the window: x = -1/100 -> nearly zero credit
    last = score_alerts(alerts_at(599), WIN, STD).raw
    assert last == pytest.approx(scaled_sigmoid(-0.01) / scaled_sigmoid(-1.0))
    assert last < 0.03


def test_false_positive_before_any_window_costs_full_fp_weight() -> None:
    s = score_alerts(alerts_at(300), WIN, STD)
    assert s.false_positives == 1
    assert s.raw == pytest.approx(-1.0 - 0.11)
    low_fp = score_alerts(alerts_at(300), WIN, PROFILES["reward_low_FP_rate"])
    assert low_fp.raw == pytest.approx(-1.0 - 0.22)


def test_false_positive_after_a_window_is_discounted_by_distance() -> None:
    # detection at 500 (TP = 1) and at 698: x = |698 - 599| / (100 - 1) = 1 -> 0.11 * scaledSigmoid(1) = -0.108527
    s = score_alerts(alerts_at(500, 698), WIN, STD)
    assert s.raw == pytest.approx(1.0 + 0.11 * (2 / (1 + math.exp(5)) - 1))
    assert s.raw == pytest.approx(1.0 - 0.108527, abs=1e-6)
    # right after the window end the penalty is small: x = 1/99
    near = score_alerts(alerts_at(500, 600), WIN, STD)
    assert 1.0 - near.raw < 0.11 * 0.05


def test_probationary_detections_are_ignored() -> None:
    s = score_alerts(alerts_at(10, 149), WIN, STD)
    assert s.false_positives == 0
    assert s.raw == pytest.approx(-1.0)
    assert score_alerts(alerts_at(150), WIN, STD).false_positives == 1


def test_low_fn_profile_and_multi_file_normalisation() -> None:
    fn = PROFILES["reward_low_FN_rate"]
    missed = score_alerts(np.zeros(N, dtype=int), WIN, fn)
    assert missed.raw == pytest.approx(-2.0)
    hit = score_alerts(alerts_at(500), WIN, fn)
    # two files, 2 windows: null -4, perfect 2; raw = 1 - 2 = -1 -> 100 * 3 / 6 = 50
    assert normalised_score([hit, missed], fn) == pytest.approx(50.0)


def test_window_indices_from_timestamps() -> None:
    ts = pd.date_range("2015-03-01", periods=N, freq="5min")
    wins = [(ts[500], ts[599])]
    assert window_indices(ts, wins) == [(500, 599)]
    s = score_file(ts, alerts_at(500), wins, STD)
    assert s.raw == pytest.approx(1.0)


def test_window_indices_follow_nab_on_repeated_timestamps() -> None:
    """NAB opens a window at the first row equal to its start and closes it at the first row equal to its end."""
    ts = pd.Series(pd.date_range("2015-03-01", periods=N, freq="5min"))
    ts.iloc[300:312] = ts.iloc[288:300].to_numpy()  # an hour repeats (clock set back) before the window
    ts.iloc[312:] = pd.date_range(ts.iloc[299] + pd.Timedelta("5min"), periods=N - 312, freq="5min")
    start, end = ts.iloc[500], ts.iloc[599]
    assert window_indices(ts, [(start, end)]) == [(500, 599)]
    assert window_indices(ts, [(ts.iloc[290], ts.iloc[320])]) == [(290, 320)]

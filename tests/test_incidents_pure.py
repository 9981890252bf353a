"""The incident algorithm without a database: count arrays and post rows in, episodes and incidents out."""

from __future__ import annotations

from collections import namedtuple
from datetime import date, datetime, timedelta, timezone

import numpy as np

from outageradar.reports import incidents as inc_mod
from outageradar.reports.incidents import DayCounts, build_incident, find_episodes, score_day

Row = namedtuple("Row", "author_hash text created_at source url outage_score country admin1 city problem")
DAY = date(2026, 5, 20)
PER_DAY = 288


def day_counts(seed: int = 0, spike: bool = True) -> DayCounts:
    """Fifteen days of one service; three US states; at 16:00 on the last day all three rise for an hour."""
    rng = np.random.default_rng(seed)
    params = inc_mod.DEFAULT_INCIDENT_PARAMS
    n = (params.history_days + 1) * PER_DAY
    start = datetime(2026, 5, 6, tzinfo=timezone.utc)
    buckets = np.datetime64(start.replace(tzinfo=None), "ns") + np.arange(n) * np.timedelta64(300, "s")
    today = params.history_days * PER_DAY
    r0 = today - params.region_history_days * PER_DAY
    R = rng.poisson(0.2, (3, n - r0)).astype(float)
    if spike:
        at = today - r0 + 16 * 12
        R[:, at : at + 12] += rng.poisson(3.0, (3, 12))
    T = rng.poisson(1.0, (1, n)).astype(float)
    T[0, r0:] += R.sum(axis=0)
    keys = [("Xbox Live", "US", "Georgia"), ("Xbox Live", "US", "Ohio"), ("Xbox Live", "US", "Texas")]
    return DayCounts(DAY, buckets, today, ["Xbox Live"], T, keys, R, r0, posts=int(T[0, today:].sum()))


def posts_for(data: DayCounts, ep, copies: bool = False) -> list[Row]:
    started, _ = ep.bounds(data.buckets)
    rows = []
    for j, (_, country, admin1) in enumerate(data.keys):
        for k in range(int(data.R[j, ep.s - data.r0 : ep.e + 1 - data.r0].sum())):
            text = ("Power outage? No problem with ArcticLock walls, call us today for a free quote now" if copies
                    else f"xbox live down again in {admin1} #{k}")
            rows.append(Row(None if copies else f"a{j}-{k}", text, started + timedelta(minutes=k % 60), "x", None,
                            0.9, country, admin1, None, "outage"))
    return rows


def test_three_regions_rising_together_are_one_strong_incident() -> None:
    data = day_counts()
    scores = score_day(data)
    episodes = find_episodes(data, scores)
    assert len(episodes) == 1
    ep = episodes[0]
    started, ended = ep.bounds(data.buckets)
    assert started.hour == 16 and ended - started <= timedelta(hours=2)
    posts = posts_for(data, ep)
    inc = build_incident(ep, posts, data, scores)
    assert inc is not None and inc.confidence == "strong"
    assert {r["admin1"] for r in inc.regions} == {"Georgia", "Ohio", "Texas"}
    assert inc.reporters == len(posts)  # every post by its own author
    assert len({s["text"] for s in inc.samples}) == len(inc.samples) > 0


def test_copies_of_one_text_make_no_incident() -> None:
    data = day_counts(1)
    scores = score_day(data)
    ep = find_episodes(data, scores)[0]
    assert build_incident(ep, posts_for(data, ep, copies=True), data, scores) is None


def test_a_quiet_day_has_no_episode() -> None:
    data = day_counts(2, spike=False)
    assert find_episodes(data, score_day(data)) == []


def test_detection_module_reads_and_writes_through_the_store_only() -> None:
    import inspect

    source = inspect.getsource(inc_mod)
    assert "sqlalchemy" not in source and "IncidentRow" not in source

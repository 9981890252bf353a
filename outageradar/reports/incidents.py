"""Outage incidents: spikes grouped over time and across regions, with a confidence level.

For one UTC day the detector reads, in SQL, each service's **total** series (``service_rollups``: all regions,
including posts with no known region) over the day and ``history_days`` before it, and the **region** series
(service x country x admin1) that could spike that day — those with at least ``min_count`` reports on the day — over
the day and ``region_history_days`` before it. Every series goes through the same causal spike test
(:mod:`outageradar.reports.spike`), in batches. A region series borrows strength from its service: its prior
expectation is the service's expected total times the region's recent share of it (smoothed), so a region with little
history does not alarm on its first posts, and a region that is normally silent stands out when it is not.

A service's anomalous buckets (in any of its series) that lie within ``merge_gap`` of each other form one **episode**.
Each episode becomes an incident with start (first anomalous bucket), end (last anomalous bucket + one bucket), peak,
the regions that spiked with their report counts and expectations, the problem types and a few sample posts.

Confidence, from how widely the service is failing:
- **strong**: three or more regions spike together, or regions in two or more countries — "an outage across locations";
- **moderate**: two regions, or the service's total spikes with at least ``moderate_total`` reports and most of the
  excess is not in one region (a diffuse rise, e.g. from posts that name no place);
- **weak**: one region (however many reports: a local problem), or a small rise of the total alone.

Independent reports. A spike made of the same post over and over is not an outage: an advertising bot ("Power
outage? No problem. With ArcticLock walls ...", 100 copies in ten minutes), one user posting again and again, a
retweet storm of one news post. Before an episode becomes an incident its reports are counted as **reporters**
(:func:`distinct_reports`): posts by the same author count once, and so do posts with the same long text
(:data:`DUPLICATE_TEXT_TOKENS` words or more once links, mentions, hashtags and numbers are dropped; short texts
such as "is xbox live down?" are what independent people write, and stay separate). The episode is kept only if the
reporters alone are at least ``min_count`` (so is any episode: the tail of a burst that leaves one report in its
last bucket is not an incident) and still improbable under the expected count (Poisson tail below
``reporters_pvalue``).

Incidents are stored in ``incidents`` and matched to earlier detections of the same service that overlap in time
(within ``merge_gap``), which are updated rather than duplicated when new data arrives; stored incidents of the day
that a new detection no longer finds are removed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import numpy as np
from scipy.stats import poisson
from sqlalchemy import delete, select

from outageradar.reports.spike import SpikeParams, score_counts
from outageradar.store import queries
from outageradar.store.models import IncidentRow
from outageradar.store.writer import BUCKET_SECONDS

DETECTOR_VERSION = "incidents-2"
DUPLICATE_TEXT_TOKENS = 8
"""Posts whose normalised texts are equal and at least this long are copies of one post, whoever posted them."""
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|\brt\b|\d+|[^\w\s]")
BUCKET = timedelta(seconds=BUCKET_SECONDS)


@dataclass(frozen=True)
class IncidentParams:
    history_days: int = 14  # history of each service's total series
    region_history_days: int = 2  # history of a region series (its prior comes from the service's total)
    merge_gap: timedelta = timedelta(minutes=30)
    moderate_total: int = 20
    share_pseudo: float = 1.0  # pseudo-reports spread over a service's regions when estimating a region's share
    spike: SpikeParams = field(default_factory=lambda: SpikeParams(alert_pvalue=1e-5, min_count=4.0))
    chunk: int = 2000  # series scored per batch (bounds memory)
    reporters_pvalue: float = 1e-3  # distinct reporters must still be this improbable under the expected count


DEFAULT_INCIDENT_PARAMS = IncidentParams()


@dataclass
class Incident:
    service: str
    started_at: datetime
    peak_at: datetime
    ended_at: datetime
    confidence: str
    score: float
    peak_count: int
    total_reports: int
    expected_reports: float
    regions: list[dict]
    problems: dict[str, int] = field(default_factory=dict)
    samples: list[dict] = field(default_factory=list)
    status: str = "resolved"
    series: dict | None = None  # buckets, counts, expected of the total (for charts; not stored)
    id: int | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.id, "service": self.service, "confidence": self.confidence, "status": self.status,
            "started_at": self.started_at.isoformat(), "peak_at": self.peak_at.isoformat(),
            "ended_at": self.ended_at.isoformat(), "score": round(self.score, 2), "peak_count": self.peak_count,
            "total_reports": self.total_reports, "expected_reports": round(self.expected_reports, 2),
            "regions": self.regions, "problems": self.problems, "samples": self.samples,
        }


@dataclass
class DetectionResult:
    day: date
    incidents: list[Incident]
    series_scored: int


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def region_label(country: str, admin1: str) -> str:
    return f"{admin1}, {country}" if admin1 else country


def detect_day(store, day: date, params: IncidentParams = DEFAULT_INCIDENT_PARAMS, save: bool = True,
               now: datetime | None = None) -> DetectionResult:
    """Detect the incidents of ``day`` (UTC) and store them; returns them strongest first.

    Cost: one GROUP BY over the rollups of the history window (service totals), one over the day's rollups (region
    candidates: a region series needs ``min_count`` reports that day to spike), and the candidates' cells of the last
    ``region_history_days``; all series are scored in batches.
    """
    day_start, day_end = day_bounds(day)
    hist_start = day_start - timedelta(days=params.history_days)
    t0 = int(hist_start.timestamp())
    n = int((day_end - hist_start) / BUCKET)
    buckets = np.datetime64(hist_start.replace(tzinfo=None), "ns") + np.arange(n) * np.timedelta64(BUCKET_SECONDS, "s")
    today = int((day_start - hist_start) / BUCKET)

    totals = queries.service_totals(store, hist_start, day_end)
    names = sorted({row[0] for row in totals})
    T = _matrix(totals, {name: i for i, name in enumerate(names)}, lambda r: r[0], t0, n)
    active = np.flatnonzero(T[:, today:].sum(axis=1) > 0)
    names, T = [names[i] for i in active], T[active]
    if not names:
        return DetectionResult(day, [], 0)
    total_res = _score(buckets, T, None, params)
    row_of = {name: i for i, name in enumerate(names)}

    region_start = day_start - timedelta(days=params.region_history_days)
    r0 = int((region_start - hist_start) / BUCKET)
    candidates = queries.region_candidates(store, day_start, day_end, params.spike.min_count)
    cells = [c for c in queries.region_cells(store, region_start, day_end, candidates) if c[0] in row_of]
    keys = sorted({(c[0], c[1], c[2]) for c in cells})
    R = _matrix(cells, {k: i for i, k in enumerate(keys)}, lambda c: (c[0], c[1], c[2]), int(region_start.timestamp()),
                n - r0)
    region_res = None
    owner = np.array([row_of[k[0]] for k in keys], dtype=np.int64)
    if keys:
        per_service = np.bincount(owner, minlength=len(names))
        hist = R[:, : today - r0].sum(axis=1)
        total_hist = T[owner, r0:today].sum(axis=1)
        shares = (hist + params.share_pseudo / per_service[owner]) / (total_hist + params.share_pseudo)
        prior = total_res.expected[owner, r0:] * shares[:, None]
        region_res = _score(buckets[r0:], R, prior, params)

    incidents: list[Incident] = []
    for i, service in enumerate(names):
        rows = np.flatnonzero(owner == i) if keys else np.array([], dtype=np.int64)
        incidents += _service_incidents(store, service, i, rows, keys, buckets, T, total_res, R, region_res, r0,
                                        today, params)
    now = now or datetime.now(timezone.utc)
    for inc in incidents:
        inc.status = "ongoing" if now - inc.ended_at < params.merge_gap else "resolved"
    if save:
        save_incidents(store, incidents, params.merge_gap, (day_start, day_end))
    order = {"strong": 0, "moderate": 1, "weak": 2}
    incidents.sort(key=lambda x: (order[x.confidence], -x.total_reports, x.started_at))
    return DetectionResult(day, incidents, len(names) + len(keys))


def _matrix(rows, index: dict, key, t0: int, n: int) -> np.ndarray:
    """A dense (len(index), n) matrix of counts from (…, epoch seconds, count) rows."""
    M = np.zeros((len(index), n))
    if rows:
        r = np.fromiter((index[key(row)] for row in rows), dtype=np.int64, count=len(rows))
        b = (np.fromiter((row[-2] for row in rows), dtype=np.int64, count=len(rows)) - t0) // BUCKET_SECONDS
        np.add.at(M, (r, b), np.fromiter((row[-1] for row in rows), dtype=float, count=len(rows)))
    return M


@dataclass
class _Scores:
    expected: np.ndarray
    pvalue: np.ndarray
    anomalous: np.ndarray


def _score(buckets, counts, prior, params: IncidentParams) -> _Scores:
    parts = []
    for lo in range(0, len(counts), params.chunk):
        p = None if prior is None else prior[lo:lo + params.chunk]
        parts.append(score_counts(buckets, counts[lo:lo + params.chunk], prior_expected=p, params=params.spike))
    return _Scores(np.vstack([x.expected for x in parts]), np.vstack([x.pvalue for x in parts]),
                   np.vstack([x.anomalous for x in parts]))


def _episodes(idx: np.ndarray, gap: int) -> list[tuple[int, int]]:
    episodes, start = [], idx[0]
    for a, b in zip(idx[:-1], idx[1:]):
        if b - a > gap:
            episodes.append((start, a))
            start = b
    episodes.append((start, idx[-1]))
    return episodes


def _service_incidents(store, service, i, rows, keys, buckets, T, total_res, R, region_res, r0, today, params):
    n = len(buckets)
    total = T[i]
    anomalous = total_res.anomalous[i].copy()
    for j in rows:
        anomalous[r0:] |= region_res.anomalous[j]
    idx = np.flatnonzero(anomalous[today:]) + today
    if idx.size == 0:
        return []
    out = []
    expected_total = total_res.expected[i]
    for s, e in _episodes(idx, int(params.merge_gap / BUCKET)):
        # The hour-scale test stays raised for a while after a burst: the incident ends at its last bucket whose
        # count is beyond ordinary noise (more than two standard deviations above the expected count).
        while e > s and total[e] <= expected_total[e] + 2 * math.sqrt(expected_total[e]):
            e -= 1
        sl, rsl = slice(s, e + 1), slice(s - r0, e + 1 - r0)
        spiking = []
        for j in rows:
            if region_res.anomalous[j, rsl].any():
                _, country, admin1 = keys[j]
                spiking.append({
                    "country": country, "admin1": admin1, "label": region_label(country, admin1),
                    "reports": int(R[j, rsl].sum()), "expected": round(float(region_res.expected[j, rsl].sum()), 2),
                    "min_pvalue": float(region_res.pvalue[j, rsl].min()),
                })
        spiking.sort(key=lambda r: (-r["reports"], r["label"]))
        countries = {r["country"] for r in spiking}
        reports = int(total[sl].sum())
        expected = float(total_res.expected[i, sl].sum())
        regional_excess = sum(r["reports"] - r["expected"] for r in spiking)
        diffuse = bool(total_res.anomalous[i, sl].any()) and reports >= params.moderate_total and \
            regional_excess < 0.5 * (reports - expected)
        if len(spiking) >= 3 or len(countries) >= 2:
            confidence = "strong"
        elif len(spiking) == 2 or diffuse:
            confidence = "moderate"
        else:
            confidence = "weak"
        started, ended = _ts(buckets[s]), _ts(buckets[e]) + BUCKET
        reporters = distinct_reports(queries.report_authors_texts(store, service, started, ended))
        if reporters < params.spike.min_count or (
                reporters < reports and poisson.sf(reporters - 1, max(expected, 1e-3)) >= params.reporters_pvalue):
            continue  # too few reports, or copies of a few posts (a bot, one user, one retweeted post)
        pmin = min([float(total_res.pvalue[i, sl].min())] + [r["min_pvalue"] for r in spiking])
        for r in spiking:
            r["min_pvalue"] = float(f"{r['min_pvalue']:.3g}")
        peak = s + int(np.argmax(total[sl]))
        lo, hi = max(0, s - 36), min(n, e + 37)
        out.append(Incident(
            service=service, started_at=started, peak_at=_ts(buckets[peak]), ended_at=ended, confidence=confidence,
            score=-math.log10(max(pmin, 1e-300)), peak_count=int(total[peak]), total_reports=reports,
            expected_reports=expected, regions=spiking,
            problems=queries.problem_counts(store, service, started, ended),
            samples=queries.sample_posts(store, service, started, ended),
            series={"buckets": [_ts(b).isoformat() for b in buckets[lo:hi]], "counts": total[lo:hi].astype(int).tolist(),
                    "expected": np.round(total_res.expected[i, lo:hi], 3).tolist()},
        ))
    return out


def distinct_reports(posts: list[tuple[str | None, str]]) -> int:
    """How many independent reports ``(author_hash, text)`` posts make: one per author, and one per long text
    (see the module docstring). Posts are joined when they share an author or a long text (union-find), so a bot
    posting one text from many accounts and one account posting many texts both count once."""
    parent: dict[object, object] = {}

    def find(x: object) -> object:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for k, (author, text) in enumerate(posts):
        node = ("post", k)
        find(node)
        words = _NOISE.sub(" ", text.lower()).split()
        for key in ((("author", author),) if author else ()) + (
                (("text", " ".join(words)),) if len(words) >= DUPLICATE_TEXT_TOKENS else ()):
            a, b = find(node), find(key)
            if a != b:
                parent[a] = b
    return len({find(("post", k)) for k in range(len(posts))})


def _ts(x: np.datetime64) -> datetime:
    return datetime.fromtimestamp(int(x.astype("datetime64[s]").astype(np.int64)), tz=timezone.utc)


def save_incidents(store, incidents: list[Incident], gap: timedelta,
                   day: tuple[datetime, datetime] | None = None) -> None:
    """Insert new incidents; update a stored one of the same service that overlaps in time (within ``gap``).

    With ``day`` (the detected day's bounds), stored incidents that started that day and were not found again are
    deleted: the detection of a day replaces the earlier one (late posts, a new detector version)."""
    kept: list[int] = []
    with store.session() as s, s.begin():
        for inc in incidents:
            existing = s.scalars(
                select(IncidentRow)
                .where(IncidentRow.service == inc.service, IncidentRow.started_at <= inc.ended_at + gap,
                       IncidentRow.ended_at >= inc.started_at - gap)
                .order_by(IncidentRow.started_at)
            ).first()
            values = dict(
                service=inc.service, started_at=inc.started_at, peak_at=inc.peak_at, ended_at=inc.ended_at,
                status=inc.status, confidence=inc.confidence, score=inc.score, peak_count=inc.peak_count,
                total_reports=inc.total_reports, expected_reports=inc.expected_reports, regions=inc.regions,
                problems=inc.problems, samples=inc.samples, detector_version=DETECTOR_VERSION,
            )
            if existing is None:
                row = IncidentRow(**values)
                s.add(row)
                s.flush()
            else:
                row = existing
                values["started_at"] = min(existing.started_at, inc.started_at)
                for k, v in values.items():
                    setattr(row, k, v)
                s.flush()
            inc.id = row.id
            kept.append(row.id)
        if day is not None:
            s.execute(delete(IncidentRow).where(IncidentRow.started_at >= day[0], IncidentRow.started_at < day[1],
                                                IncidentRow.id.not_in(kept)))

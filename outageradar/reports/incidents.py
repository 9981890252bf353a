"""Outage incidents: spikes grouped over time and across regions, with a confidence level.

For one UTC day the detector reads the rollups of that day and ``history_days`` before it (SQL, non-zero cells only)
and builds, per service, its **total** series (all regions, including posts with no known region) and one series per
**region** (country, admin1). Every series goes through the same causal spike test (:mod:`outageradar.reports.spike`);
a region series borrows strength from its service: its prior expectation is the service's expected total times the
region's share of the service's history (smoothed), so a region with little history does not alarm on its first posts.

A service's anomalous buckets (in any of its series) that lie within ``merge_gap`` of each other form one **episode**.
Each episode becomes an incident with start (first anomalous bucket), end (last anomalous bucket + one bucket), peak,
the regions that spiked with their report counts and expectations, the problem types and a few sample posts.

Confidence, from how widely the service is failing:
- **strong**: three or more regions spike together, or regions in two or more countries — "an outage across locations";
- **moderate**: two regions, or the service's total spikes with at least ``moderate_total`` reports and most of the
  excess is not in one region (a diffuse rise, e.g. from posts that name no place);
- **weak**: one region (however many reports: a local problem), or a small rise of the total alone.

Incidents are stored in ``incidents`` and matched to earlier detections of the same service that overlap in time
(within ``merge_gap``), which are updated rather than duplicated when new data arrives.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import numpy as np
from sqlalchemy import select

from outageradar.reports.spike import SpikeParams, score_counts
from outageradar.store import queries
from outageradar.store.models import IncidentRow
from outageradar.store.writer import BUCKET_SECONDS

DETECTOR_VERSION = "incidents-1"
BUCKET = timedelta(seconds=BUCKET_SECONDS)


@dataclass(frozen=True)
class IncidentParams:
    history_days: int = 14
    merge_gap: timedelta = timedelta(minutes=30)
    moderate_total: int = 20
    share_pseudo: float = 1.0  # pseudo-posts spread over regions when estimating a region's share
    spike: SpikeParams = field(default_factory=lambda: SpikeParams(alert_pvalue=1e-5, min_count=4.0))
    chunk: int = 2000  # series scored per batch (bounds memory)


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
    """Detect the incidents of ``day`` (UTC) and store them; returns them strongest first."""
    day_start, day_end = day_bounds(day)
    hist_start = day_start - timedelta(days=params.history_days)
    rows = queries.rollup_series(store, hist_start, day_end)
    n = int((day_end - hist_start) / BUCKET)
    buckets = np.array([np.datetime64(hist_start.replace(tzinfo=None), "ns") + np.timedelta64(BUCKET_SECONDS * i, "s")
                        for i in range(n)], dtype="datetime64[ns]")
    first_today = int((day_start - hist_start) / BUCKET)

    # service -> {(country, admin1): {bucket index: count}}
    by_service: dict[str, dict[tuple[str, str], dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for service, country, admin1, bucket, count in rows:
        i = int((bucket - hist_start) / BUCKET)
        by_service[service][(country, admin1)][i] = count
    incidents: list[Incident] = []
    scored = 0
    for service, regions in by_service.items():
        if not any(i >= first_today for cells in regions.values() for i in cells):
            continue
        inc, k = _detect_service(store, service, regions, buckets, hist_start, first_today, params)
        incidents.extend(inc)
        scored += k
    now = now or datetime.now(timezone.utc)
    for inc in incidents:
        inc.status = "ongoing" if now - inc.ended_at < params.merge_gap else "resolved"
    if save and incidents:
        save_incidents(store, incidents, params.merge_gap)
    order = {"strong": 0, "moderate": 1, "weak": 2}
    incidents.sort(key=lambda x: (order[x.confidence], -x.total_reports, x.started_at))
    return DetectionResult(day, incidents, scored)


def _dense(cells: dict[int, int], n: int) -> np.ndarray:
    a = np.zeros(n)
    if cells:
        idx = np.fromiter(cells.keys(), dtype=np.int64)
        a[idx] = np.fromiter(cells.values(), dtype=float)
    return a


def _detect_service(store, service, regions, buckets, hist_start, first_today, params):
    n = len(buckets)
    keys = sorted(regions)
    matrix = np.vstack([_dense(regions[k], n) for k in keys])
    total = matrix.sum(axis=0)
    total_res = score_counts(buckets, total, params=params.spike)
    known = [j for j, k in enumerate(keys) if k[0]]
    anomalous_any = total_res.anomalous.copy()
    region_res = {}
    if known:
        hist = matrix[known, :first_today].sum(axis=1)
        shares = (hist + params.share_pseudo / len(known)) / (total[:first_today].sum() + params.share_pseudo)
        for lo in range(0, len(known), params.chunk):
            part = known[lo:lo + params.chunk]
            prior = total_res.expected[None, :] * shares[lo:lo + len(part), None]
            res = score_counts(buckets, matrix[part], prior_expected=prior, params=params.spike)
            for j, row in enumerate(part):
                region_res[row] = (res.anomalous[j], res.expected[j], res.pvalue[j])
                anomalous_any |= res.anomalous[j]
    idx = np.flatnonzero(anomalous_any[first_today:]) + first_today
    if idx.size == 0:
        return [], 1 + len(known)
    gap = int(params.merge_gap / BUCKET)
    episodes, start = [], idx[0]
    for a, b in zip(idx[:-1], idx[1:]):
        if b - a > gap:
            episodes.append((start, a))
            start = b
    episodes.append((start, idx[-1]))
    out = []
    for s, e in episodes:
        sl = slice(s, e + 1)
        spiking = []
        for row, (anom, expected, pvalue) in region_res.items():
            if anom[sl].any():
                country, admin1 = keys[row]
                spiking.append({
                    "country": country, "admin1": admin1, "label": region_label(country, admin1),
                    "reports": int(matrix[row, sl].sum()), "expected": round(float(expected[sl].sum()), 2),
                    "min_pvalue": float(pvalue[sl].min()),
                })
        spiking.sort(key=lambda r: (-r["reports"], r["label"]))
        countries = {r["country"] for r in spiking}
        reports = int(total[sl].sum())
        total_anom = bool(total_res.anomalous[sl].any())
        excess = reports - float(total_res.expected[sl].sum())
        regional_excess = sum(r["reports"] - r["expected"] for r in spiking)
        diffuse = total_anom and reports >= params.moderate_total and regional_excess < 0.5 * excess
        if len(spiking) >= 3 or len(countries) >= 2:
            confidence = "strong"
        elif len(spiking) == 2 or diffuse:
            confidence = "moderate"
        else:
            confidence = "weak"
        pmin = min([float(total_res.pvalue[sl].min())] + [r["min_pvalue"] for r in spiking])
        peak = s + int(np.argmax(total[sl]))
        started = _ts(buckets[s])
        ended = _ts(buckets[e]) + BUCKET
        for r in spiking:
            r["min_pvalue"] = float(f"{r['min_pvalue']:.3g}")
        lo = max(0, s - 36)
        hi = min(n, e + 37)
        out.append(Incident(
            service=service, started_at=started, peak_at=_ts(buckets[peak]), ended_at=ended, confidence=confidence,
            score=-math.log10(max(pmin, 1e-300)), peak_count=int(total[peak]), total_reports=reports,
            expected_reports=float(total_res.expected[sl].sum()), regions=spiking,
            problems=queries.problem_counts(store, service, started, ended),
            samples=queries.sample_posts(store, service, started, ended),
            series={"buckets": [_ts(b).isoformat() for b in buckets[lo:hi]], "counts": total[lo:hi].astype(int).tolist(),
                    "expected": np.round(total_res.expected[lo:hi], 3).tolist()},
        ))
    return out, 1 + len(known)


def _ts(x: np.datetime64) -> datetime:
    return datetime.fromtimestamp(int(x.astype("datetime64[s]").astype(np.int64)), tz=timezone.utc)


def save_incidents(store, incidents: list[Incident], gap: timedelta) -> None:
    """Insert new incidents; update a stored one of the same service that overlaps in time (within ``gap``)."""
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

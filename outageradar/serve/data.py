"""What the web app shows, as plain JSON-able dicts: the same data feeds the HTML pages and ``/api/...``.

Everything is computed as of a time ``at`` (``?at=`` on every page; default now, or the newest stored post when the
store holds nothing from the last day, so a demo or an archive opens on its data). Detection is the live report's
(:func:`outageradar.reports.live.live_report`: only posts created up to ``at`` count), and the store is only read.

- :func:`overview` (``/``, ``/api/services``): services with outage reports in the ``hours`` before ``at``, each with
  a status — **incident** (an ongoing incident of moderate or strong confidence), **watch** (a weak one ongoing, or
  any incident in the window that has ended), **ok** — and its report counts per 5-minute bucket (the sparkline).
- :func:`service_page` (``/service/{name}``, ``/api/service/{name}``): the 24 hours before ``at`` against the
  expected level and the baseline band (the detector's causal baseline over 14 days, band = the 99 % quantile of its
  negative binomial), the incidents with confidence, regions, reports and linked official incidents (lead times), the
  regions of the day's reports with map positions, the top problems, the latest reports with links to the originals,
  the catalog's status page and the service's official incidents of the last 30 days.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources

import numpy as np
from scipy.stats import nbinom
from sqlalchemy import func, select

from outageradar.classify.catalog import ServiceCatalog
from outageradar.reports.incidents import region_label
from outageradar.reports.live import incident_summary, live_report
from outageradar.reports.spike import score_counts
from outageradar.store import queries
from outageradar.store.models import ClassificationRow, PostRow, RollupRow, ServiceRollupRow
from outageradar.store.official import recent_official
from outageradar.store.models import BUCKET_SECONDS

HISTORY_DAYS = 14
BAND_QUANTILE = 0.99
CHART_HOURS = 24
RECENT_POSTS = 12
STATUS_ORDER = {"incident": 0, "watch": 1, "ok": 2}


def iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def safe_url(url: str | None) -> str | None:
    """A post's or a status page's link, only when it is http(s) (never ``javascript:`` or ``data:``)."""
    if not url or not isinstance(url, str):
        return None
    u = url.strip()
    return u if u.lower().startswith(("https://", "http://")) and len(u) <= 2048 else None


@lru_cache(maxsize=1)
def world() -> dict:
    """The shipped map geometry (``static/world.json``, see :mod:`outageradar.serve.build_map`)."""
    text = (resources.files("outageradar.serve") / "static" / "world.json").read_text(encoding="utf-8")
    return json.loads(text)


def region_position(country: str, admin1: str) -> tuple[float, float] | None:
    """(lon, lat) of a region: its admin1's position, else its country's centroid, else ``None``."""
    w = world()
    if admin1 and f"{country}|{admin1}" in w["admin1"]:
        lon, lat = w["admin1"][f"{country}|{admin1}"]
        return lon, lat
    c = w["countries"].get(country)
    return (c["c"][0], c["c"][1]) if c else None


def _floor(t: datetime) -> datetime:
    epoch = int(t.timestamp()) // BUCKET_SECONDS * BUCKET_SECONDS
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def resolve_at(store, at: datetime | None) -> tuple[datetime, str | None]:
    """The time to show and a note when it was not the one asked for (the default moved to the newest post)."""
    if at is not None:
        return at, None
    now = datetime.now(timezone.utc)
    newest = queries.newest_post_time(store)
    if newest is not None and newest < now - timedelta(hours=CHART_HOURS):
        return newest, f"nothing stored in the last {CHART_HOURS} hours: showing the store as of its newest post"
    return now, None


def catalog_entry(name: str):
    entry = ServiceCatalog.default().get(name)
    return entry if entry is not None and entry.name == name else None


def known_service(store, name: str) -> bool:
    if catalog_entry(name) is not None:
        return True
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(ServiceRollupRow).where(ServiceRollupRow.service == name)) > 0


def _status(incidents: list[dict]) -> str:
    if any(i["status"] == "ongoing" and i["confidence"] in ("strong", "moderate") for i in incidents):
        return "incident"
    if incidents:
        return "watch"
    return "ok"


def _incident_dicts(report) -> dict[str, list[dict]]:
    by_service: dict[str, list[dict]] = {}
    for k, inc in enumerate(report.incidents):
        d = incident_summary(inc, report.official[k] if k < len(report.official) else [])
        d["problems"] = dict(inc.problems)
        by_service.setdefault(inc.service, []).append(d)
    return by_service


def _bucket_counts(store, start: datetime, end: datetime, services: list[str] | None = None) -> dict[str, np.ndarray]:
    n = int((end - start).total_seconds()) // BUCKET_SECONDS
    t0 = int(start.timestamp())
    out: dict[str, np.ndarray] = {}
    for service, epoch, k in queries.service_totals(store, start, end):
        if services is not None and service not in services:
            continue
        i = (int(epoch) - t0) // BUCKET_SECONDS
        if 0 <= i < n:
            out.setdefault(service, np.zeros(n, dtype=np.int64))[i] += int(k)
    return out


def overview(store, at: datetime | None = None, hours: float = 6.0) -> dict:
    at, note = resolve_at(store, at)
    end = _floor(at) + timedelta(seconds=BUCKET_SECONDS)
    start = end - timedelta(hours=hours)
    counts = _bucket_counts(store, start, end)
    report = live_report(store, at, hours)
    incidents = _incident_dicts(report)
    rows = []
    for name in set(counts) | set(incidents):
        series = counts.get(name)
        incs = incidents.get(name, [])
        entry = catalog_entry(name)
        rows.append({"service": name, "status": _status(incs), "reports": int(series.sum()) if series is not None else 0,
                     "sparkline": series.tolist() if series is not None else [],
                     "incidents": len(incs), "regions_text": incs[0]["regions_text"] if incs else "",
                     "status_page": safe_url(entry.status_page) if entry else None})
    rows.sort(key=lambda r: (STATUS_ORDER[r["status"]], -r["reports"], r["service"]))
    return {"at": iso(at), "note": note, "hours": hours, "from": iso(start), "to": iso(end),
            "bucket_minutes": BUCKET_SECONDS // 60, "services": rows}


def _chart(store, service: str, end: datetime) -> dict:
    """Counts, expected level and band of the :data:`CHART_HOURS` buckets before ``end``."""
    start = end - timedelta(hours=CHART_HOURS)
    hist = start - timedelta(days=HISTORY_DAYS)
    n = int((end - hist).total_seconds()) // BUCKET_SECONDS
    show = int((end - start).total_seconds()) // BUCKET_SECONDS
    series = _bucket_counts(store, hist, end, [service]).get(service, np.zeros(n, dtype=np.int64))
    stamps = np.datetime64(hist.replace(tzinfo=None), "ns") + np.arange(n) * np.timedelta64(BUCKET_SECONDS, "s")
    res = score_counts(stamps, series.astype(float)[None, :])
    mu = np.maximum(res.expected[0, -show:], 1e-9)
    var = np.maximum(res.variance[0, -show:], mu * (1 + 1e-9))
    alpha = (var - mu) / mu**2
    upper = np.nan_to_num(nbinom.ppf(BAND_QUANTILE, 1 / alpha, 1 / (1 + alpha * mu)), nan=0.0)
    return {"buckets": [iso(start + timedelta(seconds=BUCKET_SECONDS * i)) for i in range(show)],
            "counts": series[-show:].astype(int).tolist(), "expected": np.round(res.expected[0, -show:], 2).tolist(),
            "upper": upper.astype(int).tolist()}


def _regions(store, service: str, start: datetime, end: datetime) -> list[dict]:
    r = RollupRow
    q = (select(r.country, r.admin1, func.sum(r.n_outage)).where(r.service == service, r.bucket >= start,
                                                                 r.bucket < end, r.n_outage > 0)
         .group_by(r.country, r.admin1))
    with store.session() as s:
        rows = [(c or "", a or "", int(k)) for c, a, k in s.execute(q).all()]
    out = []
    for c, a, k in sorted(rows, key=lambda x: (-x[2], x[0], x[1])):
        if not c:
            continue
        pos = region_position(c, a)
        out.append({"region": region_label(c, a), "country": c, "admin1": a, "reports": k,
                    "lon": pos[0] if pos else None, "lat": pos[1] if pos else None})
    return out


def _recent_posts(store, service: str, start: datetime, at: datetime, limit: int = RECENT_POSTS) -> list[dict]:
    q = (select(PostRow.source, PostRow.created_at, PostRow.text, PostRow.url, ClassificationRow.country,
                ClassificationRow.admin1, ClassificationRow.city, ClassificationRow.problem)
         .join(ClassificationRow, ClassificationRow.post_id == PostRow.id)
         .where(ClassificationRow.service == service, ClassificationRow.outage.is_(True),
                PostRow.created_at >= start, PostRow.created_at <= at)
         .order_by(PostRow.created_at.desc()).limit(limit))
    with store.session() as s:
        return [{"source": r.source, "created_at": iso(r.created_at), "text": r.text, "url": safe_url(r.url),
                 "region": ", ".join(p for p in (r.city, r.admin1, r.country) if p), "problem": r.problem}
                for r in s.execute(q).all()]


def _official_dict(o: dict) -> dict:
    return {**{k: o[k] for k in ("provider", "title", "impact", "status", "components")},
            "url": safe_url(o["url"]), "started_at": iso(o["started_at"]), "created_at": iso(o["created_at"]),
            "resolved_at": iso(o["resolved_at"])}


def service_page(store, name: str, at: datetime | None = None) -> dict:
    at, note = resolve_at(store, at)
    end = _floor(at) + timedelta(seconds=BUCKET_SECONDS)
    start = end - timedelta(hours=CHART_HOURS)
    report = live_report(store, at, CHART_HOURS)
    incidents = _incident_dicts(report).get(name, [])
    entry = catalog_entry(name)
    problems = queries.problem_counts(store, name, start, end)
    total = sum(problems.values())
    return {
        "service": name, "at": iso(at), "note": note, "from": iso(start), "to": iso(end),
        "status": _status(incidents), "status_page": safe_url(entry.status_page) if entry else None,
        "company": entry.company if entry else None,
        "chart": _chart(store, name, end), "incidents": incidents,
        "regions": _regions(store, name, start, end),
        "problems": [{"problem": p, "reports": k, "share": round(k / total, 3) if total else 0.0}
                     for p, k in problems.items()],
        "posts": _recent_posts(store, name, start, at),
        "official": [_official_dict(o) for o in recent_official(store, name, until=at)],
    }

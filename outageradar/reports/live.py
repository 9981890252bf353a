"""Current incidents for on-call: detection over the days that the last ``hours`` touch, keeping what overlaps them.

Read-only: live detection never writes or deletes stored incidents (``detect run`` stores them). It uses only posts
created up to ``now``, so ``report live --at T`` replays what was knowable at T. Each incident is **ongoing** (its last
anomalous bucket is within ``merge_gap`` of ``now``) or **resolved**. :meth:`LiveReport.to_dict` is the JSON document
of ``report live --format json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from outageradar.reports.incidents import (
    DEFAULT_INCIDENT_PARAMS,
    Incident,
    IncidentParams,
    detect_day,
    region_label,
    regions_text,
)
from outageradar.reports.official import official_for_incident
from outageradar.store import queries


@dataclass
class LiveReport:
    start: datetime
    now: datetime
    incidents: list[Incident] = field(default_factory=list)
    posts: int = 0  # posts created in [start, now]
    official: list[list[dict]] = field(default_factory=list)  # per incident: linked status-page incidents

    @property
    def no_data(self) -> bool:
        return self.posts == 0

    @property
    def days(self) -> list[date]:
        out, day = [], self.start.date()
        while day <= self.now.date():
            out.append(day)
            day += timedelta(days=1)
        return out

    def no_data_message(self) -> str:
        days = self.days
        span = days[0].isoformat() if len(days) == 1 else f"{days[0].isoformat()} to {days[-1].isoformat()}"
        return f"no data for {span} (no posts stored between {self.start:%Y-%m-%d %H:%M} and {self.now:%Y-%m-%d %H:%M} UTC)"

    def to_dict(self) -> dict:
        return {
            "from": self.start.isoformat(), "to": self.now.isoformat(), "posts": self.posts, "no_data": self.no_data,
            "incidents": [incident_summary(i, self.official[k] if k < len(self.official) else [])
                          for k, i in enumerate(self.incidents)],
        }


def incident_summary(inc: Incident, official: list[dict] | None = None) -> dict:
    """What on-call needs of an incident: service, confidence, start, end, status, reports, expected, regions, and
    the official status-page incidents linked to it with the lead time (``official``,
    :mod:`outageradar.reports.official`)."""
    return {
        "service": inc.service, "confidence": inc.confidence, "status": inc.status,
        "start": inc.started_at.isoformat(), "end": inc.ended_at.isoformat(), "peak": inc.peak_at.isoformat(),
        "reports": inc.total_reports, "reporters": inc.reporters, "expected": round(inc.expected_reports, 2),
        "regions_text": regions_text(inc.regions),
        "regions": [{"region": region_label(r["country"], r["admin1"]), "country": r["country"], "admin1": r["admin1"],
                     "reports": r["reports"], "reporters": r.get("reporters"), "expected": r["expected"]}
                    for r in inc.regions],
        "official": list(official or []),
    }


def live_report(store, now: datetime, hours: float, params: IncidentParams = DEFAULT_INCIDENT_PARAMS) -> LiveReport:
    """The incidents that overlap the ``hours`` before ``now``, detected from posts created up to ``now``: ongoing
    first, then by confidence and size. Stores nothing."""
    now = now.astimezone(timezone.utc) if now.tzinfo else now.replace(tzinfo=timezone.utc)
    report = LiveReport(now - timedelta(hours=hours), now)
    report.posts = queries.count_posts(store, report.start, now + timedelta(microseconds=1), until=now)
    if report.no_data:
        return report
    found: list[Incident] = []
    for day in report.days:
        found += detect_day(store, day, params, now=now, as_of=now).incidents
    order = {"strong": 0, "moderate": 1, "weak": 2}
    keep = [i for i in found if i.ended_at >= report.start and i.started_at <= now]
    report.incidents = sorted(keep, key=lambda i: (i.status != "ongoing", order[i.confidence], -i.total_reports))
    report.official = [official_for_incident(store, i, until=now) for i in report.incidents]  # as known at now
    return report


def live_incidents(store, now: datetime, hours: float) -> list[Incident]:
    return live_report(store, now, hours).incidents

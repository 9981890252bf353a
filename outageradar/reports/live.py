"""Current incidents: detection over the days that the last ``hours`` touch, keeping what overlaps them."""

from __future__ import annotations

from datetime import datetime, timedelta

from outageradar.reports.incidents import Incident, detect_day


def live_incidents(store, now: datetime, hours: float) -> list[Incident]:
    start = now - timedelta(hours=hours)
    day, found = start.date(), []
    while day <= now.date():
        found += detect_day(store, day, now=now).incidents
        day += timedelta(days=1)
    order = {"strong": 0, "moderate": 1, "weak": 2}
    keep = [i for i in found if i.ended_at >= start and i.started_at <= now]
    return sorted(keep, key=lambda i: (i.status != "ongoing", order[i.confidence], -i.total_reports))

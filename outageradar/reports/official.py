"""Our incidents beside the official ones: which status-page incidents overlap, and how far ahead we were.

Linking (:func:`link_official`, pure). An official incident of the same service is linked to one of ours when

- it started within :data:`TOLERANCE` (6 hours) before or after our start, and
- it was not already over when ours began: its ``resolved_at`` (when known) is at most :data:`GRACE` (1 hour) before
  our first anomalous bucket — so a status-page incident closed in the morning does not claim an afternoon outage.

Lead time: **the official announcement minus our first anomalous bucket**, in minutes — positive means we saw it
first. The announcement is the incident's ``created_at`` (when the page first said something) when the provider gives
it, else its ``started_at``. (Statuspage's ``started_at`` may be set back to when the problem began, after the fact;
the lead against it is given too, as ``lead_minutes_vs_start``.)

:func:`official_for` reads the candidates of one incident from the store (:mod:`outageradar.store.official`) and
returns the linked ones as plain dicts ``{provider, title, url, impact, status, started_at, created_at, resolved_at,
lead_minutes, lead_minutes_vs_start, lead_basis}``, the ``official`` key of the daily report, the live report and the
web page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Mapping

TOLERANCE = timedelta(hours=6)
GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class OfficialLink:
    provider: str
    title: str
    url: str | None
    impact: str | None
    status: str | None
    started_at: datetime
    created_at: datetime | None
    resolved_at: datetime | None
    lead_minutes: float
    lead_minutes_vs_start: float
    lead_basis: str  # created_at | started_at

    def to_dict(self) -> dict:
        iso = lambda t: t.isoformat() if t is not None else None  # noqa: E731
        return {"provider": self.provider, "title": self.title, "url": self.url, "impact": self.impact,
                "status": self.status, "started_at": iso(self.started_at), "created_at": iso(self.created_at),
                "resolved_at": iso(self.resolved_at), "lead_minutes": self.lead_minutes,
                "lead_minutes_vs_start": self.lead_minutes_vs_start, "lead_basis": self.lead_basis}


def lead_minutes(first_bucket: datetime, announced: datetime) -> float:
    """Minutes from our first anomalous bucket to the official announcement (positive: we were first)."""
    return round((announced - first_bucket).total_seconds() / 60.0, 1)


def overlaps(our_start: datetime, our_end: datetime, official_start: datetime, official_resolved: datetime | None,
             tolerance: timedelta = TOLERANCE, grace: timedelta = GRACE) -> bool:
    """Whether an official incident belongs with ours (see the module docstring)."""
    if not (our_start - tolerance <= official_start <= our_start + tolerance):
        return False
    if official_start > our_end + tolerance:
        return False
    return official_resolved is None or official_resolved >= our_start - grace


def link_official(our_start: datetime, our_end: datetime, official: Iterable[Mapping],
                  tolerance: timedelta = TOLERANCE, grace: timedelta = GRACE) -> list[OfficialLink]:
    """The official incidents (dicts with ``started_at``, ``created_at``, ``resolved_at``, ``provider``, ``title``,
    ``url`` ...) that overlap our incident ``[our_start, our_end]``, nearest in time first."""
    links = []
    for o in official:
        start = o["started_at"]
        if not overlaps(our_start, our_end, start, o.get("resolved_at"), tolerance, grace):
            continue
        created = o.get("created_at")
        announced, basis = (created, "created_at") if created is not None else (start, "started_at")
        links.append(OfficialLink(
            provider=o["provider"], title=o["title"], url=o.get("url"), impact=o.get("impact"),
            status=o.get("status"), started_at=start, created_at=created, resolved_at=o.get("resolved_at"),
            lead_minutes=lead_minutes(our_start, announced), lead_minutes_vs_start=lead_minutes(our_start, start),
            lead_basis=basis))
    links.sort(key=lambda x: (abs(x.lead_minutes), x.started_at))
    return links


def official_for(store, service: str, started_at: datetime, ended_at: datetime,
                 tolerance: timedelta = TOLERANCE, until: datetime | None = None) -> list[dict]:
    """The official incidents linked to our incident of ``service`` over ``[started_at, ended_at]``, as dicts.
    ``until`` (a replay as of then): only those the status page had announced by that time."""
    from outageradar.store.official import official_near

    candidates = official_near(store, service, started_at - tolerance, started_at + tolerance)
    if until is not None:
        candidates = [o for o in candidates if (o.get("created_at") or o["started_at"]) <= until]
    return [link.to_dict() for link in link_official(started_at, ended_at, candidates, tolerance)]


def official_for_incident(store, inc, until: datetime | None = None) -> list[dict]:
    """:func:`official_for` of an :class:`~outageradar.reports.incidents.Incident`."""
    return official_for(store, inc.service, inc.started_at, inc.ended_at, until=until)

"""Stored incidents: write a day's detection, matched to earlier detections of the same incident.

The detector (:mod:`outageradar.reports.incidents`) computes incidents and hands them here as plain column values;
this module is the only writer of the ``incidents`` table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import delete, select

from outageradar.store.models import IncidentRow

INCIDENT_COLUMNS = ("service", "started_at", "peak_at", "ended_at", "status", "confidence", "score", "peak_count",
                    "total_reports", "expected_reports", "regions", "problems", "samples", "detector_version")


def save_incidents(store, incidents: Sequence[dict], gap: timedelta,
                   day: tuple[datetime, datetime] | None = None) -> list[int]:
    """Insert new incidents (dicts of :data:`INCIDENT_COLUMNS`); update a stored one of the same service that
    overlaps in time (within ``gap``), keeping its earlier start. Returns the stored ids, in order.

    With ``day`` (the detected day's bounds), stored incidents that started that day and were not found again are
    deleted: the detection of a day replaces the earlier one (late posts, a new detector version). One transaction."""
    kept: list[int] = []
    with store.session() as s, s.begin():
        for inc in incidents:
            values = {k: inc[k] for k in INCIDENT_COLUMNS}
            existing = s.scalars(
                select(IncidentRow)
                .where(IncidentRow.service == values["service"],
                       IncidentRow.started_at <= values["ended_at"] + gap,
                       IncidentRow.ended_at >= values["started_at"] - gap)
                .order_by(IncidentRow.started_at)
            ).first()
            if existing is None:
                row = IncidentRow(**values)
                s.add(row)
            else:
                row = existing
                values["started_at"] = min(existing.started_at, values["started_at"])
                for k, v in values.items():
                    setattr(row, k, v)
            s.flush()
            kept.append(row.id)
        if day is not None:
            s.execute(delete(IncidentRow).where(IncidentRow.started_at >= day[0], IncidentRow.started_at < day[1],
                                                IncidentRow.id.not_in(kept)))
    return kept

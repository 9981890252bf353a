"""Official incidents: writes and reads of the ``official_incidents`` table (what the status pages said).

:func:`save_official` upserts one provider's incidents in one transaction, together with that provider's sync cursor
(the HTTP validators ``ETag`` / ``Last-Modified`` of the response, in ``cursors`` under source
:data:`CURSOR_SOURCE`): an incident that is not stored yet is inserted, one whose ``updated_at`` changed is updated,
any other is left alone and counted *unchanged*. :func:`sync_feeds` runs a whole ``status sync`` pass: for each feed
it asks the collector (:mod:`outageradar.ingest.statuspage`, which knows nothing of storage) for the incidents and
saves them; a feed that fails is one line in the summary and the others go on.

Reads: :func:`official_near` (the candidates an incident of ours may link to), :func:`recent_official` (a service's
latest official incidents, for the web page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import or_, select

from outageradar.records import OutageradarError, one_line
from outageradar.store.db import transaction
from outageradar.store.models import OfficialIncidentRow
from outageradar.store.writer import get_cursor, set_cursor

CURSOR_SOURCE = "status"
"""``cursors.source`` of the status-page feeds; the key is the feed's provider."""

FIELDS = ("service", "title", "impact", "status", "started_at", "created_at", "resolved_at", "updated_at", "url",
          "components")


@dataclass
class ProviderResult:
    provider: str
    service: str
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    not_modified: bool = False
    error: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.error is not None

    def line(self) -> str:
        if self.error:
            return f"{self.provider} ({self.service}): FAILED - {self.error}"
        if self.not_modified:
            return f"{self.provider} ({self.service}): not modified since the last sync (0 stored, 0 updated)"
        extra = f", {self.rejected:,} rejected ({self.reasons[0]})" if self.rejected else ""
        return (f"{self.provider} ({self.service}): {self.stored:,} stored, {self.updated:,} updated, "
                f"{self.unchanged:,} unchanged{extra}")


@dataclass
class SyncResult:
    providers: list[ProviderResult] = field(default_factory=list)
    skipped: str | None = None

    @property
    def all_failed(self) -> bool:
        return bool(self.providers) and all(p.failed for p in self.providers)

    def lines(self) -> list[str]:
        if self.skipped:
            return [self.skipped]
        out = [p.line() for p in self.providers]
        failed = sum(1 for p in self.providers if p.failed)
        out.append(f"total: {sum(p.stored for p in self.providers):,} stored, "
                   f"{sum(p.updated for p in self.providers):,} updated; {failed} of {len(self.providers)} providers failed")
        return out


def _values(rec: Any) -> dict:
    v = {k: getattr(rec, k) for k in FIELDS}
    v["components"] = list(v["components"] or [])
    return v


def _same_time(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs((a - b).total_seconds()) < 1e-3  # SQLite keeps microseconds, PostgreSQL too; be safe with rounding


def get_sync_cursor(store, provider: str) -> dict:
    """The HTTP validators saved by the last sync of ``provider`` (``{"etag": ..., "last_modified": ...}``)."""
    with store.session() as s:
        raw = get_cursor(s, CURSOR_SOURCE, provider)
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def save_official(store, provider: str, records: Iterable[Any], cursor: dict | None = None) -> tuple[int, int, int]:
    """Upsert ``records`` (objects with the :data:`FIELDS` and ``external_id``) of ``provider``; returns (stored,
    updated, unchanged). The cursor, when given, is saved in the same transaction."""
    latest: dict[str, Any] = {}
    for rec in records:  # one id twice in a payload: keep the newest version
        old = latest.get(rec.external_id)
        if old is None or rec.updated_at >= old.updated_at:
            latest[rec.external_id] = rec
    stored = updated = unchanged = 0
    t = OfficialIncidentRow
    with transaction(store.factory) as s:
        ids = list(latest)
        existing: dict[str, OfficialIncidentRow] = {}
        for lo in range(0, len(ids), 500):
            q = select(t).where(t.provider == provider, t.external_id.in_(ids[lo:lo + 500]))
            existing.update({row.external_id: row for row in s.scalars(q)})
        for ext, rec in latest.items():
            row = existing.get(ext)
            values = _values(rec)
            if row is None:
                s.add(OfficialIncidentRow(provider=provider, external_id=ext, **values))
                stored += 1
            elif not _same_time(row.updated_at, rec.updated_at):
                for k, v in values.items():
                    setattr(row, k, v)
                updated += 1
            else:
                unchanged += 1
        if cursor:
            set_cursor(s, CURSOR_SOURCE, provider, json.dumps(cursor, sort_keys=True))
    return stored, updated, unchanged


def sync_feeds(store, feeds: Sequence[Any], fetch: Callable[[Any, dict], Any],
               stop: Callable[[], bool] | None = None) -> SyncResult:
    """One ``status sync`` pass: for each feed, ``fetch(feed, cursor)`` (the collector; returns an object with
    ``incidents``, ``rejected`` reasons, ``not_modified`` and ``cursor``) and :func:`save_official`. A feed whose
    fetch raises a user-facing error (a :class:`~outageradar.records.OutageradarError`: the collectors' errors are) is
    reported in one line; the others still run."""

    result = SyncResult()
    for feed in feeds:
        if stop is not None and stop():
            break
        pr = ProviderResult(feed.provider, feed.service)
        result.providers.append(pr)
        try:
            fetched = fetch(feed, get_sync_cursor(store, feed.provider))
        except OutageradarError as exc:
            pr.error = one_line(exc) or type(exc).__name__
            continue
        pr.rejected, pr.reasons = len(fetched.rejected), list(fetched.rejected)
        if fetched.not_modified:
            pr.not_modified = True
            continue
        pr.stored, pr.updated, pr.unchanged = save_official(store, feed.provider, fetched.incidents, fetched.cursor)
    return result


def _as_dict(row: OfficialIncidentRow) -> dict:
    return {"provider": row.provider, "service": row.service, "external_id": row.external_id, "title": row.title,
            "impact": row.impact, "status": row.status, "started_at": row.started_at, "created_at": row.created_at,
            "resolved_at": row.resolved_at, "updated_at": row.updated_at, "url": row.url,
            "components": list(row.components or [])}


def official_near(store, service: str, start: datetime, end: datetime) -> list[dict]:
    """Official incidents of ``service`` that started in [start, end] (plain dicts, times aware UTC)."""
    t = OfficialIncidentRow
    q = (select(t).where(t.service == service, t.started_at >= start, t.started_at <= end)
         .order_by(t.started_at))
    with store.session() as s:
        return [_as_dict(r) for r in s.scalars(q)]


def recent_official(store, service: str, until: datetime, days: float = 30, limit: int = 10) -> list[dict]:
    """The latest official incidents of ``service`` started in the ``days`` before ``until`` (or still open then),
    newest first."""
    t = OfficialIncidentRow
    since = until - timedelta(days=days)
    q = (select(t).where(t.service == service, t.started_at <= until,
                         or_(t.started_at >= since, t.resolved_at.is_(None)))
         .order_by(t.started_at.desc()).limit(limit))
    with store.session() as s:
        return [_as_dict(r) for r in s.scalars(q)]


def official_counts(store) -> dict[str, int]:
    """Stored official incidents per service."""
    from sqlalchemy import func

    t = OfficialIncidentRow
    with store.session() as s:
        return dict(s.execute(select(t.service, func.count()).group_by(t.service)).all())


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)

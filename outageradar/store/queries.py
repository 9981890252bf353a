"""Read-side queries over the store, for reports, the CLI and notebooks.

Aggregations run in the database (GROUP BY over the rollups and classifications); only aggregates and a few sample
rows come back. The detection's count arrays come from the day rollups (:func:`service_day_counts`,
:func:`region_day_counts`: one row per series and UTC day, decoded into arrays here). The ``*_frame`` functions
return pandas DataFrames for notebooks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
from sqlalchemy import BigInteger, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from outageradar.store.models import (
    DAY_BUCKETS,
    Base,
    ClassificationRow,
    DayRollupRow,
    IncidentRow,
    PostRow,
    QuarantineRow,
    RollupRow,
    ServiceDayRollupRow,
    ServiceRollupRow,
    decode_day_counts,
)


def table_counts(store) -> dict[str, int]:
    with store.session() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def newest_post_time(store, now: datetime | None = None) -> datetime | None:
    """The newest plausible post time (2006-01-01 .. ``now`` + 1 day, see ``ingest.post.check_time``): a post
    stored with a broken time (9999-12-31, by an older version) does not become the default day of a report."""
    from outageradar.records import EARLIEST, FUTURE_SLACK

    latest = (now or datetime.now(timezone.utc)) + FUTURE_SLACK
    with store.session() as s:
        return s.scalar(select(func.max(PostRow.created_at))
                        .where(PostRow.created_at >= EARLIEST, PostRow.created_at <= latest))


class epoch_seconds(FunctionElement):
    """Seconds since 1970 of a UTC timestamp column, computed by the database (integers are cheap to fetch)."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_pg(element, compiler, **kw):
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS BIGINT)"


def service_totals(store, start: datetime, end: datetime) -> list[tuple[str, int, int]]:
    """Outage reports per (service, bucket) summed over regions in [start, end): (service, epoch seconds, count)."""
    r = ServiceRollupRow
    q = select(r.service, epoch_seconds(r.bucket), r.n_outage).where(r.bucket >= start, r.bucket < end, r.n_outage > 0)
    with store.session() as s:
        return s.execute(q).all()


def _day_matrix(rows, key_len: int, first: date, days: int) -> tuple[list[tuple], np.ndarray]:
    """(sorted keys, counts (keys, days * DAY_BUCKETS) as floats) from day rows (key..., day, counts), one row per key
    and day at most."""
    index: dict[tuple, int] = {}
    seen = np.fromiter((index.setdefault(tuple(row[:key_len]), len(index)) for row in rows), np.int64, len(rows))
    keys = sorted(index)
    rank = np.empty(len(keys), np.int64)
    rank[[index[k] for k in keys]] = np.arange(len(keys))
    offsets: dict[date, int] = {}
    offset = np.fromiter((offsets[d] if (d := row[key_len]) in offsets else offsets.setdefault(d, (d - first).days)
                          for row in rows), np.int64, len(rows)) * DAY_BUCKETS
    out = np.zeros((len(keys), days * DAY_BUCKETS))
    cell_row, slot, n = decode_day_counts([row[key_len + 1] for row in rows])
    out[rank[seen[cell_row]], offset[cell_row] + slot] = n  # each (key, day, slot) once: no sum needed
    return keys, out


def service_day_counts(store, first: date, last: date) -> tuple[list[str], np.ndarray]:
    """Each service's outage reports (over all regions, places unknown included) per 5-minute bucket of the UTC days
    ``first`` .. ``last``: the services with a report then, sorted, and a (services, days * 288) array whose column
    ``j`` is the bucket ``first`` + 5 minutes x ``j`` (``service_day_rollups``: one row per service and day)."""
    r = ServiceDayRollupRow
    q = select(r.service, r.day, r.counts).where(r.day >= first, r.day <= last)
    with store.session() as s:
        rows = s.execute(q).all()
    keys, out = _day_matrix(rows, 1, first, (last - first).days + 1)
    return [k[0] for k in keys], out


def region_day_counts(store, day: date, days_before: int, min_total: float
                      ) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """The region series (service, country, admin1) with a known country and at least ``min_total`` outage reports
    on ``day`` (all of its posts: an as-of reading cuts them after), sorted, and their outage reports per 5-minute
    bucket of the days ``day - days_before`` .. ``day``, a (series, (days_before + 1) * 288) array
    (``day_rollups``: the day's rows are one range of the primary key, each series' other days one lookup)."""
    r = DayRollupRow
    first = day - timedelta(days=days_before)
    cand = (select(r.service, r.country, r.admin1)
            .where(r.day == day, r.n_outage >= min_total, r.country != "").subquery())
    days = [first + timedelta(days=k) for k in range(days_before + 1)]
    q = (select(r.service, r.country, r.admin1, r.day, r.counts)
         .join(cand, (r.service == cand.c.service) & (r.country == cand.c.country) & (r.admin1 == cand.c.admin1))
         .where(r.day.in_(days)))
    with store.session() as s:
        rows = s.execute(q).all()
    return _day_matrix(rows, 3, first, days_before + 1)


def count_posts(store, start: datetime, end: datetime, until: datetime | None = None) -> int:
    """How many posts were created in [start, end) (and at or before ``until``, when given)."""
    q = select(func.count()).select_from(PostRow).where(PostRow.created_at >= start, PostRow.created_at < end)
    if until is not None:
        q = q.where(PostRow.created_at <= until)
    with store.session() as s:
        return s.scalar(q) or 0


def partial_bucket_counts(store, bucket: datetime, until: datetime) -> list[tuple[str, str, str, int, int]]:
    """Outage reports of the posts of ``bucket`` created at or before ``until``, per (service, country, admin1):
    ``(service, country, admin1, epoch seconds, count)`` with ``""`` for no country/admin1, as in the rollups. An
    as-of detection reads the buckets before ``until``'s from the rollups and this one from the posts."""
    c = ClassificationRow
    country, admin1 = func.coalesce(c.country, ""), func.coalesce(c.admin1, "")
    q = (
        select(c.service, country, admin1, func.count())
        .join(PostRow, PostRow.id == c.post_id)
        .where(c.bucket == bucket, c.outage.is_(True), c.service.is_not(None), PostRow.created_at <= until)
        .group_by(c.service, country, admin1)
    )
    epoch = int(bucket.timestamp())
    with store.session() as s:
        return [(svc, co, a1, epoch, n) for svc, co, a1, n in s.execute(q).all()]


def episode_posts(store, service: str, start: datetime, end: datetime, until: datetime | None = None,
                  limit: int = 50_000) -> list:
    """A service's outage reports in the buckets of [start, end) (created at or before ``until``, when given), at
    most ``limit``, oldest first: rows with author_hash, text, created_at, source, url, outage_score, country,
    admin1, city, problem — what counting independent reporters and picking sample posts need."""
    c = ClassificationRow
    where = [c.service == service, c.outage.is_(True), c.bucket >= start, c.bucket < end]
    if until is not None:
        where.append(PostRow.created_at <= until)
    q = (
        select(PostRow.author_hash, PostRow.text, PostRow.created_at, PostRow.source, PostRow.url, c.outage_score,
               c.country, c.admin1, c.city, c.problem)
        .join(c, c.post_id == PostRow.id)
        .where(*where)
        .order_by(c.bucket, PostRow.created_at, PostRow.id)
        .limit(limit)
    )
    with store.session() as s:
        return s.execute(q).all()


def problem_counts(store, service: str, start: datetime, end: datetime) -> dict[str, int]:
    q = (
        select(ClassificationRow.problem, func.count())
        .where(ClassificationRow.service == service, ClassificationRow.outage.is_(True),
               ClassificationRow.bucket >= start, ClassificationRow.bucket < end)
        .group_by(ClassificationRow.problem)
        .order_by(func.count().desc())
    )
    with store.session() as s:
        return {p or "other": n for p, n in s.execute(q).all()}


def report_authors_texts(store, service: str, start: datetime, end: datetime,
                         limit: int = 50_000) -> list[tuple[str | None, str]]:
    """``(author_hash, text)`` of a service's outage reports in a window (at most ``limit``, oldest first)."""
    q = (
        select(PostRow.author_hash, PostRow.text)
        .join(ClassificationRow, ClassificationRow.post_id == PostRow.id)
        .where(ClassificationRow.service == service, ClassificationRow.outage.is_(True),
               ClassificationRow.bucket >= start, ClassificationRow.bucket < end)
        .order_by(ClassificationRow.bucket)
        .limit(limit)
    )
    with store.session() as s:
        return [(row.author_hash, row.text) for row in s.execute(q).all()]


def sample_posts(store, service: str, start: datetime, end: datetime, limit: int = 5) -> list[dict]:
    """Representative outage reports of a service in a window: the most confident, one per distinct text, taking
    each region in turn so the samples show the spread of the incident."""
    q = (
        select(PostRow.source, PostRow.created_at, PostRow.text, PostRow.url, ClassificationRow.outage_score,
               ClassificationRow.country, ClassificationRow.admin1, ClassificationRow.city)
        .join(ClassificationRow, ClassificationRow.post_id == PostRow.id)
        .where(ClassificationRow.service == service, ClassificationRow.outage.is_(True),
               ClassificationRow.bucket >= start, ClassificationRow.bucket < end)
        .order_by(ClassificationRow.outage_score.desc(), PostRow.created_at)
        .limit(limit * 40)
    )
    by_region: dict[tuple, list[dict]] = {}
    seen = set()
    with store.session() as s:
        for row in s.execute(q).all():
            key = " ".join(row.text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            by_region.setdefault((row.country, row.admin1), []).append({
                "source": row.source, "created_at": row.created_at.isoformat(), "text": row.text, "url": row.url,
                "outage_score": round(row.outage_score, 3),
                "region": ", ".join(p for p in (row.city, row.admin1, row.country) if p),
            })
    out: list[dict] = []
    queues = list(by_region.values())
    while queues and len(out) < limit:
        for q_ in list(queues):
            if len(out) >= limit:
                break
            out.append(q_.pop(0))
            if not q_:
                queues.remove(q_)
    return sorted(out, key=lambda p: p["created_at"])


# ---------------------------------------------------------------- pandas, for notebooks
def _frame(store, query):
    import pandas as pd

    with store.engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def posts_frame(store, start: datetime | None = None, end: datetime | None = None, limit: int | None = 100_000):
    """Posts with their classification (one row each)."""
    q = (
        select(PostRow.id, PostRow.source, PostRow.created_at, PostRow.text, PostRow.user_location, PostRow.lat,
               PostRow.lon, ClassificationRow.outage, ClassificationRow.outage_score, ClassificationRow.service,
               ClassificationRow.country, ClassificationRow.admin1, ClassificationRow.city, ClassificationRow.problem,
               ClassificationRow.region_evidence, ClassificationRow.model_version)
        .join(ClassificationRow, ClassificationRow.post_id == PostRow.id, isouter=True)
        .order_by(PostRow.created_at)
    )
    if start is not None:
        q = q.where(PostRow.created_at >= start)
    if end is not None:
        q = q.where(PostRow.created_at < end)
    if limit:
        q = q.limit(limit)
    return _frame(store, q)


def rollups_frame(store, start: datetime | None = None, end: datetime | None = None):
    """Rollup counts (service, country, admin1, bucket, n_posts, n_outage)."""
    q = select(*RollupRow.__table__.c).order_by(RollupRow.bucket)
    if start is not None:
        q = q.where(RollupRow.bucket >= start)
    if end is not None:
        q = q.where(RollupRow.bucket < end)
    return _frame(store, q)


def incidents_frame(store):
    return _frame(store, select(*IncidentRow.__table__.c).order_by(IncidentRow.started_at))


def quarantine_frame(store, limit: int = 10_000):
    return _frame(store, select(*QuarantineRow.__table__.c).order_by(QuarantineRow.id.desc()).limit(limit))


def day_summary(store, start: datetime, end: datetime) -> dict:
    """The posts stored for [start, end) (by creation time), the outage reports among them (by bucket, whether or not
    they name a service) and the posts per source: ``{"posts", "outage_reports", "sources"}`` (two queries: the
    posts are the sum over sources)."""
    c = ClassificationRow
    with store.session() as s:
        outages = s.scalar(select(func.count()).select_from(c).where(
            c.bucket >= start, c.bucket < end, c.outage.is_(True))) or 0
        sources = dict(s.execute(select(PostRow.source, func.count()).where(
            PostRow.created_at >= start, PostRow.created_at < end).group_by(PostRow.source)).all())
    return {"posts": sum(sources.values()), "outage_reports": outages, "sources": sources}


def region_outage_counts(store, service: str, start: datetime, end: datetime) -> list[tuple[str, str, int]]:
    """``(country, admin1, outage reports)`` of ``service`` per region in the buckets of [start, end), from the
    rollups ("" where the place is unknown)."""
    r = RollupRow
    q = (select(r.country, r.admin1, func.sum(r.n_outage))
         .where(r.service == service, r.bucket >= start, r.bucket < end, r.n_outage > 0)
         .group_by(r.country, r.admin1))
    with store.session() as s:
        return [(c or "", a or "", int(k)) for c, a, k in s.execute(q).all()]

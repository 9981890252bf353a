"""The store's half of re-classification (``classify stored``), and rebuilding the rollups from the classifications.

The pipeline (:mod:`outageradar.pipeline.reclassify`) reads posts in id order in batches (:func:`stale_posts`), tags
them, and in one transaction per batch :func:`replace_classifications` replaces the batch's classifications and
applies the rollup delta they cause (the old classifications' counts subtracted, the new ones' added, rollup rows
that fall to zero deleted), so at every commit the rollups agree with the classifications: a run that is killed or
fails part-way leaves a consistent store, and a re-run continues with the posts still on an older model. On
PostgreSQL the batch's old classifications are read ``FOR UPDATE``, so a concurrent writer of the same rows waits
instead of making the delta stale.

:func:`rebuild_rollups` recomputes every rollup from the classifications (one INSERT ... SELECT ... GROUP BY in the
database, in the same transaction as the DELETE, so readers never see them half built): the repair for a store whose
rollups were changed by hand, and the reference the tests compare the incremental path with.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Sequence

from sqlalchemy import and_, case, delete, func, insert, literal_column, select

from outageradar.records import Classification
from outageradar.store.models import ClassificationRow, PostRow, RollupRow, ServiceRollupRow
from outageradar.store.models import bucket_of
from outageradar.store.writer import _classification_row, add_rollups, rebuild_day_rollups

Key = tuple[str, str, str, datetime]


def _count(counts: dict[Key, list[int]], sign: int, service, country, admin1, bucket: datetime, outage) -> None:
    if not service:
        return
    c = counts[(service, country or "", admin1 or "", bucket)]
    c[0] += sign
    c[1] += sign * int(bool(outage))


def stale_posts(session, version: str, after_id: int, limit: int, everything: bool = False) -> list:
    """Up to ``limit`` posts after id ``after_id``, in id order, whose classification is missing or not of model
    ``version`` (every post when ``everything``). Each row has ``id``, ``created_at`` and what the tagger reads
    (``text``, ``user_location``, ``lat``, ``lon``, ``place``)."""
    q = (
        select(PostRow.id, PostRow.created_at, PostRow.text, PostRow.user_location, PostRow.lat, PostRow.lon,
               PostRow.place)
        .outerjoin(ClassificationRow, ClassificationRow.post_id == PostRow.id)
        .where(PostRow.id > after_id)
        .order_by(PostRow.id)
        .limit(limit)
    )
    if not everything:
        q = q.where((ClassificationRow.model_version.is_(None)) | (ClassificationRow.model_version != version))
    return list(session.execute(q).all())


def replace_classifications(session, rows: Sequence, labels: Sequence[Classification]) -> None:
    """Replace the classifications of ``rows`` (from :func:`stale_posts`) by ``labels`` and apply the rollup delta
    they cause, in the caller's transaction. On PostgreSQL the old classifications are read ``FOR UPDATE``."""
    ids = [r.id for r in rows]
    c = ClassificationRow
    old = session.execute(
        select(c.service, c.country, c.admin1, c.bucket, c.outage).where(c.post_id.in_(ids)).with_for_update()
    ).all()
    delta: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for o in old:
        _count(delta, -1, o.service, o.country, o.admin1, o.bucket, o.outage)
    new_rows = []
    for r, lab in zip(rows, labels):
        bucket = bucket_of(r.created_at.astimezone(timezone.utc))
        new_rows.append(_classification_row(r.id, bucket, lab))
        _count(delta, +1, lab.service, lab.country, lab.admin1, bucket, lab.outage)
    session.execute(delete(ClassificationRow).where(ClassificationRow.post_id.in_(ids)))
    session.execute(insert(ClassificationRow), new_rows)
    changed = {k: v for k, v in delta.items() if v != [0, 0]}
    add_rollups(session, changed)
    _drop_empty(session, changed)


def _drop_empty(session, changed: dict[Key, list[int]]) -> None:
    """Delete the rollup rows of ``changed`` keys that the delta brought to zero posts (a rebuild has none)."""
    if not changed:
        return
    services = sorted({k[0] for k in changed})
    buckets = sorted({k[3] for k in changed})
    for i in range(0, len(buckets), 500):
        part = buckets[i:i + 500]
        for model in (RollupRow, ServiceRollupRow):
            session.execute(delete(model).where(and_(model.n_posts <= 0, model.service.in_(services),
                                                     model.bucket.in_(part))))


def rebuild_rollups(store) -> None:
    """Recompute every rollup, service rollup and day rollup from the classifications, in one transaction."""
    c = ClassificationRow
    empty = literal_column("''")
    country, admin1 = func.coalesce(c.country, empty), func.coalesce(c.admin1, empty)
    outage = case((c.outage.is_(True), 1), else_=0)
    select_counts = (
        select(c.service, country, admin1, c.bucket, func.count(), func.sum(outage))
        .where(c.service.is_not(None))
        .group_by(c.service, country, admin1, c.bucket)
    )
    r = RollupRow
    select_totals = (
        select(r.service, r.bucket, func.sum(r.n_posts), func.sum(r.n_outage)).group_by(r.service, r.bucket)
    )
    with store.session() as s, s.begin():
        s.execute(delete(RollupRow))
        s.execute(delete(ServiceRollupRow))
        s.execute(
            insert(RollupRow).from_select(["service", "country", "admin1", "bucket", "n_posts", "n_outage"], select_counts)
        )
        s.execute(insert(ServiceRollupRow).from_select(["service", "bucket", "n_posts", "n_outage"], select_totals))
        rebuild_day_rollups(s)

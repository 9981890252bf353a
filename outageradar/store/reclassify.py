"""Re-classifying stored posts after the model changes, and rebuilding the rollups from the classifications.

Posts are read in id order in batches; each batch's classifications are replaced in one transaction. The rollups
are then rebuilt from the classifications with one INSERT ... SELECT ... GROUP BY in the database, in the same
transaction as the DELETE, so readers never see them half built.
"""

from __future__ import annotations

from datetime import timezone
from typing import Callable

from sqlalchemy import case, delete, func, insert, literal_column, select

from outageradar.classify.tagger import Row
from outageradar.store.models import ClassificationRow, PostRow, RollupRow, ServiceRollupRow
from outageradar.store.writer import _classification_row, bucket_of

BATCH = 5000


def reclassify(store, tagger, everything: bool = False, on_batch: Callable[[int], None] | None = None) -> int:
    version = tagger.version
    done = 0
    last_id = 0
    while True:
        with store.session() as s, s.begin():
            q = (
                select(PostRow.id, PostRow.created_at, PostRow.text, PostRow.user_location, PostRow.lat, PostRow.lon,
                       PostRow.place)
                .outerjoin(ClassificationRow, ClassificationRow.post_id == PostRow.id)
                .where(PostRow.id > last_id)
                .order_by(PostRow.id)
                .limit(BATCH)
            )
            if not everything:
                q = q.where((ClassificationRow.model_version.is_(None)) | (ClassificationRow.model_version != version))
            rows = s.execute(q).all()
            if not rows:
                break
            labels = tagger.classify_rows([Row(r.text, r.user_location, r.lat, r.lon, r.place) for r in rows])
            ids = [r.id for r in rows]
            s.execute(delete(ClassificationRow).where(ClassificationRow.post_id.in_(ids)))
            s.execute(insert(ClassificationRow), [
                _classification_row(r.id, bucket_of(r.created_at.astimezone(timezone.utc)), lab)
                for r, lab in zip(rows, labels)
            ])
            last_id = ids[-1]
        done += len(rows)
        if on_batch:
            on_batch(done)
    rebuild_rollups(store)
    return done


def rebuild_rollups(store) -> None:
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

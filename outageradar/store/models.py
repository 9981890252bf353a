"""SQLAlchemy 2 models of the store. The schema itself is created by the Alembic migrations in ``migrations/``.

Tables
------
posts            one row per ingested post, unique on (source, source_id) so re-ingesting is a no-op.
classifications  the classifier's verdict for each post (1:1 with posts), with the model version that made it and
                 the post's 5-minute bucket (denormalised so rollups can be rebuilt in SQL).
rollups          counts per service x country x admin1 x 5-minute bucket, updated in the same transaction that
                 stores the posts: ``n_posts`` posts naming the service, ``n_outage`` of them outage reports.
                 Unknown country/admin1 are stored as '' (they are part of the primary key).
service_rollups  the same counts summed over regions (service x bucket), updated in the same transaction.
day_rollups      the outage reports of ``rollups`` again, one row per service x country x admin1 x UTC day holding the
                 day's non-zero 5-minute counts in one value (:func:`encode_day_counts`), with their sum: what the
                 detection reads (a report's 15 days are 3,000 service rows, not 400,000 bucket rows). A row exists
                 while its day has an outage report. Updated in the same transaction as ``rollups``.
service_day_rollups  the same per service x day, summed over regions (including reports with no known place).
cursors          where each collector query stopped (source, key) -> value, saved with the posts it covers.
incidents        detected outages: one row per service and episode, updated as new data arrives.
quarantine       records that could not become posts, with the raw text (author fields replaced by salted hashes)
                 and the reason; unique per source + ``raw_hash``, the SHA-256 of the record's line number and raw
                 text (``store.writer.quarantine``), so identical bad lines are distinct rows and a re-run adds none.
official_incidents  incidents from the services' official status pages (unique per provider + external id).
"""

from __future__ import annotations

import struct
from datetime import date, datetime, timezone
from typing import Any, Sequence

import numpy as np
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from outageradar.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER (the rowid alias, so autoincrement works) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


class PostRow(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(16))
    author_hash: Mapped[str | None] = mapped_column(String(64))
    user_location: Mapped[str | None] = mapped_column(String(256))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str | None] = mapped_column(String(256))
    url: Mapped[str | None] = mapped_column(String(512))
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("source", "source_id"),)


class ClassificationRow(Base):
    __tablename__ = "classifications"

    post_id: Mapped[int] = mapped_column(BigId, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    bucket: Mapped[datetime] = mapped_column()
    outage: Mapped[bool] = mapped_column(Boolean)
    outage_score: Mapped[float] = mapped_column(Float)
    service: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(2))
    admin1: Mapped[str | None] = mapped_column(String(128))
    city: Mapped[str | None] = mapped_column(String(128))
    problem: Mapped[str | None] = mapped_column(String(32))
    region_evidence: Mapped[str | None] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(64))
    classified_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index(None, "service", "bucket"),
        Index(None, "bucket"),
        Index(None, "model_version"),
    )


class RollupRow(Base):
    __tablename__ = "rollups"

    service: Mapped[str] = mapped_column(String(128), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    admin1: Mapped[str] = mapped_column(String(128), primary_key=True)
    bucket: Mapped[datetime] = mapped_column(primary_key=True)
    n_posts: Mapped[int] = mapped_column(Integer)
    n_outage: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index(None, "bucket"),)


class ServiceRollupRow(Base):
    """The rollups summed over regions, kept beside them so a service's total series is a range scan."""

    __tablename__ = "service_rollups"

    service: Mapped[str] = mapped_column(String(128), primary_key=True)
    bucket: Mapped[datetime] = mapped_column(primary_key=True)
    n_posts: Mapped[int] = mapped_column(Integer)
    n_outage: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index(None, "bucket"),)


BUCKET_SECONDS = 300
"""The width of the ``bucket`` columns (classifications, rollups): 5 minutes of UTC time."""


def bucket_of(ts: datetime, seconds: int = BUCKET_SECONDS) -> datetime:
    """The start of the ``seconds``-long UTC bucket that holds ``ts``."""
    epoch = int(ts.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=timezone.utc)


DAY_BUCKETS = 288
"""5-minute buckets in a UTC day: the slots of a day row's counts."""
DAY_CELL = np.dtype([("slot", ">u2"), ("n", ">i4")])
"""One non-zero bucket of a day row's ``counts``: its slot in the day (0..287, ``bucket - midnight`` / 5 minutes) and
its count, big-endian (6 bytes). A row's ``counts`` is its cells in slot order, concatenated."""
DAY_CELL_STRUCT = struct.Struct(">Hi")
""":data:`DAY_CELL` for :mod:`struct` (one cell at a time, cheaper than numpy for a row of a few cells)."""
assert DAY_CELL_STRUCT.size == DAY_CELL.itemsize


def encode_day_counts(slots: np.ndarray, counts: np.ndarray) -> bytes:
    """The ``counts`` value of a day row: the cells ``(slot, n)`` with ``n != 0``, in slot order (slots unique)."""
    order = np.argsort(slots, kind="stable")
    keep = order[np.asarray(counts)[order] != 0]
    cells = np.empty(keep.size, DAY_CELL)
    cells["slot"] = np.asarray(slots)[keep]
    cells["n"] = np.asarray(counts)[keep]
    return cells.tobytes()


def decode_day_counts(values: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells of many day rows' ``counts`` at once: (row index into ``values``, slot, count) arrays."""
    if not values:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    cells = np.frombuffer(b"".join(values), DAY_CELL)
    lengths = np.fromiter((len(v) for v in values), np.int64, len(values)) // DAY_CELL.itemsize
    rows = np.repeat(np.arange(len(values)), lengths)
    return rows, cells["slot"].astype(np.int64), cells["n"].astype(np.int64)


class DayRollupRow(Base):
    """One region series' outage reports over one UTC day (the rollups' ``n_outage`` of its buckets): ``n_outage``
    their sum, ``counts`` the non-zero buckets (:func:`encode_day_counts`). The key starts with the day, so a day's
    rows are one range of the primary key."""

    __tablename__ = "day_rollups"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service: Mapped[str] = mapped_column(String(128), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    admin1: Mapped[str] = mapped_column(String(128), primary_key=True)
    n_outage: Mapped[int] = mapped_column(Integer)
    counts: Mapped[bytes] = mapped_column(LargeBinary)


class ServiceDayRollupRow(Base):
    """:class:`DayRollupRow` summed over regions: one service's outage reports over one UTC day."""

    __tablename__ = "service_day_rollups"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service: Mapped[str] = mapped_column(String(128), primary_key=True)
    n_outage: Mapped[int] = mapped_column(Integer)
    counts: Mapped[bytes] = mapped_column(LargeBinary)


class CursorRow(Base):
    __tablename__ = "cursors"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column()
    peak_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))  # ongoing | resolved
    confidence: Mapped[str] = mapped_column(String(16))  # weak | moderate | strong
    score: Mapped[float] = mapped_column(Float)
    peak_count: Mapped[int] = mapped_column(Integer)
    total_reports: Mapped[int] = mapped_column(Integer)
    expected_reports: Mapped[float] = mapped_column(Float)
    regions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    problems: Mapped[dict[str, int]] = mapped_column(JSON)
    samples: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    detector_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("service", "started_at"), Index(None, "started_at"))


class QuarantineRow(Base):
    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(512))
    raw_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("source", "raw_hash"),)


class OfficialIncidentRow(Base):
    """An incident as a service's official status page tells it (Atlassian Statuspage, Google Cloud, AWS Health),
    stored by ``status sync`` (:mod:`outageradar.store.official`); unique per provider and the provider's id, updated
    in place when the provider's ``updated_at`` changes."""

    __tablename__ = "official_incidents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(64))  # statuspage host (www.githubstatus.com), "gcp" or "aws"
    service: Mapped[str] = mapped_column(String(128))  # the catalog service it is about
    external_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime | None] = mapped_column()  # when the page first said it (lead times count to this)
    resolved_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    url: Mapped[str | None] = mapped_column(String(512))
    components: Mapped[list[str]] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("provider", "external_id"), Index(None, "service", "started_at"))

"""day rollups: each series' outage reports of a UTC day in one row, what the detection reads

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 18:30:00

``counts`` holds the day's non-zero 5-minute buckets as big-endian (slot uint16, count int32) pairs in slot order
(``outageradar.store.models.DAY_CELL``); ``n_outage`` is their sum. The upgrade fills both tables from the rollups of
an existing store. The format is written out here rather than imported, so this migration keeps doing what it did
whatever the package's code becomes.
"""
from __future__ import annotations

import struct
from collections import defaultdict
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _encode(cells: dict[int, int]) -> bytes:
    items = sorted((slot, n) for slot, n in cells.items() if n)
    return struct.pack(">" + "Hi" * len(items), *(v for item in items for v in item))


def _backfill() -> None:
    bind = op.get_bind()
    epoch = ("CAST(strftime('%s', bucket) AS INTEGER)" if bind.dialect.name == "sqlite"
             else "CAST(EXTRACT(EPOCH FROM bucket) AS BIGINT)")
    rows = bind.execute(sa.text(
        f"SELECT service, country, admin1, {epoch}, n_outage FROM rollups WHERE n_outage <> 0 "
        "ORDER BY service, country, admin1, bucket")).yield_per(100_000)
    day_rollups = sa.table("day_rollups", sa.column("day", sa.Date), sa.column("service"), sa.column("country"),
                           sa.column("admin1"), sa.column("n_outage"), sa.column("counts", sa.LargeBinary))
    service_day = sa.table("service_day_rollups", sa.column("day", sa.Date), sa.column("service"),
                           sa.column("n_outage"), sa.column("counts", sa.LargeBinary))
    region: dict[tuple, dict[int, int]] = defaultdict(dict)
    total: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))

    def flush() -> None:
        for table, cells_of, names in ((day_rollups, region, ("day", "service", "country", "admin1")),
                                       (service_day, total, ("day", "service"))):
            values = [{**dict(zip(names, key)), "n_outage": sum(cells.values()), "counts": _encode(cells)}
                      for key, cells in sorted(cells_of.items())]
            values = [v for v in values if v["counts"]]
            if values:
                bind.execute(table.insert(), values)
            cells_of.clear()

    service = None
    for svc, country, admin1, seconds, k in rows:
        if svc != service:
            flush()
            service = svc
        day = datetime.fromtimestamp(seconds - seconds % 86400, tz=timezone.utc).date()
        slot = seconds % 86400 // 300
        region[(day, svc, country, admin1)][slot] = k
        total[(day, svc)][slot] += k
    flush()


def upgrade() -> None:
    op.create_table('day_rollups',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('service', sa.String(length=128), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('admin1', sa.String(length=128), nullable=False),
    sa.Column('n_outage', sa.Integer(), nullable=False),
    sa.Column('counts', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'service', 'country', 'admin1', name=op.f('pk_day_rollups'))
    )
    op.create_table('service_day_rollups',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('service', sa.String(length=128), nullable=False),
    sa.Column('n_outage', sa.Integer(), nullable=False),
    sa.Column('counts', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'service', name=op.f('pk_service_day_rollups'))
    )
    _backfill()


def downgrade() -> None:
    op.drop_table('service_day_rollups')
    op.drop_table('day_rollups')

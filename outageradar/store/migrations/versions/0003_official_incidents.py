"""official incidents: what the services' status pages said (status sync)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import outageradar.store.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('official_incidents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('provider', sa.String(length=64), nullable=False),
    sa.Column('service', sa.String(length=128), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('impact', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('started_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('url', sa.String(length=512), nullable=True),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('fetched_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_official_incidents')),
    sa.UniqueConstraint('provider', 'external_id', name=op.f('uq_official_incidents_provider_external_id'))
    )
    with op.batch_alter_table('official_incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_official_incidents_service_started_at'), ['service', 'started_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('official_incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_official_incidents_service_started_at'))
    op.drop_table('official_incidents')

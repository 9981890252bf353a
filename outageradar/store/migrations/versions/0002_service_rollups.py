"""service rollups: the region rollups summed per service and bucket

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 18:21:04.839924
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import outageradar.store.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_rollups',
    sa.Column('service', sa.String(length=128), nullable=False),
    sa.Column('bucket', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('n_posts', sa.Integer(), nullable=False),
    sa.Column('n_outage', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('service', 'bucket', name=op.f('pk_service_rollups'))
    )
    with op.batch_alter_table('service_rollups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_rollups_bucket'), ['bucket'], unique=False)
    # backfill from the region rollups of an existing store
    op.execute(
        "INSERT INTO service_rollups (service, bucket, n_posts, n_outage) "
        "SELECT service, bucket, SUM(n_posts), SUM(n_outage) FROM rollups GROUP BY service, bucket"
    )



def downgrade() -> None:
    with op.batch_alter_table('service_rollups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_rollups_bucket'))

    op.drop_table('service_rollups')

"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 17:45:15.645043
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import outageradar.store.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cursors',
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=512), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'key', name=op.f('pk_cursors'))
    )
    op.create_table('incidents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('service', sa.String(length=128), nullable=False),
    sa.Column('started_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('peak_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('confidence', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('peak_count', sa.Integer(), nullable=False),
    sa.Column('total_reports', sa.Integer(), nullable=False),
    sa.Column('expected_reports', sa.Float(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('samples', sa.JSON(), nullable=False),
    sa.Column('detector_version', sa.String(length=64), nullable=False),
    sa.Column('created_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('service', 'started_at', name=op.f('uq_incidents_service_started_at'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_started_at'), ['started_at'], unique=False)

    op.create_table('posts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('source_id', sa.String(length=128), nullable=False),
    sa.Column('created_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=16), nullable=True),
    sa.Column('author_hash', sa.String(length=64), nullable=True),
    sa.Column('user_location', sa.String(length=256), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('place', sa.String(length=256), nullable=True),
    sa.Column('url', sa.String(length=512), nullable=True),
    sa.Column('ingested_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('source', 'source_id', name=op.f('uq_posts_source_source_id'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posts_created_at'), ['created_at'], unique=False)

    op.create_table('quarantine',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=512), nullable=False),
    sa.Column('raw_hash', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine')),
    sa.UniqueConstraint('source', 'raw_hash', name=op.f('uq_quarantine_source_raw_hash'))
    )
    op.create_table('rollups',
    sa.Column('service', sa.String(length=128), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('admin1', sa.String(length=128), nullable=False),
    sa.Column('bucket', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('n_posts', sa.Integer(), nullable=False),
    sa.Column('n_outage', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('service', 'country', 'admin1', 'bucket', name=op.f('pk_rollups'))
    )
    with op.batch_alter_table('rollups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rollups_bucket'), ['bucket'], unique=False)

    op.create_table('classifications',
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bucket', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outage', sa.Boolean(), nullable=False),
    sa.Column('outage_score', sa.Float(), nullable=False),
    sa.Column('service', sa.String(length=128), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('admin1', sa.String(length=128), nullable=True),
    sa.Column('city', sa.String(length=128), nullable=True),
    sa.Column('problem', sa.String(length=32), nullable=True),
    sa.Column('region_evidence', sa.String(length=16), nullable=True),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('classified_at', outageradar.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_classifications_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_classifications'))
    )
    with op.batch_alter_table('classifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classifications_bucket'), ['bucket'], unique=False)
        batch_op.create_index(batch_op.f('ix_classifications_model_version'), ['model_version'], unique=False)
        batch_op.create_index(batch_op.f('ix_classifications_service_bucket'), ['service', 'bucket'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('classifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classifications_service_bucket'))
        batch_op.drop_index(batch_op.f('ix_classifications_model_version'))
        batch_op.drop_index(batch_op.f('ix_classifications_bucket'))

    op.drop_table('classifications')
    with op.batch_alter_table('rollups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rollups_bucket'))

    op.drop_table('rollups')
    op.drop_table('quarantine')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_created_at'))

    op.drop_table('posts')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_started_at'))

    op.drop_table('incidents')
    op.drop_table('cursors')

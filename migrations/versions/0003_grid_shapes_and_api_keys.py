"""Grids get their shapes (GeoJSON polygons), and integrations get API keys (stored hashed) for Open311.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'grid_shapes',
        sa.Column('grid_id', sa.String(length=200), sa.ForeignKey('units.id'), primary_key=True),
        sa.Column('geometry', sa.JSON(), nullable=False),
        sa.Column('area_m2', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'api_keys',
        sa.Column('id', sa.String(length=40), primary_key=True),
        sa.Column('principal_id', sa.String(length=200), sa.ForeignKey('principals.id'), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_api_keys_principal_id', 'api_keys', ['principal_id'])


def downgrade() -> None:
    op.drop_index('ix_api_keys_principal_id', table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_table('grid_shapes')

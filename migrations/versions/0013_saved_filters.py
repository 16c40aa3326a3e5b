"""Searches of the issues saved by name, per person (办件查询).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'saved_filters',
        sa.Column('id', sa.String(length=32), primary_key=True),
        sa.Column('principal_id', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('query', sa.String(length=2000), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('principal_id', 'name', name='uq_saved_filters_name'),
    )
    op.create_index('ix_saved_filters_principal_id', 'saved_filters', ['principal_id'])


def downgrade() -> None:
    op.drop_index('ix_saved_filters_principal_id', 'saved_filters')
    op.drop_table('saved_filters')

"""Figure snapshots: every unit's figures of one level and kind for a standard period, recomputed by a Schedule, so
that the rankings of this month, this quarter and the year answer without scanning a million issues.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'figure_snapshots',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('directory_version', sa.Integer(), nullable=False),
        sa.Column('stats', sa.Text(), nullable=False),
        sa.UniqueConstraint('period', 'level', 'kind', name='uq_figure_snapshots'),
    )


def downgrade() -> None:
    op.drop_table('figure_snapshots')

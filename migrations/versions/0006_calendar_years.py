"""A year's official working-day arrangement, loaded by the deployment; tasks say when their deadline is
provisional (counted over a year not yet published).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_years',
        sa.Column('year', sa.Integer(), primary_key=True),
        sa.Column('holidays', sa.JSON(), nullable=False),
        sa.Column('workdays', sa.JSON(), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('provisional', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('provisional')
    op.drop_table('calendar_years')

"""The execution that wrote each row of the projection (``ProjectionBatch.epoch``), so a lost execution's rows
are replaced by the one the history keeps.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 07:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ('issues', 'tasks', 'timeline_events', 'ratings')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('epoch', sa.BigInteger(), nullable=False, server_default='0'))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('epoch')

"""Tasks by unit and closing time: the figures' hours held and the verifications that ended in a period read
them from it instead of every task of the unit (measured at a million issues: bench B3).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 10:20:00
"""

from __future__ import annotations

from contextlib import nullcontext

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # on PostgreSQL built CONCURRENTLY, outside the migration's transaction (see 0010)
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.get_context().autocommit_block() if postgres else nullcontext():
        if postgres:
            op.execute('DROP INDEX CONCURRENTLY IF EXISTS ix_tasks_closed')
        op.create_index('ix_tasks_closed', 'tasks', ['unit_id', 'closed_at'], postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index('ix_tasks_closed', table_name='tasks')

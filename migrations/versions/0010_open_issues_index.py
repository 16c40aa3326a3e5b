"""Indexes for what people wait on, measured at a million issues (bench B3): the desk's usual list — open
issues, overdue or not, newest first — read in order instead of from every open issue; and the inbox's "my own
and my claimed" open tasks, which had no index and scanned every task.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 09:50:00
"""

from __future__ import annotations

from contextlib import nullcontext

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    # on PostgreSQL built CONCURRENTLY, outside the migration's transaction: a desk with millions of rows keeps
    # writing its read model while they are built
    # (a build interrupted there leaves an invalid index behind: dropped first, so running it again completes)
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.get_context().autocommit_block() if postgres else nullcontext():
        if postgres:
            for name in ('ix_issues_status_overdue_created', 'ix_tasks_open_principal_id', 'ix_tasks_open_claimed_by'):
                op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {name}')
        op.create_index('ix_issues_status_overdue_created', 'issues', ['status', 'overdue', 'created_at'],
                        postgresql_concurrently=True)
        for column in ('principal_id', 'claimed_by'):
            op.create_index(f'ix_tasks_open_{column}', 'tasks', [column], postgresql_where=OPEN, sqlite_where=OPEN,
                            postgresql_concurrently=True)


def downgrade() -> None:
    for column in ('principal_id', 'claimed_by'):
        op.drop_index(f'ix_tasks_open_{column}', table_name='tasks')
    op.drop_index('ix_issues_status_overdue_created', table_name='issues')

"""An assessment is amended, never rewritten: each version is kept beside the ones before it; inquiries answered
without dispatch are recorded apart from issues; the whistler rates each unit that took part.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessments') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch.add_column(sa.Column('amended_by', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch.drop_constraint('uq_assessments', type_='unique')
        batch.create_unique_constraint('uq_assessments', ['period', 'level', 'district_id', 'version'])
    with op.batch_alter_table('ratings') as batch:
        batch.add_column(sa.Column('for_unit_id', sa.String(length=200), nullable=True))
    op.create_table(
        'inquiries',
        sa.Column('id', sa.String(length=64), primary_key=True),
        sa.Column('unit_id', sa.String(length=200), nullable=False),
        sa.Column('principal_id', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('matter_code', sa.String(length=100), nullable=True),
    )
    op.create_index('ix_inquiries_unit_at', 'inquiries', ['unit_id', 'at'])
    issue_level = sa.text("kind IN ('urge', 'supervise') AND task_id IS NULL AND actor_id IS NOT NULL")
    op.create_index('ix_events_issue_level', 'timeline_events', ['at'], postgresql_where=issue_level,
                    sqlite_where=issue_level)


def downgrade() -> None:
    op.drop_index('ix_events_issue_level', 'timeline_events')
    op.drop_index('ix_inquiries_unit_at', 'inquiries')
    op.drop_table('inquiries')
    with op.batch_alter_table('ratings') as batch:
        batch.drop_column('for_unit_id')
    op.execute("DELETE FROM assessments WHERE version > 1")  # amendments have no place in the old table
    with op.batch_alter_table('assessments') as batch:
        batch.drop_constraint('uq_assessments', type_='unique')
        batch.create_unique_constraint('uq_assessments', ['period', 'level', 'district_id'])
        batch.drop_column('reason')
        batch.drop_column('amended_by')
        batch.drop_column('version')

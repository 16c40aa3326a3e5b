"""Issues remember which system or staff member filed them, so an integration can list its own.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('issues') as batch:
        batch.add_column(sa.Column('submitted_by', sa.String(length=200), nullable=True))
        batch.create_index('ix_issues_submitted_by', ['submitted_by'])


def downgrade() -> None:
    with op.batch_alter_table('issues') as batch:
        batch.drop_index('ix_issues_submitted_by')
        batch.drop_column('submitted_by')

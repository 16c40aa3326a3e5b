"""The quarterly assessments as issued, each stored with the hash of its body.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'assessments',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('district_id', sa.String(length=200), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.UniqueConstraint('period', 'level', 'district_id', name='uq_assessments'),
    )


def downgrade() -> None:
    op.drop_table('assessments')

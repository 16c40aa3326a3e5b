"""Notifications: an outbox written by the projection, one row per event and audience, and who read them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 03:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('issue_id', sa.String(length=64), sa.ForeignKey('issues.id'), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('audience', sa.String(length=300), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('issue_id', 'seq', 'audience', name='uq_notifications_event_audience'),
    )
    op.create_index('ix_notifications_audience', 'notifications', ['audience', 'id'])
    op.create_table(
        'notification_reads',
        sa.Column('notification_id', sa.Integer(), sa.ForeignKey('notifications.id'), primary_key=True),
        sa.Column('principal_id', sa.String(length=200), primary_key=True),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('notification_reads')
    op.drop_index('ix_notifications_audience', table_name='notifications')
    op.drop_table('notifications')

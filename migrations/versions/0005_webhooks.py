"""Webhooks for integrations: subscriptions per event kind, and an outbox of deliveries made by Temporal.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 03:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'webhook_subscriptions',
        sa.Column('id', sa.String(length=40), primary_key=True),
        sa.Column('principal_id', sa.String(length=200), nullable=False, index=True),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('kinds', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
    )
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.String(length=80), primary_key=True),
        sa.Column('subscription_id', sa.String(length=40), sa.ForeignKey('webhook_subscriptions.id'), nullable=False),
        sa.Column('notification_id', sa.Integer(), sa.ForeignKey('notifications.id'), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False, index=True),
        sa.Column('runs', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_subscriptions')

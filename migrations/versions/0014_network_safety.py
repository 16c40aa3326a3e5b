"""Webhook secrets rotate with a grace period; integrations' API keys expire; payload decodes are recorded.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_subscriptions') as batch:
        batch.add_column(sa.Column('previous_secret', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('previous_until', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('api_keys') as batch:
        batch.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'payload_reads',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('principal_id', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('payloads', sa.Integer(), nullable=False),
        sa.Column('issue_ids', sa.Text(), nullable=False),
    )
    op.create_index('ix_payload_reads_principal_id', 'payload_reads', ['principal_id'])


def downgrade() -> None:
    op.drop_index('ix_payload_reads_principal_id', 'payload_reads')
    op.drop_table('payload_reads')
    with op.batch_alter_table('api_keys') as batch:
        batch.drop_column('expires_at')
    with op.batch_alter_table('webhook_subscriptions') as batch:
        batch.drop_column('previous_until')
        batch.drop_column('previous_secret')

"""The directory as data: units retired with a successor, people deactivated and found by their sign-on
subject, the rules in force, and every change kept as a version with its records before and after.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('order_no', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column('successor_id', sa.String(length=200), nullable=True))
    with op.batch_alter_table('principals') as batch:
        batch.add_column(sa.Column('subject', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.create_unique_constraint('uq_principals_subject', ['subject'])
    op.create_table(
        'directory_rules',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('rules', sa.JSON(), nullable=False),
    )
    op.create_table(
        'directory_versions',
        sa.Column('version', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
    )
    op.create_table(
        'directory_changes',
        sa.Column('version', sa.Integer(), sa.ForeignKey('directory_versions.version'), primary_key=True),
        sa.Column('seq', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
    )
    op.create_index('ix_directory_changes_key', 'directory_changes', ['key'])


def downgrade() -> None:
    op.drop_index('ix_directory_changes_key', 'directory_changes')
    op.drop_table('directory_changes')
    op.drop_table('directory_versions')
    op.drop_table('directory_rules')
    with op.batch_alter_table('principals') as batch:
        batch.drop_constraint('uq_principals_subject', type_='unique')
        batch.drop_column('active')
        batch.drop_column('subject')
    with op.batch_alter_table('units') as batch:
        batch.drop_column('successor_id')
        batch.drop_column('active')
        batch.drop_column('order_no')

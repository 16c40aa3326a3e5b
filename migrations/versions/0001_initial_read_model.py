"""Initial read model: organisation, catalogue, issues, tasks, timeline, ratings, calendar overrides.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 21:31:35.488527
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_overrides',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('issues',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('matter_code', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('grid_id', sa.String(length=200), nullable=False),
    sa.Column('community_id', sa.String(length=200), nullable=False),
    sa.Column('street_id', sa.String(length=200), nullable=False),
    sa.Column('district_id', sa.String(length=200), nullable=False),
    sa.Column('city_id', sa.String(length=200), nullable=False),
    sa.Column('reporter_principal_id', sa.String(length=200), nullable=True),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('lead_unit_id', sa.String(length=200), nullable=True),
    sa.Column('co_unit_ids', sa.Text(), nullable=False),
    sa.Column('list_type', sa.String(length=20), nullable=True),
    sa.Column('whistle_kind', sa.String(length=20), nullable=True),
    sa.Column('resolution', sa.String(length=40), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('reworks', sa.Integer(), nullable=False),
    sa.Column('urges', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issues_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_lead_unit_id'), ['lead_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_matter_code'), ['matter_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_overdue'), ['overdue'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_reporter_principal_id'), ['reporter_principal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_step'), ['step'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_street_id'), ['street_id'], unique=False)

    op.create_table('matters',
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('category_name', sa.String(length=100), nullable=False),
    sa.Column('departments', sa.String(length=500), nullable=False),
    sa.Column('list_type', sa.String(length=20), nullable=False),
    sa.Column('report_hours', sa.Float(), nullable=False),
    sa.Column('handling_immediate', sa.Integer(), nullable=False),
    sa.Column('handling_phased', sa.Integer(), nullable=False),
    sa.Column('handling_understanding', sa.Integer(), nullable=False),
    sa.Column('on_the_spot', sa.Boolean(), nullable=False),
    sa.Column('mediation', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matters_category'), ['category'], unique=False)

    op.create_table('units',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.String(length=200), nullable=True),
    sa.Column('function', sa.String(length=50), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)

    op.create_table('principals',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('roles', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_principals_unit_id'), ['unit_id'], unique=False)

    op.create_table('ratings',
    sa.Column('issue_id', sa.String(length=64), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('principal_id', sa.String(length=200), nullable=True),
    sa.Column('unit_id', sa.String(length=200), nullable=True),
    sa.Column('as_role', sa.String(length=20), nullable=False),
    sa.Column('rating', sa.String(length=30), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.PrimaryKeyConstraint('issue_id', 'ordinal')
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_at'), ['at'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('issue_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('roles', sa.String(length=200), nullable=False),
    sa.Column('principal_id', sa.String(length=200), nullable=True),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('closed_by', sa.String(length=200), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('version_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_claimed_by'), ['claimed_by'], unique=False)
        batch_op.create_index('ix_tasks_inbox', ['unit_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index('ix_tasks_stats', ['unit_id', 'kind', 'opened_at'], unique=False)

    op.create_table('timeline_events',
    sa.Column('issue_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.String(length=200), nullable=True),
    sa.Column('unit_id', sa.String(length=200), nullable=True),
    sa.Column('task_id', sa.String(length=80), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.PrimaryKeyConstraint('issue_id', 'seq')
    )
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.create_index('ix_events_stats', ['unit_id', 'kind', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_stats')

    op.drop_table('timeline_events')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_stats')
        batch_op.drop_index(batch_op.f('ix_tasks_issue_id'))
        batch_op.drop_index('ix_tasks_inbox')
        batch_op.drop_index(batch_op.f('ix_tasks_claimed_by'))

    op.drop_table('tasks')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_at'))

    op.drop_table('ratings')
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_principals_unit_id'))

    op.drop_table('principals')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))

    op.drop_table('units')
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matters_category'))

    op.drop_table('matters')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issues_street_id'))
        batch_op.drop_index(batch_op.f('ix_issues_step'))
        batch_op.drop_index(batch_op.f('ix_issues_status'))
        batch_op.drop_index(batch_op.f('ix_issues_reporter_principal_id'))
        batch_op.drop_index(batch_op.f('ix_issues_overdue'))
        batch_op.drop_index(batch_op.f('ix_issues_matter_code'))
        batch_op.drop_index(batch_op.f('ix_issues_level'))
        batch_op.drop_index(batch_op.f('ix_issues_lead_unit_id'))
        batch_op.drop_index(batch_op.f('ix_issues_grid_id'))
        batch_op.drop_index(batch_op.f('ix_issues_due_at'))
        batch_op.drop_index(batch_op.f('ix_issues_district_id'))
        batch_op.drop_index(batch_op.f('ix_issues_created_at'))
        batch_op.drop_index(batch_op.f('ix_issues_community_id'))
        batch_op.drop_index(batch_op.f('ix_issues_closed_at'))
        batch_op.drop_index(batch_op.f('ix_issues_category'))

    op.drop_table('issues')
    op.drop_table('calendar_overrides')

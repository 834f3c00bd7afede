"""Managers' dashboard: the audit trail of KPI target changes, and indexes for the
dashboard's filters by service and customer account.

Revision ID: 0005_dashboard
Revises: 0004_kpi
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_dashboard"
down_revision = "0004_kpi"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the target audit table and the filter indexes."""
    op.create_table(
        "kpi_target_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("amber", sa.Float(), nullable=True),
        sa.Column("benchmark", sa.Float(), nullable=True),
        sa.Column("benchmark_source", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_target_changes")),
    )
    with op.batch_alter_table("kpi_target_changes", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_target_changes_code_at", ["code", "at"], unique=False)
    with op.batch_alter_table("conversation_facts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_facts_intent_started",
            ["first_intent", "session_started_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_conversation_facts_account_started",
            ["account", "session_started_at"],
            unique=False,
        )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_responses_account_offered_at", ["account", "offered_at"], unique=False
        )


def downgrade() -> None:
    """Drop what this revision created."""
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_responses_account_offered_at")
    with op.batch_alter_table("conversation_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_facts_account_started")
        batch_op.drop_index("ix_conversation_facts_intent_started")
    with op.batch_alter_table("kpi_target_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_target_changes_code_at")
    op.drop_table("kpi_target_changes")

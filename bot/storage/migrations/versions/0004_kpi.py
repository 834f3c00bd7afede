"""KPI store: survey answers, conversation facts from Rasa's events, processed events,
the event consumer's high-water mark and KPI targets; indexes for the KPI report.

Revision ID: 0004_kpi
Revises: 0003_handoff
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_kpi"
down_revision = "0003_handoff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the KPI tables and the report's indexes."""
    op.create_table(
        "conversation_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("session_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("first_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_user_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("intents", sa.Text(), nullable=False),
        sa.Column("first_intent", sa.String(length=80), nullable=True),
        sa.Column("user_message_count", sa.Integer(), nullable=False),
        sa.Column("fallback_count", sa.Integer(), nullable=False),
        sa.Column("bot_first_response_ms", sa.Integer(), nullable=True),
        sa.Column("handed_off", sa.Boolean(), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=True),
        sa.Column("team", sa.String(length=30), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("account", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_facts")),
        sa.UniqueConstraint(
            "sender_id",
            "session_started_at",
            name=op.f("uq_conversation_facts_sender_id_session_started_at"),
        ),
    )
    with op.batch_alter_table("conversation_facts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_facts_channel_started", ["channel", "session_started_at"], unique=False
        )
        batch_op.create_index(
            "ix_conversation_facts_handed_off_started",
            ["handed_off", "session_started_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_conversation_facts_session_started_at", ["session_started_at"], unique=False
        )

    op.create_table(
        "event_consumer_state",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_event_consumer_state")),
    )
    op.create_table(
        "kpi_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("amber", sa.Float(), nullable=True),
        sa.Column("benchmark", sa.Float(), nullable=True),
        sa.Column("benchmark_source", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_targets")),
        sa.UniqueConstraint("code", "period", name=op.f("uq_kpi_targets_code_period")),
    )
    op.create_table(
        "processed_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("event_timestamp", sa.Float(), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_events")),
        sa.UniqueConstraint(
            "sender_id",
            "event_timestamp",
            "event_type",
            "event_hash",
            name=op.f("uq_processed_events_sender_id_event_timestamp_event_type_event_hash"),
        ),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=True),
        sa.Column("team", sa.String(length=30), nullable=True),
        sa.Column("complaint_reference", sa.String(length=20), nullable=True),
        sa.Column("service", sa.String(length=80), nullable=False),
        sa.Column("account", sa.String(length=40), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("fcr", sa.Boolean(), nullable=True),
        sa.Column("ces", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("response_id", name=op.f("uq_survey_responses_response_id")),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_responses_agent_offered_at", ["agent", "offered_at"], unique=False
        )
        batch_op.create_index(
            "ix_survey_responses_channel_offered_at", ["channel", "offered_at"], unique=False
        )
        batch_op.create_index("ix_survey_responses_offered_at", ["offered_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_survey_responses_sender_id"), ["sender_id"], unique=False
        )

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_created_at", ["created_at"], unique=False)

    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index("ix_handoffs_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    """Drop everything this revision created."""
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index("ix_handoffs_created_at")

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_created_at")

    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_sender_id"))
        batch_op.drop_index("ix_survey_responses_offered_at")
        batch_op.drop_index("ix_survey_responses_channel_offered_at")
        batch_op.drop_index("ix_survey_responses_agent_offered_at")

    op.drop_table("survey_responses")
    op.drop_table("processed_events")
    op.drop_table("kpi_targets")
    op.drop_table("event_consumer_state")
    with op.batch_alter_table("conversation_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_facts_session_started_at")
        batch_op.drop_index("ix_conversation_facts_handed_off_started")
        batch_op.drop_index("ix_conversation_facts_channel_started")

    op.drop_table("conversation_facts")

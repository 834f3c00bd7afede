"""KPI report at scale: covering indexes, one per slice, on surveys, conversation facts
and complaints (they replace the survey indexes of 0004 that start with the same columns).

Each index starts with the slice's column and holds every column the report reads, so a
report sliced by channel, agent, team, intent/service, account or handled reads each
group's rows in index order instead of sorting a million rows (measured in
docs/kpis.md). The column lists are ``bot.storage.models.kpi_indexes``, copied here so this
revision does not change when the models do.

Revision ID: 0006_kpi_indexes
Revises: 0005_dashboard
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0006_kpi_indexes"
down_revision = "0005_dashboard"
branch_labels = None
depends_on = None

INDEXES: dict[str, list[tuple[str, list[str]]]] = {
    "survey_responses": [
        ("ix_survey_responses_kpi", ["offered_at", "csat", "nps", "fcr", "answered_at"]),
        (
            "ix_survey_responses_kpi_channel",
            ["channel", "offered_at", "csat", "nps", "fcr", "answered_at"],
        ),
        (
            "ix_survey_responses_kpi_agent",
            ["agent", "offered_at", "csat", "nps", "fcr", "answered_at"],
        ),
        (
            "ix_survey_responses_kpi_team",
            ["team", "offered_at", "csat", "nps", "fcr", "answered_at"],
        ),
        (
            "ix_survey_responses_kpi_service",
            ["service", "offered_at", "csat", "nps", "fcr", "answered_at"],
        ),
        (
            "ix_survey_responses_kpi_account",
            ["account", "offered_at", "csat", "nps", "fcr", "answered_at"],
        ),
    ],
    "conversation_facts": [
        (
            f"ix_conversation_facts_kpi{suffix}",
            [*lead, "bot_first_response_ms", "session_started_at", *rest],
        )
        for suffix, lead, rest in (
            ("", [], ["handed_off", "user_message_count", "fallback_count"]),
            ("_channel", ["channel"], ["handed_off", "user_message_count", "fallback_count"]),
            ("_agent", ["agent"], ["handed_off", "user_message_count", "fallback_count"]),
            ("_team", ["team"], ["handed_off", "user_message_count", "fallback_count"]),
            (
                "_first_intent",
                ["first_intent"],
                ["handed_off", "user_message_count", "fallback_count"],
            ),
            ("_account", ["account"], ["handed_off", "user_message_count", "fallback_count"]),
            ("_handed_off", ["handed_off"], ["user_message_count", "fallback_count"]),
        )
    ],
    "complaints": [
        ("ix_complaints_kpi", ["resolution_hours", "created_at", "promise_kept"]),
        (
            "ix_complaints_kpi_channel",
            ["channel", "resolution_hours", "created_at", "promise_kept"],
        ),
        (
            "ix_complaints_kpi_assigned_to",
            ["assigned_to", "resolution_hours", "created_at", "promise_kept"],
        ),
        (
            "ix_complaints_kpi_category",
            ["category", "resolution_hours", "created_at", "promise_kept"],
        ),
    ],
}

# Indexes of 0004 that a covering index above starts with the same columns as. The
# fact indexes of 0004 and 0005 stay: the dashboard filters a slice by a time range.
REPLACED: dict[str, list[tuple[str, list[str]]]] = {
    "survey_responses": [
        ("ix_survey_responses_offered_at", ["offered_at"]),
        ("ix_survey_responses_channel_offered_at", ["channel", "offered_at"]),
        ("ix_survey_responses_agent_offered_at", ["agent", "offered_at"]),
    ],
}


def upgrade() -> None:
    """Create the covering indexes, then drop the ones they replace."""
    for table, indexes in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, columns in indexes:
                batch_op.create_index(name, columns, unique=False)
            for name, _columns in REPLACED.get(table, []):
                batch_op.drop_index(name)


def downgrade() -> None:
    """Restore the indexes of 0004 and drop the covering ones."""
    for table, indexes in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, columns in REPLACED.get(table, []):
                batch_op.create_index(name, columns, unique=False)
            for name, _columns in indexes:
                batch_op.drop_index(name)

"""The language of each conversation and survey, and the KPI indexes that slice by it.

``conversation_facts.language`` is the language the assistant answers the conversation in
(``language_chosen``, the customer's explicit choice, else ``language_detected``, the
latest message that showed one); ``survey_responses.language`` the conversation's language
when the survey ran. Rows from before this revision were conversations the assistant
could only hold in English, so they are marked English. Two covering indexes (see
0006_kpi_indexes) let the KPI report slice by language without sorting.

Revision ID: 0010_conversation_language
Revises: 0009_complaint_status_lookups
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_conversation_language"
down_revision = "0009_complaint_status_lookups"
branch_labels = None
depends_on = None

# Copied from bot.storage.models.kpi_indexes, so this revision does not change with it.
INDEXES: dict[str, tuple[str, list[str]]] = {
    "survey_responses": (
        "ix_survey_responses_kpi_language",
        ["language", "offered_at", "csat", "nps", "fcr", "answered_at"],
    ),
    "conversation_facts": (
        "ix_conversation_facts_kpi_language",
        [
            "language",
            "bot_first_response_ms",
            "session_started_at",
            "handed_off",
            "user_message_count",
            "fallback_count",
        ],
    ),
}


def upgrade() -> None:
    """Add the language columns (existing rows: English) and their KPI indexes."""
    with op.batch_alter_table("conversation_facts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=5), nullable=False, server_default="en")
        )
        batch_op.add_column(sa.Column("language_detected", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("language_chosen", sa.String(length=5), nullable=True))
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))
    op.execute("UPDATE survey_responses SET language = 'en'")
    for table, (name, columns) in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns)


def downgrade() -> None:
    """Drop the indexes and the language columns."""
    for table, (name, _columns) in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("conversation_facts", schema=None) as batch_op:
        batch_op.drop_column("language_chosen")
        batch_op.drop_column("language_detected")
        batch_op.drop_column("language")

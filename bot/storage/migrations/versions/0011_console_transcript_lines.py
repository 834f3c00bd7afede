"""Transcript lines written by the event-stream consumer, so the agent console reads a
conversation from the project's own table (and is told of a new line) rather than
replaying Rasa's whole tracker.

Revision ID: 0011_console_transcript_lines
Revises: 0010_conversation_language
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_console_transcript_lines"
down_revision = "0010_conversation_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``transcript_lines``."""
    op.create_table(
        "transcript_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_lines")),
    )
    with op.batch_alter_table("transcript_lines", schema=None) as batch_op:
        batch_op.create_index("ix_transcript_lines_sender_at", ["sender_id", "at"], unique=False)


def downgrade() -> None:
    """Drop ``transcript_lines``."""
    with op.batch_alter_table("transcript_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_transcript_lines_sender_at")
    op.drop_table("transcript_lines")

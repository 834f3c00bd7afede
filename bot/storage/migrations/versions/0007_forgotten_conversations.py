"""Forgotten conversations: hashes of the sender ids ``customers forget`` removed, so a
conversation kept in a Rasa process's memory during an outage is not written back.

Revision ID: 0007_forgotten_conversations
Revises: 0006_kpi_indexes
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_forgotten_conversations"
down_revision = "0006_kpi_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forgotten_conversations",
        sa.Column("sender_hash", sa.String(64), primary_key=True),
        sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("forgotten_conversations")

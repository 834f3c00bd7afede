"""Complaint status from another conversation: look-ups and their one-time codes.

Revision ID: 0009_complaint_status_lookups
Revises: 0008_console_audit
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_complaint_status_lookups"
down_revision = "0008_console_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the look-up table."""
    op.create_table(
        "complaint_status_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=160), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaint_status_lookups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_status_lookups_asker", ["sender_id", "channel", "created_at"]
        )
        batch_op.create_index("ix_complaint_status_lookups_created_at", ["created_at"])
        batch_op.create_index("ix_complaint_status_lookups_complaint_id", ["complaint_id"])


def downgrade() -> None:
    """Drop the look-up table."""
    op.drop_table("complaint_status_lookups")

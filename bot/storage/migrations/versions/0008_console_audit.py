"""The console's audit trail (supervisors' actions on other agents' conversations), the
per-conversation and per-address rate-limit counters, and sign-in attempts keyed by a
hash of the typed name (the rows kept so far held the name itself: they are dropped).

Revision ID: 0008_console_audit
Revises: 0007_forgotten_conversations
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_console_audit"
down_revision = "0007_forgotten_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the audit and rate-limit tables; forget the typed names of old attempts."""
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_audit")),
    )
    with op.batch_alter_table("console_audit", schema=None) as batch_op:
        batch_op.create_index("ix_console_audit_subject_at", ["subject", "at"], unique=False)
    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hits")),
    )
    with op.batch_alter_table("rate_limit_hits", schema=None) as batch_op:
        batch_op.create_index("ix_rate_limit_hits_kind_key_at", ["kind", "key", "at"])
        batch_op.create_index(op.f("ix_rate_limit_hits_at"), ["at"], unique=False)
    # Earlier rows hold what was typed as a user name (sometimes a password typed in the
    # wrong box); they only ever mattered for 15 minutes.
    op.execute("DELETE FROM login_attempts")


def downgrade() -> None:
    """Drop the tables."""
    with op.batch_alter_table("rate_limit_hits", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_rate_limit_hits_at"))
        batch_op.drop_index("ix_rate_limit_hits_kind_key_at")
    op.drop_table("rate_limit_hits")
    with op.batch_alter_table("console_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_console_audit_subject_at")
    op.drop_table("console_audit")

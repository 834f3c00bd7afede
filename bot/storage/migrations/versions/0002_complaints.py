"""Complaints: the complaints themselves, their audit trail and the yearly numbering.

Revision ID: 0002_complaints
Revises: 0001_initial
Create Date: 2026-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_complaints"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the complaints, complaint_events and complaint_counters tables."""
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("shipment_ref", sa.String(length=32), nullable=True),
        sa.Column("contact_kind", sa.String(length=10), nullable=True),
        sa.Column("contact", sa.String(length=254), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assigned_to", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("original_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_followup_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_followup_hours", sa.Float(), nullable=True),
        sa.Column("promise_kept", sa.Boolean(), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("customer_notified_overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("resolution_hours", sa.Float(), nullable=True),
        sa.Column("resolved_on_time", sa.Boolean(), nullable=True),
        sa.Column("customer_notified_resolution_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notify_claim", sa.String(length=36), nullable=True),
        sa.Column("notify_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dedupe_key", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("reference", name=op.f("uq_complaints_reference")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_complaints_dedupe_key")),
    )
    op.create_index(op.f("ix_complaints_sender_id"), "complaints", ["sender_id"], unique=False)
    op.create_index(op.f("ix_complaints_contact"), "complaints", ["contact"], unique=False)
    op.create_index(op.f("ix_complaints_assigned_to"), "complaints", ["assigned_to"], unique=False)
    op.create_index("ix_complaints_due_at", "complaints", ["due_at"], unique=False)
    op.create_index("ix_complaints_status_due_at", "complaints", ["status", "due_at"], unique=False)

    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_events_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_events")),
    )
    op.create_index(
        op.f("ix_complaint_events_complaint_id"),
        "complaint_events",
        ["complaint_id"],
        unique=False,
    )

    op.create_table(
        "complaint_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_complaint_counters")),
    )


def downgrade() -> None:
    """Drop everything this revision created."""
    op.drop_table("complaint_counters")
    op.drop_index(op.f("ix_complaint_events_complaint_id"), table_name="complaint_events")
    op.drop_table("complaint_events")
    op.drop_index("ix_complaints_status_due_at", table_name="complaints")
    op.drop_index("ix_complaints_due_at", table_name="complaints")
    op.drop_index(op.f("ix_complaints_assigned_to"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_contact"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_sender_id"), table_name="complaints")
    op.drop_table("complaints")

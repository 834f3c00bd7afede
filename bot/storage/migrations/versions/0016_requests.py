"""Customer requests (pick-ups, delivery changes, copies), their audit trail and numbering;
the contact on a shipment's booking, which a customer proves a shipment is theirs with.

Revision ID: 0016_requests
Revises: 0015_events
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_requests"
down_revision = "0015_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the request tables and add ``shipments.contact``."""
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(sa.Column("contact", sa.String(length=254), nullable=True))
    op.create_index(op.f("ix_shipments_contact"), "shipments", ["contact"], unique=False)

    op.create_table(
        "customer_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("contact_kind", sa.String(length=10), nullable=True),
        sa.Column("contact", sa.String(length=254), nullable=True),
        sa.Column("shipment_ref", sa.String(length=32), nullable=True),
        sa.Column("related_reference", sa.String(length=20), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pieces", sa.Integer(), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("service", sa.String(length=20), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assigned_to", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("completed_hours", sa.Float(), nullable=True),
        sa.Column("completed_on_time", sa.Boolean(), nullable=True),
        sa.Column("customer_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notify_claim", sa.String(length=36), nullable=True),
        sa.Column("notify_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dedupe_key", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_customer_requests_reference")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_customer_requests_dedupe_key")),
    )
    for column in ("sender_id", "contact", "shipment_ref", "related_reference", "assigned_to"):
        op.create_index(
            op.f(f"ix_customer_requests_{column}"), "customer_requests", [column], unique=False
        )
    op.create_index(
        op.f("ix_customer_requests_created_at"), "customer_requests", ["created_at"], unique=False
    )
    op.create_index("ix_customer_requests_status_due_at", "customer_requests", ["status", "due_at"])

    op.create_table(
        "customer_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["customer_requests.id"],
            name=op.f("fk_customer_request_events_request_id_customer_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_request_events")),
    )
    op.create_index(
        op.f("ix_customer_request_events_request_id"),
        "customer_request_events",
        ["request_id"],
        unique=False,
    )

    op.create_table(
        "customer_request_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_customer_request_counters")),
    )


def downgrade() -> None:
    """Drop the request tables and ``shipments.contact``."""
    op.drop_table("customer_request_counters")
    op.drop_index(op.f("ix_customer_request_events_request_id"), "customer_request_events")
    op.drop_table("customer_request_events")
    op.drop_table("customer_requests")
    op.drop_index(op.f("ix_shipments_contact"), "shipments")
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("contact")

"""Shipment events from carriers: who sent which event, the other references a shipment
is known by, the carrier's own code on each event, when the ETA was last reported, the
customers' subscriptions to a shipment and the outbox of notices owed to them.

Revision ID: 0015_events
Revises: 0014_leads
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_events"
down_revision = "0014_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the receipts and references tables and the carrier columns."""
    op.create_table(
        "shipment_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_references_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_references")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_shipment_references_kind_value")),
    )
    op.create_index(
        op.f("ix_shipment_references_shipment_id"), "shipment_references", ["shipment_id"]
    )
    op.create_table(
        "carrier_event_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_carrier_event_receipts_shipment_id_shipments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_event_receipts")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_carrier_event_receipts_source_external_id")
        ),
    )
    op.create_index(
        op.f("ix_carrier_event_receipts_shipment_id"), "carrier_event_receipts", ["shipment_id"]
    )
    op.create_table(
        "shipment_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_subscriptions_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_subscriptions")),
        sa.UniqueConstraint(
            "shipment_id",
            "sender_id",
            name=op.f("uq_shipment_subscriptions_shipment_id_sender_id"),
        ),
    )
    op.create_index(
        op.f("ix_shipment_subscriptions_shipment_id"), "shipment_subscriptions", ["shipment_id"]
    )
    op.create_index(
        op.f("ix_shipment_subscriptions_sender_id"), "shipment_subscriptions", ["sender_id"]
    )
    op.create_table(
        "shipment_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("eta_text", sa.String(length=40), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["shipment_subscriptions.id"],
            name=op.f("fk_shipment_notices_subscription_id_shipment_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_notices_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_notices")),
    )
    op.create_index("ix_shipment_notices_pending", "shipment_notices", ["sent_at", "not_before"])
    with op.batch_alter_table("shipment_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("raw_code", sa.String(length=40), nullable=True))
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eta_reported_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_column("eta_reported_at")
    with op.batch_alter_table("shipment_events", schema=None) as batch_op:
        batch_op.drop_column("raw_code")
        batch_op.drop_column("source")
    op.drop_index("ix_shipment_notices_pending", "shipment_notices")
    op.drop_table("shipment_notices")
    op.drop_index(op.f("ix_shipment_subscriptions_sender_id"), "shipment_subscriptions")
    op.drop_index(op.f("ix_shipment_subscriptions_shipment_id"), "shipment_subscriptions")
    op.drop_table("shipment_subscriptions")
    op.drop_index(op.f("ix_carrier_event_receipts_shipment_id"), "carrier_event_receipts")
    op.drop_table("carrier_event_receipts")
    op.drop_index(op.f("ix_shipment_references_shipment_id"), "shipment_references")
    op.drop_table("shipment_references")

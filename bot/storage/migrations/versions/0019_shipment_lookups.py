"""Shipment lookups: when a customer asked where a shipment is, for the KPIs of
exceptions told before the customer asked and of contacts avoided.

Revision ID: 0019_shipment_lookups
Revises: 0018_rollup_buckets
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_shipment_lookups"
down_revision = "0018_rollup_buckets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``shipment_lookups`` and the index the KPIs probe per notice."""
    op.create_table(
        "shipment_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_lookups_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_lookups")),
    )
    op.create_index(
        "ix_shipment_lookups_shipment_sender_at",
        "shipment_lookups",
        ["shipment_id", "sender_id", "asked_at"],
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_index("ix_shipment_lookups_shipment_sender_at", table_name="shipment_lookups")
    op.drop_table("shipment_lookups")

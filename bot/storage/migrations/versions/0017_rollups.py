"""KPI daily rollups: per service-centre day x slice, the sums behind each ratio KPI and
the histograms behind each percentile, the days they cover, and the stale markers the
fact writers leave in their own transaction.

Revision ID: 0017_rollups
Revises: 0016_requests
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_rollups"
down_revision = "0016_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the rollup tables (empty: ``kpi rollups backfill`` fills them)."""
    op.create_table(
        "kpi_rollup_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_kpi_rollup_days")),
    )
    for name, value_columns, key in (
        (
            "kpi_rollup_sums",
            [
                sa.Column("kpi", sa.String(length=40), nullable=False),
                sa.Column("numerator", sa.Float(), nullable=False),
                sa.Column("denominator", sa.Float(), nullable=False),
            ],
            "kpi",
        ),
        (
            "kpi_rollup_histograms",
            [
                sa.Column("measure", sa.String(length=40), nullable=False),
                sa.Column("value", sa.Float(), nullable=False),
                sa.Column("count", sa.Integer(), nullable=False),
            ],
            "measure",
        ),
    ):
        op.create_table(
            name,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("dimension", sa.String(length=12), nullable=False),
            sa.Column("slice", sa.String(length=255), nullable=False),
            *value_columns,
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        )
        op.create_index(f"ix_{name}_read", name, ["dimension", key, "day", "slice"])
    op.create_table(
        "kpi_rollup_stale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_rollup_stale")),
    )
    op.create_index("ix_kpi_rollup_stale_at", "kpi_rollup_stale", ["at"])


def downgrade() -> None:
    """Drop the rollup tables."""
    op.drop_index("ix_kpi_rollup_stale_at", table_name="kpi_rollup_stale")
    op.drop_table("kpi_rollup_stale")
    op.drop_index("ix_kpi_rollup_histograms_read", table_name="kpi_rollup_histograms")
    op.drop_table("kpi_rollup_histograms")
    op.drop_index("ix_kpi_rollup_sums_read", table_name="kpi_rollup_sums")
    op.drop_table("kpi_rollup_sums")
    op.drop_table("kpi_rollup_days")

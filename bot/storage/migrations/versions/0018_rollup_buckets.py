"""KPI rollups: duration histograms in log-scale buckets, for every measure.

Rollups written before this kept exact values and no histogram of the bot's first
response, so their days are forgotten here (they read raw, as correct as before, until
``python -m bot kpi rollups backfill`` rolls them up again). The histograms' read index
covers the bucket and its count, so a year's histograms merge from the index alone.

Revision ID: 0018_rollup_buckets
Revises: 0017_rollups
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0018_rollup_buckets"
down_revision = "0017_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Forget the days rolled up with exact values; cover the histograms' reads."""
    op.execute("DELETE FROM kpi_rollup_days")
    op.execute("DELETE FROM kpi_rollup_histograms")
    op.drop_index("ix_kpi_rollup_histograms_read", table_name="kpi_rollup_histograms")
    op.create_index(
        "ix_kpi_rollup_histograms_read",
        "kpi_rollup_histograms",
        ["dimension", "measure", "day", "slice", "value", "count"],
    )


def downgrade() -> None:
    """The narrower index (bucketed rows stay: they are valid, coarser histograms)."""
    op.drop_index("ix_kpi_rollup_histograms_read", table_name="kpi_rollup_histograms")
    op.create_index(
        "ix_kpi_rollup_histograms_read",
        "kpi_rollup_histograms",
        ["dimension", "measure", "day", "slice"],
    )

"""Handoffs and complaints keep the customer's key account, so the KPIs roll them up by
account like conversations and surveys instead of finding an account's rows through its
customers' conversations one by one.

Existing rows get the account of their customer's latest conversation session with an
account started by the time they were written, else of the customer's earliest later one
(the link the dashboard's account filter followed until now). The days already rolled up
hold no account slice for handoffs and complaints, so they are forgotten here (they read
raw, correct, until ``python -m bot kpi rollups backfill`` rolls them up again).

Revision ID: 0020_handoff_complaint_account
Revises: 0019_shipment_lookups
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_handoff_complaint_account"
down_revision = "0019_shipment_lookups"
branch_labels = None
depends_on = None

_TABLES = ("handoffs", "complaints")


def _backfill(table: str) -> str:
    # Plain SQL that SQLite and PostgreSQL both run (SQLite takes outer columns in a
    # subquery's WHERE, not its ORDER BY): a probe of the facts' sender key per row.
    # ``table`` is one of this module's constants, never input.
    facts = (
        "SELECT f.account FROM conversation_facts f"
        f" WHERE f.sender_id = {table}.sender_id AND f.account IS NOT NULL"
    )
    return (
        f"UPDATE {table} SET account = COALESCE("
        f"({facts} AND f.session_started_at <= {table}.created_at"
        " ORDER BY f.session_started_at DESC LIMIT 1),"
        f" ({facts} ORDER BY f.session_started_at LIMIT 1))"
    )


def upgrade() -> None:
    """Add ``account`` to handoffs and complaints, fill it, index it, forget the rollups."""
    for table in _TABLES:
        op.add_column(table, sa.Column("account", sa.String(length=40), nullable=True))
        op.execute(_backfill(table))
        op.create_index(f"ix_{table}_account_created_at", table, ["account", "created_at"])
    op.execute("DELETE FROM kpi_rollup_days")


def downgrade() -> None:
    """Drop the column and its index (the account slices left in the rollups are unread)."""
    op.execute("DELETE FROM kpi_rollup_days")
    for table in _TABLES:
        op.drop_index(f"ix_{table}_account_created_at", table_name=table)
        # ALTER TABLE ... DROP COLUMN on both backends (SQLite 3.35+): a batch copy of the
        # table would lose the complaints' search triggers (migration 0012).
        op.execute(f"ALTER TABLE {table} DROP COLUMN account")

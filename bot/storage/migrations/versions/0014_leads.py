"""Sales leads worked like complaints (owner, promised call-back, how it was kept, lost
reason), the direct-marketing consents customers give or withdraw, and the sales events
the sales KPIs count (issue 17, branch ``leads``).

Revision ID: 0014_leads
Revises: 0013_console_staff_notices
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_leads"
down_revision = "0013_console_staff_notices"
branch_labels = None
depends_on = None

_LEAD_COLUMNS = (
    ("assigned_to", sa.String(120)),
    ("updated_at", sa.DateTime(timezone=True)),
    ("due_at", sa.DateTime(timezone=True)),
    ("contacted_at", sa.DateTime(timezone=True)),
    ("contact_hours", sa.Float()),
    ("promise_kept", sa.Boolean()),
    ("closed_at", sa.DateTime(timezone=True)),
    ("lost_reason", sa.Text()),
    ("language", sa.String(5)),
)


def upgrade() -> None:
    """Add the follow-up columns to ``leads``; create ``marketing_consents`` and
    ``sales_events``."""
    with op.batch_alter_table("leads", schema=None) as batch_op:
        for name, kind in _LEAD_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
        batch_op.create_index(op.f("ix_leads_assigned_to"), ["assigned_to"], unique=False)
        batch_op.create_index(op.f("ix_leads_due_at"), ["due_at"], unique=False)
    op.create_table(
        "marketing_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("contact_kind", sa.String(10), nullable=True),
        sa.Column("contact", sa.String(254), nullable=True),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_marketing_consents_lead_id_leads"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_consents")),
    )
    with op.batch_alter_table("marketing_consents", schema=None) as batch_op:
        batch_op.create_index("ix_marketing_consents_sender_id", ["sender_id"])
        batch_op.create_index(op.f("ix_marketing_consents_contact"), ["contact"], unique=False)
    op.create_table(
        "sales_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("detail", sa.String(60), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_events")),
    )
    with op.batch_alter_table("sales_events", schema=None) as batch_op:
        batch_op.create_index("ix_sales_events_kind_at", ["kind", "at"])
        batch_op.create_index(op.f("ix_sales_events_sender_id"), ["sender_id"], unique=False)


def downgrade() -> None:
    """Drop ``sales_events``, ``marketing_consents`` and the follow-up columns."""
    with op.batch_alter_table("sales_events", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_sales_events_sender_id"))
        batch_op.drop_index("ix_sales_events_kind_at")
    op.drop_table("sales_events")
    with op.batch_alter_table("marketing_consents", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_marketing_consents_contact"))
        batch_op.drop_index("ix_marketing_consents_sender_id")
    op.drop_table("marketing_consents")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_leads_due_at"))
        batch_op.drop_index(op.f("ix_leads_assigned_to"))
        for name, _ in reversed(_LEAD_COLUMNS):
            batch_op.drop_column(name)

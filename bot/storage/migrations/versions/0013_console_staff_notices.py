"""Staff notices: a staff member's mail address, and the notices the complaint follow-up
worker leaves for the owner of a complaint that is due soon or overdue (shown in the
console, mailed when they have an address).

Revision ID: 0013_console_staff_notices
Revises: 0012_console_search
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_console_staff_notices"
down_revision = "0012_console_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``staff_users.email`` and create ``staff_notices``."""
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "staff_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_name", sa.String(length=80), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_staff_notices_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_notices")),
        sa.UniqueConstraint(
            "staff_name",
            "complaint_id",
            "kind",
            "due_at",
            name=op.f("uq_staff_notices_staff_name_complaint_id_kind_due_at"),
        ),
    )
    with op.batch_alter_table("staff_notices", schema=None) as batch_op:
        batch_op.create_index("ix_staff_notices_staff_read", ["staff_name", "read_at"])


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("staff_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_notices_staff_read")
    op.drop_table("staff_notices")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("email")

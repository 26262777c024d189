"""dashboard indexes: refunds by when they were made, cancellations by when they were requested

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The staff dashboards count both per day over a range of days: without these, each count
    # reads its whole table.
    op.create_index(op.f("ix_refunds_created_at"), "refunds", ["created_at"])
    op.create_index(op.f("ix_cancellations_requested_at"), "cancellations", ["requested_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_cancellations_requested_at"), table_name="cancellations")
    op.drop_index(op.f("ix_refunds_created_at"), table_name="refunds")

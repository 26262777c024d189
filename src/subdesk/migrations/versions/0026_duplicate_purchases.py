"""duplicate purchases: a second purchase confirmed on purpose; indexes for the worker's look
for recent first charges and the billing-problems page's duplicates refunded

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

FIRST_CHARGE = sa.text("kind = 'initial'")
DUPLICATE_REFUND = sa.text("reason = 'duplicate_charge'")


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(
            sa.Column(
                "second_purchase_confirmed", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_index(
        "ix_payments_first_captured_at",
        "payments",
        ["captured_at"],
        sqlite_where=FIRST_CHARGE,
        postgresql_where=FIRST_CHARGE,
    )
    op.create_index(
        "ix_refunds_duplicates_created_at",
        "refunds",
        ["created_at"],
        sqlite_where=DUPLICATE_REFUND,
        postgresql_where=DUPLICATE_REFUND,
    )


def downgrade() -> None:
    op.drop_index("ix_refunds_duplicates_created_at", table_name="refunds")
    op.drop_index("ix_payments_first_captured_at", table_name="payments")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("second_purchase_confirmed")

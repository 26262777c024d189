"""payment attempts committed before the processor is called; refunds pending until it answers

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

Moment = subdesk.db.UTCDateTime
OPEN_ATTEMPT = sa.text("state IN ('pending', 'unknown')")


def upgrade() -> None:
    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("payment_method_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("intent", sa.JSON(), nullable=True),
        sa.Column("period_number", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("gateway_charge_id", sa.String(length=100), nullable=True),
        sa.Column("decline_code", sa.String(length=60), nullable=True),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.Column("updated_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_payment_attempts_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["payment_method_id"],
            ["payment_methods.id"],
            name=op.f("fk_payment_attempts_payment_method_id_payment_methods"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_payment_attempts_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
    )
    op.create_index(op.f("ix_payment_attempts_account_id"), "payment_attempts", ["account_id"])
    op.create_index(
        "ix_payment_attempts_state_updated_at", "payment_attempts", ["state", "updated_at"]
    )
    op.create_index(
        "uq_payment_attempts_open_period",
        "payment_attempts",
        ["subscription_id", "period_number"],
        unique=True,
        sqlite_where=OPEN_ATTEMPT,
        postgresql_where=OPEN_ATTEMPT,
    )
    op.create_index(
        "uq_payment_attempts_open_key",
        "payment_attempts",
        ["payment_key"],
        unique=True,
        sqlite_where=OPEN_ATTEMPT,
        postgresql_where=OPEN_ATTEMPT,
    )
    with op.batch_alter_table("refunds") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="succeeded")
        )
        batch.alter_column("gateway_refund_id", existing_type=sa.String(length=100), nullable=True)
    op.create_index(
        "ix_refunds_pending",
        "refunds",
        ["status"],
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_refunds_pending", table_name="refunds")
    with op.batch_alter_table("refunds") as batch:
        batch.alter_column("gateway_refund_id", existing_type=sa.String(length=100), nullable=False)
        batch.drop_column("status")
    op.drop_index("uq_payment_attempts_open_key", table_name="payment_attempts")
    op.drop_index("uq_payment_attempts_open_period", table_name="payment_attempts")
    op.drop_index("ix_payment_attempts_state_updated_at", table_name="payment_attempts")
    op.drop_index(op.f("ix_payment_attempts_account_id"), table_name="payment_attempts")
    op.drop_table("payment_attempts")

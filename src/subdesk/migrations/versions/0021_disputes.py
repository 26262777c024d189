"""disputes and processor events: chargebacks counted against their payment, webhooks kept by id

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

Moment = subdesk.db.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(
            sa.Column("disputed_minor", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "disputes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gateway_dispute_id", sa.String(length=100), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("counted_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("opened_at", Moment(timezone=True), nullable=False),
        sa.Column("closed_at", Moment(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_disputes_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["support_cases.id"], name=op.f("fk_disputes_case_id_support_cases")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_disputes_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_disputes_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("gateway_dispute_id", name=op.f("uq_disputes_gateway_dispute_id")),
    )
    op.create_index(op.f("ix_disputes_account_id"), "disputes", ["account_id"])
    op.create_index(op.f("ix_disputes_payment_id"), "disputes", ["payment_id"])
    op.create_table(
        "processor_events",
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("received_at", Moment(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("gateway", "event_id", name=op.f("pk_processor_events")),
    )


def downgrade() -> None:
    op.drop_table("processor_events")
    op.drop_index(op.f("ix_disputes_payment_id"), table_name="disputes")
    op.drop_index(op.f("ix_disputes_account_id"), table_name="disputes")
    op.drop_table("disputes")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("disputed_minor")

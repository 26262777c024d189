"""stores: app-store subscriptions and the notifications received from the stores

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 04:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store", sa.String(length=10), nullable=False),
        sa.Column("store_key", sa.String(length=512), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("phase", sa.String(length=12), nullable=True),
        sa.Column("phase_at", subdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", subdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("grace_until", subdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("auto_renew", sa.Boolean(), nullable=True),
        sa.Column("auto_renew_at", subdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_event_at", subdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_store_subscriptions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_store_subscriptions_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_subscriptions")),
        sa.UniqueConstraint("store", "store_key", name=op.f("uq_store_subscriptions_store")),
    )
    with op.batch_alter_table("store_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_store_subscriptions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_store_subscriptions_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "store_notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store", sa.String(length=10), nullable=False),
        sa.Column("notification_id", sa.String(length=200), nullable=False),
        sa.Column("store_subscription_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("event_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_subscription_id"],
            ["store_subscriptions.id"],
            name=op.f("fk_store_notifications_store_subscription_id_store_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_notifications")),
        sa.UniqueConstraint("store", "notification_id", name=op.f("uq_store_notifications_store")),
    )
    with op.batch_alter_table("store_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_store_notifications_store_subscription_id"),
            ["store_subscription_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("store_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_store_notifications_store_subscription_id"))
    op.drop_table("store_notifications")
    with op.batch_alter_table("store_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_store_subscriptions_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_store_subscriptions_account_id"))
    op.drop_table("store_subscriptions")

"""partners: service providers, their API keys and the subscriptions they provision

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("status_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("code", name=op.f("uq_partners_code")),
    )
    op.create_table(
        "partner_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", subdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_keys_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_partner_keys_key_hash")),
        sa.UniqueConstraint("prefix", name=op.f("uq_partner_keys_prefix")),
    )
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_keys_partner_id"), ["partner_id"], unique=False
        )
    op.create_table(
        "partner_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_subscriptions_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_partner_subscriptions_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_subscriptions")),
        sa.UniqueConstraint(
            "partner_id", "external_id", name=op.f("uq_partner_subscriptions_partner_id")
        ),
        sa.UniqueConstraint(
            "subscription_id", name=op.f("uq_partner_subscriptions_subscription_id")
        ),
    )
    with op.batch_alter_table("partner_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_subscriptions_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_subscriptions_partner_id"))
    op.drop_table("partner_subscriptions")
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_keys_partner_id"))
    op.drop_table("partner_keys")
    op.drop_table("partners")

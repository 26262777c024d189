"""portal: cancellation declarations and password resets

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cancellation_declarations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("public_id", sa.String(length=20), nullable=False),
        sa.Column("received_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("contract", sa.String(length=100), nullable=True),
        sa.Column("requested_end", subdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cancellation_ids", sa.JSON(), nullable=False),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_cancellation_declarations_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellation_declarations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_cancellation_declarations_public_id")),
    )
    with op.batch_alter_table("cancellation_declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cancellation_declarations_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cancellation_declarations_email"), ["email"], unique=False
        )

    op.create_table(
        "password_resets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", subdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_password_resets_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_password_resets_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_resets_account_id"))
    op.drop_table("password_resets")
    with op.batch_alter_table("cancellation_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cancellation_declarations_email"))
        batch_op.drop_index(batch_op.f("ix_cancellation_declarations_account_id"))
    op.drop_table("cancellation_declarations")

"""billing addresses with VAT IDs; the tax decided for each charge with its evidence; card countries

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

Moment = subdesk.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "billing_addresses",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("line1", sa.String(length=200), nullable=False),
        sa.Column("line2", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("subdivision", sa.String(length=6), nullable=True),
        sa.Column("vat_id", sa.String(length=20), nullable=True),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.Column("updated_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_billing_addresses_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_billing_addresses")),
    )
    op.create_table(
        "tax_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("decided_at", Moment(timezone=True), nullable=False),
        sa.Column("supplied_on", sa.Date(), nullable=False),
        sa.Column("provider", sa.String(length=60), nullable=False),
        sa.Column("jurisdiction", sa.String(length=10), nullable=False),
        sa.Column("rate", sa.String(length=20), nullable=False),
        sa.Column("net_minor", sa.Integer(), nullable=False),
        sa.Column("tax_minor", sa.Integer(), nullable=False),
        sa.Column("gross_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price_includes_tax", sa.Boolean(), nullable=False),
        sa.Column("reverse_charge", sa.Boolean(), nullable=False),
        sa.Column("vat_id", sa.String(length=20), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("address_country", sa.String(length=2), nullable=True),
        sa.Column("address_subdivision", sa.String(length=6), nullable=True),
        sa.Column("account_country", sa.String(length=2), nullable=False),
        sa.Column("account_region", sa.String(length=6), nullable=True),
        sa.Column("card_country", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_tax_decisions_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_decisions")),
    )
    op.create_index(op.f("ix_tax_decisions_account_id"), "tax_decisions", ["account_id"])
    with op.batch_alter_table("payment_methods") as batch:
        batch.add_column(sa.Column("country", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_methods") as batch:
        batch.drop_column("country")
    op.drop_index(op.f("ix_tax_decisions_account_id"), table_name="tax_decisions")
    op.drop_table("tax_decisions")
    op.drop_table("billing_addresses")

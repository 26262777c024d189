"""legal invoices: gapless document series, seller and customer on each invoice, tax split,
credit notes for refunds

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

Moment = subdesk.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "document_series",
        sa.Column("series", sa.String(length=30), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", name=op.f("pk_document_series")),
    )
    with op.batch_alter_table("invoices") as batch:
        batch.alter_column("number", existing_type=sa.String(length=30), type_=sa.String(length=40))
        batch.add_column(sa.Column("net_minor", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("tax_minor", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("tax_rate", sa.String(length=12), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("tax_jurisdiction", sa.String(length=10), nullable=True))
        batch.add_column(
            sa.Column(
                "reverse_charge", sa.Boolean(), nullable=False, server_default=sa.text("false")
            )
        )
        batch.add_column(sa.Column("seller", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("customer", sa.JSON(), nullable=True))
        batch.create_index(batch.f("ix_invoices_payment_id"), ["payment_id"], unique=False)
    # Invoices issued before taxes were split carried no tax: their net is their amount.
    op.execute("UPDATE invoices SET net_minor = amount_minor")
    with op.batch_alter_table("invoices") as batch:
        batch.alter_column("net_minor", existing_type=sa.Integer(), nullable=False)
    op.create_table(
        "credit_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("refund_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("net_minor", sa.Integer(), nullable=False),
        sa.Column("tax_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("issued_at", Moment(timezone=True), nullable=False),
        sa.Column("seller", sa.JSON(), nullable=True),
        sa.Column("customer", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_credit_notes_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_credit_notes_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_credit_notes_refund_id_refunds")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_credit_notes_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_notes_number")),
        sa.UniqueConstraint("refund_id", name=op.f("uq_credit_notes_refund_id")),
    )
    op.create_index(op.f("ix_credit_notes_account_id"), "credit_notes", ["account_id"])
    op.create_index(op.f("ix_credit_notes_invoice_id"), "credit_notes", ["invoice_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_credit_notes_invoice_id"), table_name="credit_notes")
    op.drop_index(op.f("ix_credit_notes_account_id"), table_name="credit_notes")
    op.drop_table("credit_notes")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_index(batch.f("ix_invoices_payment_id"))
        for column in (
            "customer",
            "seller",
            "reverse_charge",
            "tax_jurisdiction",
            "tax_rate",
            "tax_minor",
            "net_minor",
        ):
            batch.drop_column(column)
        batch.alter_column("number", existing_type=sa.String(length=40), type_=sa.String(length=30))
    op.drop_table("document_series")

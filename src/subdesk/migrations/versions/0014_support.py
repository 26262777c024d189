"""support: staff, their sessions, cases and messages, refund exceptions, search indexes

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Moment = subdesk.db.UTCDateTime


def upgrade() -> None:
    _staff()
    _cases()
    _exceptions()
    op.create_index("ix_accounts_name", "accounts", ["name"], unique=False)
    op.create_index("ix_devices_name", "devices", ["name"], unique=False)
    op.create_index(
        "ix_payment_methods_card",
        "payment_methods",
        ["last4", "exp_year", "exp_month"],
        unique=False,
    )


def _staff() -> None:
    op.create_table(
        "staff_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=False),
        sa.Column("last_totp_step", sa.Integer(), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.Column("disabled_at", Moment(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_members")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_members_email")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.Column("expires_at", Moment(timezone=True), nullable=False),
        sa.Column("revoked_at", Moment(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_staff_sessions_staff_id_staff_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index(op.f("ix_staff_sessions_staff_id"), "staff_sessions", ["staff_id"])


def _cases() -> None:
    op.create_table(
        "support_cases",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("opened_by", sa.String(length=10), nullable=False),
        sa.Column("escalated_at", Moment(timezone=True), nullable=True),
        sa.Column("first_response_due_at", Moment(timezone=True), nullable=False),
        sa.Column("first_responded_at", Moment(timezone=True), nullable=True),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.Column("updated_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_support_cases_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["staff_members.id"],
            name=op.f("fk_support_cases_assignee_id_staff_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_cases")),
    )
    op.create_index(op.f("ix_support_cases_account_id"), "support_cases", ["account_id"])
    op.create_index(op.f("ix_support_cases_assignee_id"), "support_cases", ["assignee_id"])
    op.create_index(op.f("ix_support_cases_status"), "support_cases", ["status"])
    op.create_table(
        "case_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("author_type", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["support_cases.id"], name=op.f("fk_case_messages_case_id_support_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_messages")),
    )
    op.create_index(op.f("ix_case_messages_case_id"), "case_messages", ["case_id"])


def _exceptions() -> None:
    op.create_table(
        "refund_exceptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", Moment(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", Moment(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_refund_exceptions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["staff_members.id"],
            name=op.f("fk_refund_exceptions_decided_by_staff_members"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["staff_members.id"],
            name=op.f("fk_refund_exceptions_requested_by_staff_members"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_refund_exceptions_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_exceptions")),
    )
    op.create_index(op.f("ix_refund_exceptions_account_id"), "refund_exceptions", ["account_id"])
    op.create_index(op.f("ix_refund_exceptions_status"), "refund_exceptions", ["status"])


def downgrade() -> None:
    op.drop_index("ix_payment_methods_card", table_name="payment_methods")
    op.drop_index("ix_devices_name", table_name="devices")
    op.drop_index("ix_accounts_name", table_name="accounts")
    op.drop_index(op.f("ix_refund_exceptions_status"), table_name="refund_exceptions")
    op.drop_index(op.f("ix_refund_exceptions_account_id"), table_name="refund_exceptions")
    op.drop_table("refund_exceptions")
    op.drop_index(op.f("ix_case_messages_case_id"), table_name="case_messages")
    op.drop_table("case_messages")
    op.drop_index(op.f("ix_support_cases_status"), table_name="support_cases")
    op.drop_index(op.f("ix_support_cases_assignee_id"), table_name="support_cases")
    op.drop_index(op.f("ix_support_cases_account_id"), table_name="support_cases")
    op.drop_table("support_cases")
    op.drop_index(op.f("ix_staff_sessions_staff_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_table("staff_members")

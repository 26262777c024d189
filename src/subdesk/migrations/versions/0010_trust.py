"""trust check: official channels, reports, known scam numbers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 04:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "official_phones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("e164", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("toll_free", sa.Boolean(), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("hours", sa.String(length=200), nullable=False),
        sa.Column("added_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_phones")),
        sa.UniqueConstraint("e164", name=op.f("uq_official_phones_e164")),
    )
    op.create_table(
        "official_domains",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("added_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_domains")),
        sa.UniqueConstraint("kind", "domain", name=op.f("uq_official_domains_kind")),
    )
    op.create_table(
        "trust_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reported_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_reports")),
    )
    with op.batch_alter_table("trust_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trust_reports_reported_at"), ["reported_at"], unique=False
        )
    op.create_table(
        "trust_report_numbers",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("e164", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("toll_free", sa.Boolean(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["trust_reports.id"],
            name=op.f("fk_trust_report_numbers_report_id_trust_reports"),
        ),
        sa.PrimaryKeyConstraint("report_id", "e164", name=op.f("pk_trust_report_numbers")),
    )
    with op.batch_alter_table("trust_report_numbers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trust_report_numbers_e164"), ["e164"], unique=False)
    op.create_table(
        "scam_numbers",
        sa.Column("e164", sa.String(length=16), nullable=False),
        sa.Column("marked_at", subdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("e164", name=op.f("pk_scam_numbers")),
    )


def downgrade() -> None:
    op.drop_table("scam_numbers")
    with op.batch_alter_table("trust_report_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trust_report_numbers_e164"))
    op.drop_table("trust_report_numbers")
    with op.batch_alter_table("trust_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trust_reports_reported_at"))
    op.drop_table("trust_reports")
    op.drop_table("official_domains")
    op.drop_table("official_phones")

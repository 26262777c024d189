"""operations: indexes for the metrics read at scrape time; the request id behind an email or a webhook

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# Each scrape counts the pending and failed rows of these tables and reads the oldest one's
# time (support cases: the unresolved ones by age); without (status, created_at) each of those
# reads the whole table, which only grows.
INDEXES = {
    "outbox_emails": "ix_outbox_emails_status_created_at",
    "webhook_deliveries": "ix_webhook_deliveries_status_created_at",
    "support_cases": "ix_support_cases_status_created_at",
}


def upgrade() -> None:
    for table, name in INDEXES.items():
        op.create_index(name, table, ["status", "created_at"])
    for table in ("outbox_emails", "webhook_deliveries"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in ("webhook_deliveries", "outbox_emails"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("request_id")
    for table, name in INDEXES.items():
        op.drop_index(name, table_name=table)
